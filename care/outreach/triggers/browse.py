"""Abandoned browse: viewed on K distinct days within W days, not bought since."""

import datetime as dt
from collections.abc import Iterator

from django.db.models import Count, Exists, F, Min, OuterRef, Q, Subquery
from django.db.models.functions import TruncDate
from django.utils.translation import gettext as _

from care.models import Message
from care.outbox.plan import Due
from care.outreach.triggers.base import audience_q
from care.rules import customer_zone
from crm.models import BrowseEvent, OrderLine


def browse_params_errors(params: dict) -> list[str]:
    """K distinct days cannot fit in fewer than K days (care.outreach.validation)."""
    k, w = params.get("min_days"), params.get("window_days")
    if isinstance(k, int) and isinstance(w, int) and k > w:
        return [
            _(
                "Viewed on %(k)d days cannot happen within %(w)d days: K must be at most W."
            )
            % {"k": k, "w": w}
        ]
    return []


def abandoned_browse_due(campaign, now: dt.datetime, params: dict) -> Iterator[Due]:
    since = now - dt.timedelta(days=int(params["window_days"]))
    cooldown = now - dt.timedelta(days=int(params["cooldown_days"]))
    # The last purchase of the product, compared with the first view in HAVING
    # (an EXISTS referring to the aggregate would be misplaced by the ORM).
    last_bought = Subquery(
        OrderLine.objects.filter(
            order__customer_id=OuterRef("customer_id"),
            product_id=OuterRef("product_id"),
        )
        .order_by("-order__placed_at")
        .values("order__placed_at")[:1]
    )
    recently_sent = Message.objects.filter(
        campaign=campaign,
        customer_id=OuterRef("customer_id"),
        product_id=OuterRef("product_id"),
        created_at__gte=cooldown,
    )
    streaks = (
        BrowseEvent.objects.filter(occurred_at__gte=since, occurred_at__lte=now)
        .filter(audience_q(campaign.audience, "customer__"))
        .values("customer_id", "product_id")
        .annotate(
            days=Count(TruncDate("occurred_at"), distinct=True),
            first_view=Min("occurred_at"),
        )
        .filter(~Exists(recently_sent))
        .annotate(last_bought=last_bought)
        .filter(days__gte=int(params["min_days"]))
        .filter(Q(last_bought__isnull=True) | Q(last_bought__lt=F("first_view")))
        .values_list(
            "customer_id", "product_id", "days", "first_view", "customer__time_zone"
        )
    )
    for customer_id, product_id, days, first_view, zone in streaks.iterator(
        chunk_size=2000
    ):
        # The day of the first view on the customer's calendar, not in UTC.
        first_day = first_view.astimezone(customer_zone(zone)).date()
        yield Due(
            customer_id=customer_id,
            subject=f"customer:{customer_id}/product:{product_id}",
            occasion=first_day.isoformat(),
            send_after=now,
            product_id=product_id,
            data={"days_viewed": days, "first_view": first_view.isoformat()},
        )
