"""Segmentation admin: runs with durations, editable segment rules, an overview
page (segment distribution and R x F heat map), segment history, and the
pieces the customer admin uses (see segmentation.admin.customers)."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from crm.admin import ReadOnlyMixin
from segmentation.admin import charts
from segmentation.admin.customers import (
    RFM_STORY_TEMPLATE,
    SegmentListFilter,
    render_rfm_story,
    rfm_story_section,
    segment_column,
)
from segmentation.models import RfmCluster, RfmRun, SegmentRule, SegmentTransition
from segmentation.selectors import latest_run, rule_grid

__all__ = [
    "RFM_STORY_TEMPLATE",
    "SegmentListFilter",
    "render_rfm_story",
    "rfm_story_section",
    "segment_column",
]
RUNS_SHOWN = 10


class RfmClusterInline(ReadOnlyMixin, admin.TabularInline):
    model = RfmCluster
    fields = [
        "number", "size", "share_display", "recency_days", "frequency", "monetary",
        "r_score", "f_score", "m_score", "description",
    ]
    readonly_fields = fields
    extra = 0

    @admin.display(description=_("share"))
    def share_display(self, cluster: RfmCluster) -> str:
        return f"{100 * cluster.share:.1f}%"


@admin.register(RfmRun)
class RfmRunAdmin(ReadOnlyMixin, admin.ModelAdmin):
    change_list_template = "admin/segmentation/rfmrun/change_list.html"
    list_display = [
        "started_at", "status", "duration_display", "window_days", "customers_total",
        "customers_scored", "customers_labelled", "transitions", "cluster_k", "silhouette",
    ]
    list_filter = ["status"]
    inlines = [RfmClusterInline]
    exclude = ["summary"]

    @admin.display(description=_("duration"), ordering="duration")
    def duration_display(self, run: RfmRun) -> str:
        return f"{run.duration.total_seconds():.1f} s" if run.duration else "—"

    def get_urls(self):
        view = self.admin_site.admin_view(self.overview_view)
        return [
            path("overview/", view, name="segmentation_rfmrun_overview"),
            *super().get_urls(),
        ]

    def overview_view(self, request: HttpRequest) -> TemplateResponse:
        """The segment distribution, the R x F heat map and the latest runs."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        run = latest_run()
        context = {
            **self.admin_site.each_context(request),
            "title": _("Customer segments"),
            "opts": self.model._meta,
            "run": run,
            "bars": charts.segment_bars(run),
            "r_by_f": charts.heat_map(run.summary.get("r_by_f") if run else None),
            "r_by_fm": charts.heat_map(run.summary.get("r_by_fm") if run else None),
            "clusters": list(run.clusters.all()) if run else [],
            "runs": list(RfmRun.objects.all()[:RUNS_SHOWN]),
            "rules": charts.rule_grid(rule_grid()),
        }
        return TemplateResponse(request, "admin/segmentation/overview.html", context)


@admin.register(SegmentRule)
class SegmentRuleAdmin(admin.ModelAdmin):
    change_list_template = "admin/segmentation/segmentrule/change_list.html"
    list_display = ["__str__", "segment", "r_min", "r_max", "fm_min", "fm_max", "priority"]
    list_editable = ["segment", "r_min", "r_max", "fm_min", "fm_max", "priority"]
    list_display_links = ["__str__"]
    ordering = ["priority", "id"]

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        rows = charts.rule_grid(rule_grid())
        uncovered = sum(cell["slug"] == "unclassified" for row in rows for cell in row["cells"])
        extra = {"rule_rows": rows, "uncovered": uncovered, **(extra_context or {})}
        return super().changelist_view(request, extra_context=extra)


@admin.register(SegmentTransition)
class SegmentTransitionAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["changed_at", "customer", "from_segment", "to_segment", "run"]
    list_filter = ["to_segment", "from_segment"]
    list_select_related = ["customer", "run"]
    search_fields = ["=customer__external_id"]
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("customer", "run")


def _wire_customer_admin() -> None:
    """Give the customer admin its RFM block and segment filter, when it offers the hook.

    crm never imports segmentation, so the wiring lives here. The customer admin
    is registered first (crm precedes segmentation in INSTALLED_APPS).
    """
    from crm.models import Customer

    try:
        customer_admin = admin.site.get_model_admin(Customer)
    except admin.sites.NotRegistered:
        return
    admin_class = type(customer_admin)
    if not hasattr(admin_class, "add_story_section"):
        return
    from crm.admin import StorySection

    admin_class.add_story_section(
        StorySection("rfm", _("RFM segment"), RFM_STORY_TEMPLATE, rfm_story_section, order=20)
    )
    if SegmentListFilter not in admin_class.list_filter:
        admin_class.list_filter = [*admin_class.list_filter, SegmentListFilter]


_wire_customer_admin()
