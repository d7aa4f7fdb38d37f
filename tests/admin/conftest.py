import datetime as dt
from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crm.models import Customer
from tests.factories import (
    AssetFactory,
    BrowseEventFactory,
    ConsentFactory,
    OrderFactory,
    OrderLineFactory,
    ProductFactory,
    TicketFactory,
)


@pytest.fixture
def count_queries(client) -> Callable[..., int]:
    """GET a URL with the given client and return how many queries it ran.

    A first, uncounted request fills per-process caches (content types).
    """

    def run(url: str, client=client) -> int:
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, response.content[:500]
        return len(captured)

    return run


def give_history(customer: Customer, rows: int) -> None:
    """`rows` of everything the story page shows, for one customer."""
    product = ProductFactory()
    now = timezone.now()
    for n in range(rows):
        ConsentFactory(
            customer=customer,
            channel=("sms", "email")[n % 2],
            purpose=("service", "marketing")[n % 2 // 1 if n % 4 < 2 else 0],
            granted=n % 3 != 0,
            recorded_at=now - dt.timedelta(hours=n),
        )
        order = OrderFactory(customer=customer, placed_at=now - dt.timedelta(days=n))
        OrderLineFactory.create_batch(2, order=order, product=product)
        BrowseEventFactory(
            customer=customer, product=product, occurred_at=now - dt.timedelta(hours=n)
        )
        AssetFactory(customer=customer)
        TicketFactory(customer=customer)


CRM_MODELS = ["customer", "order", "asset", "product", "browseevent", "consent"]


@pytest.fixture
def viewer_client(client, django_user_model):
    """A client logged in as staff who may only view the crm tables."""
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("viewer", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="crm",
            codename__in=[f"view_{model}" for model in CRM_MODELS],
        )
    )
    client.force_login(user)
    return client
