"""Pieces for the customer admin (crm never imports segmentation; the wiring is here).

- `SegmentListFilter`: filter customers by their current segment.
- `rfm_story_section(customer, request=None)`: the context of the RFM block of the
  customer page, rendered by RFM_STORY_TEMPLATE; three queries, bounded rows.
- `render_rfm_story(customer)`: the same block as HTML, for any other page.
- `segment_column`: a list_display column (load the page with select_related("rfm")).
"""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from crm.models import Customer
from segmentation.admin.charts import COLOURS
from segmentation.models import CustomerRfm, RfmCluster, Segment, SegmentTransition

RFM_STORY_TEMPLATE = "admin/segmentation/story/rfm.html"
HISTORY_SHOWN = 10
UNSCORED = "none"


class SegmentListFilter(admin.SimpleListFilter):
    """Customers by current RFM segment (for any admin whose model is Customer)."""

    title = _("RFM segment")
    parameter_name = "segment"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        return [*Segment.choices, (UNSCORED, _("Not scored yet"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value == UNSCORED:
            return queryset.filter(rfm__isnull=True)
        if value in Segment.values:
            return queryset.filter(rfm__segment=value)
        return queryset


def rfm_story_section(
    customer: Customer, request: HttpRequest | None = None
) -> dict[str, Any]:
    rfm = CustomerRfm.objects.with_as_of().filter(customer=customer).first()
    cluster = None
    if rfm is not None and rfm.cluster is not None:
        # The clusters of the latest run, which the row's cluster number refers
        # to (a row is rewritten only when a run changes it).
        cluster = (
            RfmCluster.objects.filter(number=rfm.cluster, run__status="succeeded")
            .order_by("-run__started_at", "-run__id")
            .first()
        )
    history = list(
        SegmentTransition.objects.filter(customer=customer).order_by(
            "-changed_at", "-id"
        )[:HISTORY_SHOWN]
    )
    return {
        "rfm": rfm,
        "segment": Segment(rfm.segment) if rfm else None,
        "colour": COLOURS.get(rfm.segment, "#fff") if rfm else "#fff",
        "scores": _scores(rfm),
        "cluster": cluster,
        "history": history,
        "shown": HISTORY_SHOWN,
    }


def _scores(rfm: CustomerRfm | None) -> list[dict]:
    if rfm is None or rfm.r_score is None:
        return []
    return [
        {"name": _("Recency"), "score": rfm.r_score, "value": rfm.recency_days},
        {"name": _("Frequency"), "score": rfm.f_score, "value": rfm.frequency},
        {"name": _("Monetary"), "score": rfm.m_score, "value": rfm.monetary},
    ]


@admin.display(description=_("segment"), ordering="rfm__segment")
def segment_column(customer: Customer) -> str:
    try:
        return Segment(customer.rfm.segment).label
    except CustomerRfm.DoesNotExist:
        return "—"


def render_rfm_story(customer: Customer) -> SafeString:
    return render_to_string(RFM_STORY_TEMPLATE, rfm_story_section(customer))
