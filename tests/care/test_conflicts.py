"""Conflict groups (issue 10): two campaigns, one occasion, one message."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from care.models import Message
from care.outreach.sweep import campaigns_sweep, messages_plan
from tests.factories import CustomerFactory, campaign_with_templates, consent
from tests.threads import in_threads

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
pytestmark = pytest.mark.django_db


def birthday_customer():
    customer = CustomerFactory(birthday=dt.date(1990, 11, 25))
    consent(customer, "sms", at=NOW - dt.timedelta(days=30))
    return customer


def two_birthday_campaigns(group_b: str = "birthday"):
    # The lower priority is created first: the sweep's order is not the pk's.
    low = campaign_with_templates(name="Low", conflict_group="birthday", priority=1)
    high = campaign_with_templates(name="High", conflict_group=group_b, priority=5)
    return low, high


def test_it_plans_one_message_per_occasion_and_records_the_loser_as_conflict():
    customer = birthday_customer()
    low, high = two_birthday_campaigns()
    with time_machine.travel(NOW, tick=False):
        campaigns_sweep(now=NOW)
    won = Message.objects.get(customer=customer, campaign=high)
    lost = Message.objects.get(customer=customer, campaign=low)
    assert (won.status, won.reason) == ("planned", "")
    assert (lost.status, lost.reason, lost.reason_detail) == (
        "skipped",
        "conflict",
        "High",
    )


def test_a_rerun_changes_nothing():
    birthday_customer()
    two_birthday_campaigns()
    with time_machine.travel(NOW, tick=False):
        campaigns_sweep(now=NOW)
        before = sorted(Message.objects.values_list("key", "status", "reason"))
        results = campaigns_sweep(now=NOW)
    assert sorted(Message.objects.values_list("key", "status", "reason")) == before
    assert [r.planned + r.skipped for r in results] == [0, 0]


def test_a_later_campaign_loses_to_the_row_already_planned():
    customer = birthday_customer()
    low, high = two_birthday_campaigns()
    with time_machine.travel(NOW, tick=False):
        messages_plan(campaign=low, now=NOW)  # planned in an earlier sweep
        messages_plan(campaign=high, now=NOW)
    lost = Message.objects.get(customer=customer, campaign=high)
    assert (lost.status, lost.reason, lost.reason_detail) == (
        "skipped",
        "conflict",
        "Low",
    )
    assert Message.objects.filter(status="planned").count() == 1


def test_campaigns_of_different_groups_both_plan():
    birthday_customer()
    two_birthday_campaigns(group_b="other")
    with time_machine.travel(NOW, tick=False):
        campaigns_sweep(now=NOW)
    assert Message.objects.filter(status="planned").count() == 2


def test_a_skipped_winner_does_not_hold_the_occasion():
    # No email consent for the high campaign's only channel: the low one sends.
    customer = birthday_customer()
    low, high = two_birthday_campaigns()
    high.channels = ["email"]
    high.save()
    with time_machine.travel(NOW, tick=False):
        campaigns_sweep(now=NOW)
    assert Message.objects.get(campaign=high, customer=customer).reason == "no_consent"
    assert Message.objects.get(campaign=low, customer=customer).status == "planned"


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_of_a_group_racing_plan_one_message(postgres_only):
    customers = [birthday_customer() for _ in range(200)]
    low, high = two_birthday_campaigns()

    def sweep(campaign):
        return lambda: messages_plan(campaign=campaign, now=NOW)

    with time_machine.travel(NOW, tick=False):
        plans = iter([sweep(low), sweep(high)])
        in_threads(lambda: next(plans)(), 2)
    assert Message.objects.filter(status="planned").count() == len(customers)
    # Every occasion is recorded for both campaigns: one planned, one conflict.
    assert Message.objects.filter(reason="conflict").count() == len(customers)
