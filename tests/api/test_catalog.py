import pytest

from crm.models import Order, OrderLine, Product
from tests.factories import CustomerFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(db):
    CustomerFactory(external_id="C1")
    ProductFactory(sku="K1", price="99.00")
    ProductFactory(sku="K2", price=None)


ORDER = {
    "customer": "C1",
    "placed_at": "2026-11-01T12:00:00+08:00",
    "total": "247.00",
    "currency": "CNY",
    "coupon_code": "BDAY-2026",
    "items": [
        {"product": "K1", "quantity": 2},
        {"sku": "K2", "quantity": 1, "unit_price": 49},
    ],
}


def test_it_creates_then_updates_a_product(api):
    body = {
        "name": "Kettle",
        "category": "kitchen",
        "price": "99.5",
        "launched_at": "2026-10-01T00:00:00Z",
    }
    assert api.put("/products/K9", body).status_code == 201
    response = api.put("/products/K9", body)
    assert response.status_code == 200 and response.json()["price"] == "99.50"
    assert Product.objects.filter(sku="K9").count() == 1


def test_it_names_a_negative_product_price(api):
    response = api.put("/products/K9", {"name": "x", "price": -1})
    assert (
        response.status_code == 422 and response.json()["errors"][0]["field"] == "price"
    )


def test_it_creates_an_order_with_its_lines(api, shop):
    response = api.put("/orders/O1", ORDER)
    assert response.status_code == 201
    body = response.json()
    assert body["coupon_code"] == "BDAY-2026" and body["total"] == "247.00"
    assert body["items"] == [
        {"product": "K1", "quantity": 2, "unit_price": "99.00"},
        {"product": "K2", "quantity": 1, "unit_price": "49.00"},
    ]


def test_the_same_order_twice_keeps_one_order_and_its_lines(api, shop):
    api.put("/orders/O1", ORDER)
    assert api.put("/orders/O1", ORDER).status_code == 200
    assert Order.objects.count() == 1 and OrderLine.objects.count() == 2


def test_an_unknown_customer_is_a_422_naming_the_field(api, shop):
    response = api.put("/orders/O1", {**ORDER, "customer": "NOPE"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "customer"
    assert not Order.objects.exists()


def test_an_unknown_sku_names_its_index(api, shop):
    items = [{"product": "K1"}, {"product": "GHOST", "unit_price": 1}]
    response = api.put("/orders/O1", {**ORDER, "items": items})
    assert [e["field"] for e in response.json()["errors"]] == ["items.1.product"]
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"total": "-1"}, "total"),
        ({"total": "1.999"}, "total"),
        ({"currency": "RMB"}, "currency"),
        ({"placed_at": "01/11/2026"}, "placed_at"),
        ({"items": [{"product": "K1", "quantity": -2}]}, "items.0.quantity"),
        ({"items": [{"product": "K1", "quantity": "2"}]}, "items.0.quantity"),
        ({"total": True}, "total"),
    ],
)
def test_it_names_the_bad_order_field(api, shop, change, field):
    response = api.put("/orders/O1", {**ORDER, **change})
    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["errors"]]
    assert not Order.objects.exists()


def test_it_requires_the_core_fields_of_a_new_order(api, shop):
    response = api.put("/orders/O1", {"currency": "CNY"})
    assert {e["field"] for e in response.json()["errors"]} == {
        "customer",
        "placed_at",
        "total",
    }


def test_a_product_page_must_be_an_http_address(api):
    for bad in ("javascript:alert(1)", "ftp://shop.example.com/p", "https://shop example.com"):
        response = api.put("/products/URL-1", {"name": "Kettle", "url": bad})
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == "url"
    response = api.put("/products/URL-1", {"name": "Kettle", "url": "https://shop.example.com/p/1"})
    assert response.status_code in (200, 201)
    assert response.json()["url"] == "https://shop.example.com/p/1"
