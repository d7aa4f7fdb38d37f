"""Install config/schedules.py into django-q2's Schedule table, idempotently."""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django_q.models import Schedule

from config.schedules import OWNED_PREFIXES, SCHEDULES

FIELDS = ("func", "schedule_type", "minutes", "cron", "args", "kwargs")


@dataclass
class InstallResult:
    created: list[str]
    updated: list[str]
    removed: list[str]


def _stored(value):
    """django-q2 keeps args and kwargs as Python literals in text columns."""
    if isinstance(value, (dict, tuple, list)):
        return repr(value) if value else None
    return value


def _first_run(defaults: dict):
    """Now for an interval; the next time the cron names for a cron schedule.

    Installing schedules at 15:00 must not run the 02:30 job at 15:00.
    """
    now = timezone.now()
    if defaults.get("schedule_type") != Schedule.CRON:
        return now
    return Schedule(**defaults).calculate_next_run(now)


@transaction.atomic
def schedules_install(entries: list[dict] | None = None) -> InstallResult:
    entries = SCHEDULES if entries is None else entries
    result = InstallResult([], [], [])
    for entry in entries:
        defaults = {field: _stored(entry[field]) for field in FIELDS if field in entry}
        defaults.setdefault("repeats", -1)
        schedule, created = Schedule.objects.get_or_create(
            name=entry["name"], defaults={**defaults, "next_run": _first_run(defaults)}
        )
        if created:
            result.created.append(schedule.name)
        elif any(getattr(schedule, f) != v for f, v in defaults.items()):
            Schedule.objects.filter(pk=schedule.pk).update(**defaults)
            result.updated.append(schedule.name)
    names = {entry["name"] for entry in entries}
    stale = [
        s
        for s in Schedule.objects.all()
        if s.name not in names and s.func.startswith(OWNED_PREFIXES)
    ]
    for schedule in stale:
        result.removed.append(schedule.name)
        schedule.delete()
    return result
