"""The RFM run's aggregate read in slices of the customers, on several
connections in one snapshot (issue 16). PostgreSQL only, committed data."""

import datetime as dt
import threading
from unittest import mock

import numpy as np
import pytest

from crm import slices
from segmentation import storage
from segmentation.models import CustomerRfm
from segmentation.services import rfm_run

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sliced(settings, postgres_only):
    settings.RFM_CONNECTIONS = 3
    settings.RFM_SLICE_ABOVE = 0  # slice whatever the shop's size
    return settings


def aggregate(now: dt.datetime) -> storage.Aggregate:
    return storage.fetch_aggregate(
        now=now, start=now - dt.timedelta(days=365), advance=lambda n: None
    )


def scores() -> list[tuple]:
    return list(
        CustomerRfm.objects.order_by("customer_id").values_list(
            "customer_id", "last_order_at", "frequency", "monetary",
            "r_score", "f_score", "m_score", "segment",
        )
    )


def test_the_aggregate_in_slices_is_the_aggregate_in_one_statement(sliced, shop, now):
    sliced.RFM_CONNECTIONS = 1
    whole = aggregate(now)
    sliced.RFM_CONNECTIONS = 3
    threads = set()
    real = storage._aggregate_copy

    def spy(*args):
        threads.add(threading.current_thread().name)
        return real(*args)

    with mock.patch.object(storage, "_aggregate_copy", spy):
        parts = aggregate(now)
    assert len(threads) == 3 and all(name.startswith("slice") for name in threads)
    assert whole.customer_ids.shape == (12,)
    for name in ("customer_ids", "last_order_us", "recency_days", "frequency", "cents"):
        assert np.array_equal(getattr(parts, name), getattr(whole, name)), name


def test_a_run_in_slices_scores_the_shop_as_a_run_in_one_statement(sliced, shop, now):
    rfm_run(now=now)
    in_slices = scores()
    best = CustomerRfm.objects.get(customer=shop["scored"][0])
    assert (best.r_score, best.f_score, best.m_score) == (5, 5, 5)
    CustomerRfm.objects.all().delete()
    sliced.RFM_CONNECTIONS = 1
    rfm_run(now=now)
    assert scores() == in_slices and len(in_slices) == 12


def test_inside_a_transaction_the_aggregate_is_one_statement(sliced, shop, now):
    from django.db import transaction

    with transaction.atomic(), mock.patch.object(slices, "in_slices") as spy:
        found = aggregate(now)
    spy.assert_not_called()
    assert found.customer_ids.shape == (12,)
