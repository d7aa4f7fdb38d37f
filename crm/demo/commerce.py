"""Build the demo catalogue, orders and browsing (no database access here)."""

import datetime as dt
import random
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from crm.demo import vocab
from crm.demo.people import PREFIX, Person
from crm.models import BrowseEvent, Order, OrderLine, Product

CENT = Decimal("0.01")
ABANDON_EVERY = 25  # every 25th customer keeps looking at a product without buying it
NEW_PRODUCTS = 3  # launched in the last few days, for the new-product trigger


@dataclass(frozen=True)
class Item:
    """A created product, as the order and browse phases need it."""

    pk: int
    price: Decimal


def build_products(rng: random.Random, now: dt.datetime) -> list[Product]:
    products = []
    for category, items in vocab.CATALOGUE:
        for zh, en, median in items:
            for suffix in rng.sample(vocab.MODEL_SUFFIXES, rng.randint(2, 3)):
                price = Decimal(median * rng.lognormvariate(0, 0.25)).quantize(
                    Decimal("1")
                )
                products.append(
                    Product(
                        sku=f"{PREFIX}{category[:3].upper()}-{len(products) + 1:04d}",
                        name=f"{zh} {en}{suffix}",
                        category=category,
                        price=price - Decimal("0.01"),
                        launched_at=now - dt.timedelta(days=rng.uniform(20, 1100)),
                    )
                )
    for product in rng.sample(products, NEW_PRODUCTS):
        product.launched_at = now - dt.timedelta(days=rng.uniform(0.5, 4))
    return products


def abandoned_item(person: Person, items: list[Item]) -> Item | None:
    """The product this customer browses without buying, if they are one who does."""
    if person.index % ABANDON_EVERY != 3:
        return None
    return items[(person.index * 7919) % len(items)]


def order_count(rng: random.Random) -> int:
    """Long tail: a fifth never order, most order a few times, a few very often."""
    if rng.random() < 0.2:
        return 0
    return min(int(rng.paretovariate(1.4)), 60)


def build_orders(
    rng: random.Random,
    person: Person,
    items: list[Item],
    weights: list[float],
    now: dt.datetime,
    counter: int,
) -> list[tuple[Order, list[OrderLine]]]:
    count = order_count(rng)
    if not count:
        return []
    skip = abandoned_item(person, items)
    last = min(rng.expovariate(1 / 90), 700.0)
    first = last + rng.uniform(0, 729 - last)
    days = [last] + [rng.uniform(last, first) for _ in range(count - 1)]
    result = []
    for offset, days_ago in enumerate(sorted(days, reverse=True)):
        lines = build_lines(rng, items, weights, skip)
        result.append(
            (
                build_order(
                    rng,
                    person,
                    lines,
                    now - dt.timedelta(days=days_ago),
                    f"{PREFIX}O{counter + offset + 1:08d}",
                ),
                lines,
            )
        )
    return result


def build_lines(
    rng: random.Random, items: list[Item], weights: list[float], skip: Item | None
) -> list[OrderLine]:
    chosen = {}
    for item in rng.choices(
        items, cum_weights=weights, k=1 + (rng.random() < 0.35) + (rng.random() < 0.1)
    ):
        if item is not skip:
            chosen[item.pk] = item
    if not chosen:
        fallback = items[0] if items[0] is not skip else items[1]
        chosen[fallback.pk] = fallback
    return [
        OrderLine(
            product_id=item.pk,
            quantity=rng.choices((1, 2, 3), (80, 15, 5))[0],
            unit_price=item.price,
        )
        for item in chosen.values()
    ]


def build_order(
    rng: random.Random,
    person: Person,
    lines: list[OrderLine],
    placed_at: dt.datetime,
    external_id: str,
) -> Order:
    subtotal = sum(line.unit_price * line.quantity for line in lines)
    coupon, discount = ("", 0.0)
    if rng.random() < 0.12:
        coupon, discount = rng.choice(vocab.COUPONS)
    total = (subtotal * Decimal(str(1 - discount))).quantize(CENT, ROUND_HALF_UP)
    order = Order(
        external_id=external_id,
        customer_id=person.pk,
        placed_at=placed_at,
        total=total,
        currency="CNY",
        coupon_code=coupon,
    )
    for line in lines:
        line.order = order
    return order


def build_browsing(
    rng: random.Random,
    person: Person,
    items: list[Item],
    weights: list[float],
    now: dt.datetime,
) -> list[BrowseEvent]:
    events = []
    if rng.random() < 0.35:
        for _session in range(rng.randint(1, 4)):
            start = now - dt.timedelta(days=rng.uniform(0.1, 60))
            for view, item in enumerate(
                rng.choices(items, cum_weights=weights, k=rng.randint(1, 4))
            ):
                events.append(
                    BrowseEvent(
                        customer_id=person.pk,
                        product_id=item.pk,
                        occurred_at=start + dt.timedelta(minutes=2 * view),
                    )
                )
    item = abandoned_item(person, items)
    if item is not None:
        # Whole days apart at one time of day: distinct days in every time zone.
        at = now - dt.timedelta(hours=rng.uniform(2, 20))
        for days_ago in rng.sample(range(0, 6), rng.randint(3, 4)):
            events.append(
                BrowseEvent(
                    customer_id=person.pk,
                    product_id=item.pk,
                    occurred_at=at - dt.timedelta(days=days_ago),
                )
            )
    return events
