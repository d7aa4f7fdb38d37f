import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from care.demo import care_demo_seed
from care.models import RecoveryCase, Survey
from care.reports.selectors import ReportFilter, report_build

NOW = dt.datetime(2026, 11, 20, 6, 30, tzinfo=dt.UTC)
pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    with time_machine.travel(NOW, tick=False):
        call_command("seed_demo", customers=600, verbosity=0, stdout=StringIO())
        yield care_demo_seed(now=timezone.now())


def answers() -> list[tuple]:
    return list(
        Survey.objects.order_by("ticket__external_id").values_list(
            "ticket__external_id", "sent_at", "csat", "nps"
        )
    )


def test_the_demo_history_gives_the_reports_real_numbers(seeded):
    report = report_build(ReportFilter(NOW - dt.timedelta(days=365), NOW), NOW)
    assert seeded.surveys > 20 and seeded.answered > 5
    assert report.csat is not None and report.nps is not None
    assert report.response_rate is not None and report.fcr is not None
    assert report.latency.median is not None and report.latency.within < 1
    assert report.recovery.opened == RecoveryCase.objects.count() > 0


def test_the_demo_history_is_made_once(seeded):
    assert care_demo_seed(now=timezone.now()).surveys == 0


def test_the_demo_history_is_deterministic(seeded):
    first = answers()
    Survey.objects.all().delete()
    RecoveryCase.objects.all().delete()
    with time_machine.travel(NOW, tick=False):
        care_demo_seed(now=timezone.now())
    assert answers() == first
