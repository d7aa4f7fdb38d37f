"""Links a message carries: the one-click unsubscribe link and its List-Unsubscribe headers.

The link carries a signed token (django.core.signing, salted): the customer's
id, nothing else, and no timestamp: an unsubscribe link must work however old
the email is. The page behind it is care.delivery.unsubscribe.
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse

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
