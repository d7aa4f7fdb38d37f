"""crm.prepared: a queryset compiled once answers like the queryset itself."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.models import Consent, Customer
from crm.prepared import MAX_PREPARED_VALUES, Prepared
from tests.factories import ConsentFactory, CustomerFactory

pytestmark = pytest.mark.django_db


def test_it_answers_like_the_queryset_for_other_values_of_each_length():
    customers = [CustomerFactory(external_id=f"C{i}", name=f"N{i}") for i in range(4)]
    read = Prepared(
        lambda ids, names: (
            Customer.objects.filter(external_id__in=ids)
            .exclude(name__in=names)
            .order_by("pk")
        ),
        kinds=[str, str],
    )
    for ids, names in [(["C0", "C1"], ["N1"]), (["C2", "C3"], ["N3"]), (["C3"], [])]:
        expected = list(
            Customer.objects.filter(external_id__in=ids)
            .exclude(name__in=names)
            .order_by("pk")
        )
        got = read(ids, names)
        assert got == expected
        assert [(c.name, c.created_at) for c in got] == [
            (c.name, c.created_at) for c in expected
        ]
    assert customers[0].pk not in [c.pk for c in read(["C1"], [])]


def test_it_fills_what_select_related_loads_without_another_query():
    consent = ConsentFactory(customer=CustomerFactory(external_id="C1"))
    read = Prepared(
        lambda pks: Consent.objects.select_related("customer").filter(pk__in=pks),
        kinds=[int],
    )
    read([0])  # compiled
    with CaptureQueriesContext(connection) as captured:
        [got] = read([consent.pk])
        assert (
            got.customer.external_id == "C1" and got.recorded_at == consent.recorded_at
        )
    assert len(captured) == 1


def test_long_lists_run_as_the_queryset():
    CustomerFactory(external_id="C1")
    read = Prepared(
        lambda ids: Customer.objects.filter(external_id__in=ids), kinds=[str]
    )
    ids = ["C1", *(f"X{i}" for i in range(MAX_PREPARED_VALUES))]
    assert [c.external_id for c in read(ids)] == ["C1"]
    assert not read._compiled


def test_a_value_that_does_not_reach_the_sql_as_a_parameter_is_refused():
    read = Prepared(lambda ids: Customer.objects.filter(pk__in=[1]), kinds=[int])
    with pytest.raises(ValueError, match="parameter"):
        read([5])
