import datetime as dt

import pytest

from crm.models import Customer
from segmentation.models import (
    CustomerRfm,
    RfmCluster,
    RfmRun,
    RunStatus,
    Segment,
    SegmentRule,
    SegmentTransition,
)
from segmentation.selectors import customer_rfm
from segmentation.services import rfm_run
from tests.factories import CustomerFactory
from tests.segmentation.conftest import buy


def current(customer) -> CustomerRfm:
    return CustomerRfm.objects.get(customer=customer)


def snapshot() -> list[tuple]:
    return list(
        CustomerRfm.objects.order_by("customer_id").values_list(
            "customer_id", "last_order_at", "frequency", "monetary",
            "r_score", "f_score", "m_score", "segment", "cluster",
        )
    )


def test_it_scores_the_best_customer_as_a_champion(shop, now):
    rfm_run(now=now)
    best = current(shop["scored"][0])
    assert (best.r_score, best.f_score, best.m_score) == (5, 5, 5)
    assert best.segment == Segment.CHAMPIONS
    assert (best.recency_days, best.frequency) == (5, 10)
    assert str(best.monetary) == "10000.00"


def test_it_scores_the_weakest_customer_as_lost(shop, now):
    rfm_run(now=now)
    assert current(shop["scored"][-1]).segment == Segment.LOST


def test_it_labels_customers_who_never_ordered_as_prospects(shop, now):
    rfm_run(now=now)
    prospect = current(shop["prospect"])
    assert prospect.segment == Segment.PROSPECT
    assert prospect.r_score is None and prospect.recency_days is None
    assert prospect.cluster is None


def test_it_labels_customers_without_an_order_in_the_window_as_lapsed(shop, now):
    rfm_run(now=now)
    lapsed = current(shop["lapsed"])
    assert lapsed.segment == Segment.LAPSED
    assert (lapsed.recency_days, lapsed.frequency, lapsed.r_score) == (400, 0, None)


def test_it_scores_lapsed_customers_when_the_window_reaches_them(shop, now):
    rfm_run(now=now, window_days=500)
    assert current(shop["lapsed"]).r_score is not None


def test_it_ignores_orders_after_now(db, now):
    customer = buy(CustomerFactory(), days_ago=-3)
    rfm_run(now=now)
    assert current(customer).segment == Segment.PROSPECT


def test_it_records_the_run(shop, now):
    run = rfm_run(now=now)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED
    assert (run.customers_total, run.customers_scored, run.customers_labelled) == (12, 10, 2)
    assert run.window_days == 365 and run.duration is not None
    assert run.summary["segments"]["prospect"] == 1
    assert sum(map(sum, run.summary["r_by_f"])) == 10
    assert len(run.parameters["rules"]) == 11


def test_it_records_a_first_label_as_a_transition_from_nothing(shop, now):
    run = rfm_run(now=now)
    transitions = SegmentTransition.objects.filter(run=run)
    assert transitions.count() == 12
    assert not transitions.filter(from_segment__isnull=False).exists()


def test_it_changes_nothing_when_run_again_on_unchanged_data(shop, now):
    rfm_run(now=now)
    before = snapshot()
    second = rfm_run(now=now)
    assert snapshot() == before
    assert second.transitions == 0
    assert not SegmentTransition.objects.filter(run=second).exists()


def test_it_records_a_move_between_segments(shop, now):
    rfm_run(now=now)
    best = shop["scored"][0]
    later = now + dt.timedelta(days=300)
    for customer in shop["scored"][1:]:
        buy(customer, days_ago=-299)  # one recent order each, a day before `later`
    run = rfm_run(now=later)
    move = SegmentTransition.objects.get(customer=best, run=run)
    assert (move.from_segment, move.changed_at) == (Segment.CHAMPIONS, later)
    assert move.to_segment == current(best).segment
    assert move.to_segment in {Segment.AT_RISK, Segment.CANT_LOSE_THEM}
    assert SegmentTransition.objects.moves().into([move.to_segment]).filter(run=run).exists()


def test_it_applies_an_edited_rule_at_the_next_run(shop, now):
    SegmentRule.objects.filter(segment=Segment.CHAMPIONS).update(fm_min=5, r_min=5)
    SegmentRule.objects.filter(segment=Segment.LOST).delete()
    rfm_run(now=now)
    assert current(shop["scored"][-1]).segment == Segment.HIBERNATING


def test_it_labels_scores_no_rule_covers_as_unclassified(shop, now):
    SegmentRule.objects.all().delete()
    rfm_run(now=now)
    assert current(shop["scored"][0]).segment == Segment.UNCLASSIFIED


def test_it_handles_a_shop_without_customers(db, now):
    run = rfm_run(now=now)
    assert run.customers_total == 0 and run.cluster_k is None


def test_it_scores_a_single_customer_in_the_middle(db, now):
    customer = buy(CustomerFactory(), days_ago=3)
    run = rfm_run(now=now)
    rfm = current(customer)
    assert (rfm.r_score, rfm.f_score, rfm.m_score) == (3, 3, 3)
    assert rfm.segment == Segment.NEED_ATTENTION
    assert run.cluster_k is None and rfm.cluster is None


def test_it_scores_identical_customers_identically(db, now):
    customers = [buy(CustomerFactory(), days_ago=10, count=2) for _ in range(30)]
    rfm_run(now=now)
    assert {current(c).rfm_code for c in customers} == {"333"}


def test_it_labels_everyone_when_nobody_ordered(db, now):
    CustomerFactory.create_batch(3)
    run = rfm_run(now=now)
    assert set(CustomerRfm.objects.values_list("segment", flat=True)) == {"prospect"}
    assert run.customers_scored == 0


@pytest.mark.parametrize("window", [0, -5, 10**6, True])
def test_it_refuses_a_bad_window_without_writing(db, now, window):
    with pytest.raises(ValueError, match="window_days"):
        rfm_run(now=now, window_days=window)
    assert not RfmRun.objects.exists()


def test_it_clusters_scored_customers_and_describes_the_clusters(db, now):
    for i in range(60):
        buy(CustomerFactory(), days_ago=1 + (i * 7) % 300, total=f"{10 + i * 13}.00",
            count=1 + i % 6)
    run = rfm_run(now=now)
    clusters = list(RfmCluster.objects.filter(run=run))
    assert 3 <= run.cluster_k == len(clusters) <= 8
    assert sum(c.size for c in clusters) == 60
    assert all(c.description.count(",") == 2 for c in clusters)
    assert set(CustomerRfm.objects.values_list("cluster", flat=True)) == set(range(run.cluster_k))


def test_it_clusters_the_same_data_the_same_way(db, now):
    for i in range(60):
        buy(CustomerFactory(), days_ago=1 + (i * 11) % 300, total=f"{10 + i * 7}.00",
            count=1 + i % 4)
    first = rfm_run(now=now)
    labels = snapshot()
    second = rfm_run(now=now)
    assert snapshot() == labels
    assert (first.cluster_k, first.silhouette) == (second.cluster_k, second.silhouette)


def test_it_marks_a_failed_run_and_keeps_the_previous_scores(shop, now, monkeypatch):
    rfm_run(now=now)
    before = snapshot()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("segmentation.writeback.write_results", broken)
    with pytest.raises(RuntimeError):
        rfm_run(now=now + dt.timedelta(days=30))
    failed = RfmRun.objects.first()
    assert failed.status == RunStatus.FAILED and "disk full" in failed.error
    assert snapshot() == before


def test_it_scores_a_customer_who_joined_since_the_last_run(shop, now):
    rfm_run(now=now)
    newcomer = buy(CustomerFactory(), days_ago=2)
    run = rfm_run(now=now)
    assert current(newcomer).segment in {Segment.CHAMPIONS, Segment.NEW_CUSTOMERS}
    assert current(newcomer).run_id == run.pk
    firsts = SegmentTransition.objects.filter(run=run, from_segment__isnull=True)
    assert [t.customer for t in firsts] == [newcomer]


def test_the_scores_hold_as_of_the_newest_run(shop, now):
    rfm_run(now=now)
    later = rfm_run(now=now + dt.timedelta(days=1))
    best = Customer.objects.select_related("rfm").get(pk=shop["scored"][0].pk)
    assert customer_rfm(best)["scored_at"] == later.as_of.isoformat()
    assert customer_rfm(best)["recency_days"] == 6
    assert current(shop["scored"][0]).recency_days == 6
    assert current(shop["lapsed"]).recency_days == 401


def test_a_day_later_it_rewrites_no_row_when_no_order_came(shop, now):
    first = rfm_run(now=now)
    later = rfm_run(now=now + dt.timedelta(days=1))
    assert later.summary["rows_written"] == 0
    assert CustomerRfm.objects.filter(run=first, scored_at=first.as_of).count() == 12


def test_it_rewrites_exactly_the_rows_that_change(shop, now):
    rfm_run(now=now)
    before = dict((row[0], row) for row in snapshot())
    buy(shop["prospect"], days_ago=1)
    later = rfm_run(now=now + dt.timedelta(days=1))
    after = dict((row[0], row) for row in snapshot())
    changed = {pk for pk in after if after[pk] != before[pk]}
    assert shop["prospect"].pk in changed
    assert (
        set(CustomerRfm.objects.filter(run=later).values_list("pk", flat=True))
        == changed
    )
    assert later.summary["rows_written"] == len(changed)
    assert current(shop["prospect"]).last_order_at == now - dt.timedelta(days=1)
