"""Record the last run of a scheduled task or a dispatch process (care.Heartbeat).

Kept tiny on purpose: one row per name, written at the end of each run, so a
stalled django-q2 cluster or a dispatch process that stopped shows as a
`finished_at` that no longer moves.
"""

import datetime as dt

from care.models import Heartbeat


def heartbeat_beat(
    *,
    name: str,
    started_at: dt.datetime,
    finished_at: dt.datetime,
    summary: dict | None = None,
) -> Heartbeat:
    """Write (or overwrite) the last run of `name`."""
    beat, _ = Heartbeat.objects.update_or_create(
        name=name[:100],
        defaults={
            "started_at": started_at,
            "finished_at": finished_at,
            "duration_s": round((finished_at - started_at).total_seconds(), 3),
            "summary": summary or {},
        },
    )
    return beat


def heartbeat_age(name: str, now: dt.datetime) -> dt.timedelta | None:
    """How long ago `name` last finished; None when it never ran."""
    finished = (
        Heartbeat.objects.filter(name=name)
        .values_list("finished_at", flat=True)
        .first()
    )
    return None if finished is None else now - finished
