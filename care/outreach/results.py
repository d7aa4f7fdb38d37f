"""Campaign results: every message as the results see it, and the funnel they add up to.

One query reads each message of the campaign with what happened after it:
delivered, clicked by a person (scanners' clicks are not counted, see
care.delivery.clicks), converted, and the revenue of its conversions. A
conversion is an order by the customer within the campaign's attribution
window (`attribution_days`, default 7) after the message (sent, or for the
holdout, the moment it was held out), or any order that redeems the coupon
the message carried, whenever it came. Revenue is the total of those orders.
The sums (funnel, per day, per channel, per language) are plain functions
over the rows; the comparison with the holdout is care.reports.uplift's.
docs/results.md explains each figure.
"""

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    BooleanField,
    Case,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from care.models import SENT_LIKE, Campaign, Click, Message, MessageStatus
from crm.models import Order

SENT_STATUSES = frozenset(SENT_LIKE)
# Statuses that still may go (not counted as failed or skipped).
PENDING = frozenset(
    {MessageStatus.PLANNED, MessageStatus.DEFERRED, MessageStatus.SENDING, "unknown"}
)


@dataclass(frozen=True)
class Recipient:
    """One message of a campaign, as the results see it (plain data)."""

    status: str
    reason: str
    went: bool  # sent to the provider (also when it later failed to deliver)
    channel: str
    locale: str
    day: dt.date | None  # of the message (sent or held out)
    delivered: bool
    clicked: bool
    converted: bool
    revenue: Decimal


@dataclass
class Funnel:
    """`sent` counts every message that went to the provider, also one that then
    failed to arrive (it is in `failed` too, as undelivered)."""

    planned: int = 0
    sent: int = 0
    delivered: int = 0
    clicked: int = 0
    converted: int = 0
    revenue: Decimal = Decimal("0")
    held_out: int = 0
    held_out_converted: int = 0
    held_out_revenue: Decimal = Decimal("0")
    pending: int = 0
    failed: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)

    @property
    def delivery_rate(self) -> float | None:
        return self.delivered / self.sent if self.sent else None

    @property
    def click_rate(self) -> float | None:
        return self.clicked / self.delivered if self.delivered else None

    @property
    def conversion_rate(self) -> float | None:
        return self.converted / self.sent if self.sent else None

    @property
    def held_out_rate(self) -> float | None:
        return self.held_out_converted / self.held_out if self.held_out else None


def funnel_of(recipients: Iterable[Recipient]) -> Funnel:
    """Add the rows up: every message is planned; each then counts where it ended."""
    funnel = Funnel()
    failed, skipped = Counter(), Counter()
    for r in recipients:
        funnel.planned += 1
        if r.went:
            funnel.sent += 1
            funnel.delivered += r.delivered
            funnel.clicked += r.clicked
            funnel.converted += r.converted
            funnel.revenue += r.revenue
        if r.status in SENT_STATUSES:
            continue
        if r.status == MessageStatus.HELD_OUT:
            funnel.held_out += 1
            funnel.held_out_converted += r.converted
            funnel.held_out_revenue += r.revenue
        elif r.status == MessageStatus.FAILED:
            failed[r.reason or "failed"] += 1
        elif r.status == MessageStatus.SKIPPED:
            skipped[r.reason or "skipped"] += 1
        elif not r.went:
            funnel.pending += 1
    funnel.failed, funnel.skipped = dict(failed), dict(skipped)
    return funnel


def funnels_by(
    recipients: Iterable[Recipient], key: Callable[[Recipient], object]
) -> dict[object, Funnel]:
    """A funnel per key (channel, language, day), in key order."""
    groups: dict[object, list[Recipient]] = {}
    for r in recipients:
        groups.setdefault(key(r), []).append(r)
    return {k: funnel_of(groups[k]) for k in sorted(groups, key=lambda k: (k is None, k))}


MONEY = DecimalField(max_digits=14, decimal_places=2)
ZERO = Value(Decimal("0"), output_field=MONEY)


def _total(orders, by: str) -> Coalesce:
    sums = orders.order_by().values(by).annotate(total_=Sum("total")).values("total_")
    return Coalesce(Subquery(sums[:1], output_field=MONEY), ZERO, output_field=MONEY)


def conversion_annotations(window: dt.timedelta, moment: str = "moment") -> dict:
    """`converted_` and `revenue_` of each message whose time is the column `moment`.

    Two index look-ups per message rather than one OR over both (which no
    index serves): the customer's orders in the window (the orders' customer
    and date index), and, only when the message carried a coupon, the orders
    redeeming it outside that window (the coupon code index). A CASE keeps
    the second from running for the many messages without a coupon.
    """
    in_window = Order.objects.filter(
        customer=OuterRef("customer_id"),
        placed_at__gte=OuterRef(moment),
        placed_at__lt=OuterRef(moment) + window,
    )
    by_coupon = Order.objects.filter(coupon_code=OuterRef("coupon_code")).exclude(
        customer=OuterRef("customer_id"),
        placed_at__gte=OuterRef(moment),
        placed_at__lt=OuterRef(moment) + window,
    )
    either = ExpressionWrapper(Exists(in_window) | Exists(by_coupon), BooleanField())
    return {
        "converted_": Case(
            When(coupon_code="", then=Exists(in_window)),
            default=either,
            output_field=BooleanField(),
        ),
        "revenue_": _total(in_window, "customer_id")
        + Case(
            When(coupon_code="", then=ZERO),
            default=_total(by_coupon, "coupon_code"),
            output_field=MONEY,
        ),
    }


def campaign_messages(campaign: Campaign):
    """The campaign's messages annotated with what the results need (one query)."""
    window = dt.timedelta(days=campaign.attribution_days)
    return (
        # A test send (care.studio.test_send) never counts in results.
        Message.objects.filter(campaign=campaign, is_test=False)
        .annotate(moment=Coalesce("sent_at", "updated_at"))
        .annotate(
            **conversion_annotations(window),
            clicked_=Exists(Click.objects.filter(message=OuterRef("pk"), counted=True)),
            locale_=F("customer__locale"),
        )
        .order_by()
    )


def campaign_recipients(campaign: Campaign) -> list[Recipient]:
    rows = campaign_messages(campaign).values_list(
        "status", "reason", "sent_at", "channel", "locale_", "moment", "delivered_at",
        "clicked_", "converted_", "revenue_",
    )
    return [
        Recipient(
            status=status,
            reason=reason,
            went=status in SENT_STATUSES or sent_at is not None,
            channel=channel,
            locale=locale,
            day=timezone.localdate(moment) if moment else None,
            delivered=status == MessageStatus.DELIVERED or delivered_at is not None,
            clicked=bool(clicked),
            converted=bool(converted),
            revenue=Decimal(revenue or 0),
        )
        for (
            status, reason, sent_at, channel, locale, moment, delivered_at,
            clicked, converted, revenue,
        ) in rows
    ]


def campaign_funnel(campaign: Campaign) -> Funnel:
    return funnel_of(campaign_recipients(campaign))
