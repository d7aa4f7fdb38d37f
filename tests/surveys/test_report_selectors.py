"""The report read from the database on a small known data set."""

import datetime as dt

import pytest

from care.models import RecoveryCase, Survey
from care.reports.selectors import ReportFilter, report_build
from tests.factories import CustomerFactory, OrderFactory, TicketFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)
M = dt.timedelta(minutes=1)


def survey(
    agent="alice", channel="sms", latency=10, csat=None, nps=None, customer=None
):
    customer = customer or CustomerFactory()
    resolved = NOW - dt.timedelta(days=2)
    ticket = TicketFactory(
        customer=customer,
        status="resolved",
        agent=agent,
        opened_at=resolved - 60 * M,
        resolved_at=resolved,
        first_contact_resolution=csat is not None and csat >= 4,
    )
    sent = resolved + latency * M
    return Survey.objects.create(
        ticket=ticket,
        customer=customer,
        channel=channel,
        agent=agent,
        resolved_at=resolved,
        sent_at=sent,
        expires_at=sent + dt.timedelta(days=7),
        answered_at=sent + 5 * M if csat is not None else None,
        csat=csat,
        nps=nps,
    )


@pytest.fixture
def data():
    surveys = [
        survey(latency=10, csat=5, nps=10),
        survey(latency=12, csat=4, nps=9),
        survey(latency=15, csat=2, nps=3),
        survey(latency=40),
        survey(agent="bob", channel="email", latency=900, csat=1, nps=0),
    ]
    low = surveys[2]
    case = RecoveryCase.objects.create(
        ticket=low.ticket,
        customer=low.customer,
        survey=low,
        queue="care",
        opened_at=low.answered_at,
        first_response_due=low.answered_at + 60 * M,
        resolution_due=low.answered_at + dt.timedelta(hours=24),
        first_response_at=low.answered_at + 30 * M,
        status="resolved",
        resolved_at=low.answered_at + 120 * M,
    )
    OrderFactory(
        customer=case.customer, placed_at=case.opened_at + dt.timedelta(hours=3)
    )
    bob = surveys[4]
    RecoveryCase.objects.create(
        ticket=bob.ticket,
        customer=bob.customer,
        survey=bob,
        queue="care",
        opened_at=bob.answered_at,
        first_response_due=bob.answered_at + 60 * M,
        resolution_due=bob.answered_at + dt.timedelta(hours=24),
    )
    return surveys


def everything() -> ReportFilter:
    return ReportFilter(start=NOW - dt.timedelta(days=30), end=NOW)


def test_it_reports_the_known_figures(data):
    report = report_build(everything(), NOW)
    assert (report.sent, report.answered) == (5, 4)
    assert report.response_rate == 0.8
    assert report.csat == 0.5  # 5, 4 of 5, 4, 2, 1
    assert report.nps == 100 * (2 - 2) / 4
    assert report.fcr == 2 / 5
    assert report.latency.median == 15
    assert report.latency.maximum == 900
    assert report.latency.within == 0.8
    assert (
        report.recovery.opened,
        report.recovery.overdue,
        report.recovery.recovered,
    ) == (
        2,
        1,
        1,
    )


def test_it_filters_by_agent(data):
    report = report_build(
        ReportFilter(NOW - dt.timedelta(days=30), NOW, agent="alice"), NOW
    )
    assert (report.sent, report.answered, report.csat) == (4, 3, 2 / 3)
    assert report.recovery.opened == 1


def test_it_filters_by_channel(data):
    report = report_build(
        ReportFilter(NOW - dt.timedelta(days=30), NOW, channel="email"), NOW
    )
    assert (report.sent, report.csat, report.nps) == (1, 0.0, -100)


def test_it_filters_by_period(data):
    report = report_build(ReportFilter(NOW - dt.timedelta(days=1), NOW), NOW)
    assert report.sent == 0 and report.csat is None


def test_a_later_good_score_counts_as_recovered(data):
    bob = data[4]
    later = survey(agent="bob", csat=5, customer=bob.customer)
    later.answered_at = bob.answered_at + dt.timedelta(days=1)
    later.save()
    report = report_build(everything(), NOW)
    assert report.recovery.recovered == 2
