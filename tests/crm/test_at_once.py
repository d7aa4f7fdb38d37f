"""New customers are written in one statement on PostgreSQL (crm.services.at_once)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import Action, AuditEntry
from audit.services import subject_hash
from crm.models import Consent, Customer
from crm.services import customer_batch, customers_upsert_batch
from tests.factories import consent

pytestmark = pytest.mark.django_db


def decision(channel: str, granted: bool) -> dict:
    return {"channel": channel, "purpose": "marketing", "granted": granted}


def test_new_customers_consents_and_audit_entries_go_in_one_statement(postgres_only):
    items = [
        {"external_id": "C1", "name": "Li", "consents": [decision("sms", True)]},
        {
            "external_id": "C2",
            "consents": [decision("sms", True), decision("email", False)],
        },
    ]
    with CaptureQueriesContext(connection) as captured:
        results = customers_upsert_batch(items=items, consent_source="api:shop")
    writes = [
        q["sql"]
        for q in captured
        if not q["sql"].startswith(("SELECT", "SAVEPOINT", "RELEASE"))
    ]
    assert len(writes) == 1 and writes[0].startswith("WITH"), writes
    assert [r.status for r in results] == [201, 201]
    c1, c2 = (Customer.objects.get(external_id=i) for i in ("C1", "C2"))
    assert [r.obj.pk for r in results] == [c1.pk, c2.pk]
    assert c1.name == "Li"
    assert sorted(
        Consent.objects.values_list("customer_id", "channel", "granted", "source")
    ) == sorted(
        [
            (c1.pk, "sms", True, "api:shop"),
            (c2.pk, "sms", True, "api:shop"),
            (c2.pk, "email", False, "api:shop"),
        ]
    )
    assert [(c.channel, c.granted) for c in results[1].consents] == [
        ("email", False),
        ("sms", True),
    ]
    assert sorted(
        AuditEntry.objects.filter(action=Action.CONSENT_CHANGE).values_list(
            "target_id", flat=True
        )
    ) == sorted([subject_hash("C1"), subject_hash("C2"), subject_hash("C2")])


def test_a_new_customer_inserted_meanwhile_is_updated_and_nothing_is_written_twice(
    monkeypatch,
):
    """Another request inserted the customer between our look-up and our insert."""
    customers_upsert_batch(
        items=[
            {"external_id": "C1", "name": "First", "consents": [decision("sms", True)]}
        ]
    )
    real, calls = customer_batch._unchanged, []

    def stale(items, related=()):
        calls.append(items)
        if len(calls) == 1:
            return [], items, []  # as read before the other request's insert
        return real(items, related)

    monkeypatch.setattr(customer_batch, "_unchanged", stale)
    [result] = customers_upsert_batch(
        items=[
            {
                "external_id": "C1",
                "name": "Second",
                "consents": [decision("sms", False)],
            },
            {"external_id": "C2", "name": "New"},
        ]
    )[:1]
    assert result.status == 200
    assert Customer.objects.get(external_id="C1").name == "Second"
    assert Customer.objects.filter(external_id="C2").count() == 1
    assert list(Consent.objects.order_by("id").values_list("granted", flat=True)) == [
        True,
        False,
    ]
    assert AuditEntry.objects.filter(action=Action.CONSENT_CHANGE).count() == 2


def test_the_newest_decision_on_file_is_current_and_a_tie_goes_to_the_later_row():
    at = "2026-11-20T10:00:00+08:00"
    customers_upsert_batch(items=[{"external_id": "C1", "name": "Li"}])
    customer = Customer.objects.get()
    tie, older = (dt.datetime(2026, 11, d, 2, tzinfo=dt.UTC) for d in (20, 1))
    # At the same time the later row wins; the oldest row comes last by id.
    for granted, recorded_at in ((True, tie), (False, tie), (True, older)):
        consent(customer, granted=granted, at=recorded_at)
    # The current decision is "withdrawn": saying so again adds nothing.
    [same] = customers_upsert_batch(
        items=[{"external_id": "C1", "consents": [decision("sms", False)]}]
    )
    assert same.status == 200 and Consent.objects.count() == 3
    assert [c.granted for c in same.consents] == [False]
    # Resending the grant on file (its own time, 10:00 +08:00): nothing either.
    resent = {**decision("sms", True), "recorded_at": at}
    customers_upsert_batch(items=[{"external_id": "C1", "consents": [resent]}])
    assert Consent.objects.count() == 3
    # A new grant is news.
    customers_upsert_batch(
        items=[{"external_id": "C1", "consents": [decision("sms", True)]}]
    )
    assert Consent.objects.count() == 4
