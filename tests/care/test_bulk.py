"""The chunk lookups of a sweep (array parameters on PostgreSQL) and the statistics refresh."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from care.outbox.bulk import ANALYZE_AFTER, among, rows_fetch, statistics_refresh
from crm.models import Customer
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_it_fetches_the_rows_among_the_given_ids():
    first, second, _other = CustomerFactory.create_batch(3)
    queryset = Customer.objects.filter(among("pk", [first.pk, second.pk], "bigint"))

    rows = rows_fetch(queryset.values_list("pk", "email").order_by("pk"))

    assert rows == [(first.pk, first.email), (second.pk, second.email)]


def test_it_fetches_nothing_among_no_values():
    CustomerFactory()

    queryset = Customer.objects.filter(among("pk", [], "bigint"))

    assert rows_fetch(queryset.values_list("pk")) == []


def test_it_fetches_nothing_for_an_empty_in_list():
    CustomerFactory()

    assert rows_fetch(Customer.objects.filter(pk__in=[]).values_list("pk")) == []


def test_it_leaves_the_statistics_alone_after_a_small_sweep():
    with CaptureQueriesContext(connection) as queries:
        statistics_refresh(ANALYZE_AFTER - 1)

    assert len(queries) == 0


def test_it_analyzes_the_outbox_after_a_large_sweep(postgres_only):
    with CaptureQueriesContext(connection) as queries:
        statistics_refresh(ANALYZE_AFTER)

    assert [q["sql"] for q in queries] == ['ANALYZE "care_message"']
