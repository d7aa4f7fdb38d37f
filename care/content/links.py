"""Links a message carries: one-click unsubscribe (with its List-Unsubscribe headers) and
tracked links to the shop (`{% link %}`, the /c/<token> page in care.delivery.clicks).

The link carries a signed token (django.core.signing, salted): the customer's
id, nothing else, and no timestamp: an unsubscribe link must work however old
the email is. The page behind it is care.delivery.unsubscribe.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac

from care.models import Message, TrackedLink
from crm.models import Customer

SALT = "care.unsubscribe"


def unsubscribe_token(customer: Customer) -> str:
    return signing.Signer(salt=SALT).sign_object({"c": customer.pk}, compress=True)


def unsubscribe_url(customer: Customer) -> str:
    token = unsubscribe_token(customer)
    return settings.SITE_URL + reverse("unsubscribe", args=[token])


def customer_from_token(token: str) -> Customer | None:
    try:
        data = signing.Signer(salt=SALT).unsign_object(token)
    except (signing.BadSignature, ValueError, UnicodeDecodeError):
        return None
    pk = data.get("c") if isinstance(data, dict) else None
    if not isinstance(pk, int):
        return None
    return Customer.objects.filter(pk=pk).first()


def list_unsubscribe_headers(customer: Customer) -> dict[str, str]:
    """RFC 2369 + RFC 8058 headers for marketing email."""
    targets = [f"<{unsubscribe_url(customer)}>"]
    if settings.UNSUBSCRIBE_MAILTO:
        targets.append(f"<mailto:{settings.UNSUBSCRIBE_MAILTO}?subject=unsubscribe>")
    return {
        "List-Unsubscribe": ", ".join(targets),
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


# Tracked links (/c/<token>): base62 of the message id, one character for the
# link's position in the message, and 7 characters of an HMAC (40 bits). No
# row is looked up before the signature checks out. SMS length: see
# TRACKED_TOKEN_MAX (previews use a token that long).
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
LINK_SALT = "care.links"
SIGNATURE_LENGTH = 7
MAX_LINKS = len(BASE62)  # positions 0..61 in one character
# A message id up to 62**6 (56 billion) + position + signature.
TRACKED_TOKEN_MAX = 6 + 1 + SIGNATURE_LENGTH
PREVIEW_TOKEN = "Preview" + "0" * (TRACKED_TOKEN_MAX - 7)


class LinkError(ValueError):
    """A link the template asks for cannot be made (not http(s), too many)."""


def base62(number: int) -> str:
    digits = ""
    while True:
        number, rest = divmod(number, 62)
        digits = BASE62[rest] + digits
        if not number:
            return digits


def _signature(payload: str) -> str:
    digest = salted_hmac(LINK_SALT, payload, algorithm="sha256").digest()
    return base62(int.from_bytes(digest[:5], "big")).rjust(SIGNATURE_LENGTH, "0")


def link_token(message_id: int, position: int) -> str:
    payload = base62(message_id) + BASE62[position]
    return payload + _signature(payload)


def link_from_token(token: str) -> tuple[int, int] | None:
    """(message id, position) of a genuine token; None for anything else."""
    if not (SIGNATURE_LENGTH + 2 <= len(token) <= 40) or not token.isascii():
        return None
    payload, signature = token[:-SIGNATURE_LENGTH], token[-SIGNATURE_LENGTH:]
    if not all(ch in BASE62 for ch in token):
        return None
    if not constant_time_compare(signature, _signature(payload)):
        return None
    message_id = 0
    for ch in payload[:-1]:
        message_id = message_id * 62 + BASE62.index(ch)
    return message_id, BASE62.index(payload[-1])


def tracked_url(token: str) -> str:
    return settings.SITE_URL + reverse("tracked-link", args=[token])


class LinkMaker:
    """What `{% link %}` writes in one message: tracked or plain, and the rows to keep.

    `message_id` None: a preview (a token of the longest length, nothing kept).
    The same destination twice in a message (text and HTML parts) is one link.
    """

    def __init__(
        self, *, message_id: int | None, tracking: bool, default_url: str
    ) -> None:
        self.message_id = message_id
        self.tracking = tracking
        self.default_url = default_url
        self.positions: dict[str, int] = {}

    def url(self, target: str = "") -> str:
        destination = (target or self.default_url).strip()
        if urlsplit(destination).scheme not in ("http", "https"):
            raise LinkError(f"a link must lead to an http(s) address, not {target!r}")
        if not self.tracking:
            return destination
        if destination not in self.positions:
            if len(self.positions) >= MAX_LINKS:
                raise LinkError(f"at most {MAX_LINKS} links in one message")
            self.positions[destination] = len(self.positions)
        if self.message_id is None:
            return tracked_url(PREVIEW_TOKEN)
        return tracked_url(link_token(self.message_id, self.positions[destination]))

    def links(self) -> list[tuple[int, str]]:
        """(position, destination) of every tracked link made so far."""
        return [(position, url) for url, position in self.positions.items()]


def links_keep(message_id: int, links: list[tuple[int, str]]) -> None:
    """Keep a rendered message's tracked links (a re-render writes the same rows)."""
    if not links:
        return
    TrackedLink.objects.bulk_create(
        [TrackedLink(message_id=message_id, position=p, url=u) for p, u in links],
        update_conflicts=True,
        unique_fields=["message", "position"],
        update_fields=["url"],
    )


def default_destination(message: Message) -> str:
    """Where `{% link %}` leads: the message's product page when known, else the shop."""
    product = message.product if message.product_id else None
    return (product.url if product is not None else "") or settings.SHOP_URL
