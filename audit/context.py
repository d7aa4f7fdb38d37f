"""Who is acting now: set once per request (middleware) or command, read by writers.

Services deep down (a consent change inside an API upsert, say) record audit
entries without a request in hand; the actor travels in a context variable
instead of through every signature. Outside a request or command the actor is
"system" (the scheduler's sweeps and dispatch).
"""

import getpass
import ipaddress
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest


@dataclass(frozen=True)
class Actor:
    name: str
    user_id: int | None = None
    ip: str | None = None


SYSTEM = Actor("system")
_current: ContextVar[Callable[[], Actor] | None] = ContextVar(
    "audit_actor", default=None
)


def current_actor() -> Actor:
    resolve = _current.get()
    return resolve() if resolve is not None else SYSTEM


@contextmanager
def acting_as(actor: Actor | Callable[[], Actor]) -> Iterator[None]:
    """Attribute what happens inside the block to `actor` (or a function giving it)."""
    resolve = actor if callable(actor) else (lambda: actor)
    token = _current.set(resolve)
    try:
        yield
    finally:
        _current.reset(token)


def login_name() -> str:
    """The operator's login name in the shell ("unknown" when there is none)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in some containers
        return "unknown"


def command_actor(name: str) -> Actor:
    """A management command run by an operator in a shell."""
    return Actor(f"command:{name} ({login_name()})"[:150])


def client_ip(request: HttpRequest) -> str | None:
    """REMOTE_ADDR, or behind a proxy the last address of AUDIT_IP_HEADER.

    The last one is the address your proxy saw (a client can only prepend to
    X-Forwarded-For). Anything that is not an IP address is kept as none.
    """
    header = getattr(settings, "AUDIT_IP_HEADER", "")
    raw = request.META.get(header, "") if header else ""
    raw = raw.split(",")[-1].strip() or request.META.get("REMOTE_ADDR", "")
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return None


def actor_from_request(request: HttpRequest) -> Actor:
    """The staff user or API client behind a request, with its address.

    Anonymous requests (a customer's survey or unsubscribe page, a provider's
    webhook) keep no address: a customer's IP is their personal data, and the
    trail must hold none.
    """
    ip = client_ip(request)
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return Actor(user.get_username()[:150], user.pk, ip)
    client = getattr(getattr(request, "auth", None), "name", "")
    if client:
        return Actor(f"api:{client}"[:150], None, ip)
    return Actor("public")
