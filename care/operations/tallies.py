"""Webhook requests counted by endpoint and outcome, in the database (for /metrics).

A wrapper at the URL, so the webhook views stay as they are: the outcome is
read from the response's status (accepted, bad_signature, bad_request...).
The count is one guarded UPDATE ... SET count = count + 1, shared by every
web process and host.
"""

import functools
import logging
from collections.abc import Callable

from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse

from care.models import WebhookTally

log = logging.getLogger(__name__)

OUTCOMES = {400: "bad_request", 403: "bad_signature", 405: "bad_method"}


def outcome_of(status: int) -> str:
    if status < 400:
        return "accepted"
    if status >= 500:
        return "error"
    return OUTCOMES.get(status, "rejected")


def webhook_tally_add(*, endpoint: str, outcome: str) -> None:
    rows = WebhookTally.objects.filter(endpoint=endpoint, outcome=outcome)
    if rows.update(count=F("count") + 1):
        return
    try:
        with transaction.atomic():
            WebhookTally.objects.create(endpoint=endpoint, outcome=outcome, count=1)
    except IntegrityError:  # another request created it a moment ago
        rows.update(count=F("count") + 1)


def _tally(endpoint: str, outcome: str) -> None:
    try:
        webhook_tally_add(endpoint=endpoint, outcome=outcome)
    except DatabaseError:  # counting must not fail a webhook
        log.exception("could not count a %s webhook", endpoint)


def webhook_counted(endpoint: str) -> Callable:
    """Wrap a webhook view: count each request by its outcome."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def counted(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            try:
                response = view(request, *args, **kwargs)
            except Exception:
                _tally(endpoint, "error")
                raise
            _tally(endpoint, outcome_of(response.status_code))
            return response

        return counted

    return decorate
