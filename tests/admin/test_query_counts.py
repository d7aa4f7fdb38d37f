"""The admin pages cost the same number of queries for 5 rows as for 30."""

import pytest
from django.urls import reverse

from tests.admin.conftest import give_history
from tests.factories import (
    AssetFactory,
    ConsentFactory,
    CustomerFactory,
    OrderFactory,
    OrderLineFactory,
    TicketFactory,
)


def make_customers(count: int) -> None:
    for customer in CustomerFactory.create_batch(count):
        ConsentFactory(customer=customer, channel="sms", purpose="marketing")
        ConsentFactory(customer=customer, channel="email", purpose="service")


def make_orders(count: int) -> None:
    for order in OrderFactory.create_batch(count):
        OrderLineFactory.create_batch(2, order=order)


CHANGELISTS = [
    ("admin:crm_customer_changelist", make_customers),
    ("admin:crm_order_changelist", make_orders),
    ("admin:crm_asset_changelist", AssetFactory.create_batch),
    ("admin:care_ticket_changelist", TicketFactory.create_batch),
]


@pytest.mark.parametrize(("url_name", "make"), CHANGELISTS)
def test_it_lists_30_rows_with_as_many_queries_as_5(
    admin_client, count_queries, django_assert_max_num_queries, url_name, make
):
    url = reverse(url_name)
    make(5)
    few = count_queries(url, admin_client)
    make(25)
    with django_assert_max_num_queries(few):
        response = admin_client.get(url)
    assert len(response.context["cl"].result_list) == 30


@pytest.mark.parametrize(("url_name", "make"), CHANGELISTS)
def test_it_keeps_the_query_count_constant_when_searching_and_filtering(
    admin_client, count_queries, url_name, make
):
    url = reverse(url_name) + "?q=1&o=1"
    make(5)
    few = count_queries(url, admin_client)
    make(25)
    assert count_queries(url, admin_client) == few


def test_it_shows_the_customer_story_with_as_many_queries_for_30_rows_as_for_5(
    admin_client, count_queries
):
    small, large = CustomerFactory(), CustomerFactory()
    give_history(small, 5)
    give_history(large, 30)
    few = count_queries(
        reverse("admin:crm_customer_change", args=[small.pk]), admin_client
    )
    many = count_queries(
        reverse("admin:crm_customer_change", args=[large.pk]), admin_client
    )
    assert few == many


def test_it_shows_an_order_with_its_lines_in_a_constant_number_of_queries(
    admin_client, count_queries
):
    small, large = OrderFactory(), OrderFactory()
    OrderLineFactory.create_batch(2, order=small)
    OrderLineFactory.create_batch(20, order=large)
    few = count_queries(
        reverse("admin:crm_order_change", args=[small.pk]), admin_client
    )
    many = count_queries(
        reverse("admin:crm_order_change", args=[large.pk]), admin_client
    )
    assert few == many
