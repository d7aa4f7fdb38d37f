"""Campaign results: the funnel, conversions in the attribution window or by coupon, revenue."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from care.models import Click, TrackedLink
from care.outreach.results import campaign_funnel, campaign_recipients, funnels_by
from care.reports.campaigns import campaign_report
from care.reports.uplift import uplift
from tests.factories import MessageFactory, OrderFactory, campaign_with_templates
from tests.security.conftest import as_role  # noqa: F401  (real role users)

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)


def clicked(message, counted=True):
    link = TrackedLink.objects.create(message=message, position=0, url="https://shop.example.com")
    Click.objects.create(link=link, message=message, clicked_at=timezone.now(), counted=counted)


@pytest.fixture
def campaign():
    return campaign_with_templates()


def test_the_funnel_counts_each_message_where_it_ended(campaign):
    now = timezone.now()
    sent = [MessageFactory(campaign=campaign, status="sent", sent_at=now) for _ in range(3)]
    MessageFactory(campaign=campaign, status="failed", reason="undelivered", sent_at=now)
    delivered = MessageFactory(campaign=campaign, status="delivered", sent_at=now, delivered_at=now)
    MessageFactory(campaign=campaign, status="failed", reason="undelivered")
    MessageFactory(campaign=campaign, status="skipped", reason="no_consent")
    MessageFactory(campaign=campaign, status="skipped", reason="no_consent")
    MessageFactory(campaign=campaign, status="planned")
    MessageFactory(campaign=campaign, status="held_out")
    clicked(delivered)
    clicked(sent[0], counted=False)  # a scanner's
    OrderFactory(customer=delivered.customer, placed_at=now + DAY, total=Decimal("120.50"))
    OrderFactory(customer=delivered.customer, placed_at=now + 2 * DAY, total=Decimal("9.50"))
    funnel = campaign_funnel(campaign)
    assert (funnel.planned, funnel.sent, funnel.delivered, funnel.clicked) == (10, 5, 1, 1)
    assert (funnel.converted, funnel.revenue) == (1, Decimal("130.00"))
    assert funnel.failed == {"undelivered": 2}  # one never went, one went and bounced
    assert funnel.skipped == {"no_consent": 2}
    assert (funnel.pending, funnel.held_out) == (1, 1)


def test_conversions_are_orders_in_the_window_or_with_the_coupon(campaign):
    campaign.attribution_days = 3
    campaign.save()
    now = timezone.now()
    inside, late, coupon, before = (
        MessageFactory(campaign=campaign, status="sent", sent_at=now) for _ in range(4)
    )
    coupon.coupon_code = "BDAYABCDEFGH"
    coupon.save()
    OrderFactory(customer=inside.customer, placed_at=now + 2 * DAY, total=10)
    OrderFactory(customer=late.customer, placed_at=now + 4 * DAY, total=20)  # too late
    OrderFactory(
        customer=coupon.customer, placed_at=now + 20 * DAY, total=30, coupon_code="BDAYABCDEFGH"
    )
    OrderFactory(customer=before.customer, placed_at=now - DAY, total=40)  # before it
    funnel = campaign_funnel(campaign)
    assert (funnel.converted, funnel.revenue) == (2, Decimal("40"))


def test_the_holdout_converts_from_the_moment_it_was_held_out(campaign):
    held = MessageFactory(campaign=campaign, status="held_out")
    OrderFactory(customer=held.customer, placed_at=timezone.now() + DAY, total=50)
    funnel = campaign_funnel(campaign)
    assert (funnel.held_out, funnel.held_out_converted, funnel.held_out_revenue) == (
        1, 1, Decimal("50")
    )
    assert funnel.converted == 0


def test_per_channel_language_and_day(campaign):
    now = timezone.now()
    MessageFactory(campaign=campaign, status="sent", sent_at=now, channel="sms")
    MessageFactory(campaign=campaign, status="sent", sent_at=now - DAY, channel="email",
                   customer__locale="en")
    recipients = campaign_recipients(campaign)
    assert {k: f.sent for k, f in funnels_by(recipients, lambda r: r.channel).items()} == {
        "email": 1, "sms": 1
    }
    assert set(funnels_by(recipients, lambda r: r.locale)) == {"en", "zh-hans"}
    days = list(funnels_by(recipients, lambda r: r.day))
    assert days == sorted(days) and len(days) == 2


def test_the_report_compares_with_the_holdout(campaign):
    now = timezone.now()
    sent = [MessageFactory(campaign=campaign, status="sent", sent_at=now) for _ in range(200)]
    held = [MessageFactory(campaign=campaign, status="held_out") for _ in range(100)]
    for message in sent[:60]:
        OrderFactory(customer=message.customer, placed_at=now + DAY, total=100)
    for message in held[:5]:
        OrderFactory(customer=message.customer, placed_at=now + DAY, total=100)
    report = campaign_report(campaign)
    assert report.uplift.conversion.estimate == pytest.approx(0.25)
    assert report.conversion_sentence.startswith("+25.0 pt (95% CI +")
    assert "CNY per recipient" in report.revenue_sentence


@pytest.mark.parametrize("role", ["marketer", "manager"])
def test_the_results_page_and_its_csv(as_role, campaign, role):
    now = timezone.now()
    MessageFactory(campaign=campaign, status="sent", sent_at=now)
    MessageFactory(campaign=campaign, status="skipped", reason="no_consent")
    _, client = as_role(role)
    page = client.get(reverse("admin:care_campaign_change", args=[campaign.pk]))
    url = reverse("admin:care_campaign_results", args=[campaign.pk])
    assert url in page.content.decode()
    page = client.get(url)
    assert page.status_code == 200
    assert "too early to tell" in page.content.decode()
    rows = list(csv.reader(io.StringIO(client.get(url + "?format=csv").content.decode())))
    assert rows[0][:3] == ["group", "key", "planned"]
    assert rows[1][:4] == ["all", "", "2", "1"]
    assert ["skipped", "no_consent", "1"] in rows


def test_the_results_page_in_chinese(as_role, campaign):
    _, client = as_role("manager")
    url = reverse("admin:care_campaign_results", args=[campaign.pk])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200 and "为时尚早" in page.content.decode()


def test_an_unknown_campaign_is_a_404(as_role):
    _, client = as_role("manager")
    assert client.get(reverse("admin:care_campaign_results", args=[999999])).status_code == 404


def test_a_coupon_order_inside_the_window_counts_once(campaign):
    now = timezone.now()
    message = MessageFactory(campaign=campaign, status="sent", sent_at=now, coupon_code="BACKXYZ23456")
    OrderFactory(customer=message.customer, placed_at=now + DAY, total=70, coupon_code="BACKXYZ23456")
    OrderFactory(customer=message.customer, placed_at=now + 2 * DAY, total=30)
    funnel = campaign_funnel(campaign)
    assert (funnel.converted, funnel.revenue) == (1, Decimal("100"))


def test_messages_alike_are_one_group_and_the_report_is_one_query(campaign):
    """A million messages are a few groups to add up, not a million rows (issue 16)."""
    now = timezone.now()
    sent = [MessageFactory(campaign=campaign, status="sent", sent_at=now) for _ in range(40)]
    held = [MessageFactory(campaign=campaign, status="held_out") for _ in range(35)]
    for n, message in enumerate(sent[:12]):
        OrderFactory(customer=message.customer, placed_at=now + DAY, total=10 + n)
    for message in held[:3]:
        OrderFactory(customer=message.customer, placed_at=now + DAY, total=20)
    skipped = MessageFactory(campaign=campaign, status="skipped", reason="no_consent")
    OrderFactory(customer=skipped.customer, placed_at=timezone.now(), total=99)
    groups = campaign_recipients(campaign)
    assert sum(r.count for r in groups) == 76
    assert len(groups) <= 5  # sent or held out, converted or not; skipped
    # A message that never went is not looked up for conversions.
    [never] = [r for r in groups if r.status == "skipped"]
    assert (never.converted, never.revenue) == (False, Decimal(0))
    bought = next(r for r in groups if r.went and r.converted)
    assert (bought.count, bought.revenue) == (12, Decimal(sum(range(10, 22))))
    assert bought.revenue_squares == Decimal(sum(v * v for v in range(10, 22)))
    with CaptureQueriesContext(connection) as queries:
        report = campaign_report(campaign)
    reads = [q["sql"] for q in queries if "care_message" in q["sql"]]
    assert len(reads) == 1 and "GROUP BY" in reads[0]
    # The same interval as from each recipient's revenue, one by one.
    one_by_one = uplift(
        [float(10 + n) for n in range(12)] + [0.0] * 28, 12, [20.0] * 3 + [0.0] * 32, 3
    )
    assert report.uplift.revenue.low == pytest.approx(one_by_one.revenue.low, abs=1e-9)
    assert report.uplift.revenue.high == pytest.approx(one_by_one.revenue.high, abs=1e-9)
    assert report.uplift.conversion == one_by_one.conversion
