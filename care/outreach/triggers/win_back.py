"""Win-back: the customer's RFM segment moved into At Risk or Can't Lose Them."""

import datetime as dt
from collections.abc import Iterator

from care.outbox.plan import Due
from care.outreach.triggers.base import audience_q
from segmentation.models import SegmentTransition


def win_back_due(campaign, now: dt.datetime, params: dict) -> Iterator[Due]:
    since = now - dt.timedelta(days=int(params["lookback_days"]))
    transitions = (
        # A customer's first label is not a move: the first scoring run would
        # otherwise "win back" every customer who starts out At Risk.
        SegmentTransition.objects.moves()
        .filter(
            to_segment__in=params["segments"], changed_at__gt=since, changed_at__lte=now
        )
        .filter(audience_q(campaign.audience, "customer__"))
        .values_list("id", "customer_id", "from_segment", "to_segment")
    )
    for transition_id, customer_id, source, target in transitions.iterator(
        chunk_size=2000
    ):
        yield Due(
            customer_id=customer_id,
            subject=f"customer:{customer_id}",
            occasion=f"transition:{transition_id}",
            send_after=now,
            data={"from_segment": source, "to_segment": target},
        )
