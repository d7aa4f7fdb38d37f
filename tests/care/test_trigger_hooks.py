"""A trigger kind takes part in the send path through its registry entry only.

A made-up kind registers SendHooks; dispatch, rendering, the recorder and the
content checks call them without knowing the kind.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from care.content.variables import Variable
from care.delivery.dispatch import messages_dispatch
from care.models import Message, Reason
from care.outreach.triggers import TRIGGERS, KindBatch, SendHooks, TriggerSpec
from care.outreach.validation import campaign_checks
from care.studio.preview import campaign_preview
from tests.factories import (
    CampaignFactory,
    MessageFactory,
    MessageTemplateFactory,
    consent,
)

MORNING = dt.datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
pytestmark = pytest.mark.django_db


class StampBatch(KindBatch):
    def __init__(self, messages: list[Message]) -> None:
        self.seen = {m.customer_id for m in messages if m.occasion.get("drop")}

    def check(self, message: Message) -> str:
        return Reason.EXPIRED if message.customer_id in self.seen else ""

    def count_sent(self, message: Message) -> None:
        self.seen.add(message.customer_id)


class StampHooks(SendHooks):
    sent_ids: list[int] = []

    def context(self, message: Message) -> dict:
        return {"stamp": f"real-{message.pk}"}

    def sample_context(self) -> dict:
        return {"stamp": "sample"}

    def batch(self, messages: list[Message], now: dt.datetime) -> KindBatch:
        return StampBatch(messages)

    def sent(self, messages: list[Message]) -> None:
        self.sent_ids.extend(m.pk for m in messages)


@pytest.fixture(autouse=True)
def stamp_kind(monkeypatch):
    StampHooks.sent_ids = []
    spec = TriggerSpec(
        lambda campaign, now, params: iter(()),
        {},
        hooks=StampHooks(),
        variables=(Variable("stamp", "a made-up kind's stamp", "sample"),),
    )
    monkeypatch.setitem(TRIGGERS, "stamp", spec)
    with time_machine.travel(MORNING, tick=False):
        yield


def stamp_campaign(body: str = "Code {{ stamp }}"):
    campaign = CampaignFactory(trigger="stamp", purpose="service", channels=["sms"])
    MessageTemplateFactory(
        campaign=campaign, channel="sms", locale="en", subject="", body=body
    )
    return campaign


def planned(campaign, **kwargs) -> Message:
    message = MessageFactory(campaign=campaign, **kwargs)
    message.customer.locale = "en"
    message.customer.save()
    consent(message.customer, "sms", "service")
    return message


def test_it_renders_the_kinds_context_and_runs_its_sent_hook(sms_outbox):
    message = planned(stamp_campaign())
    messages_dispatch()
    message.refresh_from_db()
    assert (message.status, message.body) == ("sent", f"Code real-{message.pk}")
    assert StampHooks.sent_ids == [message.pk]


def test_it_skips_with_the_reason_the_kinds_last_check_gives():
    message = planned(stamp_campaign(), occasion={"drop": True})
    messages_dispatch()
    message.refresh_from_db()
    assert (message.status, message.reason) == ("skipped", Reason.EXPIRED)
    assert StampHooks.sent_ids == []


def test_a_send_in_the_batch_is_seen_by_the_kinds_later_checks():
    campaign = stamp_campaign()
    first = planned(campaign)
    second = MessageFactory(campaign=campaign, customer=first.customer)
    messages_dispatch()
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("sent", "skipped")


def test_previews_and_content_checks_use_the_kinds_sample_context():
    campaign = stamp_campaign()
    [check] = campaign_checks(campaign)
    assert (check.text, check.errors) == ("Code sample", [])
    assert campaign_preview(campaign) == [("sms", "en", "Code sample")]
