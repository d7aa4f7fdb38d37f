"""/metrics: Prometheus text format (prometheus-client), every figure read from the database.

Why the database and not prometheus-client's multiprocess mode: the work is
done by django-q2 workers, dispatch processes and web processes, on several
hosts; a multiprocess directory is per host and per process tree, and its
files vanish with the containers. The database already holds every fact: the
outbox (messages by channel, status and reason; the due queue), the
heartbeats (cumulative run-duration histograms per job and process), the
webhook tallies and the surveys (latency). So any web process answers a
scrape with the same, complete figures, and a restart loses nothing.

Behind `Authorization: Bearer <METRICS_TOKEN>`, or a client address in
METRICS_ALLOWED_IPS (addresses or networks). Neither set: 403.
"""

import datetime as dt
import hmac
import ipaddress
from collections.abc import Iterator

from django.conf import settings
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET
from prometheus_client import CollectorRegistry
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.exposition import choose_encoder

from care.models import (
    DURATION_BUCKETS,
    Heartbeat,
    Incident,
    Message,
    Survey,
    SurveyKind,
    WebhookTally,
)
from care.operations.heartbeat import ALIVE, last_seen, scheduler_status
from care.operations.status import queue_status

# Minutes from a ticket's resolution to its survey's send, as seconds.
SURVEY_BUCKETS = (600, 1200, 1800, 2700, 3600, 5400, 7200, 14400)


def _buckets(bounds, counts: list[int]) -> list[tuple[str, float]]:
    labels = [str(float(b)) for b in bounds] + ["+Inf"]
    counts = list(counts) + [0] * (len(labels) - len(counts))
    return list(zip(labels, counts))


class DatabaseCollector:
    """Collects every care metric from the database at scrape time."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def collect(self) -> Iterator[Metric]:
        yield self._messages()
        yield from self._queue()
        yield from self._jobs()
        yield self._webhooks()
        yield self._survey_latency()
        yield self._incidents()

    def _messages(self) -> Metric:
        family = GaugeMetricFamily(
            "care_messages",
            "Outbox messages by channel, status and reason.",
            labels=["channel", "status", "reason"],
        )
        rows = (
            Message.objects.order_by()
            .values_list("channel", "status", "reason")
            .annotate(n=Count("id"))
        )
        for channel, status, reason, count in rows:
            family.add_metric([channel, status, reason], count)
        return family

    def _queue(self) -> Iterator[Metric]:
        status = queue_status(self.now)
        yield GaugeMetricFamily(
            "care_due_messages",
            "Messages due now, waiting for dispatch.",
            status.due_now,
        )
        yield GaugeMetricFamily(
            "care_due_oldest_age_seconds",
            "How long the oldest due message has waited (0 when none is due).",
            status.oldest_due_age(self.now) or 0.0,
        )
        yield GaugeMetricFamily(
            "care_messages_stuck_sending",
            "Messages left in sending past the lease (the reaper resolves them).",
            status.stuck_sending,
        )

    def _jobs(self) -> Iterator[Metric]:
        durations = HistogramMetricFamily(
            "care_job_duration_seconds",
            "Run durations of the sweep, dispatch, reaper, RFM and alert jobs.",
            labels=["job", "heartbeat"],
        )
        seen = GaugeMetricFamily(
            "care_job_last_seen_timestamp_seconds",
            "When each job (per process) last finished, or started a run under way.",
            labels=["job", "heartbeat"],
        )
        for beat in Heartbeat.objects.order_by("job", "name"):
            labels = [beat.job, beat.name]
            durations.add_metric(
                labels,
                _buckets(DURATION_BUCKETS, beat.duration_buckets),
                beat.duration_sum,
            )
            seen.add_metric(labels, last_seen(beat).timestamp())
        yield durations
        yield seen
        yield GaugeMetricFamily(
            "care_scheduler_up",
            "1 when every per-minute job ran lately (the scheduler is alive).",
            1 if scheduler_status(self.now).state == ALIVE else 0,
        )

    def _webhooks(self) -> Metric:
        family = CounterMetricFamily(
            "care_webhook_requests",
            "Webhook requests by endpoint and outcome.",
            labels=["endpoint", "outcome"],
        )
        for tally in WebhookTally.objects.order_by("endpoint", "outcome"):
            family.add_metric([tally.endpoint, tally.outcome], tally.count)
        return family

    def _survey_latency(self) -> Metric:
        latency = ExpressionWrapper(
            F("sent_at") - F("resolved_at"), output_field=DurationField()
        )
        within = {
            f"le_{b}": Count("id", filter=Q(latency__lte=dt.timedelta(seconds=b)))
            for b in SURVEY_BUCKETS
        }
        totals = (
            Survey.objects.filter(
                kind=SurveyKind.SERVICE,
                sent_at__isnull=False,
                resolved_at__isnull=False,
            )
            .annotate(latency=latency)
            .aggregate(n=Count("id"), total=Sum("latency"), **within)
        )
        counts = [totals[f"le_{b}"] for b in SURVEY_BUCKETS] + [totals["n"]]
        family = HistogramMetricFamily(
            "care_survey_latency_seconds",
            "Time from a ticket's resolution to its survey's send.",
        )
        total = totals["total"] or dt.timedelta()
        family.add_metric([], _buckets(SURVEY_BUCKETS, counts), total.total_seconds())
        return family

    def _incidents(self) -> Metric:
        family = GaugeMetricFamily(
            "care_open_incidents", "Open alert incidents by kind.", labels=["kind"]
        )
        rows = (
            Incident.objects.filter(closed_at__isnull=True)
            .order_by()
            .values_list("kind")
            .annotate(n=Count("id"))
        )
        for kind, count in rows:
            family.add_metric([kind], count)
        return family


def metrics_text(now: dt.datetime, accept: str = "") -> tuple[bytes, str]:
    """The exposition the scraper asked for (Accept), the text format 0.0.4 by default."""
    registry = CollectorRegistry()
    registry.register(DatabaseCollector(now))
    encoder, content_type = choose_encoder(accept)
    return encoder(registry), content_type


def _allowed_address(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(
        ip in ipaddress.ip_network(allowed, strict=False)
        for allowed in settings.METRICS_ALLOWED_IPS
    )


def _bearer_ok(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    return bool(token) and hmac.compare_digest(
        given.encode(), f"Bearer {token}".encode()
    )


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not (
        _bearer_ok(request) or _allowed_address(request.META.get("REMOTE_ADDR", ""))
    ):
        if not (settings.METRICS_TOKEN or settings.METRICS_ALLOWED_IPS):
            return HttpResponse(
                "metrics are off: set METRICS_TOKEN or METRICS_ALLOWED_IPS\n",
                status=403,
                content_type="text/plain",
            )
        response = HttpResponse(
            "a valid bearer token is required\n", status=401, content_type="text/plain"
        )
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    body, content_type = metrics_text(timezone.now(), request.headers.get("Accept", ""))
    return HttpResponse(body, content_type=content_type)
