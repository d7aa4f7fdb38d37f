"""Reads for other parts: the API, the customer admin page, campaign audiences."""

from collections.abc import Iterable

import numpy as np

from crm.models import Customer
from segmentation.models import CustomerRfm, Segment, SegmentRule, SegmentTransition
from segmentation.scoring import Rule, segment_grid

SLUGS = [segment.value for segment in Segment]
CODE = {slug: code for code, slug in enumerate(SLUGS)}


def customer_rfm(customer: Customer) -> dict | None:
    """The customer's current RFM as plain data, or None before the first run.

    Uses `customer.rfm` when it was loaded with select_related("rfm") (then
    one query for the latest run's time), else reads both in one query.
    """
    if Customer.rfm.is_cached(customer):
        rfm = getattr(customer, "rfm", None)
    else:
        rfm = CustomerRfm.objects.with_as_of().filter(customer=customer).first()
    if rfm is None:
        return None
    return {
        "recency_days": rfm.recency_days,
        "frequency": rfm.frequency,
        "monetary": str(rfm.monetary),
        "r_score": rfm.r_score,
        "f_score": rfm.f_score,
        "m_score": rfm.m_score,
        "segment": rfm.segment,
        "segment_label": str(Segment(rfm.segment).label),
        "cluster": rfm.cluster,
        "scored_at": rfm.as_of.isoformat(),
    }


def customers_in_segments(segments: Iterable[str]):
    """Customers whose current segment is one of `segments` (an audience)."""
    return Customer.objects.filter(rfm__segment__in=list(segments))


def segment_history(customer: Customer, *, limit: int = 20) -> list[SegmentTransition]:
    return list(
        SegmentTransition.objects.filter(customer=customer).order_by(
            "-changed_at", "-id"
        )[:limit]
    )


def rule_grid() -> np.ndarray:
    """The 5x5 table [R-1, FM-1] -> segment code (index in SLUGS) of the current rules."""
    rules = [
        Rule(CODE[rule.segment], rule.r_min, rule.r_max, rule.fm_min, rule.fm_max)
        for rule in SegmentRule.objects.all()
    ]
    return segment_grid(rules, fallback=CODE[Segment.UNCLASSIFIED])


def latest_run():
    """The newest successful run, or None."""
    from segmentation.models import RfmRun, RunStatus

    return RfmRun.objects.filter(status=RunStatus.SUCCEEDED).first()
