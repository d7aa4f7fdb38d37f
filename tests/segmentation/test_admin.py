import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.models import Customer
from segmentation.admin import SegmentListFilter, render_rfm_story, rfm_story_section
from segmentation.services import rfm_run


@pytest.fixture
def scored(shop, now):
    rfm_run(now=now)
    return shop


@pytest.mark.parametrize(
    "name",
    [
        "admin:segmentation_rfmrun_overview",
        "admin:segmentation_rfmrun_changelist",
        "admin:segmentation_segmentrule_changelist",
        "admin:segmentation_segmenttransition_changelist",
    ],
)
def test_the_pages_render_with_a_bounded_number_of_queries(admin_client, scored, name):
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(reverse(name))
    assert response.status_code == 200
    assert len(queries) <= 12


def test_the_overview_shows_the_distribution_and_the_heat_map(admin_client, scored):
    page = admin_client.get(reverse("admin:segmentation_rfmrun_overview")).content.decode()
    assert "<svg" in page and "Champions" in page and "Lapsed" in page
    assert "Customers by R (rows) and F (columns) score" in page
    assert "Latest runs" in page


def test_the_overview_explains_when_there_is_no_run(admin_client, db):
    page = admin_client.get(reverse("admin:segmentation_rfmrun_overview")).content.decode()
    assert "No RFM run has finished yet" in page


def test_the_overview_is_translated(admin_client, scored):
    page = admin_client.get(
        reverse("admin:segmentation_rfmrun_overview"), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert "重要价值客户" in page


def test_the_run_page_lists_its_clusters(admin_client, db, now):
    from tests.factories import CustomerFactory
    from tests.segmentation.conftest import buy

    for i in range(40):
        buy(CustomerFactory(), days_ago=1 + i * 7, total=f"{10 + i * 9}.00", count=1 + i % 5)
    run = rfm_run(now=now)
    page = admin_client.get(reverse("admin:segmentation_rfmrun_change", args=[run.pk]))
    assert page.status_code == 200 and "spend" in page.content.decode()


def test_the_rule_list_shows_the_resulting_table(admin_client, db):
    page = admin_client.get(reverse("admin:segmentation_segmentrule_changelist"))
    assert "Resulting segment table" in page.content.decode()
    assert "match no rule" not in page.content.decode()


def test_the_segment_filter_narrows_customers(scored, rf):
    flt = SegmentListFilter(rf.get("/"), {"segment": ["prospect"]}, Customer, None)
    assert list(flt.queryset(None, Customer.objects.all())) == [scored["prospect"]]
    unscored = SegmentListFilter(rf.get("/"), {"segment": ["none"]}, Customer, None)
    assert not unscored.queryset(None, Customer.objects.all()).exists()


def test_the_story_section_reads_a_fixed_number_of_queries(scored, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        context = rfm_story_section(scored["scored"][0])
    assert context["segment"] == "champions" and len(context["history"]) == 1


def test_the_story_fragment_renders_for_an_unscored_customer(db):
    from tests.factories import CustomerFactory

    assert "Not scored yet" in render_rfm_story(CustomerFactory())


def test_the_segment_column_shows_the_label_or_a_dash(scored):
    from segmentation.admin import segment_column

    best = Customer.objects.select_related("rfm").get(pk=scored["scored"][0].pk)
    assert segment_column(best) == "Champions"
    from tests.factories import CustomerFactory

    assert segment_column(CustomerFactory()) == "—"
