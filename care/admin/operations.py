"""Admin for operations: the status page, heartbeats and incidents.

The status page (and the index panel, care/templatetags/care_operations.py)
needs the custom permission care.view_operations; managers hold it (migration
0010), an operator's account is given it like any permission.
"""

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from care.models import Heartbeat, Incident
from care.operations.alerts import incident_title
from care.operations.heartbeat import beat_state, last_seen
from care.operations.overview import operations_overview
from crm.admin import ReadOnlyAdmin

PERMISSION = "care.view_operations"


def status_view(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(PERMISSION):
        return HttpResponse(_("You may not see the operations status."), status=403)
    context = {
        **admin.site.each_context(request),
        "title": _("Operations status"),
        "o": operations_overview(timezone.now()),
    }
    return TemplateResponse(request, "admin/care/operations.html", context)


@admin.register(Heartbeat)
class HeartbeatAdmin(ReadOnlyAdmin):
    list_display = [
        "name",
        "job",
        "state",
        "seen",
        "duration_s",
        "summary",
        "last_work_at",
        "runs",
        "failures",
        "last_error_at",
    ]
    list_filter = ["job"]
    ordering = ["job", "name"]

    @admin.display(description=gettext_lazy("state"))
    def state(self, beat: Heartbeat) -> str:
        return beat_state(beat.job, last_seen(beat), timezone.now())

    @admin.display(description=gettext_lazy("last seen"))
    def seen(self, beat: Heartbeat):
        return last_seen(beat)

    def get_urls(self):
        view = self.admin_site.admin_view(status_view)
        return [
            path("status/", view, name="care_operations_status"),
            *super().get_urls(),
        ]


class OpenFilter(admin.SimpleListFilter):
    title = gettext_lazy("open")
    parameter_name = "open"

    def lookups(self, request, model_admin):
        return [("yes", _("open")), ("no", _("closed"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(closed_at__isnull=True)
        if self.value() == "no":
            return queryset.filter(closed_at__isnull=False)
        return queryset


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    list_display = [
        "title",
        "kind",
        "opened_at",
        "closed_at",
        "opened_mail_at",
        "closed_mail_at",
    ]
    list_filter = [OpenFilter, "kind"]
    search_fields = ["=subject", "=key"]
    ordering = ["-opened_at", "-id"]
    show_full_result_count = False

    @admin.display(description=gettext_lazy("incident"))
    def title(self, incident: Incident) -> str:
        return incident_title(incident)
