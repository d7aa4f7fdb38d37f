"""The "my cases" page: open recovery cases of the user or their queues, by deadline."""

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from care.models import RecoveryCase
from care.service.recovery import (
    RecoveryError,
    recovery_case_escalate,
    recovery_case_resolve,
    recovery_case_respond,
    recovery_case_take,
    recovery_cases_mine,
    recovery_cases_visible,
    user_queues,
)

ACTIONS = {
    "take": (recovery_case_take, gettext_lazy("taken")),
    "respond": (recovery_case_respond, gettext_lazy("first response recorded")),
    "resolve": (recovery_case_resolve, gettext_lazy("resolved")),
    "escalate": (recovery_case_escalate, gettext_lazy("escalated")),
}


def _act(request: HttpRequest) -> None:
    action = request.POST.get("action", "")
    raw_id = request.POST.get("case", "")
    case = (
        recovery_cases_visible(request.user).filter(pk=int(raw_id)).first()
        if raw_id.isdigit()
        else None
    )
    if action not in ACTIONS or case is None:
        messages.error(request, _("Unknown case or action."))
        return
    if not request.user.has_perm("care.change_recoverycase"):
        messages.error(request, _("You may not change recovery cases."))
        return
    service, done = ACTIONS[action]
    kwargs = {"case": case, "user": request.user, "now": timezone.now()}
    if action != "take":
        kwargs["note"] = request.POST.get("note", "")[:2000]
    if action == "resolve":
        kwargs["follow_up"] = request.POST.get("follow_up") == "on"
    try:
        service(**kwargs)
    except RecoveryError as exc:
        messages.error(request, str(exc))
        return
    messages.success(
        request, _("Case #%(id)s %(done)s.") % {"id": case.pk, "done": str(done)}
    )


def my_cases_view(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("care.view_recoverycase"):
        return HttpResponse(_("You may not see recovery cases."), status=403)
    if request.method == "POST":
        _act(request)
        return redirect("admin:care_recoverycase_mine")
    now = timezone.now()
    cases = sorted(
        recovery_cases_mine(request.user)[:500], key=lambda c: (c.next_due, c.pk)
    )
    rows = [{"case": c, "overdue": c.is_overdue(now)} for c in cases]
    context = {
        **admin.site.each_context(request),
        "title": _("My recovery cases"),
        "rows": rows,
        "queues": user_queues(request.user),
        "overdue_count": sum(1 for r in rows if r["overdue"]),
        "opts": RecoveryCase._meta,
        "has_view_permission": True,
    }
    return TemplateResponse(request, "admin/care/my_cases.html", context)
