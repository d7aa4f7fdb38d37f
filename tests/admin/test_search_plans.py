"""On PostgreSQL every way of searching customers can use an index: with
sequential and plain index scans priced out, only a bitmap scan on an index
that matches the search's condition avoids reading the table from start to end
(plans of tiny test tables would otherwise vary with their statistics)."""

import pytest
from django.db import connection

from crm.admin.search import search_customers, search_exact
from crm.models import Customer, Order


def plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        for scan in ("seqscan", "indexscan", "indexonlyscan"):
            cursor.execute(f"SET LOCAL enable_{scan} = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize(
    ("term", "index"),
    [
        ("138 0013 8000", "crm_customer_phone_idx"),
        ("Emma@Example.com", "crm_customer_email_idx"),
        ("Clark", "crm_customer_name_trgm_idx"),
        ("王小", "crm_customer_name_trgm_idx"),
        ("SHOP-1", "crm_customer_external_id"),
    ],
)
def test_it_searches_customers_through_an_index(postgres_only, term, index):
    explained = plan(search_customers(Customer.objects.order_by(), term))
    assert index in explained
    assert "Seq Scan on crm_customer" not in explained


def test_it_searches_orders_by_exact_values_through_indexes(postgres_only):
    fields = ["external_id", "customer__external_id", "coupon_code"]
    explained = plan(search_exact(Order.objects.all(), "C-1", fields))
    assert "BitmapOr" in explained
    assert "Seq Scan" not in explained
