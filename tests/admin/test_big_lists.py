"""The crm lists at a million rows: counts that do not count everything, filter
choices that do not scan, and as many queries for 30 rows as for 5."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.admin import paging
from crm.admin.filters import TimeZoneFilter
from tests.factories import (
    AssetFactory,
    BrowseEventFactory,
    ConsentFactory,
    CustomerFactory,
    OrderFactory,
    ProductFactory,
)


def make_customers(count: int) -> None:
    for customer in CustomerFactory.create_batch(count):
        ConsentFactory(customer=customer, channel="sms", purpose="marketing")


PAGES = [
    ("crm_customer", make_customers, ""),
    ("crm_customer", make_customers, "?q=Customer"),
    ("crm_customer", make_customers, "?q=%2B86+138+0000+0001"),
    (
        "crm_customer",
        make_customers,
        "?sms_consent=marketing:granted&time_zone=Asia/Shanghai",
    ),
    ("crm_order", OrderFactory.create_batch, ""),
    ("crm_order", OrderFactory.create_batch, "?q=C000001&currency=CNY"),
    ("crm_asset", AssetFactory.create_batch, ""),
    ("crm_asset", AssetFactory.create_batch, "?q=C000001&next_service=30"),
    ("crm_product", ProductFactory.create_batch, "?q=SKU"),
    ("crm_browseevent", BrowseEventFactory.create_batch, ""),
    ("crm_browseevent", BrowseEventFactory.create_batch, "?q=C000001"),
    ("crm_consent", ConsentFactory.create_batch, ""),
    ("crm_consent", ConsentFactory.create_batch, "?q=C000001&channel__exact=sms"),
]


@pytest.mark.parametrize(("model", "make", "query"), PAGES)
def test_it_shows_a_viewer_each_crm_list_with_as_many_queries_for_30_rows_as_for_5(
    viewer_client, count_queries, model, make, query
):
    url = reverse(f"admin:{model}_changelist") + query
    make(5)
    few = count_queries(url, viewer_client)
    make(25)
    assert count_queries(url, viewer_client) == few


def test_it_counts_a_filtered_list_only_up_to_the_cap(viewer_client, monkeypatch):
    monkeypatch.setattr(paging, "COUNT_CAP", 5)
    CustomerFactory.create_batch(8)
    response = viewer_client.get(
        reverse("admin:crm_customer_changelist"), {"q": "Cust"}
    )
    assert response.context["cl"].result_count == 5
    assert "more than 5 results" in response.text
    assert "5+ customers" in response.text


def test_it_counts_a_filtered_list_exactly_below_the_cap(viewer_client, monkeypatch):
    monkeypatch.setattr(paging, "COUNT_CAP", 5)
    CustomerFactory.create_batch(4)
    response = viewer_client.get(
        reverse("admin:crm_customer_changelist"), {"q": "Cust"}
    )
    assert response.context["cl"].result_count == 4
    assert "4 customers" in response.text and "4+" not in response.text


def test_it_shows_postgresqls_estimate_for_an_unfiltered_list(
    postgres_only, viewer_client, monkeypatch
):
    monkeypatch.setattr(paging, "ESTIMATE_ABOVE", 0)
    CustomerFactory.create_batch(7)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE crm_customer")
    with CaptureQueriesContext(connection) as queries:
        response = viewer_client.get(reverse("admin:crm_customer_changelist"))
    assert response.context["cl"].result_count == 7
    assert "≈7 customers" in response.text
    assert not [q for q in queries if "COUNT(" in q["sql"].upper()]


def test_it_counts_an_unfiltered_list_exactly_on_sqlite(db, viewer_client, monkeypatch):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite counts; PostgreSQL estimates (test above)")
    monkeypatch.setattr(paging, "ESTIMATE_ABOVE", 0)
    CustomerFactory.create_batch(7)
    response = viewer_client.get(reverse("admin:crm_customer_changelist"))
    assert "7 customers" in response.text and "≈" not in response.text


def test_it_offers_the_time_zones_of_the_newest_customers(viewer_client, monkeypatch):
    monkeypatch.setattr(TimeZoneFilter, "sample", 2)
    CustomerFactory(external_id="OLD", time_zone="Europe/London")
    CustomerFactory(time_zone="Asia/Tokyo")
    CustomerFactory(time_zone="Asia/Shanghai")
    url = reverse("admin:crm_customer_changelist")
    response = viewer_client.get(url)
    offered = [
        c["display"]
        for c in response.context["cl"].filter_specs[1].choices(response.context["cl"])
    ]
    assert offered == ["All", "Asia/Shanghai", "Asia/Tokyo"]
    listed = viewer_client.get(url, {"time_zone": "Europe/London"}).context["cl"]
    assert [c.external_id for c in listed.result_list] == ["OLD"]


def test_it_does_not_count_facets(viewer_client):
    CustomerFactory.create_batch(3)
    response = viewer_client.get(
        reverse("admin:crm_customer_changelist"), {"_facets": "1"}
    )
    assert response.status_code == 200
    assert not response.context["cl"].add_facets
