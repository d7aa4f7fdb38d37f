"""Seed the demo data set in phases, inserted in bulk, with a progress line each.

Everything happens in one transaction: a failure leaves nothing half-written,
so "data exists" always means a complete data set.
"""

import datetime as dt
import hashlib
import itertools
import random
from collections.abc import Callable, Iterable
from typing import Any, TextIO

from django.apps import apps
from django.db import models, transaction
from django.db.models import Sum

from crm.demo import vocab
from crm.demo.commerce import Item, build_browsing, build_orders, build_products
from crm.demo.people import PREFIX, Person, build_consents, build_customer
from crm.demo.service import build_assets, build_tickets
from crm.models import (
    Asset,
    BrowseEvent,
    Consent,
    Customer,
    Order,
    OrderLine,
    Product,
    ProductCategory,
)
from crm.progress import Progress

BATCH = 2_000


def ticket_model() -> type[models.Model] | None:
    # crm must not import care; tickets are seeded only when the app is installed.
    return apps.get_model("care", "Ticket") if apps.is_installed("care") else None


def demo_customers() -> models.QuerySet:
    return Customer.objects.filter(external_id__startswith=PREFIX)


class Seeder:
    def __init__(
        self, *, seed: int, now: dt.datetime, stream: TextIO | None, show_progress: bool
    ) -> None:
        self.seed, self.now, self.stream, self.show = seed, now, stream, show_progress

    def rng(self, phase: str) -> random.Random:
        # One generator per phase: a phase's data depends on the seed only.
        return random.Random(f"{self.seed}:{phase}")

    def progress(self, label: str, total: int) -> Progress:
        return Progress(label, total, stream=self.stream, enabled=self.show)

    def run(self, customers: int) -> dict[str, int]:
        with transaction.atomic():
            items, weights = self.products()
            people = self.customers(customers)
            now, today = self.now, self.now.date()
            self.phase(
                "consents",
                people,
                Consent,
                lambda rng, p, n: build_consents(rng, p, now),
            )
            self.orders(people, items, weights)
            self.phase(
                "browse events",
                people,
                BrowseEvent,
                lambda rng, p, n: build_browsing(rng, p, items, weights, now),
            )
            self.phase(
                "assets",
                people,
                Asset,
                lambda rng, p, n: build_assets(rng, p, today, n),
            )
            ticket = ticket_model()
            if ticket is not None:
                self.phase(
                    "tickets",
                    people,
                    ticket,
                    lambda rng, p, n: build_tickets(rng, ticket, p, now, n),
                )
        return demo_counts()

    def products(self) -> tuple[list[Item], list[float]]:
        rng = self.rng("products")
        built = build_products(rng, self.now)
        ProductCategory.objects.bulk_create(
            [
                ProductCategory(slug=slug, name_en=en, name_zh_hans=zh)
                for slug, (en, zh) in vocab.CATEGORY_NAMES.items()
            ],
            ignore_conflicts=True,
        )
        # Products may survive a reset when real orders use them: keep those.
        Product.objects.bulk_create(built, ignore_conflicts=True)
        pks = dict(
            Product.objects.filter(sku__in=[p.sku for p in built]).values_list(
                "sku", "pk"
            )
        )
        items = [Item(pks[p.sku], p.price) for p in built]
        rng.shuffle(items)
        popularity = [1 / (rank + 1) ** 0.8 for rank in range(len(items))]
        return items, list(itertools.accumulate(popularity))

    def customers(self, count: int) -> list[Person]:
        rng, people = self.rng("customers"), []
        progress = self.progress("customers", count)
        for start in range(0, count, BATCH):
            batch = [
                build_customer(rng, i) for i in range(start, min(start + BATCH, count))
            ]
            Customer.objects.bulk_create(batch)
            people += [
                Person(c.pk, start + k, c.locale, bool(c.phone), bool(c.email))
                for k, c in enumerate(batch)
            ]
            progress.advance(len(batch))
        progress.finish()
        return people

    def phase(
        self,
        label: str,
        people: list[Person],
        model: type[models.Model],
        build: Callable[[random.Random, Person, int], list],
    ) -> None:
        rng, rows, made = self.rng(label), [], 0
        progress = self.progress(label, len(people))
        for person in people:
            new = build(rng, person, made)
            rows += new
            made += len(new)
            if len(rows) >= BATCH:
                model.objects.bulk_create(rows)
                rows = []
            progress.advance()
        model.objects.bulk_create(rows)
        progress.finish()

    def orders(
        self, people: list[Person], items: list[Item], weights: list[float]
    ) -> None:
        rng, pending, made = self.rng("orders"), [], 0
        progress = self.progress("orders", len(people))
        for person in people:
            new = build_orders(rng, person, items, weights, self.now, made)
            pending += new
            made += len(new)
            if len(pending) >= BATCH:
                save_orders(pending)
                pending = []
            progress.advance()
        save_orders(pending)
        progress.finish()


def save_orders(pending: list[tuple[Order, list[OrderLine]]]) -> None:
    Order.objects.bulk_create([order for order, _lines in pending])
    OrderLine.objects.bulk_create([line for _order, lines in pending for line in lines])


def demo_delete() -> int:
    """Delete the demo customers and everything hanging off them; return how many."""
    customers = demo_customers()
    with transaction.atomic():
        # The big tables first, each in one statement, before the cascade.
        OrderLine.objects.filter(order__customer__in=customers).delete()
        for model in (Order, BrowseEvent, Consent, Asset):
            model.objects.filter(customer__in=customers).delete()
        deleted = customers.count()
        customers.delete()
        Product.objects.filter(
            sku__startswith=PREFIX, order_lines__isnull=True
        ).delete()
    return deleted


def demo_counts() -> dict[str, int]:
    customers = demo_customers()
    counts = {
        "customers": customers.count(),
        "consents": Consent.objects.filter(customer__in=customers).count(),
        "products": Product.objects.filter(sku__startswith=PREFIX).count(),
        "orders": Order.objects.filter(customer__in=customers).count(),
        "order lines": OrderLine.objects.filter(order__customer__in=customers).count(),
        "browse events": BrowseEvent.objects.filter(customer__in=customers).count(),
        "assets": Asset.objects.filter(customer__in=customers).count(),
    }
    ticket = ticket_model()
    if ticket is not None:
        counts["tickets"] = ticket.objects.filter(customer__in=customers).count()
    return counts


def demo_summary() -> dict[str, Any]:
    """Counts, revenue and a digest of the rows: equal for equal seeds and clocks."""
    customers = demo_customers().order_by("external_id")
    orders = Order.objects.filter(customer__in=customers).order_by("external_id")
    revenue = orders.aggregate(total=Sum("total"))["total"]
    return {
        **demo_counts(),
        "revenue": str(revenue),
        "leap day birthdays": customers.filter(birth_month=2, birth_day=29).count(),
        "digest": digest(
            itertools.chain(
                customers.values_list(
                    "external_id",
                    "name",
                    "phone",
                    "email",
                    "birthday",
                    "time_zone",
                    "locale",
                ),
                orders.values_list(
                    "external_id",
                    "customer__external_id",
                    "placed_at",
                    "total",
                    "coupon_code",
                ),
            )
        ),
    }


def digest(rows: Iterable[tuple]) -> str:
    hasher = hashlib.sha256()
    for row in rows:
        hasher.update(repr(row).encode())
    return hasher.hexdigest()
