"""Twilio webhooks: status callbacks and inbound SMS.

Both check X-Twilio-Signature over SITE_URL + path (+ query) and the POST
parameters with the auth token (403 otherwise), accept a repeated delivery
without a second effect, and answer 400, never 500, to malformed input.
"""

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from care.delivery.inbound import inbound_receive
from care.delivery.receipts import delivery_status_record

log = logging.getLogger(__name__)


def signature_valid(request: HttpRequest) -> bool:
    token = settings.TWILIO_AUTH_TOKEN
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature:
        return False
    url = settings.SITE_URL + request.get_full_path()
    try:
        return RequestValidator(token).validate(url, request.POST, signature)
    except Exception:  # unreadable body or header: not a valid request
        return False


def _forbidden() -> HttpResponse:
    return HttpResponse("invalid signature\n", status=403, content_type="text/plain")


def _bad(reason: str) -> HttpResponse:
    return HttpResponse(f"{reason}\n", status=400, content_type="text/plain")


def _params(request: HttpRequest) -> dict[str, str]:
    # NUL cannot be stored in PostgreSQL text or jsonb: never part of a real value.
    return {
        key.replace("\x00", ""): request.POST.get(key, "").replace("\x00", "")
        for key in request.POST
    }


@csrf_exempt
@require_POST
def twilio_status(request: HttpRequest) -> HttpResponse:
    if not signature_valid(request):
        return _forbidden()
    try:
        delivery_status_record(
            params=_params(request), message_ref=request.GET.get("m")
        )
    except ValueError as exc:
        return _bad(str(exc))
    return HttpResponse(status=204)


@csrf_exempt
@require_POST
def twilio_inbound(request: HttpRequest) -> HttpResponse:
    if not signature_valid(request):
        return _forbidden()
    try:
        result = inbound_receive(params=_params(request))
    except ValueError as exc:
        return _bad(str(exc))
    response = MessagingResponse()
    if result.reply:
        response.message(result.reply)
    return HttpResponse(str(response), content_type="text/xml; charset=utf-8")
