import datetime as dt
from decimal import Decimal

import pytest

from tests.factories import CustomerFactory, OrderFactory

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def now() -> dt.datetime:
    return NOW


def buy(customer, *, days_ago: float, total: str = "100.00", count: int = 1):
    for _ in range(count):
        OrderFactory(
            customer=customer,
            placed_at=NOW - dt.timedelta(days=days_ago),
            total=Decimal(total),
        )
    return customer


@pytest.fixture
def shop(db):
    """Ten customers with spread-out recency, frequency and spend, plus a
    prospect (never ordered) and a lapsed customer (ordered 400 days ago)."""
    customers = []
    for i in range(10):
        customer = CustomerFactory()
        buy(customer, days_ago=5 + 30 * i, total=f"{100 * (10 - i)}.00", count=10 - i)
        customers.append(customer)
    prospect = CustomerFactory()
    lapsed = buy(CustomerFactory(), days_ago=400)
    return {"scored": customers, "prospect": prospect, "lapsed": lapsed}
