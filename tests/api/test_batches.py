"""POST /customers/batch, /orders/batch and /assets/batch: an answer per index."""

import pytest

from crm.models import Asset, Consent, Customer, Order
from tests.factories import CustomerFactory, OrderFactory, ProductFactory

pytestmark = pytest.mark.django_db
SMS = {"channel": "sms", "purpose": "marketing", "granted": True}


def statuses(response) -> list[int]:
    return [r["status"] for r in response.json()["results"]]


def item_fields(response, index: int) -> list[str]:
    return [e["field"] for e in response.json()["results"][index]["errors"]]


def test_it_upserts_customers_and_answers_per_index(api):
    items = [
        {"external_id": "C1", "name": "Li", "consents": [SMS]},
        {"external_id": "C2", "phone": "12345", "consents": [SMS]},
        {"external_id": "C3", "email": "han@example.com"},
    ]
    response = api.post("/customers/batch", {"items": items})
    assert response.status_code == 200 and statuses(response) == [201, 422, 201]
    assert item_fields(response, 1) == ["phone"]
    assert response.json()["created"] == 2 and response.json()["rejected"] == 1
    assert set(Customer.objects.values_list("external_id", flat=True)) == {"C1", "C3"}
    assert Consent.objects.get().source == "api:shop"


def test_a_resent_batch_updates_and_adds_no_consent_twice(api):
    items = [
        {"external_id": f"C{i}", "name": "Li", "consents": [SMS]} for i in range(3)
    ]
    api.post("/customers/batch", {"items": items})
    response = api.post("/customers/batch", {"items": items})
    assert statuses(response) == [200, 200, 200]
    assert Consent.objects.count() == 3


def test_a_repeated_id_is_applied_in_order(api):
    items = [
        {"external_id": "C1", "name": "First", "consents": [SMS]},
        {
            "external_id": "C1",
            "name": "Second",
            "consents": [{**SMS, "granted": False}],
        },
    ]
    response = api.post("/customers/batch", {"items": items})
    assert statuses(response) == [201, 200]
    assert Customer.objects.get().name == "Second"
    latest = Consent.objects.filter(customer__external_id="C1").latest_per_topic().get()
    assert latest.granted is False and Consent.objects.count() == 2


def test_a_batch_and_a_single_put_follow_the_same_consent_rules(api):
    CustomerFactory(external_id="C1")
    api.put(
        "/customers/C1", {"consents": [{**SMS, "recorded_at": "2026-01-01T00:00:00Z"}]}
    )
    older = {**SMS, "granted": False, "recorded_at": "2025-01-01T00:00:00Z"}
    api.post(
        "/customers/batch", {"items": [{"external_id": "C1", "consents": [older]}]}
    )
    api.post(
        "/customers/batch", {"items": [{"external_id": "C1", "consents": [older]}]}
    )
    rows = Consent.objects.filter(customer__external_id="C1")
    assert rows.count() == 2 and rows.latest_per_topic().get().granted is True


def test_a_batch_that_breaks_the_schema_writes_nothing(api):
    items = [{"external_id": "C1", "name": "Li"}, {"external_id": "C2", "locale": "fr"}]
    response = api.post("/customers/batch", {"items": items})
    assert response.status_code == 422 and not Customer.objects.exists()
    assert [e["field"] for e in response.json()["errors"]] == ["items.1.locale"]


@pytest.mark.parametrize("path", ["/customers/batch", "/orders/batch", "/assets/batch"])
def test_more_than_a_thousand_items_is_a_413_that_writes_nothing(api, path):
    response = api.post(
        path, {"items": [{"external_id": f"X{i}"} for i in range(1001)]}
    )
    assert response.status_code == 413
    assert [e["field"] for e in response.json()["errors"]] == ["items"]
    assert not Customer.objects.exists() and not Order.objects.exists()


@pytest.mark.parametrize("path", ["/customers/batch", "/orders/batch", "/assets/batch"])
def test_an_empty_batch_is_refused(api, path):
    assert api.post(path, {"items": []}).status_code == 422


def order(external_id: str, **changes) -> dict:
    return {
        "external_id": external_id,
        "customer": "C1",
        "placed_at": "2026-11-01T12:00:00+08:00",
        "total": "10.00",
        "items": [{"product": "K1", "quantity": 1}],
        **changes,
    }


def test_a_rejected_order_keeps_its_lines_and_its_neighbours_go_in(api):
    customer = CustomerFactory(external_id="C1")
    ProductFactory(sku="K1")
    kept = OrderFactory(external_id="O1", customer=customer)
    lines_before = list(kept.lines.values_list("pk", flat=True))
    items = [
        order("O1", items=[{"product": "K1"}, {"product": "NOPE"}]),
        order("O2"),
        order("O3", customer="GHOST"),
    ]
    response = api.post("/orders/batch", {"items": items})
    assert statuses(response) == [422, 201, 422]
    assert item_fields(response, 0) == ["items.1.product"]
    assert item_fields(response, 2) == ["customer"]
    assert list(kept.lines.values_list("pk", flat=True)) == lines_before
    assert set(Order.objects.values_list("external_id", flat=True)) == {"O1", "O2"}
    assert Order.objects.get(external_id="O2").lines.count() == 1


def test_it_upserts_assets_with_their_dates_in_the_customers_zone(api):
    CustomerFactory(external_id="C1", time_zone="America/New_York")
    CustomerFactory(external_id="C2", time_zone="Asia/Shanghai")
    serviced = "2026-06-01T23:30:00+00:00"
    base = {"kind": "vehicle", "name": "Car", "service_interval_days": 10}
    items = [
        {"external_id": "A1", "customer": "C1", "last_serviced_at": serviced, **base},
        {"external_id": "A2", "customer": "C2", "last_serviced_at": serviced, **base},
        {"external_id": "A3", "customer": "C2", **base, "name": None},
    ]
    response = api.post("/assets/batch", {"items": items})
    assert response.status_code == 422  # name is not nullable: the schema says so
    items[2]["name"] = "Fridge"
    items[2]["last_serviced_at"] = "9999-12-31T23:59:59-12:00"
    response = api.post("/assets/batch", {"items": items})
    assert statuses(response) == [201, 201, 422]
    assert item_fields(response, 2) == ["last_serviced_at"]
    served = dict(Asset.objects.values_list("external_id", "last_serviced_at"))
    assert {k: v.isoformat() for k, v in served.items()} == {
        "A1": "2026-06-01",
        "A2": "2026-06-02",
    }


@pytest.mark.parametrize(
    ("item", "field"),
    [
        ({"phone": "abc"}, "phone"),
        ({"email": "li@"}, "email"),
        ({"birthday": "2999-01-01"}, "birthday"),
        (
            {"consents": [{**SMS, "recorded_at": "2999-01-01T00:00:00Z"}]},
            "consents.0.recorded_at",
        ),
    ],
)
def test_the_single_and_the_batch_refuse_the_same_bad_input(api, item, field):
    single = api.put("/customers/C1", item)
    assert single.status_code == 422 and [
        e["field"] for e in single.json()["errors"]
    ] == [field]
    batch = api.post("/customers/batch", {"items": [{"external_id": "C1", **item}]})
    assert batch.status_code == 200 and item_fields(batch, 0) == [field]
    assert not Customer.objects.exists() and not Consent.objects.exists()
