"""Each role's pages in the admin: what it can open and what it is refused.

The roles are the groups of migration care 0010; docs/admin.md has the table
this test checks.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from audit.models import AuditEntry
from care.models import RecoveryCase
from care.service.surveys import survey_answer
from tests.factories import CustomerFactory, approved, campaign_with_templates
from tests.security.conftest import act
from tests.surveys.helpers import sent_survey

MORNING = dt.datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

ROLES = ("care", "senior", "marketer", "manager")
OK, DENIED = 200, 403

# page: (url name, needs the customer's id) -> expected status per role, in ROLES order.
PAGES = {
    "customer list": ("admin:crm_customer_changelist", False, (OK, OK, DENIED, OK)),
    "customer page": ("admin:crm_customer_change", True, (OK, OK, DENIED, OK)),
    "my cases": ("admin:care_recoverycase_mine", False, (OK, OK, DENIED, OK)),
    "care reports": ("admin:care_survey_reports", False, (OK, OK, DENIED, OK)),
    "tickets": ("admin:care_ticket_changelist", False, (OK, OK, DENIED, OK)),
    "surveys": ("admin:care_survey_changelist", False, (OK, OK, DENIED, OK)),
    "recovery cases": (
        "admin:care_recoverycase_changelist",
        False,
        (OK, OK, DENIED, OK),
    ),
    "goodwill": ("admin:care_goodwill_changelist", False, (OK, OK, DENIED, OK)),
    "message log": ("admin:care_message_changelist", False, (OK, OK, DENIED, OK)),
    "campaigns": ("admin:care_campaign_changelist", False, (OK, OK, OK, OK)),
    "new campaign": ("admin:care_campaign_add", False, (DENIED, DENIED, OK, DENIED)),
    "new offer": ("admin:care_offer_add", False, (DENIED, DENIED, OK, DENIED)),
    "segment overview": (
        "admin:segmentation_rfmrun_overview",
        False,
        (DENIED, DENIED, OK, OK),
    ),
    "segment rules": (
        "admin:segmentation_segmentrule_changelist",
        False,
        (DENIED, DENIED, OK, OK),
    ),
    "export a customer": (
        "admin:care_customer_export",
        True,
        (DENIED, DENIED, DENIED, OK),
    ),
    "erase a customer": (
        "admin:care_customer_erase",
        True,
        (DENIED, DENIED, DENIED, OK),
    ),
    "audit trail": (
        "admin:audit_auditentry_changelist",
        False,
        (DENIED, DENIED, DENIED, OK),
    ),
    "operations status": (
        "admin:care_operations_status",
        False,
        (DENIED, DENIED, DENIED, OK),
    ),
    "heartbeats": (
        "admin:care_heartbeat_changelist",
        False,
        (DENIED, DENIED, DENIED, OK),
    ),
    "incidents": (
        "admin:care_incident_changelist",
        False,
        (DENIED, DENIED, DENIED, OK),
    ),
}
CASES = [
    pytest.param(role, page, expected[ROLES.index(role)], id=f"{role}-{page}")
    for page, (_name, _customer, expected) in PAGES.items()
    for role in ROLES
]


@pytest.mark.parametrize(("role", "page", "expected"), CASES)
def test_it_opens_or_refuses_each_page_by_role(as_role, role, page, expected):
    customer = CustomerFactory()
    name, with_customer, _ = PAGES[page]
    url = reverse(name, args=[customer.pk] if with_customer else [])
    _user, client = as_role(role)
    assert client.get(url).status_code == expected


def test_it_shows_the_export_and_erase_links_to_managers_only(as_role):
    customer = CustomerFactory()
    url = reverse("admin:crm_customer_change", args=[customer.pk])
    export = reverse("admin:care_customer_export", args=[customer.pk])
    _care, care_client = as_role("care")
    _manager, manager_client = as_role("manager")
    assert export not in care_client.get(url).text
    assert export in manager_client.get(url).text


def test_a_marketer_can_neither_export_nor_erase_a_customer(as_role):
    customer = CustomerFactory(name="王小明")
    _user, client = as_role("marketer")
    export = client.get(reverse("admin:care_customer_export", args=[customer.pk]))
    erase = client.post(reverse("admin:care_customer_erase", args=[customer.pk]))
    assert (export.status_code, erase.status_code) == (DENIED, DENIED)
    assert "王小明" not in export.text
    customer.refresh_from_db()  # still there


def test_care_staff_can_neither_edit_nor_steer_a_campaign(as_role):
    campaign = campaign_with_templates(status="active", name="Birthday")
    _user, client = as_role("care")
    page = client.get(reverse("admin:care_campaign_change", args=[campaign.pk]))
    assert page.status_code == OK and 'name="_save"' not in page.text
    edit = client.post(
        reverse("admin:care_campaign_change", args=[campaign.pk]), {"name": "X"}
    )
    assert edit.status_code == DENIED
    act(client, "pause", campaign)
    campaign.refresh_from_db()
    assert (campaign.name, campaign.status) == ("Birthday", "active")


def test_a_manager_reads_but_never_changes_the_audit_trail(as_role):
    manager, client = as_role("manager")
    client.get(reverse("admin:crm_customer_change", args=[CustomerFactory().pk]))
    entry = AuditEntry.objects.get()
    change = reverse("admin:audit_auditentry_change", args=[entry.pk])
    assert client.get(change).status_code == OK
    assert client.post(change, {"actor": "someone else"}).status_code == DENIED
    delete = reverse("admin:audit_auditentry_delete", args=[entry.pk])
    assert client.post(delete, {"post": "yes"}).status_code == DENIED
    assert client.get(reverse("admin:audit_auditentry_add")).status_code == DENIED
    entry.refresh_from_db()
    assert entry.actor == manager.username


@pytest.fixture
def senior_case(db):
    """A low answer whose case waits in the senior queue (on a Shanghai
    morning: at night the survey would wait for the quiet hours to end)."""
    with time_machine.travel(MORNING, tick=False):
        call_command("install_playbooks", "--activate", verbosity=0)
        survey = sent_survey(agent="nobody")
        survey_answer(survey=survey, csat=1)
        case = RecoveryCase.objects.get()
        RecoveryCase.objects.filter(pk=case.pk).update(queue="senior")
        yield case


def test_only_senior_care_and_managers_work_the_senior_queue(as_role, senior_case):
    mine = reverse("admin:care_recoverycase_mine")
    cases = reverse("admin:care_recoverycase_changelist")
    _care, care_client = as_role("care")
    senior, senior_client = as_role("senior")
    _manager, manager_client = as_role("manager")
    assert f"#{senior_case.pk}" not in care_client.get(mine).text
    assert care_client.get(cases).context["cl"].result_count == 0
    care_client.post(mine, {"case": senior_case.pk, "action": "take"})
    senior_case.refresh_from_db()
    assert senior_case.assignee is None
    assert f"#{senior_case.pk}" in senior_client.get(mine).text
    assert manager_client.get(cases).context["cl"].result_count == 1
    senior_client.post(mine, {"case": senior_case.pk, "action": "take"})
    senior_case.refresh_from_db()
    assert senior_case.assignee == senior


# action: (status before, status after when allowed, roles allowed)
ACTIONS = {
    "submit_for_approval": ("draft", "awaiting_approval", {"marketer"}),
    "approve": ("awaiting_approval", "active", {"manager"}),
    "pause": ("active", "paused", {"marketer", "manager"}),
    "activate": ("paused", "active", {"marketer", "manager"}),
    "archive": ("draft", "archived", {"marketer", "manager"}),
    "test_send": ("draft", "draft", {"marketer", "manager"}),
}
ACTION_CASES = [
    pytest.param(role, action, role in ACTIONS[action][2], id=f"{role}-{action}")
    for action in ACTIONS
    for role in ROLES
]


@pytest.mark.parametrize(("role", "action", "allowed"), ACTION_CASES)
def test_it_offers_and_runs_each_campaign_action_by_role(
    as_role, mailoutbox, role, action, allowed
):
    author, _ = as_role("marketer", "author")
    before, after, _roles = ACTIONS[action]
    campaign = approved(
        campaign_with_templates(status=before, created_by=author, edited_by=author)
    )
    _user, client = as_role(role)
    listing = client.get(reverse("admin:care_campaign_changelist")).text
    assert (f'<option value="{action}">' in listing) is allowed
    act(client, action, campaign)
    campaign.refresh_from_db()
    assert campaign.status == (after if allowed else before)
    assert len(mailoutbox) == (1 if allowed and action == "test_send" else 0)
