import datetime as dt
from collections import defaultdict
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone

from care.models import Ticket
from crm.demo.seed import demo_delete, demo_summary
from crm.models import Asset, BrowseEvent, Customer, Order, OrderLine, Product
from tests.factories import CustomerFactory

NOW = dt.datetime(2026, 11, 20, 6, 30, tzinfo=dt.UTC)
CUSTOMERS = 300


def seed(**options) -> str:
    out = StringIO()
    call_command("seed_demo", customers=CUSTOMERS, verbosity=0, stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def seeded(db, frozen):
    seed()


def test_it_loads_the_requested_number_of_customers_and_their_data(seeded):
    assert Customer.objects.count() == CUSTOMERS
    assert Order.objects.count() > CUSTOMERS
    assert OrderLine.objects.count() >= Order.objects.count()
    for model in (Product, BrowseEvent, Asset, Ticket):
        assert model.objects.exists(), model


def test_it_gives_the_same_data_for_the_same_seed(seeded):
    first = demo_summary()
    demo_delete()
    seed()
    assert demo_summary() == first


def test_it_gives_different_data_for_another_seed(seeded):
    first = demo_summary()
    seed(reset=True, seed=7)
    assert demo_summary()["digest"] != first["digest"]


def test_it_includes_birthdays_on_29_february(seeded):
    assert Customer.objects.filter(birth_month=2, birth_day=29).exists()


def test_it_mixes_chinese_and_english_customers_with_matching_locales(seeded):
    locales = set(Customer.objects.values_list("locale", flat=True))
    assert locales == {"zh-hans", "en"}
    assert Customer.objects.filter(locale="zh-hans", phone__startswith="+86").exists()
    zones = set(Customer.objects.values_list("time_zone", flat=True))
    assert {"Asia/Shanghai", "Europe/London"} <= zones


def test_it_does_nothing_on_a_second_run(seeded):
    before = demo_summary()
    out = seed()
    assert "already exist" in out
    assert demo_summary() == before


def test_it_replaces_only_demo_data_on_reset(seeded):
    CustomerFactory(external_id="REAL-1")
    seed(reset=True)
    assert Customer.objects.filter(external_id="REAL-1").exists()
    assert Customer.objects.count() == CUSTOMERS + 1


def test_it_refuses_a_bad_customer_count(db):
    with pytest.raises(CommandError, match="--customers must be between"):
        call_command("seed_demo", customers=0, verbosity=0, stdout=StringIO())


def test_it_plants_products_viewed_on_3_days_in_the_last_week_without_an_order(seeded):
    since = timezone.now() - dt.timedelta(days=7)
    days = defaultdict(set)
    for customer, product, at in BrowseEvent.objects.filter(
        occurred_at__gte=since
    ).values_list("customer", "product", "occurred_at"):
        days[customer, product].add(timezone.localdate(at))
    bought = set(OrderLine.objects.values_list("order__customer", "product"))
    abandoned = [
        key for key, dates in days.items() if len(dates) >= 3 and key not in bought
    ]
    assert len(abandoned) >= CUSTOMERS // 25


def test_it_plants_assets_due_soon_and_tickets_resolved_in_the_last_hour(seeded):
    today = timezone.localdate()
    assert Asset.objects.filter(
        next_service_on__range=(today, today + dt.timedelta(days=7))
    ).exists()
    assert Ticket.objects.filter(
        status="resolved", resolved_at__gte=timezone.now() - dt.timedelta(hours=1)
    ).exists()


def test_it_spends_with_a_long_tail(seeded):
    totals = sorted(
        sum(o.total for o in c.orders.all())
        for c in Customer.objects.prefetch_related("orders")
    )
    top_decile = sum(totals[-CUSTOMERS // 10 :])
    assert top_decile > sum(totals) * 3 / 10
