import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from care.models import Ticket
from care.service.tickets import ticket_upsert
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def customer():
    return CustomerFactory(external_id="C1")


def test_it_creates_an_open_ticket(customer):
    ticket, created = ticket_upsert(
        external_id="T1",
        customer="C1",
        subject="Noisy fridge",
        opened_at="2026-11-01T09:00:00+08:00",
    )
    assert created and ticket.status == "open" and ticket.resolved_at is None


@time_machine.travel(NOW, tick=False)
def test_it_resolves_now_when_no_resolution_time_is_given(customer):
    ticket, _ = ticket_upsert(
        external_id="T1",
        customer="C1",
        subject="x",
        status="resolved",
        opened_at="2026-11-20T09:00:00Z",
    )
    assert ticket.resolved_at == NOW


def test_it_keeps_the_first_resolution_time_when_resent(customer):
    ticket_upsert(
        external_id="T1",
        customer="C1",
        subject="x",
        status="resolved",
        opened_at="2026-11-01T09:00:00Z",
        resolved_at="2026-11-01T10:00:00Z",
    )
    ticket, created = ticket_upsert(external_id="T1", status="resolved", agent="Wang")
    assert not created and ticket.resolved_at == dt.datetime(
        2026, 11, 1, 10, tzinfo=dt.UTC
    )


def test_it_counts_a_reopening_and_clears_the_resolution(customer):
    ticket_upsert(
        external_id="T1",
        customer="C1",
        subject="x",
        status="resolved",
        opened_at="2026-11-01T09:00:00Z",
        resolved_at="2026-11-01T10:00:00Z",
    )
    ticket, _ = ticket_upsert(external_id="T1", status="open")
    assert (ticket.reopened_count, ticket.resolved_at) == (1, None)
    ticket, _ = ticket_upsert(external_id="T1", status="open")
    assert ticket.reopened_count == 1


def test_it_rejects_a_resolution_before_the_opening(customer):
    with pytest.raises(ValidationError) as caught:
        ticket_upsert(
            external_id="T1",
            customer="C1",
            subject="x",
            status="resolved",
            opened_at="2026-11-01T09:00:00Z",
            resolved_at="2026-10-01T10:00:00Z",
        )
    assert set(caught.value.message_dict) == {"resolved_at"}
    assert not Ticket.objects.exists()


def test_it_rejects_an_unknown_status(customer):
    with pytest.raises(ValidationError) as caught:
        ticket_upsert(external_id="T1", customer="C1", subject="x", status="pending")
    assert set(caught.value.message_dict) == {"status"}


def test_it_requires_customer_and_subject_for_a_new_ticket():
    with pytest.raises(ValidationError) as caught:
        ticket_upsert(external_id="T1", status="open")
    assert set(caught.value.message_dict) == {"customer", "subject"}
