"""Campaign results: the sent group against the holdout group."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import Coalesce

from care.models import SENT_LIKE, Campaign, MessageStatus
from crm.models import Order


@dataclass(frozen=True)
class GroupResult:
    customers: int
    ordered: int

    @property
    def rate(self) -> float | None:
        return self.ordered / self.customers if self.customers else None


@dataclass(frozen=True)
class CampaignResult:
    sent: GroupResult
    held_out: GroupResult
    redeemed: int

    @property
    def lift(self) -> float | None:
        """Percentage points the sent group ordered more than the holdout."""
        if self.sent.rate is None or self.held_out.rate is None:
            return None
        return 100 * (self.sent.rate - self.held_out.rate)


def campaign_results(campaign: Campaign, *, days: int = 14) -> CampaignResult:
    """Share of each group with an order within `days` of its message (sent or held out)."""
    window = dt.timedelta(days=days)
    messages = campaign.messages.filter(is_test=False).annotate(
        moment=Coalesce("sent_at", "updated_at")
    )
    ordered = Order.objects.filter(
        customer=OuterRef("customer_id"),
        placed_at__gte=OuterRef("moment"),
        placed_at__lt=OuterRef("moment") + window,
    )
    counts = messages.annotate(ordered=Exists(ordered)).aggregate(
        sent=Count("id", filter=Q(status__in=SENT_LIKE)),
        sent_ordered=Count("id", filter=Q(status__in=SENT_LIKE, ordered=True)),
        held=Count("id", filter=Q(status=MessageStatus.HELD_OUT)),
        held_ordered=Count("id", filter=Q(status=MessageStatus.HELD_OUT, ordered=True)),
        redeemed=Count("id", filter=Q(converted_at__isnull=False)),
    )
    return CampaignResult(
        sent=GroupResult(counts["sent"], counts["sent_ordered"]),
        held_out=GroupResult(counts["held"], counts["held_ordered"]),
        redeemed=counts["redeemed"],
    )
