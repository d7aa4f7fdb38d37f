"""The API does what docs/api.md says, and its schema says so too."""

import json

import pytest

from crm.models import Customer, Product
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def fields(response) -> list[str]:
    return [e["field"] for e in response.json()["errors"]]


@pytest.fixture
def schema(client) -> dict:
    return client.get("/api/v1/openapi.json").json()


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/customers/C1", {"nmae": "Li"}, "nmae"),
        ("/products/K1", {"name": "Kettle", "colour": "red"}, "colour"),
        ("/orders/O1", {"customer": "C1", "rebate": 1}, "rebate"),
        ("/assets/A1", {"customer": "C1", "vin": "X"}, "vin"),
        ("/tickets/T1", {"customer": "C1", "priority": "high"}, "priority"),
        (
            "/customers/C1",
            {
                "consents": [
                    {"channel": "sms", "purpose": "service", "granted": True, "why": 1}
                ]
            },
            "consents.0.why",
        ),
    ],
)
def test_it_refuses_an_unknown_field_by_name(api, path, body, field):
    CustomerFactory(external_id="C1")
    response = api.put(path, body)
    assert response.status_code == 422 and field in fields(response)
    assert response.json()["errors"][fields(response).index(field)]["message"] == (
        "Unknown field."
    )


@pytest.mark.parametrize("path", ["/customers/batch", "/orders/batch", "/assets/batch"])
def test_it_refuses_an_unknown_field_in_a_batch(api, path):
    response = api.post(path, {"items": [{"external_id": "X1", "bogus": 1}]})
    assert response.status_code == 422 and "items.0.bogus" in fields(response)
    response = api.post(path, {"items": [], "extra": 1})
    assert response.status_code == 422 and "extra" in fields(response)


@pytest.mark.parametrize(
    "birthday", ["20261120", "2026-W01-1", "1990-5-17", "1990-05-17T00:00"]
)
def test_it_takes_dates_as_yyyy_mm_dd_only(api, birthday):
    response = api.put("/customers/C1", {"birthday": birthday})
    assert response.status_code == 422 and fields(response) == ["birthday"]
    assert not Customer.objects.exists()


@pytest.mark.parametrize("zone", ["localtime", "Factory", "posixrules", "Mars/Olympus"])
def test_it_takes_real_iana_zones_only(api, zone):
    response = api.put("/customers/C1", {"time_zone": zone})
    assert response.status_code == 422 and fields(response) == ["time_zone"]


def test_it_takes_a_real_zone_and_an_empty_one(api):
    assert api.put("/customers/C1", {"time_zone": "Europe/Paris"}).status_code == 201
    response = api.put("/customers/C1", {"time_zone": ""})
    assert response.status_code == 200 and response.json()["time_zone"] == ""


@pytest.mark.parametrize("price", ["١٢٣", "１２", "12.5e1", " 12", "-0", "+1"])
def test_it_takes_amounts_in_ascii_digits_only(api, price):
    response = api.put("/products/K1", {"name": "Kettle", "price": price})
    assert response.status_code == 422 and fields(response) == ["price"]
    assert not Product.objects.exists()


@pytest.mark.parametrize("price", [-0.0, 0, "0", "0.00", 0.1 + 0.2])
def test_it_never_answers_a_negative_zero(api, price):
    response = api.put("/products/K1", {"name": "Kettle", "price": price})
    assert response.status_code == 201
    assert response.json()["price"] in ("0.00", "0.30")


def test_it_refuses_a_body_that_is_not_utf8(api):
    body = json.dumps({"name": "李雷"}).encode("utf-16")
    response = api.client.put(
        "/api/v1/customers/C1", body, content_type="application/json"
    )
    assert response.status_code == 400 and fields(response) == ["body"]
    assert not Customer.objects.exists()


def test_it_refuses_another_charset(api):
    body = json.dumps({"name": "Li"}).encode("utf-16")
    response = api.client.put(
        "/api/v1/customers/C1", body, content_type="application/json; charset=utf-16"
    )
    assert response.status_code == 415 and fields(response) == ["Content-Type"]


@pytest.mark.parametrize("method", ["get", "put"])
def test_a_nul_byte_in_the_path_is_a_422_naming_it(api, method):
    call = api.get if method == "get" else lambda p: api.put(p, {"name": "Li"})
    response = call("/customers/a%00b")
    assert response.status_code == 422 and fields(response) == ["external_id"]


@pytest.mark.parametrize("field", ["name", "email", "phone", "time_zone"])
def test_a_nul_byte_in_a_field_is_a_422_naming_it(api, field):
    response = api.put("/customers/C1", {field: "a\x00b"})
    assert response.status_code == 422 and fields(response) == [field]
    assert not Customer.objects.exists()


def test_an_id_named_batch_is_reserved(api):
    response = api.put("/orders/batch", {})
    assert response.status_code == 405
    response = api.post("/customers/batch", {"items": [{"external_id": "batch"}]})
    assert response.status_code == 422 and fields(response) == ["items.0.external_id"]


def test_the_schema_lists_the_closed_sets(schema):
    parts = schema["components"]["schemas"]
    consent = parts["ConsentIn"]["properties"]
    assert consent["channel"]["enum"] == ["sms", "email"]
    assert consent["purpose"]["enum"] == ["service", "marketing"]
    assert parts["AssetIn"]["properties"]["kind"]["enum"] == [
        "vehicle",
        "appliance",
        "other",
    ]
    status = parts["TicketIn"]["properties"]["status"]
    assert status["enum"] == ["open", "resolved", "closed"]
    zones = parts["CustomerIn"]["properties"]["time_zone"]["anyOf"][0]["enum"]
    assert (
        "Asia/Shanghai" in zones and "localtime" not in zones and "Factory" not in zones
    )


def test_the_schema_states_the_limits(schema):
    parts = schema["components"]["schemas"]
    interval = parts["AssetIn"]["properties"]["service_interval_days"]
    assert (interval["minimum"], interval["maximum"]) == (1, 3650)
    consents = parts["CustomerIn"]["properties"]["consents"]["anyOf"][0]
    assert consents["maxItems"] == 50
    price = parts["ProductIn"]["properties"]["price"]["anyOf"][0]["anyOf"]
    assert {p["type"] for p in price} == {"string", "number"}
    [path_id] = schema["paths"]["/api/v1/customers/{external_id}"]["get"]["parameters"]
    assert path_id["schema"]["maxLength"] == 64


def test_the_schema_tells_nullable_from_omittable(schema):
    customer = schema["components"]["schemas"]["CustomerIn"]["properties"]
    assert {"type": "null"} in customer["name"]["anyOf"]
    assert "anyOf" not in customer["locale"] and "default" not in customer["locale"]
    ticket = schema["components"]["schemas"]["TicketIn"]["properties"]
    assert "anyOf" not in ticket["subject"] and "anyOf" not in ticket["status"]


def test_the_schema_lists_every_answer_of_every_operation(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            codes = set(operation["responses"])
            assert {"401", "422", "503"} <= codes, (method, path)
            error = operation["responses"]["422"]["content"]["application/json"]
            assert error["schema"]["$ref"] == "#/components/schemas/ErrorOut"
    get = schema["paths"]["/api/v1/customers/{external_id}"]["get"]
    assert "404" in get["responses"]


def test_a_new_customers_answer_is_what_get_answers(api):
    consents = [
        {"channel": "sms", "purpose": "marketing", "granted": True},
        {
            "channel": "sms",
            "purpose": "marketing",
            "granted": False,
            "recorded_at": "2025-01-01T00:00:00Z",
        },
        {"channel": "email", "purpose": "service", "granted": False},
    ]
    put = api.put("/customers/C1", {"name": "Li", "consents": consents})
    assert put.status_code == 201
    assert put.json() == api.get("/customers/C1").json()


def test_an_updated_customers_answer_is_what_get_answers(api):
    sms = {"channel": "sms", "purpose": "marketing", "granted": True}
    api.put("/customers/C1", {"consents": [sms, {**sms, "purpose": "service"}]})
    put = api.put("/customers/C1", {"consents": [{**sms, "granted": False}]})
    assert put.status_code == 200
    assert put.json() == api.get("/customers/C1").json()
    assert [c["granted"] for c in put.json()["consents"]] == [False, True]
