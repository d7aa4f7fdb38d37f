"""The write back: segment changes taken from the stored rows as they were,
whichever statements record them (PostgreSQL: one statement with the rewrite)."""

import datetime as dt

from crm.models import Customer
from segmentation import storage
from segmentation.models import CustomerRfm, Segment, SegmentTransition
from segmentation.services import rfm_run
from tests.factories import CustomerFactory
from tests.segmentation.conftest import buy
from tests.segmentation.test_runs import snapshot


def test_it_records_a_move_from_a_segment_this_version_does_not_know(shop, now):
    rfm_run(now=now)
    prospect = shop["prospect"]
    # A row written by another version, under a segment this one has no code for.
    CustomerRfm.objects.filter(customer=prospect).update(
        segment="legacy_vip", fingerprint=0
    )
    run = rfm_run(now=now)
    move = SegmentTransition.objects.get(run=run)
    assert (move.customer_id, move.from_segment) == (prospect.pk, "legacy_vip")
    assert move.to_segment == Segment.PROSPECT
    assert CustomerRfm.objects.get(customer=prospect).segment == Segment.PROSPECT


def test_it_records_the_move_of_a_row_whose_segment_was_stored(shop, now):
    rfm_run(now=now)
    prospect = shop["prospect"]
    buy(prospect, days_ago=1)
    run = rfm_run(now=now + dt.timedelta(days=1))
    move = SegmentTransition.objects.get(run=run, customer=prospect)
    assert move.from_segment == Segment.PROSPECT
    assert move.to_segment == CustomerRfm.objects.get(customer=prospect).segment
    assert move.to_segment != Segment.PROSPECT
    assert run.transitions == SegmentTransition.objects.filter(run=run).count()


def test_a_customer_deleted_after_the_stored_rows_were_read_gets_no_move(
    shop, now, monkeypatch
):
    rfm_run(now=now)
    prospect = shop["prospect"]
    buy(prospect, days_ago=1)  # their row changes, and their segment

    def read_then_delete(segments):
        stored = storage.read_stored(segments)
        Customer.objects.filter(pk=prospect.pk).delete()
        return stored

    monkeypatch.setattr("segmentation.writeback.read_stored", read_then_delete)
    run = rfm_run(now=now + dt.timedelta(days=1))
    assert not SegmentTransition.objects.filter(customer_id=prospect.pk).exists()
    assert not CustomerRfm.objects.filter(customer_id=prospect.pk).exists()
    assert run.transitions == SegmentTransition.objects.filter(run=run).count()


def test_it_scores_and_clusters_the_same_whatever_order_the_aggregate_came_in(
    db, now, monkeypatch
):
    for i in range(60):
        buy(CustomerFactory(), days_ago=1 + (i * 11) % 300, total=f"{10 + i * 7}.00")
    first = rfm_run(now=now)
    expected = snapshot()
    CustomerRfm.objects.all().delete()
    for name in ("_fetch", "_copy_out"):
        read = getattr(storage, name)

        def reversed_rows(*args, read=read, **kwargs):
            return [column[::-1] for column in read(*args, **kwargs)]

        monkeypatch.setattr(storage, name, reversed_rows)
    second = rfm_run(now=now)
    assert snapshot() == expected
    assert (second.cluster_k, second.silhouette) == (first.cluster_k, first.silhouette)
