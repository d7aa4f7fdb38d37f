"""Reads for other parts: the API, the customer admin page, campaign audiences."""

from collections.abc import Iterable

from crm.models import Customer
from segmentation.models import CustomerRfm, Segment, SegmentTransition


def customer_rfm(customer: Customer) -> dict | None:
    """The customer's current RFM as plain data, or None before the first run.

    Uses `customer.rfm` when it was loaded with select_related("rfm").
    """
    try:
        rfm = customer.rfm
    except CustomerRfm.DoesNotExist:
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
        "scored_at": rfm.scored_at.isoformat(),
    }


def customers_in_segments(segments: Iterable[str]):
    """Customers whose current segment is one of `segments` (an audience)."""
    return Customer.objects.filter(rfm__segment__in=list(segments))


def segment_history(customer: Customer, *, limit: int = 20) -> list[SegmentTransition]:
    return list(
        SegmentTransition.objects.filter(customer=customer).order_by("-changed_at", "-id")[
            :limit
        ]
    )
