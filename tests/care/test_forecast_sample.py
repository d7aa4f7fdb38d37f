"""A large forecast is simulated on a sample of the customers, its counts scaled up
(issue 16: a whole-audience forecast at 1M customers took minutes and gigabytes)."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from care.models import Message
from care.studio import forecast as forecast_module
from care.studio.forecast import GOLDEN, campaign_forecast, sample_q
from crm.models import Customer
from tests.care.test_forecast import NOW, customer
from tests.factories import campaign_with_templates

pytestmark = pytest.mark.django_db


def picked(pk: int, every: int) -> bool:
    return (pk * GOLDEN % 2**32 // 2**16) % every == 0


def test_the_database_picks_the_customers_python_computes():
    """The same integers on PostgreSQL and SQLite: a sample is the same everywhere."""
    people = [customer((6, 1), sms=False) for _ in range(60)]
    for every in (2, 3, 7):
        found = set(
            Customer.objects.filter(sample_q(every)).values_list("pk", flat=True)
        )
        assert found == {p.pk for p in people if picked(p.pk, every)}
        assert 0 < len(found) < len(people)


def test_above_the_limit_one_customer_in_k_is_simulated_and_counts_are_scaled(
    settings,
):
    settings.FORECAST_SAMPLE = 20
    campaign = campaign_with_templates(channels=["sms"])
    consenting = [customer((11, 23)) for _ in range(90)]
    refusing = [customer((11, 23), sms=False) for _ in range(30)]
    with time_machine.travel(NOW, tick=False):
        forecast = campaign_forecast(campaign=campaign, now=NOW)
    sample = forecast.sample
    assert (sample.of, sample.every) == (120, 6)  # ceil(120 / 20)
    ids = {line.customer_id for line in forecast.lines}
    everyone = consenting + refusing
    assert ids == {p.pk for p in everyone if picked(p.pk, 6)}
    assert sample.due == len(forecast.lines) < 120
    # Every sampled line is one of 120 / due messages.
    sent = sum(line.outcome == "sent" for line in forecast.lines)
    skipped = len(forecast.lines) - sent
    assert forecast.sending == round(sent * 120 / sample.due)
    assert dict(forecast.reason_rows())["no_consent"] == round(
        skipped * 120 / sample.due
    )
    assert abs(forecast.sending + round(skipped * 120 / sample.due) - 120) <= 1
    assert Message.objects.count() == 0


def forecast_of(customers: int):
    """The forecast of an SMS birthday campaign with this many customers due today."""
    campaign = campaign_with_templates(channels=["sms"])
    for _ in range(customers):
        customer((11, 23))
    with time_machine.travel(NOW, tick=False):
        return campaign_forecast(campaign=campaign, now=NOW)


def test_an_identical_audience_is_estimated_exactly(settings):
    settings.FORECAST_SAMPLE = 10
    forecast = forecast_of(50)
    assert forecast.sample is not None and len(forecast.lines) < 50
    assert forecast.sending == 50
    assert dict(forecast.per_day)[dt.date(2026, 11, 23)] == 50


def test_at_the_limit_every_message_is_simulated(settings):
    settings.FORECAST_SAMPLE = 12
    forecast = forecast_of(12)
    assert forecast.sample is None
    assert len(forecast.lines) == forecast.sending == 12


def test_the_sample_reads_a_fixed_number_of_queries(settings):
    """Counting the due messages twice costs two queries, not one per customer."""
    campaign = campaign_with_templates(channels=["sms"])
    for _ in range(40):
        customer((11, 23))

    def queries(limit: int) -> int:
        settings.FORECAST_SAMPLE = limit
        with (
            time_machine.travel(NOW, tick=False),
            CaptureQueriesContext(connection) as captured,
        ):
            campaign_forecast(campaign=campaign, now=NOW)
        return len(captured)

    assert queries(5) == queries(4)
    assert queries(5) == queries(1000) + 1  # the sample's own due count


def test_a_sample_that_finds_nobody_falls_back_to_every_message(settings, monkeypatch):
    settings.FORECAST_SAMPLE = 2
    monkeypatch.setattr(forecast_module, "sample_q", lambda every: Q(pk__lt=0))
    forecast = forecast_of(5)
    assert forecast.sample is None
    assert forecast.sending == len(forecast.lines) == 5
