"""The managers' dashboard on the admin index (care.reports.dashboard), for care.view_dashboard."""

from django import template
from django.utils import timezone

from care.reports.dashboard import dashboard_build

register = template.Library()
PERMISSION = "care.view_dashboard"


@register.inclusion_tag("admin/care/dashboard.html", takes_context=True)
def care_dashboard(context) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_active or not user.has_perm(PERMISSION):
        return {"show": False}
    board = dashboard_build(timezone.now())
    return {"show": True, "board": board, "charts": board.charts(), "trend": board.trend_chart()}


@register.filter
def percent(share: float | None) -> str:
    """A share 0..1 as "12.3%" ("—" for none)."""
    return "—" if share is None else f"{100 * share:.1f}%"
