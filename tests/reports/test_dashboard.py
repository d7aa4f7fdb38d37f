"""The managers' dashboard on the admin index: its figures, who sees it, its query count."""

import datetime as dt
import importlib
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from care.models import Click, TrackedLink
from care.reports.dashboard import dashboard_build
from segmentation.models import CustomerRfm, RfmRun, SegmentTransition
from tests.factories import CustomerFactory, MessageFactory, OrderFactory, campaign_with_templates
from tests.security.conftest import as_role  # noqa: F401  (real role users)

pytestmark = pytest.mark.django_db
GRANT = importlib.import_module("care.migrations.0015_grant_view_dashboard")
DAY = dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def dashboard_grant(roles):
    GRANT.grant(apps, None)


@pytest.fixture
def history():
    now = timezone.now()
    campaign = campaign_with_templates(name="Birthday gift")
    other = campaign_with_templates(name="Win-back")
    delivered = [
        MessageFactory(campaign=campaign, channel="sms", status="delivered",
                       sent_at=now - DAY, delivered_at=now - DAY)
        for _ in range(4)
    ]
    MessageFactory(campaign=campaign, channel="sms", status="sent", sent_at=now - DAY)
    MessageFactory(campaign=other, channel="email", status="failed", reason="undelivered",
                   sent_at=now - 2 * DAY)
    MessageFactory(campaign=other, channel="email", status="skipped", reason="no_consent")
    link = TrackedLink.objects.create(message=delivered[0], position=0, url="https://x.example")
    Click.objects.create(link=link, message=delivered[0], clicked_at=now, counted=True)
    Click.objects.create(link=link, message=delivered[0], clicked_at=now, counted=True)
    Click.objects.create(link=link, message=delivered[1], clicked_at=now, counted=False)
    OrderFactory(customer=delivered[0].customer, placed_at=now, total=Decimal("10"))
    run = RfmRun.objects.create(started_at=now, status="succeeded", window_days=365, as_of=now)
    for segment in ("champions", "champions", "at_risk"):
        customer = CustomerFactory()
        CustomerRfm.objects.create(customer=customer, segment=segment, scored_at=now, run=run)
        SegmentTransition.objects.create(customer=customer, from_segment="loyal",
                                         to_segment=segment, changed_at=now - DAY, run=run)
    return campaign


def test_the_figures(history):
    board = dashboard_build(timezone.now())
    assert len(board.days) == 14
    sms = board.per_day["sms"]
    assert sum(sms["delivered"]) == 4 and sum(sms["sent"]) == 1
    assert sum(board.per_day["email"]["failed"]) == 1
    assert sum(board.per_day["email"]["skipped"]) == 1
    rates = {r.channel: r for r in board.rates}
    assert (rates["sms"].sent, rates["sms"].delivered, rates["sms"].clicked) == (5, 4, 1)
    assert rates["sms"].click_rate == 0.25 and rates["email"].delivery_rate == 0
    segments = {s.segment: s for s in board.segments}
    assert segments["champions"].customers == 2 and segments["champions"].moved_in == 2
    assert segments["loyal"].moved_out == 3 and segments["loyal"].net == -3
    assert board.top_campaigns[0].name == "Birthday gift"
    assert board.top_campaigns[0].converted == 1


def test_test_sends_never_count(history):
    now = timezone.now()
    MessageFactory(campaign=history, channel="sms", status="delivered", is_test=True,
                   sent_at=now - DAY, delivered_at=now - DAY)
    board = dashboard_build(now)
    assert sum(board.per_day["sms"]["delivered"]) == 4
    rates = {r.channel: r for r in board.rates}
    assert (rates["sms"].sent, rates["sms"].delivered) == (5, 4)


def test_a_manager_sees_it_on_the_index(as_role, history):
    _, client = as_role("manager")
    page = client.get(reverse("admin:index"))
    html = page.content.decode()
    assert 'id="dashboard"' in html and "<svg" in html
    assert reverse("admin:care_campaign_results", args=[history.pk]) in html
    chinese = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "仪表盘" in chinese.content.decode()


@pytest.mark.parametrize("role", ["care", "marketer"])
def test_other_roles_keep_the_plain_index(as_role, history, role):
    _, client = as_role(role)
    page = client.get(reverse("admin:index"))
    assert page.status_code == 200 and 'id="dashboard"' not in page.content.decode()


def test_a_constant_number_of_queries(history):
    with CaptureQueriesContext(connection) as few:
        dashboard_build(timezone.now())
    for _ in range(20):
        MessageFactory(campaign=history, status="delivered", sent_at=timezone.now(),
                       delivered_at=timezone.now())
    with CaptureQueriesContext(connection) as many:
        dashboard_build(timezone.now())
    assert len(many) == len(few) <= 16


def test_a_redeemed_coupon_converts_its_message_whenever_the_order_came(history):
    from care.models import Coupon
    from tests.factories import OfferFactory

    now = timezone.now()
    other = campaign_with_templates(name="Coupon only")
    message = MessageFactory(campaign=other, status="sent", sent_at=now - DAY, coupon_code="C1")
    order = OrderFactory(customer=CustomerFactory(), placed_at=now, coupon_code="C1")
    Coupon.objects.create(code="C1", offer=OfferFactory(), message=message,
                          customer=message.customer, status="redeemed", issued_at=now,
                          expires_at=now + 30 * DAY, redeemed_at=now, order=order)
    top = {c.name: c for c in dashboard_build(now).top_campaigns}
    assert top["Coupon only"].converted == 1
