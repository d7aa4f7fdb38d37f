"""A whole audience planned in slices on several connections (care.outbox.slices, issue 16).

PostgreSQL only, with committed data (each slice runs on its own connection).
"""

import datetime as dt
import threading
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction

from care.models import Message
from care.outbox import slices
from care.outreach.sweep import messages_plan
from crm.slices import customer_ranges
from tests.factories import CustomerFactory, campaign_with_templates, consent
from tests.threads import in_threads

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
DATED = {"trigger": "dated", "params": {"date": "11-23", "time": "10:00"}}
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sliced(settings, postgres_only):
    settings.PLAN_CONNECTIONS = 3
    settings.PLAN_SLICE_ABOVE = 0  # slice whatever the audience's size
    return settings


def audience(count: int = 30) -> None:
    """Customers with every planning outcome: consent, refusal, no address, two zones."""
    for n in range(count):
        customer = CustomerFactory(
            time_zone=["Asia/Shanghai", "Europe/London"][n % 2],
            phone="" if n % 5 == 0 else f"+86139{n:08d}",
            email="" if n % 7 == 0 else f"c{n}@example.com",
        )
        if n % 3 == 0:
            consent(customer, "sms", at=NOW - dt.timedelta(days=2))
        if n % 4 == 0:
            consent(customer, "email", at=NOW - dt.timedelta(days=2))
        if n % 6 == 0:  # a newer refusal wins over the grant
            consent(customer, "sms", granted=False, at=NOW - dt.timedelta(days=1))


def outcome(campaign) -> set[tuple]:
    rows = Message.objects.filter(campaign=campaign)
    return set(rows.values_list("customer_id", "channel", "status", "reason"))


def test_slices_plan_what_one_statement_plans_on_their_own_connections(sliced):
    with time_machine.travel(NOW, tick=False):
        audience()
        campaign = campaign_with_templates(channels=["sms", "email"], **DATED)
        sliced.PLAN_CONNECTIONS = 1
        single = messages_plan(campaign=campaign, now=NOW)
        expected = outcome(campaign)
        Message.objects.filter(campaign=campaign).delete()

        sliced.PLAN_CONNECTIONS = 3
        threads = set()
        real = slices.plan_insert

        def spy(*args, **kwargs):
            threads.add(threading.current_thread().name)
            return real(*args, **kwargs)

        with mock.patch.object(slices, "plan_insert", spy):
            result = messages_plan(campaign=campaign, now=NOW)
    assert outcome(campaign) == expected
    assert len(expected) == 30 and {r[2] for r in expected} == {"planned", "skipped"}
    assert {r[3] for r in expected} >= {"", "no_consent", "no_address"}
    assert (result.due, result.planned, result.skipped) == (
        single.due,
        single.planned,
        single.skipped,
    )
    assert len(threads) == 3 and all(name.startswith("slice") for name in threads)


def test_a_rerun_in_slices_plans_nothing(sliced):
    with time_machine.travel(NOW, tick=False):
        audience(12)
        campaign = campaign_with_templates(**DATED)
        first = messages_plan(campaign=campaign, now=NOW)
        again = messages_plan(campaign=campaign, now=NOW)
    assert first.planned + first.skipped == 12
    assert (again.planned, again.skipped, again.already) == (0, 0, 12)
    assert Message.objects.count() == 12


def test_two_sliced_sweeps_at_once_plan_each_occasion_once(sliced):
    with time_machine.travel(NOW, tick=False):
        audience(40)
        campaign = campaign_with_templates(**DATED)
        results = in_threads(lambda: messages_plan(campaign=campaign, now=NOW), 2)
    assert Message.objects.count() == 40
    assert Message.objects.values("customer").distinct().count() == 40
    written = sum(r.planned + r.skipped for r in results)
    assert written == 40 and sorted(r.already for r in results) == [0, 40]


def test_a_failed_slice_keeps_the_others_and_the_next_sweep_plans_the_rest(sliced):
    with time_machine.travel(NOW, tick=False):
        audience(20)
        campaign = campaign_with_templates(**DATED)
        real = slices.plan_insert

        def second_slice_fails(campaign, source, **kwargs):
            if source.ids[0] > customer_ranges(3, 0)[0][0]:
                raise RuntimeError("connection lost")
            return real(campaign, source, **kwargs)

        with (
            mock.patch.object(slices, "plan_insert", second_slice_fails),
            pytest.raises(RuntimeError, match="connection lost"),
        ):
            messages_plan(campaign=campaign, now=NOW)
        kept = Message.objects.count()
        again = messages_plan(campaign=campaign, now=NOW)
    assert 0 < kept < 20
    assert again.planned + again.skipped == 20 - kept and again.already == kept
    assert Message.objects.values("customer").distinct().count() == 20


def test_below_the_threshold_or_on_one_connection_it_is_one_statement(sliced):
    with time_machine.travel(NOW, tick=False):
        audience(4)
        campaign = campaign_with_templates(**DATED)
        sliced.PLAN_SLICE_ABOVE = 1_000_000
        with mock.patch.object(slices, "plan_insert") as sliced_insert:
            messages_plan(campaign=campaign, now=NOW)
    sliced_insert.assert_not_called()
    assert Message.objects.count() == 4


def test_inside_a_callers_transaction_it_is_one_statement(sliced):
    with time_machine.travel(NOW, tick=False), transaction.atomic():
        audience(4)  # uncommitted: other connections could not see them
        campaign = campaign_with_templates(**DATED)
        with mock.patch.object(slices, "plan_insert") as sliced_insert:
            result = messages_plan(campaign=campaign, now=NOW)
    sliced_insert.assert_not_called()
    assert result.planned + result.skipped == 4 and Message.objects.count() == 4
