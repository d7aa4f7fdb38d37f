"""Logs: one structured line per message outcome, JSON on request, never a contact or a text.

A whole run (a sweep planning surveys and birthday gifts, dispatch through
the real Twilio client against the local fake and the locmem email backend,
status callbacks and a STOP reply through the signed webhooks) is captured
with every log record the project emits, formatted as in production, and
scanned for the customers' phones, emails, names and the messages' texts.
"""

import datetime as dt
import io
import json
import logging
import sys

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.exceptions import ImproperlyConfigured

from care.models import Message, MessageStatus
from care.tasks import campaigns_sweep_task, messages_dispatch_task
from config.logging import JsonLineFormatter, TextFormatter, logging_config, redact
from tests.delivery.conftest import fake_twilio  # noqa: F401  (the fixture)
from tests.delivery.util import signed_post
from tests.factories import CustomerFactory, campaign_with_templates, consent
from tests.operations.conftest import MORNING
from tests.operations.helpers import resolved_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def captured():
    """Every record from every logger, through the production formatters."""
    streams = {"text": io.StringIO(), "json": io.StringIO()}
    handlers = []
    for name, formatter in (("text", TextFormatter()), ("json", JsonLineFormatter())):
        handler = logging.StreamHandler(streams[name])
        handler.setFormatter(formatter)
        handlers.append(handler)
    records: list[logging.LogRecord] = []
    keeper = logging.Handler()
    keeper.emit = records.append
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.DEBUG)
    for handler in (*handlers, keeper):
        root.addHandler(handler)
    yield streams, records
    for handler in (*handlers, keeper):
        root.removeHandler(handler)
    root.setLevel(level)


def people() -> list:
    """Customers in Shanghai (daytime) and one in New York (21:00 there: quiet hours)."""
    customers = [
        CustomerFactory(birthday=dt.date(1990, 11, 26), locale="en"),
        CustomerFactory(birthday=dt.date(1990, 11, 26)),
        CustomerFactory(birthday=dt.date(1990, 11, 26), time_zone="America/New_York"),
        CustomerFactory(birthday=dt.date(1990, 11, 26)),  # no consent: skipped
    ]
    for customer in customers[:3]:
        consent(customer, "sms", "marketing")
        consent(customer, "email", "marketing")
        consent(customer, "sms", "service")
    return customers


def whole_run(client, fake) -> list:
    customers = people()
    campaign_with_templates(trigger="birthday", channels=["sms", "email"])
    campaign_with_templates(trigger="survey", purpose="service", channels=["sms"])
    resolved_ticket(15, customer=customers[1])
    # Twilio refuses the first SMS, quoting the number as it does.
    fake.then_error(21211, message=f"The 'To' number {customers[0].phone} is not valid")
    campaigns_sweep_task()
    messages_dispatch_task()
    for message in Message.objects.filter(status=MessageStatus.SENT, channel="sms"):
        signed_post(
            client,
            "/webhooks/twilio/status",
            {"MessageSid": message.provider_id, "MessageStatus": "delivered"},
        )
    signed_post(
        client,
        "/webhooks/twilio/inbound",
        {"MessageSid": "SM" + "7" * 32, "From": customers[1].phone, "Body": "STOP"},
    )
    return customers


def secrets(customers) -> list[str]:
    found = []
    for customer in customers:
        found += [customer.phone, customer.phone.removeprefix("+86"), customer.email]
        found.append(customer.name)
    texts = [m.body for m in Message.objects.exclude(body="")]
    texts += [e.body for e in mail.outbox]
    assert texts, "the run sent nothing: the scan would prove nothing"
    return found + texts


@pytest.fixture
def run(client, fake_twilio, captured, settings):
    """The whole run, done: (customers, formatted streams, raw records)."""
    settings.SITE_URL = "https://care.example.com"
    settings.TWILIO_AUTH_TOKEN = "test-auth-token"
    with time_machine.travel(MORNING, tick=False):
        customers = whole_run(client, fake_twilio)
    return customers, *captured


def test_a_whole_run_logs_no_phone_email_name_or_text(run):
    customers, streams, records = run
    output = streams["text"].getvalue() + streams["json"].getvalue()
    raw = "\n".join(
        f"{r.getMessage()} {r.exc_text or ''} {r.__dict__}" for r in records
    )
    for secret in secrets(customers):
        # Not only redacted on the way out: never put in a record at all.
        assert secret not in output and secret not in raw
    assert len(records) > 10


def test_each_outcome_has_a_line_with_its_id_campaign_channel_and_reason(run):
    _, streams, _ = run
    lines = [json.loads(line) for line in streams["json"].getvalue().splitlines()]
    events = {}
    for line in lines:
        if "message_id" in line:
            events.setdefault(line["message_id"], []).append(line["event"])
    planned = [l for l in lines if l.get("event") == "messages_planned"]
    for message in Message.objects.all():
        seen = events.get(message.pk, [])
        if message.status == MessageStatus.DELIVERED:
            assert seen == ["message_sent", "message_delivered"]
        elif message.pk in events:
            assert seen == [f"message_{message.status}"]
        else:  # skipped when planned: counted in its chunk's line, by reason
            assert message.status == MessageStatus.SKIPPED
            key = f"{message.channel}/skipped/{message.reason}"
            assert any(key in l["by_channel_status_reason"] for l in planned)
    failed = Message.objects.get(status=MessageStatus.FAILED)
    (line,) = [
        l
        for l in lines
        if l.get("message_id") == failed.pk and l["event"] == "message_failed"
    ]
    assert (line["campaign_id"], line["channel"], line["reason"]) == (
        failed.campaign_id,
        "sms",
        "permanent_error",
    )
    assert (
        line["level"] == "WARNING"
        and "time" in line
        and line["logger"] == "care.messages"
    )
    deferred = [l for l in lines if l.get("event") == "message_deferred"]
    assert [l["reason"] for l in deferred] == ["quiet_hours"] * len(deferred) != []
    assert sum(l["planned"] for l in planned) == Message.objects.count() - sum(
        l["skipped"] for l in planned
    )
    assert any(l.get("event") == "message_delivered" for l in lines)


def test_redaction_masks_phones_and_emails_but_not_ids_or_times():
    line = "2026-11-23 10:00:00,123 to +86 138 0013 8000 / 13800138000 / a.b@shop.cn id=1234567"
    assert redact(line) == (
        "2026-11-23 10:00:00,123 to [phone] / [phone] / [email] id=1234567"
    )


def test_an_exception_quoting_a_number_is_redacted_in_both_formats():
    try:
        raise ValueError("The 'To' number +8613800138000 is not valid")
    except ValueError:
        record = logging.LogRecord(
            "care", logging.ERROR, __file__, 1, "send failed", (), sys.exc_info()
        )
    for formatter in (TextFormatter(), JsonLineFormatter()):
        text = formatter.format(record)
        assert "+8613800138000" not in text and "[phone]" in text


def test_the_format_is_chosen_by_log_format():
    assert logging_config("json", "INFO")["handlers"]["console"]["formatter"] == "json"
    assert settings.LOGGING["handlers"]["console"]["formatter"] == "text"
    with pytest.raises(ImproperlyConfigured, match="LOG_FORMAT must be text or json"):
        logging_config("yaml", "INFO")
