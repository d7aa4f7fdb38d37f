"""/healthz: no login, no personal data, 200 or 503 with a JSON body naming each check."""

import datetime as dt

import pytest

from care.models import Incident
from tests.factories import MessageFactory
from tests.operations.conftest import MORNING

pytestmark = pytest.mark.django_db
CHECKS = {"database", "broker", "heartbeat", "due_queue"}


def test_it_answers_200_naming_each_check_when_all_is_well(client, scheduler_alive):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {name: "OK" for name in CHECKS}


def test_it_answers_503_naming_the_heartbeat_when_the_scheduler_stopped(
    client, scheduler_alive, frozen
):
    frozen.shift(dt.timedelta(minutes=20))
    response = client.get("/healthz", HTTP_ACCEPT="text/html")
    assert response.status_code == 503
    body = response.json()
    assert body["heartbeat"].startswith(
        "Unavailable: scheduler stopped: sweep 1200s ago"
    )
    assert {k for k, v in body.items() if v == "OK"} == {
        "database",
        "broker",
        "due_queue",
    }


def test_it_answers_503_naming_the_queue_when_a_due_message_waits_too_long(
    client, scheduler_alive, settings
):
    settings.CARE_HEALTH_DUE_AGE_SECONDS = 600
    customer_phone = MessageFactory(
        send_after=MORNING - dt.timedelta(minutes=11)
    ).customer
    response = client.get("/healthz")
    assert response.status_code == 503
    text = response.content.decode()
    assert (
        "oldest due message waiting 660s (limit 600s)" in response.json()["due_queue"]
    )
    assert customer_phone.phone not in text and customer_phone.email not in text


def test_it_needs_no_login_and_no_cluster_means_503(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert "never seen" in response.json()["heartbeat"]


def test_it_raises_the_scheduler_alert_when_the_cluster_is_down(
    client, scheduler_alive, frozen, manager, outbox
):
    frozen.shift(dt.timedelta(minutes=20))
    client.get("/healthz")
    client.get("/healthz")
    assert Incident.objects.get().key == "scheduler_late:scheduler"
    assert len(outbox) == 1


def test_the_broker_check_pings_redis_when_it_is_the_broker(
    client, scheduler_alive, settings, redis_url
):
    settings.REDIS_URL = redis_url
    assert client.get("/healthz").json()["broker"] == "OK"
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"].startswith(
        "Unavailable: Unable to connect to Redis"
    )
