import json

import pytest
from django.db import IntegrityError

from crm.models import Customer
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def put_raw(api, path: str, data, content_type: str = "application/json"):
    return api.client.put(f"/api/v1{path}", data, content_type=content_type)


def fields(response) -> list[str]:
    return [e["field"] for e in response.json()["errors"]]


def test_malformed_json_is_a_400_that_says_where(api):
    response = put_raw(api, "/customers/C1", '{"name": "Li",}')
    assert response.status_code == 400
    assert (
        "Malformed JSON" in response.json()["detail"]
        and "line 1" in response.json()["detail"]
    )
    assert fields(response) == ["body"]


@pytest.mark.parametrize(
    "data", [b"\xff\xfe{}", b'{"a": NaN}', b"[" * 100_000, b"1" * 5000]
)
def test_unparseable_bodies_are_a_400(api, data):
    assert put_raw(api, "/customers/C1", data).status_code == 400


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "application/xml"],
)
def test_a_body_that_is_not_json_is_a_415(api, content_type):
    response = put_raw(api, "/customers/C1", "name=Li", content_type)
    assert response.status_code == 415 and fields(response) == ["Content-Type"]
    assert not Customer.objects.exists()


def test_a_json_content_type_with_charset_is_accepted(api):
    response = put_raw(
        api,
        "/customers/C1",
        json.dumps({"name": "Li"}),
        "application/json; charset=utf-8",
    )
    assert response.status_code == 201


def test_an_empty_body_asks_for_json(api):
    response = put_raw(api, "/customers/C1", "")
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "body", "message": "A JSON body is required."}
    ]


@pytest.mark.parametrize("body", [[1, 2], "text", 12, None])
def test_a_body_that_is_not_an_object_is_a_422(api, body):
    response = api.put("/customers/C1", body)
    assert response.status_code == 422 and fields(response) == ["body"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", 12), ("phone", ["138"]), ("birthday", 19900101), ("email", {"a": 1})],
)
def test_wrong_types_name_the_field(api, field, value):
    response = api.put("/customers/C1", {field: value})
    assert response.status_code == 422 and fields(response) == [field]


def test_a_nul_byte_is_refused_by_field(api):
    response = api.put("/customers/C1", {"name": "Li\u0000Lei"})
    assert response.status_code == 422 and fields(response) == ["name"]
    assert not Customer.objects.exists()


def test_a_huge_string_is_refused_by_field(api):
    response = api.put("/customers/C1", {"name": "x" * 100_000})
    assert response.status_code == 422 and fields(response) == ["name"]


def test_a_too_long_path_id_is_refused(api):
    response = api.put("/customers/" + "C" * 65, {"name": "Li"})
    assert response.status_code == 422 and fields(response) == ["external_id"]


def test_a_nul_byte_in_the_path_id_is_refused(api):
    response = api.put("/customers/C%001", {"name": "Li"})
    assert response.status_code == 422 and fields(response) == ["external_id"]


def test_a_body_over_the_upload_limit_is_a_413(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api.put("/customers/C1", {"name": "x" * 2000})
    assert response.status_code == 413


def test_a_write_conflict_is_a_409(api, monkeypatch):
    def conflict(**kwargs):
        raise IntegrityError("duplicate key")

    monkeypatch.setattr("api.routes.customers_upsert_batch", conflict)
    assert api.put("/customers/C1", {"name": "Li"}).status_code == 409


def test_an_unexpected_fault_is_a_logged_json_500(api, monkeypatch, caplog):
    def broken(customer):
        raise RuntimeError("bug")

    CustomerFactory(external_id="C1")
    monkeypatch.setattr("api.present.customer_out", broken)
    response = api.get("/customers/C1")
    assert response.status_code == 500 and response.json()["detail"].startswith(
        "Internal error"
    )
    assert "bug" in caplog.text


def test_the_openapi_schema_lists_every_endpoint(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert {
        "/api/v1/customers/{external_id}",
        "/api/v1/products/{sku}",
        "/api/v1/orders/{external_id}",
        "/api/v1/events",
        "/api/v1/assets/{external_id}",
        "/api/v1/tickets/{external_id}",
    } <= set(schema["paths"])
    assert schema["components"]["securitySchemes"]["BearerToken"]["scheme"] == "bearer"


def test_the_docs_page_is_served(client):
    assert client.get("/api/v1/docs").status_code == 200
