"""django-q2 tasks: thin, id-free wrappers (the outbox rows say what is due)."""

from django.utils import timezone

from care.delivery.dispatch import messages_dispatch
from care.outreach.sweep import campaigns_sweep


def campaigns_sweep_task() -> dict[str, int]:
    results = campaigns_sweep(now=timezone.now())
    return {r.campaign.slug: r.planned + r.skipped for r in results}


def messages_dispatch_task() -> dict[str, int]:
    return messages_dispatch().counts
