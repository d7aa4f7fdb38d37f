"""One-click email unsubscribe (RFC 8058): the /u/<token> page and the withdrawal.

GET shows a page in the customer's language with a button; POST, from that
button or from a mail client's one-click, withdraws email marketing consent at
once. A repeat changes nothing; a bad token is a 400 page. The link and its
headers are made by care.content.links.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from care.content.links import customer_from_token
from crm.models import Channel, Customer, Purpose
from crm.services import consent_record

SOURCE = "unsubscribe-link"


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
