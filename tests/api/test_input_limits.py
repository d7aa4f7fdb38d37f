"""Issue 11's input rules: times that cannot be UTC, the consent cap, dates in zones.

These run on the suite's database: SQLite, and PostgreSQL when DATABASE_URL is set.
"""

import pytest
from django.contrib.auth import get_user_model

from crm.models import Asset, Consent, Customer, Product
from crm.services import MAX_CONSENTS
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
SMS = {"channel": "sms", "purpose": "marketing", "granted": True}


def fields(response) -> list[str]:
    return [e["field"] for e in response.json()["errors"]]


def test_a_launch_that_cannot_be_utc_is_refused_and_nothing_is_written(api):
    body = {"name": "Kettle", "launched_at": "9999-12-31T23:59:59-12:00"}
    response = api.put("/products/K1", body)
    assert response.status_code == 422 and fields(response) == ["launched_at"]
    assert not Product.objects.exists()


def test_a_service_time_that_cannot_be_utc_is_refused(api):
    CustomerFactory(external_id="C1")
    body = {
        "customer": "C1",
        "kind": "vehicle",
        "name": "Car",
        "service_interval_days": 180,
        "last_serviced_at": "9999-12-31T23:59:59-12:00",
    }
    response = api.put("/assets/A1", body)
    assert response.status_code == 422 and fields(response) == ["last_serviced_at"]
    assert not Asset.objects.exists()


def test_the_latest_accepted_launch_still_shows_in_the_admin_product_list(api, client):
    body = {"name": "Kettle", "launched_at": "9999-12-29T23:59:59+14:00"}
    assert api.put("/products/K1", body).status_code == 201
    admin = get_user_model().objects.create_superuser("boss", "b@example.com", "pw")
    client.force_login(admin)
    response = client.get("/admin/crm/product/")
    assert response.status_code == 200 and b"K1" in response.content


def test_at_most_fifty_consents_per_request(api):
    response = api.put("/customers/C1", {"consents": [SMS] * (MAX_CONSENTS + 1)})
    assert response.status_code == 422 and fields(response) == ["consents"]
    assert not Customer.objects.exists()
    assert (
        api.put("/customers/C1", {"consents": [SMS] * MAX_CONSENTS}).status_code == 201
    )


def test_twenty_thousand_consents_are_refused_before_any_item_is_read(api):
    consents = [{**SMS, "recorded_at": "now"}] * 20_000
    response = api.put("/customers/C1", {"consents": consents})
    # Only the count is reported: the items were never validated one by one.
    assert response.status_code == 422 and fields(response) == ["consents"]
    assert not Customer.objects.exists() and not Consent.objects.exists()


@pytest.mark.parametrize(
    ("zone", "day"),
    [
        ("America/New_York", "2026-06-01"),
        ("Asia/Shanghai", "2026-06-02"),
        ("", "2026-06-02"),
    ],
)
def test_a_service_time_counts_on_its_day_in_the_customers_zone(api, zone, day):
    CustomerFactory(external_id="C1", time_zone=zone)
    body = {
        "customer": "C1",
        "kind": "vehicle",
        "name": "Car",
        "service_interval_days": 1,
        "last_serviced_at": "2026-06-01T23:30:00+00:00",
    }
    response = api.put("/assets/A1", body)
    assert response.status_code == 201 and response.json()["last_serviced_at"] == day
