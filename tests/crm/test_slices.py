"""crm.slices: customers cut into id ranges, read on several connections in one snapshot."""

import itertools
import threading

import psycopg
import pytest
from django.db import connection

from crm.models import Customer
from crm.slices import customer_ranges, in_slices
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_ranges_cover_every_customer_once(postgres_only):
    ids = sorted(CustomerFactory().pk for _ in range(10))
    ranges = customer_ranges(3, 0)
    assert len(ranges) == 3 and ranges[0][0] == ids[0] and ranges[-1][1] == ids[-1] + 1
    assert all(a[1] == b[0] for a, b in itertools.pairwise(ranges))
    assert customer_ranges(1, 0) is None
    assert customer_ranges(3, 10**9) is None  # fewer customers than that


def test_every_slice_reads_the_snapshot_of_the_start(postgres_only):
    for _ in range(6):
        CustomerFactory()
    ranges = customer_ranges(2, 0)
    written = threading.Barrier(2)
    params = connection.get_connection_params()

    def read(low: int, high: int) -> int:
        if low == ranges[0][0]:
            # Committed by someone else once the slices have started.
            with psycopg.connect(**params, autocommit=True) as other:
                other.execute(
                    "UPDATE crm_customer SET name = 'renamed' WHERE id >= %s AND id < %s",
                    [ranges[1][0], ranges[1][1]],
                )
        written.wait(timeout=10)
        return Customer.objects.filter(
            pk__gte=low, pk__lt=high, name="renamed"
        ).count()

    assert in_slices(read, ranges) == [0, 0]
    assert Customer.objects.filter(name="renamed").count() == 3
