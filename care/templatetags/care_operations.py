"""The operations panel on the admin index and the alert banner on every admin page.

Shown only to users with care.view_operations: two or three small queries
(heartbeats, the oldest due message, open incidents).
"""

from django import template
from django.utils import timezone

from care.operations.overview import open_incidents, operations_glance

register = template.Library()
PERMISSION = "care.view_operations"


def _allowed(context) -> bool:
    request = context.get("request")
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_active and user.has_perm(PERMISSION))


@register.inclusion_tag("admin/care/operations_panel.html", takes_context=True)
def operations_panel(context) -> dict:
    if not _allowed(context):
        return {"show": False}
    return {"show": True, "glance": operations_glance(timezone.now())}


@register.inclusion_tag("admin/care/operations_banner.html", takes_context=True)
def operations_banner(context) -> dict:
    if not _allowed(context):
        return {"incidents": []}
    return {"incidents": open_incidents(limit=5)}


@register.filter
def age(seconds: float | None) -> str:
    """Seconds as a short age: 45 s, 12 min, 3 h, 2 d ("—" for none)."""
    if seconds is None:
        return "—"
    seconds = int(seconds)
    for size, unit in ((86_400, "d"), (3_600, "h"), (60, "min")):
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


@register.filter
def since(moment, now) -> float | None:
    """Seconds from `moment` to `now` (for `age`)."""
    if moment is None or now is None:
        return None
    return (now - moment).total_seconds()
