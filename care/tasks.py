"""django-q2 tasks: thin, id-free wrappers (the outbox rows say what is due).

Each run writes its heartbeat under its schedule's name (care/operations/
heartbeat.py): when it started and finished, and what it did.
"""

from django.utils import timezone

from care.delivery.dispatch import messages_dispatch
from care.delivery.reconcile import messages_reap, messages_reconcile
from care.operations.alerts import alerts_run
from care.operations.heartbeat import heartbeat_run
from care.outreach.sweep import campaigns_sweep
from segmentation.services import rfm_run


def campaigns_sweep_task() -> dict[str, int]:
    with heartbeat_run("care-sweep") as run:
        results = campaigns_sweep(now=timezone.now())
        planned = {r.campaign.slug: r.planned + r.skipped for r in results}
        run.summary = {
            "campaigns": len(results),
            "planned": sum(r.planned for r in results),
            "skipped": sum(r.skipped for r in results),
            "failed_campaigns": sum(1 for r in results if r.error),
        }
    return planned


def messages_dispatch_task() -> dict[str, int]:
    """One dispatch pass through the cluster; not scheduled.

    `manage.py dispatch --loop` processes send, outside django-q2's worker
    queue (docs/architecture.md); this stays for a pass queued by hand
    (`async_task("care.tasks.messages_dispatch_task")`).
    """
    with heartbeat_run("care-dispatch") as run:
        run.summary = messages_dispatch().counts
    return run.summary


def messages_reconcile_task() -> dict[str, int]:
    """Rows a dead worker left in `sending`, and messages in doubt (docs/delivery.md)."""
    with heartbeat_run("care-reconcile") as run:
        now = timezone.now()
        run.summary = {
            "reaped": messages_reap(now=now),
            "reconciled": messages_reconcile(now=now),
        }
    return run.summary


def rfm_score_task(window_days: int = 365) -> int:
    """The nightly RFM run; returns the run id (kept in django-q2's task result)."""
    with heartbeat_run("rfm-nightly") as run:
        rfm = rfm_run(window_days=window_days)
        run.summary = {
            "run": rfm.pk,
            "scored": rfm.customers_scored,
            "transitions": rfm.transitions,
        }
    return rfm.pk


def alerts_evaluate_task() -> dict[str, int]:
    result = alerts_run()
    return result.summary() if result is not None else {}
