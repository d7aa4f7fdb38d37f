"""/metrics: Prometheus text that prometheus-client's own parser reads, matching the outbox."""

import datetime as dt
from collections import Counter

import pytest
from django.db.models import Count
from prometheus_client.openmetrics import parser as openmetrics_parser
from prometheus_client.parser import text_string_to_metric_families

from care.models import Message, MessageStatus, Reason, Survey
from tests.delivery.util import signed_post
from tests.factories import MessageFactory
from tests.operations.conftest import MORNING, beat
from tests.operations.helpers import resolved_ticket

pytestmark = pytest.mark.django_db
TOKEN = "metrics-secret-token"


@pytest.fixture
def metrics_token(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.SITE_URL = "https://care.example.com"
    settings.TWILIO_AUTH_TOKEN = "test-auth-token"


def scrape(client) -> dict:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    return {
        f.name: f for f in text_string_to_metric_families(response.content.decode())
    }


def samples(family, suffix: str = "") -> dict[tuple, float]:
    return {
        tuple(sorted(s.labels.items())): s.value
        for s in family.samples
        if s.name == family.name + suffix
    }


def test_message_counts_match_the_outbox(client, metrics_token, frozen):
    MessageFactory.create_batch(3)
    MessageFactory.create_batch(2, status=MessageStatus.SENT, sent_at=MORNING)
    MessageFactory(status=MessageStatus.SENT, channel="email", sent_at=MORNING)
    MessageFactory(status=MessageStatus.DEFERRED, reason=Reason.QUIET_HOURS)
    MessageFactory(status=MessageStatus.FAILED, reason=Reason.PERMANENT_ERROR)
    outbox = Counter(
        {
            (("channel", c), ("reason", r), ("status", s)): n
            for c, s, r, n in Message.objects.values_list("channel", "status", "reason")
            .annotate(n=Count("id"))
            .order_by()
        }
    )
    families = scrape(client)
    assert samples(families["care_messages"]) == outbox
    assert sum(outbox.values()) == 8
    assert samples(families["care_due_messages"]) == {(): 4.0}  # 3 planned + 1 deferred


def test_webhook_requests_are_counted_by_outcome(client, metrics_token, frozen):
    sent = MessageFactory(status=MessageStatus.SENT, provider_id="SM" + "1" * 32)
    params = {"MessageSid": sent.provider_id, "MessageStatus": "delivered"}
    signed_post(client, "/webhooks/twilio/status", params)
    signed_post(client, "/webhooks/twilio/status", params)  # a repeat: still a request
    signed_post(
        client, "/webhooks/twilio/status", {"MessageSid": "x"}
    )  # no status: 400
    client.post("/webhooks/twilio/inbound", {"From": "+8613800000000", "Body": "STOP"})
    counts = samples(scrape(client)["care_webhook_requests"], "_total")
    assert counts == {
        (("endpoint", "twilio_status"), ("outcome", "accepted")): 2.0,
        (("endpoint", "twilio_status"), ("outcome", "bad_request")): 1.0,
        (("endpoint", "twilio_inbound"), ("outcome", "bad_signature")): 1.0,
    }


def test_job_durations_are_histograms_per_heartbeat(client, metrics_token, frozen):
    beat("care-sweep", MORNING, took=0.3)
    beat("care-sweep", MORNING, took=45)
    beat("dispatch@host-a", MORNING, took=2)
    family = scrape(client)["care_job_duration_seconds"]
    sweep = (("heartbeat", "care-sweep"), ("job", "sweep"))
    buckets = {
        s.labels["le"]: s.value
        for s in family.samples
        if s.name.endswith("_bucket") and s.labels["heartbeat"] == "care-sweep"
    }
    assert (buckets["0.5"], buckets["60.0"], buckets["+Inf"]) == (1.0, 2.0, 2.0)
    assert samples(family, "_count")[sweep] == 2.0
    assert samples(family, "_sum")[sweep] == pytest.approx(45.3)
    assert (("heartbeat", "dispatch@host-a"), ("job", "dispatch")) in samples(
        family, "_count"
    )


def test_survey_latency_is_a_histogram_of_resolution_to_send(
    client, metrics_token, frozen
):
    for minutes in (5, 25, 50, 90):
        ticket = resolved_ticket(minutes)
        Survey.objects.create(
            ticket=ticket,
            customer=ticket.customer,
            channel="sms",
            resolved_at=ticket.resolved_at,
            sent_at=MORNING,
        )
    family = scrape(client)["care_survey_latency_seconds"]
    buckets = {s.labels["le"]: s.value for s in family.samples if "le" in s.labels}
    assert (buckets["600.0"], buckets["1800.0"], buckets["3600.0"]) == (1.0, 2.0, 3.0)
    assert buckets["+Inf"] == 4.0
    assert samples(family, "_sum") == {(): float((5 + 25 + 50 + 90) * 60)}


def test_the_oldest_due_age_and_the_scheduler_are_gauges(client, metrics_token, frozen):
    MessageFactory(send_after=MORNING - dt.timedelta(minutes=7))
    families = scrape(client)
    assert samples(families["care_due_oldest_age_seconds"]) == {(): 420.0}
    assert samples(families["care_scheduler_up"]) == {(): 0.0}


def test_it_refuses_a_missing_or_wrong_token(client, metrics_token):
    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", HTTP_AUTHORIZATION="Bearer nope")
    assert wrong.status_code == 401 and wrong["WWW-Authenticate"].startswith("Bearer")


def test_it_is_off_until_a_token_or_an_address_is_set(client):
    response = client.get("/metrics")
    assert response.status_code == 403
    assert b"METRICS_TOKEN" in response.content


def test_an_allowed_address_needs_no_token(client, settings):
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8"]
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.1").status_code == 401


def test_a_scraper_asking_for_openmetrics_gets_it(client, metrics_token, frozen):
    MessageFactory.create_batch(2)
    response = client.get(
        "/metrics",
        HTTP_AUTHORIZATION=f"Bearer {TOKEN}",
        HTTP_ACCEPT="application/openmetrics-text; version=1.0.0",
    )
    assert response["Content-Type"].startswith("application/openmetrics-text")
    families = {
        f.name: f
        for f in openmetrics_parser.text_string_to_metric_families(
            response.content.decode()
        )
    }
    (sample,) = families["care_messages"].samples
    assert sample.value == 2.0
