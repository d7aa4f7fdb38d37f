"""Planning reports the rows it inserted, not those it submitted."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from care.models import Message
from care.outbox.plan import Due, dues_source
from care.outbox.setwise import plan_insert
from crm.models import Consent, Customer
from tests.factories import ConsentFactory, CustomerFactory, campaign_with_templates
from tests.threads import in_threads

PLANNED = re.compile(r": planned (\d+), skipped (\d+), already planned (\d+)")


def run_triggers() -> tuple[int, int, int]:
    out = StringIO()
    call_command("run_triggers", stdout=out, verbosity=0)
    planned, skipped, already = map(int, PLANNED.search(out.getvalue()).groups())
    return planned, skipped, already


def due_today(count: int) -> None:
    """`count` customers whose birthday is today, with SMS marketing consent."""
    birthday = timezone.localdate().replace(year=1990)
    customers = CustomerFactory.build_batch(count, birthday=birthday)
    for customer in customers:
        customer.sync_birth_parts()
    Customer.objects.bulk_create(customers)
    Consent.objects.bulk_create(
        ConsentFactory.build(customer=customer) for customer in customers
    )


@pytest.mark.django_db
def test_a_second_run_reports_what_the_first_planned_as_already_planned():
    campaign_with_templates(trigger="birthday")
    due_today(3)
    assert run_triggers() == (3, 0, 0)
    assert run_triggers() == (0, 0, 3)


@pytest.mark.django_db
def test_rows_already_there_are_not_counted_as_inserted():
    campaign = campaign_with_templates(trigger="birthday")
    customers = CustomerFactory.create_batch(3)
    now = timezone.now()
    dues = [
        Due(
            customer_id=c.pk,
            subject=f"customer:{c.pk}",
            occasion="2026",
            send_after=now,
        )
        for c in customers
    ]
    assert plan_insert(campaign, dues_source(dues[:2])).counts.total() == 2
    again = plan_insert(campaign, dues_source(dues))
    assert (again.counts.total(), again.already) == (1, 2)
    assert Message.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_two_run_triggers_at_once_report_exactly_the_rows_that_exist(postgres_only):
    campaign_with_templates(trigger="birthday")
    due_today(1000)
    reports = in_threads(run_triggers, 2)
    planned = sum(report[0] + report[1] for report in reports)
    assert planned == Message.objects.count() == 1000
    assert all(sum(report) == 1000 for report in reports)
