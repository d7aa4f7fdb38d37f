"""Heartbeats: every run of a scheduled job or a dispatcher writes down when, how long and what.

From them the admin, /healthz and the alerts tell the scheduler's state: alive
(every per-minute job ran lately), late (one of them has not) or stopped (none
has), and tell "no work" (fresh heartbeats, empty summaries) from "no
cluster" (old heartbeats). A job's last sign of life is its last finish, or
the start of a run still under way.

Names: a scheduled task beats under its schedule's name (config/schedules.py:
"care-sweep", "care-reconcile", "rfm-nightly"...), a dispatch process as
"dispatch@<host>" or the name it was given (`dispatch --loop --name`), so
several dispatchers show separately. The job kind is read from the name.
"""

import datetime as dt
import logging
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone

from care.models import DURATION_BUCKETS, Heartbeat, Job

log = logging.getLogger(__name__)

# Heartbeat names of the scheduled tasks (their schedules' names) -> job kind.
SCHEDULED = {
    "care-sweep": Job.SWEEP,
    "care-dispatch": Job.DISPATCH,
    "care-reconcile": Job.REAPER,
    "rfm-nightly": Job.RFM,
    "care-alerts": Job.ALERTS,
}
# Seconds between two runs of each job when all is well (config/schedules.py;
# dispatch also runs as `dispatch` processes, each beating on its own row).
JOB_INTERVALS = {Job.SWEEP: 60, Job.DISPATCH: 60, Job.REAPER: 60, Job.RFM: 86_400}
# The jobs that run every minute: the scheduler's pulse.
PULSE = (Job.SWEEP, Job.DISPATCH, Job.REAPER)
# Summary keys that say who ran, not what was done.
NOT_WORK = {"pid"}

ALIVE, LATE, STOPPED, NEVER = "alive", "late", "stopped", "never"


def job_of(name: str) -> str:
    """The job kind of a heartbeat name ("care-sweep" -> sweep, "dispatch@h" -> dispatch)."""
    if name in SCHEDULED:
        return SCHEDULED[name]
    if name.startswith(Job.DISPATCH):
        return Job.DISPATCH
    return name[:10]


def dispatcher_heartbeat_name(name: str = "") -> str:
    """A dispatch process's heartbeat: the name it was given, else `dispatch@<host>`."""
    return name or f"dispatch@{socket.gethostname()[:80]}"


@dataclass
class Run:
    """What a run reports while under way (`summary`: counts of what it did)."""

    summary: dict = field(default_factory=dict)


def heartbeat_start(*, name: str, started_at: dt.datetime, job: str = "") -> None:
    """Mark a run of `name` as under way (its row is created on its first run)."""
    updated = Heartbeat.objects.filter(name=name).update(started_at=started_at)
    if not updated:
        Heartbeat.objects.get_or_create(
            name=name, defaults={"job": job or job_of(name), "started_at": started_at}
        )


def heartbeat_beat(
    *,
    name: str,
    started_at: dt.datetime,
    finished_at: dt.datetime,
    summary: dict | None = None,
    error: str = "",
    job: str = "",
) -> Heartbeat:
    """Record a run of `name`: its times, what it did, its duration in the histogram.

    A run is known by its start: a process that beats again and again for
    the same start (a dispatch loop) updates its row, and its run is counted
    in the histogram once.
    """
    summary = summary or {}
    duration = max((finished_at - started_at).total_seconds(), 0.0)
    with transaction.atomic():
        beat, _ = Heartbeat.objects.select_for_update().get_or_create(
            name=name[:100],
            defaults={"job": job or job_of(name), "started_at": started_at},
        )
        again = (
            beat.started_at == started_at
            and beat.finished_at is not None
            and beat.finished_at >= started_at
        )
        if not again:
            beat.runs += 1
            beat.duration_sum += duration
            beat.duration_buckets = _count_in(beat.duration_buckets, duration)
        beat.host, beat.pid = socket.gethostname()[:100], os.getpid()
        beat.started_at, beat.finished_at = started_at, finished_at
        beat.duration_s, beat.summary = duration, summary
        if any(v for k, v in summary.items() if k not in NOT_WORK):
            beat.last_work_at = finished_at
        if error:
            beat.failures += 1
            beat.last_error, beat.last_error_at = error[:2000], finished_at
        beat.save()
    return beat


def heartbeat_age(name: str, now: dt.datetime) -> dt.timedelta | None:
    """How long ago `name` last finished; None when it never did."""
    finished = (
        Heartbeat.objects.filter(name=name)
        .values_list("finished_at", flat=True)
        .first()
    )
    return None if finished is None else now - finished


def _count_in(buckets: list[int], duration: float) -> list[int]:
    """Add one run to a cumulative histogram (DURATION_BUCKETS, then +Inf)."""
    counts = list(buckets) + [0] * (len(DURATION_BUCKETS) + 1 - len(buckets))
    for i, bound in enumerate((*DURATION_BUCKETS, float("inf"))):
        if duration <= bound:
            counts[i] += 1
    return counts


@contextmanager
def heartbeat_run(name: str, *, job: str = "") -> Iterator[Run]:
    """Wrap one run of a job: its start, its finish, its summary or its error.

    A heartbeat that cannot be written (the database is down) is logged, not
    raised: the work itself decides whether the run failed.
    """
    started = timezone.now()
    _safely(heartbeat_start, name=name, started_at=started, job=job)
    run = Run()
    try:
        yield run
    except Exception as exc:
        _finish(name, job, started, run, f"{type(exc).__name__}: {exc}")
        raise
    _finish(name, job, started, run, "")


def _finish(name: str, job: str, started: dt.datetime, run: Run, error: str) -> None:
    finished = timezone.now()
    _safely(
        heartbeat_beat,
        name=name,
        started_at=started,
        finished_at=finished,
        summary=run.summary,
        error=error,
        job=job,
    )
    log.log(
        logging.ERROR if error else logging.INFO,
        "%s %s in %.2fs",
        name,
        "failed" if error else "finished",
        (finished - started).total_seconds(),
        extra={
            "event": "job_failed" if error else "job_finished",
            "heartbeat": name,
            "job": job or job_of(name),
            "duration_s": round((finished - started).total_seconds(), 3),
            "summary": run.summary,
        },
    )


def _safely(write, **kwargs) -> None:
    try:
        write(**kwargs)
    except DatabaseError:
        log.exception("could not write the heartbeat %s", kwargs["name"])


@dataclass(frozen=True)
class JobState:
    job: str
    state: str  # ALIVE, LATE, STOPPED or NEVER
    last_seen: dt.datetime | None
    age_s: float | None
    beats: tuple[Heartbeat, ...]


@dataclass(frozen=True)
class SchedulerStatus:
    state: str  # ALIVE, LATE or STOPPED
    jobs: tuple[JobState, ...]
    beats: tuple[Heartbeat, ...] = ()  # every heartbeat row, alert runs included

    @property
    def late_jobs(self) -> list[JobState]:
        return [j for j in self.jobs if j.state in (LATE, STOPPED)]

    def job(self, name: str) -> JobState:
        return next(j for j in self.jobs if j.job == name)


def last_seen(beat: Heartbeat) -> dt.datetime:
    """A run under way is a sign of life too (a long sweep is not a dead one)."""
    if beat.running or beat.finished_at is None:
        return beat.started_at
    return beat.finished_at


def beat_state(job: str, seen: dt.datetime | None, now: dt.datetime) -> str:
    if seen is None:
        return NEVER
    age = (now - seen).total_seconds() - JOB_INTERVALS.get(job, 60)
    if age > settings.CARE_HEARTBEAT_STOPPED_SECONDS:
        return STOPPED
    if age > settings.CARE_HEARTBEAT_LATE_SECONDS:
        return LATE
    return ALIVE


def job_state(job: str, beats: list[Heartbeat], now: dt.datetime) -> JobState:
    """A job's state from its freshest heartbeat (any dispatcher will do)."""
    seen = max((last_seen(b) for b in beats), default=None)
    state = beat_state(job, seen, now)
    if state == NEVER and job in PULSE:
        state = STOPPED  # a per-minute job never seen: no cluster yet
    age = (now - seen).total_seconds() if seen else None
    return JobState(job, state, seen, age, tuple(beats))


def scheduler_status(now: dt.datetime) -> SchedulerStatus:
    """Every job's state and the scheduler's: alive, late (some pulse job) or stopped (all)."""
    beats = list(Heartbeat.objects.order_by("job", "name"))
    jobs = tuple(
        job_state(job, [b for b in beats if b.job == job], now) for job in JOB_INTERVALS
    )
    pulse = [j.state for j in jobs if j.job in PULSE]
    if all(state == ALIVE for state in pulse):
        state = ALIVE
    elif all(state == STOPPED for state in pulse):
        state = STOPPED
    else:
        state = LATE
    return SchedulerStatus(state, jobs, tuple(beats))


def heartbeats_prune(*, now: dt.datetime) -> int:
    """Forget dispatch processes gone for CARE_HEARTBEAT_KEEP_DAYS (one row per process)."""
    before = now - dt.timedelta(days=settings.CARE_HEARTBEAT_KEEP_DAYS)
    stale = Heartbeat.objects.filter(job=Job.DISPATCH, started_at__lt=before).exclude(
        name__in=SCHEDULED
    )
    return stale.delete()[0]
