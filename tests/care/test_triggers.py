import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from care.models import Message
from care.outreach.sweep import campaigns_sweep, messages_plan
from care.outreach.triggers.birthday import celebrated_on, next_birthday
from tests.factories import (
    AssetFactory,
    BrowseEventFactory,
    CustomerFactory,
    OrderFactory,
    OrderLineFactory,
    ProductFactory,
    TicketFactory,
    campaign_with_templates,
    consent,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def plan(campaign) -> list[Message]:
    messages_plan(campaign=campaign, now=timezone.now())
    return list(Message.objects.filter(campaign=campaign).order_by("id"))


# --- birthday -----------------------------------------------------------------


def test_birthday_is_due_seven_days_ahead():
    customer = CustomerFactory(birthday=dt.date(1990, 11, 30))
    consent(customer)
    [message] = plan(campaign_with_templates(trigger="birthday"))
    assert (
        message.key == f"{message.campaign_id}/birthday/customer:{customer.pk}/2026/sms"
    )
    assert message.status == "planned" and message.occasion["birthday"] == "2026-11-30"


def test_birthday_is_not_due_eight_days_ahead_nor_just_past():
    CustomerFactory(birthday=dt.date(1990, 12, 1))
    CustomerFactory(birthday=dt.date(1990, 11, 22))
    assert plan(campaign_with_templates(trigger="birthday")) == []


def test_birthday_follows_the_days_ahead_setting():
    CustomerFactory(birthday=dt.date(1990, 12, 3))
    assert (
        len(
            plan(campaign_with_templates(trigger="birthday", params={"days_ahead": 10}))
        )
        == 1
    )


def test_birthday_uses_the_customers_local_date(frozen):
    # 10:00 in Shanghai is still the 22nd in Honolulu (UTC-10): 8 days ahead there.
    CustomerFactory(birthday=dt.date(1990, 11, 30), time_zone="Pacific/Honolulu")
    campaign = campaign_with_templates(trigger="birthday")
    assert plan(campaign) == []
    frozen.move_to(
        dt.datetime(2026, 11, 23, 0, 30, tzinfo=ZoneInfo("Pacific/Honolulu"))
    )
    assert len(plan(campaign)) == 1


def test_birthday_on_29_february_is_celebrated_on_28_february_in_common_years():
    assert celebrated_on(dt.date(1992, 2, 29), 2027) == dt.date(2027, 2, 28)
    assert celebrated_on(dt.date(1992, 2, 29), 2028) == dt.date(2028, 2, 29)
    assert next_birthday(dt.date(1992, 2, 29), dt.date(2027, 3, 1)) == dt.date(
        2028, 2, 29
    )


def test_a_leap_day_birthday_is_due_a_week_before_28_february(frozen):
    frozen.move_to(dt.datetime(2027, 2, 21, 10, 0, tzinfo=SHANGHAI))
    CustomerFactory(birthday=dt.date(1992, 2, 29))
    [message] = plan(campaign_with_templates(trigger="birthday"))
    assert message.occasion["birthday"] == "2027-02-28"


def test_a_birthday_early_next_january_is_keyed_by_next_year(frozen):
    frozen.move_to(dt.datetime(2026, 12, 28, 10, 0, tzinfo=SHANGHAI))
    CustomerFactory(birthday=dt.date(1990, 1, 3))
    [message] = plan(campaign_with_templates(trigger="birthday"))
    assert message.key.endswith("/2027/sms")


def test_birthday_is_planned_once_per_customer_and_year_under_re_runs(frozen):
    CustomerFactory(birthday=dt.date(1990, 11, 30))
    campaign = campaign_with_templates(trigger="birthday")
    plan(campaign)
    frozen.shift(dt.timedelta(days=1))
    assert len(plan(campaign)) == 1


def test_the_audience_filters_by_language():
    CustomerFactory(birthday=dt.date(1990, 11, 30), locale="en")
    CustomerFactory(birthday=dt.date(1990, 11, 30), locale="zh-hans")
    campaign = campaign_with_templates(trigger="birthday", audience={"locales": ["en"]})
    [message] = plan(campaign)
    assert message.customer.locale == "en"


# --- channels at plan time ------------------------------------------------------


def test_it_falls_back_to_email_when_sms_has_no_consent():
    customer = CustomerFactory(birthday=dt.date(1990, 11, 30))
    consent(customer, "sms", granted=False)
    consent(customer, "email")
    [message] = plan(campaign_with_templates(trigger="birthday"))
    assert (message.channel, message.status) == ("email", "planned")


def test_it_plans_a_skipped_row_with_the_reason_when_no_channel_is_allowed():
    CustomerFactory(birthday=dt.date(1990, 11, 30))
    [message] = plan(campaign_with_templates(trigger="birthday"))
    assert (message.channel, message.status, message.reason) == (
        "sms",
        "skipped",
        "no_consent",
    )


def test_it_plans_nothing_for_an_inactive_campaign_or_outside_its_window():
    CustomerFactory(birthday=dt.date(1990, 11, 30))
    assert plan(campaign_with_templates(trigger="birthday", status="paused")) == []
    ended = campaign_with_templates(trigger="birthday", ends_at=timezone.now())
    assert plan(ended) == []


# --- maintenance -----------------------------------------------------------------


def test_maintenance_is_due_three_days_before_the_next_service():
    asset = AssetFactory(
        last_serviced_at=dt.date(2026, 6, 1), service_interval_days=178
    )
    [message] = plan(campaign_with_templates(trigger="maintenance", purpose="service"))
    assert asset.next_service_on == dt.date(2026, 11, 26)
    assert message.key.endswith(f"/maintenance/asset:{asset.pk}/2026-11-26/sms")
    assert message.asset == asset


def test_maintenance_is_not_due_four_days_ahead_or_once_overdue():
    AssetFactory(last_serviced_at=dt.date(2026, 6, 1), service_interval_days=179)
    AssetFactory(last_serviced_at=dt.date(2026, 6, 1), service_interval_days=170)
    assert plan(campaign_with_templates(trigger="maintenance", purpose="service")) == []


def test_maintenance_is_once_per_asset_and_due_date(frozen):
    asset = AssetFactory(
        last_serviced_at=dt.date(2026, 6, 1), service_interval_days=178
    )
    campaign = campaign_with_templates(trigger="maintenance", purpose="service")
    plan(campaign)
    frozen.shift(dt.timedelta(days=1))
    assert len(plan(campaign)) == 1
    asset.last_serviced_at = dt.date(
        2026, 6, 2
    )  # rescheduled: a new due date, a new reminder
    asset.save()
    assert len(plan(campaign)) == 2


# --- abandoned browse ------------------------------------------------------------------


def views(customer, product, days_ago: list[int]) -> None:
    for days in days_ago:
        BrowseEventFactory(
            customer=customer,
            product=product,
            occurred_at=timezone.now() - dt.timedelta(days=days),
        )


def test_abandoned_browse_is_due_after_views_on_three_distinct_days():
    customer, product = CustomerFactory(), ProductFactory()
    views(customer, product, [1, 3, 5])
    [message] = plan(campaign_with_templates(trigger="abandoned_browse"))
    assert message.product == product and message.occasion["days_viewed"] == 3


def test_it_dates_the_first_view_on_the_customers_own_calendar():
    # Five days before 02:00 UTC is 18:00 the day before in Los Angeles.
    customer = CustomerFactory(time_zone="America/Los_Angeles")
    product = ProductFactory()
    views(customer, product, [1, 3, 5])
    [message] = plan(campaign_with_templates(trigger="abandoned_browse"))
    assert message.occasion_key.endswith("/2026-11-17")


def test_abandoned_browse_is_not_due_for_views_on_two_days_or_outside_the_window():
    customer, product = CustomerFactory(), ProductFactory()
    views(customer, product, [1, 1, 3, 8, 9])
    assert plan(campaign_with_templates(trigger="abandoned_browse")) == []


def test_abandoned_browse_is_not_due_once_the_product_was_bought():
    customer, product = CustomerFactory(), ProductFactory()
    views(customer, product, [1, 3, 5])
    OrderLineFactory(order=OrderFactory(customer=customer), product=product)
    assert plan(campaign_with_templates(trigger="abandoned_browse")) == []


def test_abandoned_browse_is_still_due_when_the_product_was_bought_before_the_views():
    customer, product = CustomerFactory(), ProductFactory()
    OrderLineFactory(
        order=OrderFactory(
            customer=customer, placed_at=timezone.now() - dt.timedelta(days=6)
        ),
        product=product,
    )
    views(customer, product, [1, 3, 5])
    assert len(plan(campaign_with_templates(trigger="abandoned_browse"))) == 1


def test_abandoned_browse_respects_the_cooldown(frozen):
    customer, product = CustomerFactory(), ProductFactory()
    campaign = campaign_with_templates(trigger="abandoned_browse")
    views(customer, product, [1, 3, 5])
    plan(campaign)
    frozen.shift(dt.timedelta(days=10))
    views(customer, product, [1, 2, 3])
    assert len(plan(campaign)) == 1
    frozen.shift(dt.timedelta(days=25))
    views(customer, product, [1, 2, 3])
    assert len(plan(campaign)) == 2


# --- post-service survey ----------------------------------------------------------------


def resolved_ticket(minutes_ago: int, **kwargs):
    return TicketFactory(
        status="resolved",
        resolved_at=timezone.now() - dt.timedelta(minutes=minutes_ago),
        **kwargs,
    )


def survey_campaign():
    return campaign_with_templates(trigger="survey", purpose="service")


def test_survey_is_due_ten_minutes_after_resolution():
    ticket = resolved_ticket(10)
    [message] = plan(survey_campaign())
    assert message.ticket == ticket and message.key.endswith(
        f"/ticket:{ticket.pk}/r0/sms"
    )
    assert message.expires_at == ticket.resolved_at + dt.timedelta(minutes=60)


def test_survey_is_not_due_too_early_or_after_the_hour():
    resolved_ticket(5)
    resolved_ticket(61)
    TicketFactory(status="open")
    assert plan(survey_campaign()) == []


def test_survey_is_planned_once_per_resolution(frozen):
    resolved_ticket(10)
    campaign = survey_campaign()
    plan(campaign)
    frozen.shift(dt.timedelta(minutes=5))
    assert len(plan(campaign)) == 1


def test_a_survey_is_dropped_with_a_reason_when_the_ticket_reopens():
    from care.delivery.dispatch import messages_dispatch

    ticket = resolved_ticket(10)
    consent(ticket.customer, "sms", "service")
    [message] = plan(survey_campaign())
    ticket.status, ticket.reopened_count = "open", 1
    ticket.save()
    messages_dispatch()
    message.refresh_from_db()
    assert (message.status, message.reason) == ("skipped", "ticket_reopened")


def test_a_survey_that_missed_its_hour_is_skipped_as_expired(frozen):
    from care.delivery.dispatch import messages_dispatch

    ticket = resolved_ticket(10)
    consent(ticket.customer, "sms", "service")
    [message] = plan(survey_campaign())
    frozen.shift(dt.timedelta(minutes=55))
    messages_dispatch()
    message.refresh_from_db()
    assert (message.status, message.reason) == ("skipped", "expired")


def test_a_survey_deferred_by_quiet_hours_still_goes_in_the_morning(frozen):
    from care.delivery.dispatch import messages_dispatch

    frozen.move_to(dt.datetime(2026, 11, 23, 20, 55, tzinfo=SHANGHAI))
    ticket = resolved_ticket(10)
    consent(ticket.customer, "sms", "service")
    [message] = plan(survey_campaign())
    frozen.move_to(dt.datetime(2026, 11, 23, 21, 5, tzinfo=SHANGHAI))
    messages_dispatch()
    frozen.move_to(dt.datetime(2026, 11, 24, 8, 0, tzinfo=SHANGHAI))
    messages_dispatch()
    message.refresh_from_db()
    assert message.status == "sent"


# --- new product ----------------------------------------------------------------------


def test_new_product_goes_to_past_buyers_of_its_category():
    old = ProductFactory(category="tea")
    buyer, other = CustomerFactory(), CustomerFactory()
    OrderLineFactory(
        order=OrderFactory(
            customer=buyer, placed_at=timezone.now() - dt.timedelta(days=90)
        ),
        product=old,
    )
    OrderLineFactory(
        order=OrderFactory(customer=other), product=ProductFactory(category="coffee")
    )
    new = ProductFactory(
        category="tea", launched_at=timezone.now() - dt.timedelta(days=1)
    )
    [message] = plan(campaign_with_templates(trigger="new_product"))
    assert (message.customer, message.product) == (buyer, new)
    assert message.key.endswith(f"/customer:{buyer.pk}/product:{new.pk}/sms")


def test_new_product_is_not_due_for_old_launches_or_customers_who_own_it():
    old = ProductFactory(category="tea")
    buyer = CustomerFactory()
    OrderLineFactory(
        order=OrderFactory(
            customer=buyer, placed_at=timezone.now() - dt.timedelta(days=90)
        ),
        product=old,
    )
    ProductFactory(category="tea", launched_at=timezone.now() - dt.timedelta(days=30))
    new = ProductFactory(
        category="tea", launched_at=timezone.now() - dt.timedelta(days=1)
    )
    OrderLineFactory(order=OrderFactory(customer=buyer), product=new)
    assert plan(campaign_with_templates(trigger="new_product")) == []


# --- dated --------------------------------------------------------------------------------


def test_a_dated_campaign_is_planned_on_the_day_at_the_local_time_of_day(frozen):
    frozen.move_to(dt.datetime(2027, 2, 6, 0, 30, tzinfo=SHANGHAI))
    shanghai = CustomerFactory(time_zone="Asia/Shanghai")
    london = CustomerFactory(time_zone="Europe/London")  # still 5 February there
    campaign = campaign_with_templates(
        trigger="dated", params={"date": "02-06", "time": "10:00"}
    )
    [message] = plan(campaign)
    assert message.customer == shanghai
    assert message.send_after == dt.datetime(2027, 2, 6, 10, 0, tzinfo=SHANGHAI)
    frozen.move_to(dt.datetime(2027, 2, 6, 0, 30, tzinfo=ZoneInfo("Europe/London")))
    assert {m.customer for m in plan(campaign)} == {shanghai, london}


def test_a_dated_campaign_is_not_due_on_other_days_nor_for_a_past_one_off_year(frozen):
    CustomerFactory()
    assert (
        plan(campaign_with_templates(trigger="dated", params={"date": "02-06"})) == []
    )
    assert (
        plan(campaign_with_templates(trigger="dated", params={"date": "2025-11-23"}))
        == []
    )


def test_a_yearly_dated_campaign_is_once_per_customer_and_date(frozen):
    CustomerFactory()
    campaign = campaign_with_templates(trigger="dated", params={"date": "11-23"})
    plan(campaign)
    frozen.shift(dt.timedelta(hours=3))
    assert len(plan(campaign)) == 1
    frozen.move_to(dt.datetime(2027, 11, 23, 9, 0, tzinfo=SHANGHAI))
    assert len(plan(campaign)) == 2


# --- sweep ----------------------------------------------------------------------------------


def test_the_sweep_runs_every_active_campaign():
    CustomerFactory(birthday=dt.date(1990, 11, 30))
    resolved_ticket(10)
    campaign_with_templates(trigger="birthday")
    survey_campaign()
    campaign_with_templates(trigger="birthday", status="draft")
    results = campaigns_sweep(now=timezone.now())
    assert sum(r.planned + r.skipped for r in results) == 2
    assert Message.objects.count() == 2


def test_a_yearly_dated_campaign_on_29_february_falls_on_28_february_in_common_years(
    frozen,
):
    frozen.move_to(dt.datetime(2027, 2, 28, 9, 0, tzinfo=SHANGHAI))
    CustomerFactory()
    assert (
        len(plan(campaign_with_templates(trigger="dated", params={"date": "02-29"})))
        == 1
    )
