"""Set-wise planning (issue 16): the query count does not grow with the due audience."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from care.models import Message
from care.outreach.sweep import messages_plan
from tests.factories import CustomerFactory, campaign_with_templates, consent

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
pytestmark = pytest.mark.django_db
CAMPAIGNS = {
    "birthday": {"trigger": "birthday"},
    "dated": {"trigger": "dated", "params": {"date": "11-23", "time": "10:00"}},
}


def due_customers(count: int) -> None:
    for n in range(count):
        customer = CustomerFactory(
            birthday=dt.date(1990, 11, 25),
            time_zone=["Asia/Shanghai", "Europe/London"][n % 2],
        )
        if n % 3:
            consent(customer, "sms", at=NOW - dt.timedelta(days=1))


def queries(campaign) -> int:
    with CaptureQueriesContext(connection) as captured:
        messages_plan(campaign=campaign, now=NOW)
    return len(captured)


@pytest.mark.parametrize("trigger", sorted(CAMPAIGNS))
def test_it_plans_5_or_50_due_customers_in_as_many_queries(trigger):
    with time_machine.travel(NOW, tick=False):
        due_customers(5)
        few = queries(campaign_with_templates(**CAMPAIGNS[trigger]))
        due_customers(45)
        many_campaign = campaign_with_templates(**CAMPAIGNS[trigger])
        assert queries(many_campaign) == few
    assert Message.objects.filter(campaign=many_campaign).count() == 50


def test_it_keeps_the_consent_skip_reasons():
    with time_machine.travel(NOW, tick=False):
        due_customers(6)
        campaign = campaign_with_templates(**CAMPAIGNS["birthday"])
        messages_plan(campaign=campaign, now=NOW)
    rows = Message.objects.filter(campaign=campaign)
    assert rows.filter(status="planned", channel="sms").count() == 4
    # The factory's customers have an email but no email consent.
    assert rows.filter(status="skipped", reason="no_consent").count() == 2


def test_a_rerun_plans_nothing_and_counts_what_is_there():
    with time_machine.travel(NOW, tick=False):
        due_customers(4)
        campaign = campaign_with_templates(**CAMPAIGNS["birthday"])
        messages_plan(campaign=campaign, now=NOW)
        again = messages_plan(campaign=campaign, now=NOW)
    assert (again.planned, again.skipped, again.already) == (0, 0, 4)
