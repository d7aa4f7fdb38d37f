import datetime as dt

import pytest
import time_machine

from care.models import Ticket
from crm.models import Asset
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
ASSET = {
    "customer": "C1",
    "kind": "vehicle",
    "name": "Model Y",
    "last_serviced_at": "2026-06-01",
    "service_interval_days": 180,
}
TICKET = {
    "customer": "C1",
    "subject": "Fridge is noisy",
    "status": "open",
    "opened_at": "2026-11-01T09:00:00+08:00",
    "agent": "Wang",
    "first_contact_resolution": False,
}


@pytest.fixture(autouse=True)
def customer(db):
    return CustomerFactory(external_id="C1")


def test_it_creates_an_asset_with_its_next_service_date(api):
    response = api.put("/assets/A1", ASSET)
    assert (
        response.status_code == 201
        and response.json()["next_service_on"] == "2026-11-28"
    )


def test_the_same_asset_twice_is_one_asset(api):
    api.put("/assets/A1", ASSET)
    assert (
        api.put("/assets/A1", ASSET).status_code == 200 and Asset.objects.count() == 1
    )


def test_it_accepts_a_datetime_as_the_last_service(api):
    body = api.put(
        "/assets/A1", {**ASSET, "last_serviced_at": "2026-06-01T18:00:00Z"}
    ).json()
    assert body["last_serviced_at"] == "2026-06-02"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "boat"}, "kind"),
        ({"service_interval_days": -5}, "service_interval_days"),
        ({"last_serviced_at": "June"}, "last_serviced_at"),
        ({"customer": "NOPE"}, "customer"),
        ({"service_interval_days": "90"}, "service_interval_days"),
    ],
)
def test_it_names_the_bad_asset_field(api, change, field):
    response = api.put("/assets/A1", {**ASSET, **change})
    assert (
        response.status_code == 422 and response.json()["errors"][0]["field"] == field
    )
    assert not Asset.objects.exists()


def test_it_creates_then_resolves_a_ticket(api):
    assert api.put("/tickets/T1", TICKET).status_code == 201
    response = api.put(
        "/tickets/T1",
        {"status": "resolved", "resolved_at": "2026-11-01T10:00:00+08:00"},
    )
    assert response.status_code == 200
    assert response.json()["resolved_at"] == "2026-11-01T02:00:00+00:00"


@time_machine.travel(dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC), tick=False)
def test_a_ticket_resolved_without_a_time_is_resolved_now(api):
    body = api.put("/tickets/T1", {**TICKET, "status": "resolved"}).json()
    assert body["resolved_at"] == "2026-11-20T10:00:00+00:00"


def test_a_reopened_ticket_counts_the_reopening(api):
    api.put("/tickets/T1", {**TICKET, "status": "resolved"})
    body = api.put("/tickets/T1", {"status": "open"}).json()
    assert (body["reopened_count"], body["resolved_at"]) == (1, None)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"status": "pending"}, "status"),
        ({"opened_at": "yesterday"}, "opened_at"),
        ({"status": "resolved", "resolved_at": "2026-10-01T00:00:00Z"}, "resolved_at"),
        ({"first_contact_resolution": "yes"}, "first_contact_resolution"),
        ({"subject": ""}, "subject"),
    ],
)
def test_it_names_the_bad_ticket_field(api, change, field):
    response = api.put("/tickets/T1", {**TICKET, **change})
    assert (
        response.status_code == 422 and response.json()["errors"][0]["field"] == field
    )
    assert not Ticket.objects.exists()
