"""Replies customers send by SMS: opt-out, opt-in, help, survey answers, the rest.

Keywords are matched on the whole trimmed, case-folded body (a sentence that
merely contains "stop" is not an opt-out). Twilio's OptOutType field, when its
Advanced Opt-Out is on, wins over our own reading.
"""

import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from care.models import InboundKind, InboundMessage
from care.service.surveys import survey_answer_by_sms
from crm.models import Channel, Customer, Purpose
from crm.services import consent_record

log = logging.getLogger(__name__)

STOP_WORDS = frozenset(
    {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "td", "退订"}
)
START_WORDS = frozenset({"start", "yes", "unstop"})
HELP_WORDS = frozenset({"help", "info"})
OPT_OUT_TYPES = {
    "stop": InboundKind.STOP,
    "start": InboundKind.START,
    "help": InboundKind.HELP,
}
TRAILING = " \t\r\n.!。！,，"


@dataclass(frozen=True)
class InboundResult:
    kind: str
    reply: str | None
    duplicate: bool = False


def keyword(body: str) -> str:
    return body.strip(TRAILING).casefold()


def inbound_kind(body: str, opt_out_type: str = "") -> str:
    by_twilio = OPT_OUT_TYPES.get(opt_out_type.strip().casefold())
    if by_twilio:
        return by_twilio
    word = keyword(body)
    if word in STOP_WORDS:
        return InboundKind.STOP
    if word in START_WORDS:
        return InboundKind.START
    if word in HELP_WORDS:
        return InboundKind.HELP
    return InboundKind.OTHER


def _locale(customer: Customer | None, body: str) -> str:
    if customer is not None:
        return customer.locale
    return "zh-hans" if any("\u4e00" <= ch <= "\u9fff" for ch in body) else "en"


def reply_text(kind: str, locale: str, *, twilio_replied: bool) -> str | None:
    """What we answer; None when Twilio's own opt-out handling already did."""
    with translation.override(locale):
        if kind == InboundKind.HELP:
            return _(
                "Proactive Care: reply STOP (or TD) to stop marketing texts, "
                "START to receive them again."
            )
        if twilio_replied:
            return None
        if kind == InboundKind.STOP:
            return _("You will receive no more marketing texts. Reply START to undo.")
        if kind == InboundKind.START:
            return _("You will receive our texts again. Reply STOP to opt out.")
    return None


def _survey_answer(customer: Customer, body: str) -> bool:
    try:
        with transaction.atomic():  # a savepoint: a failure leaves the reply intact
            return survey_answer_by_sms(
                customer=customer, body=body, received_at=timezone.now()
            )
    except Exception:  # a reply is never lost to a survey bug: kept as "other"
        log.exception("survey_answer_by_sms failed for customer %s", customer.pk)
        return False


def _consent(customers: list[Customer], granted: bool, word: str) -> None:
    source = f"sms-reply:{word or 'opt-out-type'}"[:100]
    for customer in customers:
        consent_record(
            customer=customer,
            channel=Channel.SMS,
            purpose=Purpose.MARKETING,
            granted=granted,
            source=source,
        )


def inbound_receive(*, params: dict[str, str]) -> InboundResult:
    """Record one inbound SMS once (by MessageSid) and act on it.

    Raises ValueError when MessageSid or From is missing.
    """
    sid = (params.get("MessageSid") or params.get("SmsSid") or "").strip()
    sender = (params.get("From") or "").strip()
    if not sid or not sender or len(sid) > 100 or len(sender) > 40:
        raise ValueError("MessageSid and From are required")
    body = (params.get("Body") or "")[:2000]
    opt_out_type = params.get("OptOutType") or ""
    customers = list(Customer.objects.filter(phone=sender).order_by("id")[:20])
    first = customers[0] if customers else None
    kind = inbound_kind(body, opt_out_type)
    reply = reply_text(kind, _locale(first, body), twilio_replied=bool(opt_out_type))
    try:
        with transaction.atomic():
            inbound = InboundMessage.objects.create(
                provider_id=sid,
                customer=first,
                from_number=sender,
                to_number=(params.get("To") or "")[:40],
                body=body,
                kind=kind,
                received_at=timezone.now(),
            )
            _act(inbound, customers, keyword(body))
    except IntegrityError:
        return InboundResult(kind, reply, duplicate=True)
    return InboundResult(inbound.kind, reply)


def _act(inbound: InboundMessage, customers: list[Customer], word: str) -> None:
    if inbound.kind == InboundKind.STOP:
        _consent(customers, False, word)
    elif inbound.kind == InboundKind.START:
        _consent(customers, True, word)
    elif (
        inbound.kind == InboundKind.OTHER
        and inbound.customer is not None
        and _survey_answer(inbound.customer, inbound.body)
    ):
        inbound.kind = InboundKind.SURVEY
        inbound.save(update_fields=["kind"])
