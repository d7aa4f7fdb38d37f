import pytest

from crm.models import BrowseEvent
from tests.factories import CustomerFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(db):
    CustomerFactory(external_id="C1")
    ProductFactory(sku="K1")


def viewed(**extra):
    return {
        "type": "product_viewed",
        "customer": "C1",
        "product": "K1",
        "occurred_at": "2026-11-01T12:00:00+08:00",
        **extra,
    }


def test_it_accepts_a_batch(api, shop):
    response = api.post(
        "/events", {"events": [viewed(), viewed(occurred_at="2026-11-02T12:00:00Z")]}
    )
    assert response.status_code == 200
    assert response.json() == {"accepted": 2, "duplicates": 0, "errors": []}
    assert BrowseEvent.objects.count() == 2


def test_it_accepts_a_bare_array(api, shop):
    assert api.post("/events", [viewed()]).json()["accepted"] == 1


def test_it_writes_valid_items_and_reports_each_unknown_reference(api, shop):
    batch = [viewed(), viewed(customer="NOPE"), viewed(product="GHOST")]
    body = api.post("/events", {"events": batch}).json()
    assert body["accepted"] == 1 and BrowseEvent.objects.count() == 1
    assert [(e["index"], e["field"]) for e in body["errors"]] == [
        (1, "customer"),
        (2, "product"),
    ]
    assert "NOPE" in body["errors"][0]["error"]


def test_a_batch_that_breaks_the_schema_is_refused_whole(api, shop):
    batch = [viewed(), viewed(type="add_to_cart"), 7, viewed(occurred_at="now")]
    response = api.post("/events", {"events": batch})
    assert response.status_code == 422 and not BrowseEvent.objects.exists()
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"events.1.type", "events.2", "events.3.occurred_at"} <= fields


def test_an_unknown_top_level_key_is_refused(api, shop):
    response = api.post("/events", {"events": [viewed()], "evnts": []})
    assert response.status_code == 422 and not BrowseEvent.objects.exists()
    assert [e["field"] for e in response.json()["errors"]] == ["evnts"]


def test_a_retried_batch_is_harmless(api, shop):
    batch = {"events": [viewed(id="ev-1"), viewed(id="ev-2")]}
    api.post("/events", batch)
    body = api.post("/events", batch).json()
    assert (body["accepted"], body["duplicates"]) == (2, 2)
    assert BrowseEvent.objects.count() == 2


def test_it_takes_a_full_batch_of_a_thousand(api, shop):
    body = api.post(
        "/events", {"events": [viewed(id=f"e{i}") for i in range(1000)]}
    ).json()
    assert body["accepted"] == 1000 and BrowseEvent.objects.count() == 1000


def test_it_refuses_an_oversized_batch_and_writes_nothing(api, shop):
    response = api.post("/events", {"events": [viewed()] * 1001})
    assert response.status_code == 413
    assert (
        "1000" in response.json()["detail"]
        and response.json()["errors"][0]["field"] == "events"
    )
    assert not BrowseEvent.objects.exists()


def test_it_requires_the_events_list(api):
    response = api.post("/events", {"items": []})
    assert response.status_code == 422
