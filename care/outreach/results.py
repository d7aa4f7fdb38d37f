"""Campaign results: every message as the results see it, and the funnel they add up to.

One query reads each message of the campaign with what happened after it:
delivered, clicked by a person (scanners' clicks are not counted, see
care.delivery.clicks), converted, and the revenue of its conversions, and
returns them in groups of messages alike (status, reason, channel, language,
day and outcomes), each with its count and revenue: a campaign of a million
messages is a few hundred rows to add up, not a million objects (it took
19 s and 950 MB to open such a campaign's page; issue 16). A
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

from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate
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
    """`count` messages of a campaign alike in everything the results see (plain
    data); `revenue` is their total, `revenue_squares` the sum of each one's
    squared (the spread the uplift's interval needs)."""

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
    count: int = 1
    revenue_squares: Decimal = Decimal("0")


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
        n = r.count
        funnel.planned += n
        if r.went:
            funnel.sent += n
            funnel.delivered += n * r.delivered
            funnel.clicked += n * r.clicked
            funnel.converted += n * r.converted
            funnel.revenue += r.revenue
        if r.status in SENT_STATUSES:
            continue
        if r.status == MessageStatus.HELD_OUT:
            funnel.held_out += n
            funnel.held_out_converted += n * r.converted
            funnel.held_out_revenue += r.revenue
        elif r.status == MessageStatus.FAILED:
            failed[r.reason or "failed"] += n
        elif r.status == MessageStatus.SKIPPED:
            skipped[r.reason or "skipped"] += n
        elif not r.went:
            funnel.pending += n
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


def conversion_annotations(
    window: dt.timedelta, moment: str = "moment", only: Q | None = None
) -> dict:
    """`converted_` and `revenue_` of each message whose time is the column `moment`.

    Two index look-ups per message rather than one OR over both (which no
    index serves): the customer's orders in the window (the orders' customer
    and date index), and, only when the message carried a coupon, the orders
    redeeming it outside that window (the coupon code index). A CASE keeps
    the second from running for the many messages without a coupon, and
    both from running for messages outside `only` (false and zero there).
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
    skip = [When(~only, then=Value(False))] if only is not None else []
    nothing = [When(~only, then=ZERO)] if only is not None else []
    return {
        "converted_": Case(
            *skip,
            When(coupon_code="", then=Exists(in_window)),
            default=either,
            output_field=BooleanField(),
        ),
        "revenue_": Case(
            *nothing,
            default=_total(in_window, "customer_id")
            + Case(
                When(coupon_code="", then=ZERO),
                default=_total(by_coupon, "coupon_code"),
                output_field=MONEY,
            ),
            output_field=MONEY,
        ),
    }


# A message whose conversion counts (funnel_of): one that went, or was held out.
WENT = Q(status__in=SENT_STATUSES) | Q(sent_at__isnull=False)
COUNTED = WENT | Q(status=MessageStatus.HELD_OUT)


def campaign_messages(campaign: Campaign):
    """The campaign's messages annotated with what the results need (one query).

    Orders are looked up only for the messages whose conversions count: a
    campaign just planned, or one whose skips are many, reads none for them.
    """
    window = dt.timedelta(days=campaign.attribution_days)
    return (
        # A test send (care.studio.test_send) never counts in results.
        Message.objects.filter(campaign=campaign, is_test=False)
        .annotate(moment=Coalesce("sent_at", "updated_at"))
        .annotate(
            **conversion_annotations(window, only=COUNTED),
            clicked_=Exists(Click.objects.filter(message=OuterRef("pk"), counted=True)),
            locale_=F("customer__locale"),
        )
        .order_by()
    )


GROUPED = (
    "status", "reason", "went_", "channel", "locale_", "day_", "delivered_",
    "clicked_", "converted_",
)


def campaign_recipients(campaign: Campaign) -> list[Recipient]:
    """The campaign's messages in groups alike (one query, grouped in the database)."""
    delivered = Q(status=MessageStatus.DELIVERED) | Q(delivered_at__isnull=False)
    inner = (
        campaign_messages(campaign)
        .annotate(
            went_=ExpressionWrapper(WENT, BooleanField()),
            delivered_=ExpressionWrapper(delivered, BooleanField()),
            day_=TruncDate("moment", tzinfo=timezone.get_current_timezone()),
        )
        .values_list(*GROUPED, "revenue_")
    )
    sql, params = inner.query.sql_with_params()
    # Around the ORM's query rather than through it: an aggregate over an
    # annotation repeats the annotation's sub-queries, here three times a row.
    # The fence (OFFSET 0) keeps PostgreSQL from merging the inner query into
    # the outer one, which would do the same.
    sql += " OFFSET 0" if connection.vendor == "postgresql" else " LIMIT -1 OFFSET 0"
    picks = ", ".join(f"r.{name}" for name in GROUPED)
    places = ", ".join(str(n) for n in range(1, len(GROUPED) + 1))
    grouped = (
        f"SELECT {picks}, COUNT(*), SUM(r.revenue_), SUM(r.revenue_ * r.revenue_) "
        f"FROM ({sql}) r GROUP BY {places}"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # No JIT for this transaction: the planner's estimate of the
            # coupon look-ups (which rarely run) made it compile for 0.5 s.
            cursor.execute("SELECT set_config('jit', 'off', true)")
        cursor.execute(grouped, params)
        rows = cursor.fetchall()
    return [
        Recipient(
            status=status,
            reason=reason,
            went=bool(went_),
            channel=channel,
            locale=locale,
            day=dt.date.fromisoformat(day) if isinstance(day, str) else day,
            delivered=bool(delivered_),
            clicked=bool(clicked),
            converted=bool(converted),
            revenue=_money(revenue),
            count=count,
            revenue_squares=_money(squares, "0.0001"),
        )
        for (
            status, reason, went_, channel, locale, day, delivered_, clicked,
            converted, count, revenue, squares,
        ) in rows
    ]


def _money(value, places: str = "0.01") -> Decimal:
    """A sum as Decimal (SQLite sums decimals as floats: rounded to the cent)."""
    return Decimal(str(value or 0)).quantize(Decimal(places))


def campaign_funnel(campaign: Campaign) -> Funnel:
    return funnel_of(campaign_recipients(campaign))
