"""Abandoned browse: viewed on K distinct days within W days, not bought since."""

import datetime as dt
from collections.abc import Iterator

from django.db.models import Count, Exists, Min, OuterRef
from django.db.models.functions import TruncDate

from care.triggers.base import Due, audience_q
from crm.models import BrowseEvent, OrderLine


def abandoned_browse_due(campaign, now: dt.datetime, params: dict) -> Iterator[Due]:
    from care.models import Message

    since = now - dt.timedelta(days=int(params["window_days"]))
    cooldown = now - dt.timedelta(days=int(params["cooldown_days"]))
    bought = OrderLine.objects.filter(
        order__customer_id=OuterRef("customer_id"),
        product_id=OuterRef("product_id"),
        order__placed_at__gte=OuterRef("first_view"),
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
        .annotate(days=Count(TruncDate("occurred_at"), distinct=True), first_view=Min("occurred_at"))
        .filter(days__gte=int(params["min_days"]))
        .filter(~Exists(bought), ~Exists(recently_sent))
        .values_list("customer_id", "product_id", "days", "first_view")
    )
    for customer_id, product_id, days, first_view in streaks.iterator(chunk_size=2000):
        yield Due(
            customer_id=customer_id,
            subject=f"customer:{customer_id}/product:{product_id}",
            occasion=first_view.date().isoformat(),
            send_after=now,
            product_id=product_id,
            data={"days_viewed": days, "first_view": first_view.isoformat()},
        )
