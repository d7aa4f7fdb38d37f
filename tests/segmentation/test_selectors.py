from crm.models import Customer
from segmentation.selectors import customer_rfm, customers_in_segments
from segmentation.services import rfm_run


def test_it_returns_none_before_the_first_run(shop):
    assert customer_rfm(shop["prospect"]) is None


def test_it_returns_scores_and_segment_as_plain_data(shop, now):
    rfm_run(now=now)
    best = Customer.objects.select_related("rfm").get(pk=shop["scored"][0].pk)
    data = customer_rfm(best)
    assert data["segment"] == "champions" and data["segment_label"] == "Champions"
    assert (data["r_score"], data["f_score"], data["m_score"]) == (5, 5, 5)
    assert data["monetary"] == "10000.00" and data["scored_at"].startswith("2026-06-01")


def test_it_selects_an_audience_by_segment(shop, now):
    rfm_run(now=now)
    audience = customers_in_segments(["prospect", "lapsed"])
    assert set(audience) == {shop["prospect"], shop["lapsed"]}
