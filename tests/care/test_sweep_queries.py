"""A sweep's query count depends on what is due, never on how many customers exist."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from care.outreach.sweep import messages_plan
from tests.factories import (
    AssetFactory,
    BrowseEventFactory,
    CustomerFactory,
    ProductFactory,
    TicketFactory,
    campaign_with_templates,
)

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
pytestmark = pytest.mark.django_db


def due_birthday(n):
    CustomerFactory(birthday=dt.date(1990, 11, 25))


def noise_birthday(n):
    CustomerFactory(birthday=dt.date(1990, 6, 1))


def due_maintenance(n):
    AssetFactory(last_serviced_at=dt.date(2026, 6, 1), service_interval_days=178)


def noise_maintenance(n):
    AssetFactory(last_serviced_at=dt.date(2026, 1, 1), service_interval_days=30)


def due_browse(n):
    customer, product = CustomerFactory(), ProductFactory()
    for days in (1, 2, 3):
        BrowseEventFactory(
            customer=customer,
            product=product,
            occurred_at=timezone.now() - dt.timedelta(days=days),
        )


def noise_browse(n):
    BrowseEventFactory(occurred_at=timezone.now() - dt.timedelta(days=1))


def due_survey(n):
    TicketFactory(
        status="resolved", resolved_at=timezone.now() - dt.timedelta(minutes=15)
    )


def noise_survey(n):
    TicketFactory(status="resolved", resolved_at=timezone.now() - dt.timedelta(days=2))


CASES = {
    "birthday": (due_birthday, noise_birthday),
    "maintenance": (due_maintenance, noise_maintenance),
    "abandoned_browse": (due_browse, noise_browse),
    "survey": (due_survey, noise_survey),
}


def sweep_queries(trigger: str) -> int:
    campaign = campaign_with_templates(trigger=trigger)
    with CaptureQueriesContext(connection) as queries:
        messages_plan(campaign=campaign, now=timezone.now())
    return len(queries)


@pytest.mark.parametrize("trigger", sorted(CASES))
def test_the_sweep_makes_as_many_queries_with_many_more_customers(trigger):
    due, noise = CASES[trigger]
    with time_machine.travel(NOW, tick=False):
        for n in range(3):
            due(n)
        few = sweep_queries(trigger)
        for n in range(60):
            noise(n)
        assert sweep_queries(trigger) == few
