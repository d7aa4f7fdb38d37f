"""The forecast (issue 10): counts on a known data set, nothing written."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from care.models import CampaignStatus, Message
from care.studio.forecast import campaign_forecast
from tests.factories import (
    CustomerFactory,
    MessageFactory,
    TicketFactory,
    campaign_with_templates,
    consent,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)
pytestmark = pytest.mark.django_db


def customer(born: tuple[int, int], *, sms: bool = True, **fields):
    person = CustomerFactory(birthday=dt.date(1990, *born), **fields)
    if sms:
        consent(person, "sms", at=NOW - dt.timedelta(days=30))
    return person


def sent_before(person, campaign, count: int) -> None:
    for n in range(count):
        moment = NOW - dt.timedelta(days=n + 1)
        MessageFactory(
            campaign=campaign,
            customer=person,
            status="sent",
            send_after=moment,
            sent_at=moment,
        )


@pytest.fixture
def known_data():
    """Eight customers, each showing one outcome; the campaign is a draft."""
    campaign = campaign_with_templates(
        name="Birthday",
        status=CampaignStatus.DRAFT,
        conflict_group="birthday",
        channels=["sms"],
    )
    other = campaign_with_templates(name="Older gift", conflict_group="birthday")
    customer((11, 25))  # sends today
    customer((12, 3))  # 10 days ahead: due in 3 days
    customer((11, 25), time_zone="America/New_York")  # 21:00 there: waits
    customer((11, 25), sms=False)  # no consent
    TicketFactory(customer=customer((11, 25)))  # care first
    sent_before(customer((11, 25)), other, 2)  # frequency cap
    held = customer((11, 25))  # the other campaign of the group has it
    MessageFactory(
        campaign=other,
        customer=held,
        conflict_key=f"birthday/birthday/customer:{held.pk}/2026",
        send_after=NOW,
    )
    customer((6, 1))  # not due in the next 14 days
    return campaign


def test_it_counts_messages_per_day_and_skips_by_reason(known_data):
    before = Message.objects.count()
    with time_machine.travel(NOW, tick=False):
        forecast = campaign_forecast(campaign=known_data, now=NOW)
    per_day = dict(forecast.per_day)
    assert len(per_day) == 14
    assert per_day[dt.date(2026, 11, 23)] == 2  # today's, and New York's at 08:00
    assert per_day[dt.date(2026, 11, 26)] == 1
    assert forecast.sending == 3
    assert dict(forecast.reason_rows()) == {
        "no_consent": 1,
        "quiet_hours": 1,
        "frequency_cap": 1,
        "care_first": 1,
        "holdout": 0,
        "conflict": 1,
    }
    conflict = next(line for line in forecast.lines if line.reason == "conflict")
    assert conflict.detail == "Older gift"
    assert Message.objects.count() == before


def test_it_counts_the_holdout():
    campaign = campaign_with_templates(holdout_percent=100, channels=["sms"])
    customer((11, 25))
    customer((11, 26))
    with time_machine.travel(NOW, tick=False):
        forecast = campaign_forecast(campaign=campaign, now=NOW)
    assert forecast.sending == 0
    assert dict(forecast.reason_rows())["holdout"] == 2


def test_a_campaign_ending_tomorrow_forecasts_only_today():
    campaign = campaign_with_templates(
        channels=["sms"], ends_at=NOW + dt.timedelta(hours=12)
    )
    customer((11, 23))
    customer((12, 5))  # due only from 28 November
    with time_machine.travel(NOW, tick=False):
        forecast = campaign_forecast(campaign=campaign, now=NOW)
    assert forecast.sending == 1
