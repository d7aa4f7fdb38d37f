"""/healthz: django-health-check's view and checks, with the scheduler's and the queue's.

No login and no personal data: each check answers "OK" or a short reason
(job names, ages, counts). 200 when every check passes, 503 otherwise, always
JSON: `{"database": "OK", "broker": "OK", "heartbeat": "Unavailable: ...",
"due_queue": "OK"}`.

The library runs synchronous checks on a thread pool; ours are async and hop
back to the request's thread (`sync_to_async(thread_sensitive=True)`) so they
use the request's database connection, not one left open per pool thread.
"""

import asyncio
import dataclasses
import logging
from collections.abc import Callable

from asgiref.sync import sync_to_async
from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django_q.models import OrmQ
from health_check.base import HealthCheck
from health_check.checks import Database
from health_check.contrib.redis import Redis
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView
from redis.asyncio import Redis as RedisClient

from care.operations.alerts import alerts_run
from care.operations.heartbeat import ALIVE, scheduler_status
from care.operations.status import oldest_due_age

log = logging.getLogger(__name__)


@dataclasses.dataclass
class DatabaseCheck(Database):
    def __repr__(self) -> str:
        return "database"


@dataclasses.dataclass
class RedisBrokerCheck(Redis):
    def __repr__(self) -> str:
        return "broker"


@dataclasses.dataclass
class OrmBrokerCheck(HealthCheck):
    """Without REDIS_URL, django-q2's queue is a table of the database."""

    def __repr__(self) -> str:
        return "broker"

    async def run(self) -> None:
        await sync_to_async(OrmQ.objects.exists, thread_sensitive=True)()


def broker_check() -> HealthCheck:
    if settings.REDIS_URL:
        return RedisBrokerCheck(
            client_factory=lambda: RedisClient.from_url(
                settings.REDIS_URL, socket_timeout=3, socket_connect_timeout=3
            )
        )
    return OrmBrokerCheck()


def heartbeat_problem() -> str:
    """ "" when the scheduler is alive; else which jobs are late and for how long."""
    status = scheduler_status(timezone.now())
    if status.state == ALIVE:
        return ""
    jobs = ", ".join(
        f"{j.job} {'never seen' if j.age_s is None else f'{int(j.age_s)}s ago'}"
        for j in status.late_jobs
    )
    return f"scheduler {status.state}: {jobs}"


def due_queue_problem() -> str:
    age = oldest_due_age(timezone.now())
    limit = settings.CARE_HEALTH_DUE_AGE_SECONDS
    if age is None or age <= limit:
        return ""
    return f"oldest due message waiting {int(age)}s (limit {limit}s)"


@dataclasses.dataclass
class ProblemCheck(HealthCheck):
    """One of our checks: `problem()` says what is wrong ("" when nothing is)."""

    name: str
    problem: Callable[[], str] = dataclasses.field(repr=False)

    def __repr__(self) -> str:
        return self.name

    async def run(self) -> None:
        problem = await sync_to_async(self.problem, thread_sensitive=True)()
        if problem:
            raise ServiceUnavailable(problem)


class HealthzView(HealthCheckView):
    """Every check, as JSON, 200 or 503; then the alerts, if no one evaluated them lately."""

    def get_checks(self):
        yield from (
            DatabaseCheck(),
            broker_check(),
            ProblemCheck("heartbeat", heartbeat_problem),
            ProblemCheck("due_queue", due_queue_problem),
        )

    async def get(self, request: HttpRequest, *args, **kwargs) -> JsonResponse:
        with self.get_executor() as executor:
            self.results = await asyncio.gather(
                *(check.get_result(executor) for check in self.get_checks())
            )
        healthy = not any(result.error for result in self.results)
        await sync_to_async(evaluate_alerts, thread_sensitive=True)()
        return self.render_to_response_json(200 if healthy else 503)


def evaluate_alerts() -> None:
    # The web server keeps running when the cluster is down: it raises
    # "scheduler late" then (at most once a minute across all processes).
    try:
        alerts_run()
    except Exception:  # a health check must answer whatever alerting does
        log.exception("alert evaluation from /healthz failed")


healthz = HealthzView.as_view()
