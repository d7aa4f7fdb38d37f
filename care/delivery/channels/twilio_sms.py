"""SMS through the official Twilio client (settings: docs/delivery.md).

Error policy (why each class is handled as it is):
- 429 / 20429: throttled; this message is retried after Retry-After (at least a
  jittered backoff); the others go on at the pace of the shared token bucket.
- 4xx with a code (21211 invalid number, 21614 not a mobile, 21610 the
  recipient replied STOP...): permanent, with the code; dispatch fails the
  message and marks the contact (care.delivery.provider_errors).
- 401/403: our credentials, not the message: retried (an operator fixes them).
- A read timeout, a dropped connection or a 5xx after the request went out:
  Twilio may have taken the message. Never retried blindly (the customer
  would get it twice): the message is left for reconciliation (status
  callback, or `was_sent` looking it up).
- A connection that never opened (refused, connect timeout): nothing reached
  Twilio; retried like any transient error.
"""

import datetime as dt
import os
import threading
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit
from urllib.request import getproxies

import requests
from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from requests.adapters import HTTPAdapter
from twilio.base.exceptions import (
    TwilioException,
    TwilioRestException,
    TwilioServiceException,
)
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from care.delivery.channels.base import ChannelBackend, ChannelError, recipient_phone

if TYPE_CHECKING:
    from care.models import Message

# Twilio caps ValidityPeriod at 36,000 s (10 h); a survey a day late is noise.
MAX_VALIDITY = 36_000
# Codes after which this message will never go, whatever we do.
PERMANENT_CODES = frozenset(
    {21211, 21214, 21217, 21408, 21606, 21610, 21612, 21614, 21659, 30004, 30006}
)
CREDENTIAL_STATUSES = frozenset({401, 403})
# A look-up accepts messages created this long before the attempt (clocks differ).
LOOKUP_SKEW = dt.timedelta(minutes=5)
# Messages to one recipient read at most per look-up.
LOOKUP_LIMIT = 200
_clients: dict[tuple, Client] = {}
_lock = threading.Lock()


class CareHttpClient(TwilioHttpClient):
    """Twilio's own HTTP client, pointed at TWILIO_API_BASE_URL when set.

    Keeps the last response per thread so a 429's Retry-After header, which
    the exceptions do not carry, can be read.
    """

    def __init__(self, *, base_url: str = "", timeout: float | None = None) -> None:
        super().__init__(timeout=timeout)
        self.base_url = base_url.rstrip("/")
        self.local = threading.local()
        if self.session is not None:
            # One keep-alive connection per request in flight: requests keeps
            # 10 per host by default and would open (and drop) a new one for
            # each request beyond that under DISPATCH_CONCURRENCY.
            size = max(10, settings.DISPATCH_CONCURRENCY)
            for prefix in ("https://", "http://"):
                self.session.mount(
                    prefix, KeyedAdapter(pool_connections=4, pool_maxsize=size)
                )
        if self.session is not None and not getproxies():
            # requests re-reads the environment on every request (a sixth of
            # a send's time); without proxies only the CA bundle matters, and
            # that is read once here.
            bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get(
                "CURL_CA_BUNDLE"
            )
            if bundle:
                self.session.verify = bundle
            self.session.trust_env = False

    def request(self, method: str, url: str, *args, **kwargs) -> Response:
        if self.base_url:
            url = _rebase(url, self.base_url)
        self.local.response = None
        response = super().request(method, url, *args, **kwargs)
        self.local.response = response
        return response

    def last_header(self, name: str) -> str | None:
        response = getattr(self.local, "response", None)
        if response is None or not response.headers:
            return None
        return {k.lower(): v for k, v in response.headers.items()}.get(name.lower())


class KeyedAdapter(HTTPAdapter):
    """requests' adapter, remembering which connection pool serves which host.

    requests works that out again for every request, with a stat() of the CA
    bundle each time (a tenth of a send's CPU in the send pool's threads).
    The answer depends only on the scheme, host and port and the TLS
    settings, so it is kept per those.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.keys: dict[tuple, tuple[dict, dict]] = {}

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        origin = request.url.split("/", 3)[:3]  # scheme, "", host[:port]
        key = (*origin, verify if isinstance(verify, str | bool) else repr(verify))
        key += (cert if isinstance(cert, str | tuple) else repr(cert),)
        found = self.keys.get(key)
        if found is None:
            found = super().build_connection_pool_key_attributes(request, verify, cert)
            self.keys[key] = found
        host, pool = found
        return dict(host), dict(pool)


def _rebase(url: str, base_url: str) -> str:
    parts, base = urlsplit(url), urlsplit(base_url)
    path = base.path.rstrip("/") + parts.path
    return urlunsplit((base.scheme, base.netloc, path, parts.query, parts.fragment))


def twilio_client() -> Client:
    """One client (and one pooled HTTP session) per process and configuration."""
    key = (
        settings.TWILIO_ACCOUNT_SID,
        settings.TWILIO_AUTH_TOKEN,
        settings.TWILIO_API_BASE_URL,
        settings.TWILIO_TIMEOUT,
    )
    with _lock:
        client = _clients.get(key)
        if client is None:
            http = CareHttpClient(
                base_url=settings.TWILIO_API_BASE_URL,
                timeout=settings.TWILIO_TIMEOUT or None,
            )
            client = Client(key[0], key[1], http_client=http)
            _clients[key] = client
    return client


_callback_paths: dict[tuple, str] = {}


def status_callback_url(message: "Message") -> str:
    # Our id rides along so a callback can be matched even before the
    # provider id is written down (or when the send outcome was lost).
    return f"{settings.SITE_URL}{_callback_path()}?m={message.pk}"


def _callback_path() -> str:
    """reverse('twilio-status'), once per URL configuration (a send's hot path)."""
    key = (get_urlconf(), settings.ROOT_URLCONF, get_script_prefix())
    path = _callback_paths.get(key)
    if path is None:
        # One thread loads the URL map, the others wait for it: Django's
        # resolver would load it in each of the send pool's threads at once.
        with _lock:
            path = _callback_paths.get(key) or reverse("twilio-status")
            _callback_paths[key] = path
    return path


def validity_period(message: "Message", now: dt.datetime) -> int | None:
    """Seconds Twilio may keep trying; None for messages that are not time-bound.

    A message is time-bound when it has an expiry (every survey does).
    """
    if message.expires_at is None:
        return None
    if message.expires_at > now:
        seconds = int((message.expires_at - now).total_seconds())
    else:
        seconds = settings.SMS_TIME_SENSITIVE_VALIDITY
    return max(1, min(seconds, MAX_VALIDITY))


def send_params(message: "Message", now: dt.datetime) -> dict:
    params = {
        "to": recipient_phone(message),
        "body": message.body,
        "status_callback": status_callback_url(message),
    }
    if settings.TWILIO_MESSAGING_SERVICE_SID:
        params["messaging_service_sid"] = settings.TWILIO_MESSAGING_SERVICE_SID
    else:
        params["from_"] = settings.TWILIO_FROM_NUMBER
    validity = validity_period(message, now)
    if validity is not None:
        params["validity_period"] = validity
    return params


def _retry_after(client: Client) -> float:
    value = client.http_client.last_header("Retry-After")
    try:
        return max(0.0, float(value)) if value else 0.0
    except ValueError:
        return 0.0


def channel_error(exc: TwilioException, retry_after: float = 0.0) -> ChannelError:
    """Classify a Twilio error (see the module docstring)."""
    status = getattr(exc, "status", None) or 0
    code = getattr(exc, "code", None)
    text = getattr(exc, "detail", None) or getattr(exc, "msg", None) or ""
    if isinstance(exc, TwilioServiceException):
        text = f"{exc.title}: {text}" if text else exc.title
    label = f"Twilio {status or ''} {code or ''}: {text}".replace("  ", " ").strip()
    code_text = str(code) if code else ""
    if status == 429 or code == 20429:
        return ChannelError(label, retry_after=retry_after, code=code_text)
    if status >= 500:
        return ChannelError(label, ambiguous=True, code=code_text)
    if status in CREDENTIAL_STATUSES:
        return ChannelError(label, code=code_text)
    if 400 <= status < 500 or code in PERMANENT_CODES:
        return ChannelError(label, permanent=True, code=code_text)
    return ChannelError(label or repr(exc))


def transport_error(exc: requests.RequestException) -> ChannelError:
    if isinstance(exc, requests.ConnectTimeout):
        return ChannelError(f"Twilio not reachable: {exc}")
    if isinstance(exc, requests.ConnectionError) and "NewConnectionError" in repr(exc):
        return ChannelError(f"Twilio not reachable: {exc}")
    return ChannelError(f"Twilio did not answer: {exc}", ambiguous=True)


class TwilioBackend(ChannelBackend):
    def __init__(self) -> None:
        self.client = twilio_client()

    def warm(self) -> None:
        # The client imports its API modules on first use; the callback
        # URL needs the URL map loaded.
        self.client.messages  # noqa: B018
        _callback_path()

    def send(self, message: "Message") -> str:
        if not (settings.TWILIO_FROM_NUMBER or settings.TWILIO_MESSAGING_SERVICE_SID):
            # Our set-up, not the message: it waits until an operator fixes it.
            raise ChannelError("no Twilio sender: set TWILIO_FROM_NUMBER")
        params = send_params(message, timezone.now())
        try:
            created = self.client.messages.create(**params)
        except (TwilioRestException, TwilioServiceException) as exc:
            raise channel_error(exc, _retry_after(self.client)) from exc
        except requests.RequestException as exc:
            raise transport_error(exc) from exc
        except TwilioException as exc:  # e.g. an unreadable answer: may have gone
            raise ChannelError(f"Twilio: {exc}", ambiguous=True) from exc
        return created.sid

    def was_sent(
        self, message: "Message", exclude: frozenset[str] = frozenset()
    ) -> bool | None:
        """Look the message up at Twilio: by its SID, else by recipient, time and body.

        Sets `message.provider_id` when found. Raises on a Twilio or network
        error (the caller asks again later).
        """
        try:
            if message.provider_id.startswith(("SM", "MM")):
                return self._fetch(message.provider_id)
            return self._find(message, exclude)
        except requests.RequestException as exc:
            raise ChannelError(f"Twilio lookup failed: {exc}") from exc

    def _fetch(self, sid: str) -> bool:
        try:
            self.client.messages(sid).fetch()
        except TwilioRestException as exc:
            if exc.status == 404:
                return False
            raise
        return True

    def _find(self, message: "Message", exclude: frozenset[str]) -> bool:
        """Twilio has no idempotency key for Messages: match what the attempt committed.

        Listed by `To` only, newest first: a message Twilio still queues has
        no DateSent yet, so a DateSent filter would miss exactly the messages
        in doubt. A candidate must have the committed body, be created after
        the attempt began (less a margin for clock skew), and not be the SID
        of another of our messages (two messages with the same text).
        """
        since = message.attempted_at or message.claimed_at or message.created_at
        margin = since - LOOKUP_SKEW
        for found in self.client.messages.stream(
            to=recipient_phone(message), page_size=50, limit=LOOKUP_LIMIT
        ):
            created = found.date_created or found.date_sent
            if created is not None and created < margin - dt.timedelta(days=1):
                break  # newest first: the rest is older still
            if found.sid in exclude or found.body != message.body:
                continue
            if created is None or created >= margin:
                message.provider_id = found.sid
                return True
        return False
