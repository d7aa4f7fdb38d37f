"""One-click email unsubscribe (RFC 8058) and the List-Unsubscribe headers.

The link carries a signed token (django.core.signing, salted): the customer's
id, nothing else. GET shows a page in the customer's language with a button;
POST, from that button or from a mail client's one-click, withdraws email
marketing consent at once. A repeat changes nothing; a bad token is a 400 page.
"""

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from crm.models import Channel, Customer, Purpose
from crm.services import consent_record

SALT = "care.unsubscribe"
SOURCE = "unsubscribe-link"


def unsubscribe_token(customer: Customer) -> str:
    # No timestamp: an unsubscribe link must work however old the email is.
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


def email_marketing_withdraw(*, customer: Customer) -> bool:
    """Withdraw email marketing consent; return whether anything changed."""
    _, added = consent_record(
        customer=customer,
        channel=Channel.EMAIL,
        purpose=Purpose.MARKETING,
        granted=False,
        source=SOURCE,
    )
    return added


@csrf_exempt  # RFC 8058: mail clients POST without our cookie; the token is the proof
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    customer = customer_from_token(token)
    if customer is None:
        return render(request, "care/unsubscribe_invalid.html", status=400)
    with translation.override(customer.locale):
        if request.method == "POST":
            email_marketing_withdraw(customer=customer)
            return render(request, "care/unsubscribe_done.html", {"customer": customer})
        return render(request, "care/unsubscribe.html", {"customer": customer})
