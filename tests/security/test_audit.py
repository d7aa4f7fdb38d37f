"""The audit trail: who viewed, exported, erased and changed what, when, from where.

Append-only for everyone, and it outlives an erasure without the person's data.
"""

import json

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from api.services import api_token_create
from audit.models import Action, AppendOnly, AuditEntry
from audit.services import subject_hash
from care.models import Goodwill, RecoveryCase
from care.privacy import customer_erase
from care.service.surveys import survey_answer
from crm.services import consent_record
from tests.factories import CustomerFactory
from tests.surveys.helpers import sent_survey

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def customer(db):
    return CustomerFactory(
        external_id="VIP-1",
        name="王小明",
        phone="+8613800138000",
        email="wxm@example.com",
    )


def entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("id"))


def test_it_records_who_opened_a_customers_page_and_from_where(as_role, customer):
    user, client = as_role("care")
    client.get(
        reverse("admin:crm_customer_change", args=[customer.pk]),
        REMOTE_ADDR="10.1.2.3",
    )
    [entry] = entries(Action.CUSTOMER_VIEW)
    assert (entry.actor, entry.actor_id, entry.ip) == (
        user.username,
        user.pk,
        "10.1.2.3",
    )
    assert entry.target_id == subject_hash("VIP-1")


def test_it_records_exports_and_erasures_by_a_manager(as_role, customer):
    manager, client = as_role("manager")
    client.get(reverse("admin:care_customer_export", args=[customer.pk]))
    client.post(reverse("admin:care_customer_erase", args=[customer.pk]))
    [export] = entries(Action.CUSTOMER_EXPORT)
    [erase] = entries(Action.CUSTOMER_ERASE)
    assert (export.actor, erase.actor) == (manager.username, manager.username)
    assert erase.detail["rows"] > 0


def test_it_records_a_commands_export_with_the_operator(customer, capsys):
    call_command("export_customer", "VIP-1")
    [entry] = entries(Action.CUSTOMER_EXPORT)
    assert entry.actor.startswith("command:export_customer (")


def test_it_records_consent_changes_from_the_api_and_from_services(client, customer):
    _token, raw = api_token_create(name="shop")
    client.put(
        "/api/v1/customers/VIP-1",
        json.dumps(
            {"consents": [{"channel": "sms", "purpose": "marketing", "granted": True}]}
        ),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
        REMOTE_ADDR="192.0.2.7",
    )
    consent_record(
        customer=customer,
        channel="sms",
        purpose="marketing",
        granted=False,
        source="STOP",
    )
    first, second = entries(Action.CONSENT_CHANGE)
    assert (first.actor, first.ip) == ("api:shop", "192.0.2.7")
    assert first.detail == {"channel": "sms", "purpose": "marketing", "granted": True}
    assert (second.actor, second.ip, second.detail["granted"]) == (
        "system",
        None,
        False,
    )


def test_it_keeps_no_address_of_a_customer_on_a_public_page(client, customer):
    from care.content.links import unsubscribe_url

    client.post(unsubscribe_url(customer).replace("http://127.0.0.1:8000", ""))
    [entry] = entries(Action.CONSENT_CHANGE)
    assert (entry.actor, entry.ip) == ("public", None)


def test_the_trail_survives_an_erasure_without_the_persons_data(as_role, customer):
    _user, client = as_role("care")
    client.get(reverse("admin:crm_customer_change", args=[customer.pk]))
    consent_record(
        customer=customer, channel="sms", purpose="service", granted=True, source="POS"
    )
    customer_erase(customer=customer, requested_by="test")
    kept = list(AuditEntry.objects.values())
    assert {e["action"] for e in kept} == {
        Action.CUSTOMER_VIEW,
        Action.CONSENT_CHANGE,
        Action.CUSTOMER_ERASE,
    }
    text = json.dumps(kept, default=str, ensure_ascii=False)
    for personal in ("王小明", "8613800138000", "wxm@example.com", "VIP-1", "POS"):
        assert personal not in text
    assert all(e["target_id"] == subject_hash("VIP-1") for e in kept)


@pytest.fixture
def one_entry(customer) -> AuditEntry:
    consent_record(
        customer=customer, channel="sms", purpose="service", granted=True, source="x"
    )
    return AuditEntry.objects.get()


def test_an_entry_cannot_be_changed_or_deleted_through_the_orm(one_entry):
    entry = one_entry
    entry.actor = "someone else"
    with pytest.raises(AppendOnly):
        entry.save()
    with pytest.raises(AppendOnly):
        entry.delete()
    with pytest.raises(AppendOnly):
        AuditEntry.objects.update(actor="someone else")
    with pytest.raises(AppendOnly):
        AuditEntry.objects.all().delete()


def refused_by_the_database(sql: str) -> None:
    with (
        pytest.raises(DatabaseError),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)


def test_the_database_refuses_to_change_an_entry(one_entry):
    refused_by_the_database("UPDATE audit_auditentry SET actor = 'someone else'")
    assert AuditEntry.objects.get().actor == "system"


def test_the_database_refuses_to_delete_an_entry_on_postgres(postgres_only, one_entry):
    refused_by_the_database("DELETE FROM audit_auditentry")
    assert AuditEntry.objects.count() == 1


def test_not_even_a_superuser_edits_the_trail_in_the_admin(admin_client, customer):
    admin_client.get(reverse("admin:crm_customer_change", args=[customer.pk]))
    entry = AuditEntry.objects.get()
    change = reverse("admin:audit_auditentry_change", args=[entry.pk])
    assert admin_client.post(change, {"actor": "x"}).status_code == 403
    delete = reverse("admin:audit_auditentry_delete", args=[entry.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert admin_client.get(reverse("admin:audit_auditentry_add")).status_code == 403
    assert AuditEntry.objects.count() == 1


def test_goodwill_is_proposed_by_care_and_approved_by_a_manager_on_record(as_role):
    call_command("install_playbooks", "--activate", verbosity=0)
    survey = sent_survey(agent="nobody")
    survey_answer(survey=survey, csat=1)
    case = RecoveryCase.objects.get()
    agent, agent_client = as_role("care")
    manager, manager_client = as_role("manager")
    agent_client.post(
        reverse("admin:care_recoverycase_changelist"),
        {"action": "propose_goodwill", "_selected_action": [case.pk]},
    )
    goodwill = Goodwill.objects.get(case=case)
    approve = {"action": "approve", "_selected_action": [goodwill.pk]}
    agent_client.post(reverse("admin:care_goodwill_changelist"), approve)
    goodwill.refresh_from_db()
    assert goodwill.approved_at is None
    manager_client.post(reverse("admin:care_goodwill_changelist"), approve)
    goodwill.refresh_from_db()
    assert goodwill.approved_by == manager
    trail = AuditEntry.objects.filter(target_type="goodwill").order_by("id")
    assert [(e.action, e.actor) for e in trail] == [
        (Action.GOODWILL_PROPOSE, agent.username),
        (Action.GOODWILL_APPROVE, manager.username),
    ]


def test_behind_a_proxy_it_keeps_the_address_the_proxy_saw(as_role, customer, settings):
    settings.AUDIT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    _user, client = as_role("care")
    url = reverse("admin:crm_customer_change", args=[customer.pk])
    client.get(url, HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    client.get(url, HTTP_X_FORWARDED_FOR="not an address", REMOTE_ADDR="")
    assert [e.ip for e in entries(Action.CUSTOMER_VIEW)] == ["203.0.113.9", None]
