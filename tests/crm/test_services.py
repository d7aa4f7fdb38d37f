import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from crm.models import BrowseEvent, Consent, Customer, Order, Product
from crm.services import (
    asset_upsert,
    browse_events_record,
    customer_batch,
    consent_record,
    customer_upsert,
    order_upsert,
    product_upsert,
)
from tests.factories import (
    CustomerFactory,
    OrderFactory,
    OrderLineFactory,
    ProductFactory,
)

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)


def fields_of(error: ValidationError) -> set[str]:
    return set(error.message_dict)


def test_it_creates_a_customer_with_clean_fields():
    customer, created = customer_upsert(
        external_id="C1",
        name=" Li Lei ",
        phone="138 1234 5678",
        email="Li@Example.com",
        birthday="1992-02-29",
        time_zone="Asia/Shanghai",
        locale="zh_CN",
    )
    assert created
    assert (customer.name, customer.phone, customer.email) == (
        "Li Lei",
        "+8613812345678",
        "Li@example.com",
    )
    assert (customer.birth_month, customer.birth_day, customer.locale) == (
        2,
        29,
        "zh-hans",
    )


def test_it_updates_the_same_customer_and_keeps_fields_left_out():
    customer_upsert(external_id="C1", name="Li", email="li@example.com")
    customer, created = customer_upsert(external_id="C1", name="Li Lei")
    assert not created and Customer.objects.count() == 1
    assert customer.email == "li@example.com"


def test_it_clears_a_field_sent_empty():
    customer_upsert(external_id="C1", email="li@example.com", birthday="1990-01-01")
    customer, _ = customer_upsert(external_id="C1", email="", birthday=None)
    assert customer.email == "" and customer.birthday is None


def test_it_names_every_bad_field_and_writes_nothing():
    with pytest.raises(ValidationError) as caught:
        customer_upsert(
            external_id="C1",
            phone="123",
            email="x@",
            time_zone="Mars/X",
            birthday="1990-13-01",
        )
    assert fields_of(caught.value) == {"phone", "email", "time_zone", "birthday"}
    assert not Customer.objects.exists()


def test_it_rejects_an_unknown_field():
    with pytest.raises(ValidationError) as caught:
        customer_upsert(external_id="C1", nickname="x")
    assert fields_of(caught.value) == {"nickname"}


@time_machine.travel(NOW, tick=False)
def test_it_rejects_a_birthday_in_the_future():
    with pytest.raises(ValidationError) as caught:
        customer_upsert(external_id="C1", birthday="2027-01-01")
    assert fields_of(caught.value) == {"birthday"}


def test_it_rejects_the_whole_customer_when_a_consent_is_bad():
    with pytest.raises(ValidationError) as caught:
        customer_upsert(
            external_id="C1",
            name="Li",
            consents=[{"channel": "fax", "purpose": "marketing", "granted": True}],
        )
    assert fields_of(caught.value) == {"consents.0.channel"}
    assert not Customer.objects.exists()


def test_it_records_consents_with_the_default_source():
    customer, _ = customer_upsert(
        external_id="C1",
        consent_source="api:shop",
        consents=[{"channel": "sms", "purpose": "marketing", "granted": True}],
    )
    assert customer.consents.get().source == "api:shop"


def test_it_does_not_repeat_an_unchanged_consent_decision():
    customer = CustomerFactory()
    consent_record(
        customer=customer,
        channel="sms",
        purpose="marketing",
        granted=True,
        source="pos",
    )
    _consent, added = consent_record(
        customer=customer,
        channel="sms",
        purpose="marketing",
        granted=True,
        source="web",
    )
    assert not added and Consent.objects.count() == 1


def test_it_keeps_the_history_and_the_latest_decision_wins():
    customer = CustomerFactory()
    with time_machine.travel(NOW, tick=False):
        consent_record(
            customer=customer,
            channel="sms",
            purpose="marketing",
            granted=True,
            source="pos",
        )
    with time_machine.travel(NOW + dt.timedelta(days=1), tick=False):
        consent_record(
            customer=customer,
            channel="sms",
            purpose="marketing",
            granted=False,
            source="sms:STOP",
        )
    history = list(customer.consents.values_list("granted", "source"))
    assert history == [(False, "sms:STOP"), (True, "pos")]
    assert Customer.objects.with_consent("sms", "marketing").get().consented is False


def test_it_keeps_consents_per_channel_and_purpose_apart():
    customer = CustomerFactory()
    consent_record(
        customer=customer,
        channel="sms",
        purpose="marketing",
        granted=True,
        source="pos",
    )
    _c, added = consent_record(
        customer=customer,
        channel="email",
        purpose="marketing",
        granted=True,
        source="pos",
    )
    assert added and customer.consents.count() == 2


def test_it_ignores_a_resent_decision_with_the_same_time():
    customer = CustomerFactory()
    stamp = "2026-01-01T10:00:00+08:00"
    consent_record(
        customer=customer,
        channel="sms",
        purpose="marketing",
        granted=False,
        source="a",
        recorded_at="2026-02-01T10:00:00+08:00",
    )
    for _ in range(2):
        consent_record(
            customer=customer,
            channel="sms",
            purpose="marketing",
            granted=True,
            source="a",
            recorded_at=stamp,
        )
    assert customer.consents.count() == 2


def test_it_upserts_a_product_by_sku():
    product_upsert(sku="K1", name="Kettle", price="99")
    product, created = product_upsert(sku="K1", category="kitchen")
    assert not created and (product.name, product.price, product.category) == (
        "Kettle",
        Decimal("99.00"),
        "kitchen",
    )


def test_it_requires_a_name_for_a_new_product():
    with pytest.raises(ValidationError) as caught:
        product_upsert(sku="K1", price="9")
    assert fields_of(caught.value) == {"name"}


def order_fields(**extra):
    return {
        "customer": "C1",
        "placed_at": "2026-01-01T10:00:00+08:00",
        "total": "198.00",
        "currency": "cny",
        **extra,
    }


def test_it_creates_an_order_with_lines_and_a_coupon():
    CustomerFactory(external_id="C1")
    ProductFactory(sku="K1", price=Decimal("99"))
    order, created = order_upsert(
        external_id="O1",
        items=[{"product": "K1", "quantity": 2}],
        coupon_code="BDAY",
        **order_fields(),
    )
    assert created and order.currency == "CNY" and order.coupon_code == "BDAY"
    assert list(order.lines.values_list("product__sku", "quantity", "unit_price")) == [
        ("K1", 2, Decimal("99.00"))
    ]


def test_it_replaces_the_lines_of_an_order():
    order = OrderFactory(external_id="O1", customer__external_id="C1")
    OrderLineFactory(order=order)
    ProductFactory(sku="K2")
    order_upsert(
        external_id="O1", items=[{"sku": "K2", "quantity": 1, "unit_price": "5"}]
    )
    assert list(order.lines.values_list("product__sku", flat=True)) == ["K2"]


def test_it_names_the_index_of_an_unknown_sku_and_keeps_the_old_lines():
    order = OrderFactory(external_id="O1")
    OrderLineFactory(order=order)
    ProductFactory(sku="K1")
    with pytest.raises(ValidationError) as caught:
        order_upsert(
            external_id="O1",
            total="1",
            items=[{"product": "K1", "unit_price": "1"}, {"product": "NOPE"}],
        )
    assert fields_of(caught.value) == {"items.1.product"}
    assert order.lines.count() == 1
    assert Order.objects.get().total == Decimal("199.00")


def test_it_rejects_negative_totals_and_quantities():
    CustomerFactory(external_id="C1")
    ProductFactory(sku="K1")
    with pytest.raises(ValidationError) as caught:
        order_upsert(
            external_id="O1",
            items=[{"product": "K1", "quantity": -1, "unit_price": "-2"}],
            **order_fields(total="-5"),
        )
    assert fields_of(caught.value) == {
        "total",
        "items.0.quantity",
        "items.0.unit_price",
    }


def test_it_rejects_an_order_for_an_unknown_customer():
    with pytest.raises(ValidationError) as caught:
        order_upsert(external_id="O1", **order_fields(customer="NOPE"))
    assert fields_of(caught.value) == {"customer"}


def test_it_requires_the_core_fields_of_a_new_order():
    with pytest.raises(ValidationError) as caught:
        order_upsert(external_id="O1", currency="CNY")
    assert fields_of(caught.value) == {"customer", "placed_at", "total"}


@time_machine.travel(NOW, tick=False)
def test_it_rejects_an_order_placed_in_the_future():
    CustomerFactory(external_id="C1")
    with pytest.raises(ValidationError) as caught:
        order_upsert(external_id="O1", **order_fields(placed_at="2026-11-21T10:00:00Z"))
    assert fields_of(caught.value) == {"placed_at"}


def event(**extra):
    return {
        "type": "product_viewed",
        "customer": "C1",
        "product": "K1",
        "occurred_at": "2026-01-01T10:00:00Z",
        **extra,
    }


def test_it_records_valid_events_and_reports_invalid_ones_by_index():
    CustomerFactory(external_id="C1")
    ProductFactory(sku="K1")
    result = browse_events_record(
        events=[event(), event(customer="NOPE"), "x", event(occurred_at="yesterday")]
    )
    assert result.accepted == 1 and BrowseEvent.objects.count() == 1
    assert [(i, f) for i, f, _m in result.errors] == [
        (1, "customer"),
        (2, ""),
        (3, "occurred_at"),
    ]


def test_it_stores_a_retried_event_once():
    CustomerFactory(external_id="C1")
    ProductFactory(sku="K1")
    browse_events_record(events=[event(id="e1"), event(id="e1")])
    result = browse_events_record(events=[event(id="e1")])
    assert (result.accepted, result.duplicates) == (1, 1)
    assert BrowseEvent.objects.get().event_id == "e1"


def test_it_derives_the_next_service_date_of_an_asset():
    CustomerFactory(external_id="C1")
    asset, created = asset_upsert(
        external_id="A1",
        customer="C1",
        kind="vehicle",
        name="Car",
        last_serviced_at="2026-01-01T20:00:00Z",
        service_interval_days=90,
    )
    # 20:00 UTC is 04:00 the next day in Shanghai, the default TIME_ZONE.
    assert created and asset.last_serviced_at == dt.date(2026, 1, 2)
    assert asset.next_service_on == dt.date(2026, 4, 2)


def test_it_recomputes_the_next_service_date_on_update():
    CustomerFactory(external_id="C1")
    asset_upsert(
        external_id="A1",
        customer="C1",
        kind="vehicle",
        name="Car",
        last_serviced_at="2026-01-01",
        service_interval_days=90,
    )
    asset, _ = asset_upsert(external_id="A1", service_interval_days=30)
    assert asset.next_service_on == dt.date(2026, 1, 31)


def test_it_rejects_a_bad_asset_kind_and_interval():
    CustomerFactory(external_id="C1")
    with pytest.raises(ValidationError) as caught:
        asset_upsert(
            external_id="A1",
            customer="C1",
            kind="boat",
            name="x",
            service_interval_days=0,
        )
    assert fields_of(caught.value) == {"kind", "service_interval_days"}


def test_it_does_not_create_products_for_a_rejected_order():
    with pytest.raises(ValidationError):
        order_upsert(
            external_id="O1", items=[{"product": "K9"}], **order_fields(customer="NOPE")
        )
    assert not Product.objects.exists() and not Order.objects.exists()


def test_it_updates_when_its_insert_loses_a_race(monkeypatch):
    """Another request inserted the customer between our lookup and our insert."""
    CustomerFactory(external_id="C1", name="First")
    real = customer_batch.locked_customers
    calls = []

    def stale_lookup(external_ids):
        calls.append(external_ids)
        return {} if len(calls) == 1 else real(external_ids)

    monkeypatch.setattr(customer_batch, "locked_customers", stale_lookup)
    customer, created = customer_upsert(external_id="C1", name="Second")
    assert not created and len(calls) == 2
    assert Customer.objects.get().name == "Second"
