"""django-q2 tasks: thin, id-free wrappers (the outbox rows say what is due).

Sending is not among them: `manage.py dispatch --loop` processes send, outside
django-q2's worker queue (docs/architecture.md). Each task records its last
run (care.Heartbeat) under its schedule's name, so a stalled cluster shows.
"""

from collections.abc import Callable

from django.utils import timezone

from care.delivery.dispatch import messages_resolve
from care.operations.heartbeat import heartbeat_beat
from care.outreach.sweep import campaigns_sweep
from segmentation.tasks import rfm_score_task as rfm_score


def _beating(name: str, run: Callable[[], dict]) -> dict:
    started = timezone.now()
    summary = run()
    heartbeat_beat(
        name=name, started_at=started, finished_at=timezone.now(), summary=summary
    )
    return summary


def campaigns_sweep_task() -> dict[str, int]:
    def sweep() -> dict[str, int]:
        results = campaigns_sweep(now=timezone.now())
        return {r.campaign.slug: r.planned + r.skipped for r in results}

    return _beating("care-sweep", sweep)


def messages_reconcile_task() -> dict[str, int]:
    """The reaper and the reconciliation, also run by every dispatch loop."""
    return _beating(
        "care-reconcile", lambda: messages_resolve(now=timezone.now()).counts
    )


def rfm_score_task(window_days: int = 365) -> int:
    """The nightly RFM run (segmentation's task), with its heartbeat."""
    summary = _beating(
        "rfm-nightly", lambda: {"run": rfm_score(window_days=window_days)}
    )
    return summary["run"]
