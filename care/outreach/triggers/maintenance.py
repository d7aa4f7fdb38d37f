"""Maintenance reminder: an asset's next service is N days ahead (or fewer)."""

import datetime as dt
from collections.abc import Iterator

from care.outbox.plan import Due
from care.outreach.triggers.base import audience_q, local_date_span
from care.rules import customer_zone
from crm.models import Asset


def maintenance_due(campaign, now: dt.datetime, params: dict) -> Iterator[Due]:
    ahead = int(params["days_ahead"])
    first, last = local_date_span(now)
    candidates = (
        Asset.objects.filter(
            next_service_on__gte=first,
            next_service_on__lte=last + dt.timedelta(days=ahead),
        )
        .filter(audience_q(campaign.audience, "customer__"))
        .values_list("id", "customer_id", "next_service_on", "customer__time_zone")
    )
    for asset_id, customer_id, due_on, zone in candidates.iterator(chunk_size=2000):
        days = (due_on - now.astimezone(customer_zone(zone)).date()).days
        if 0 <= days <= ahead:
            yield Due(
                customer_id=customer_id,
                subject=f"asset:{asset_id}",
                occasion=due_on.isoformat(),
                send_after=now,
                asset_id=asset_id,
                data={"due_on": due_on.isoformat(), "days_ahead": days},
            )
