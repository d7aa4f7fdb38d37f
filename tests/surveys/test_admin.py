import datetime as dt

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone

from care.models import Goodwill, RecoveryCase
from care.service.surveys import survey_answer
from tests.surveys.helpers import sent_survey

pytestmark = pytest.mark.usefixtures("playbooks", "frozen")


@pytest.fixture
def case() -> RecoveryCase:
    survey = sent_survey(agent="nobody")
    survey_answer(survey=survey, csat=1, comment="Cold food")
    return RecoveryCase.objects.get()


@pytest.fixture
def staff(client, django_user_model):
    user = django_user_model.objects.create_user("carla", is_staff=True)
    for codename in ("view_recoverycase", "change_recoverycase", "view_survey"):
        user.user_permissions.add(Permission.objects.get(codename=codename))
    Group.objects.get_or_create(name="care")[0].user_set.add(user)
    client.force_login(user)
    return user


def test_my_cases_lists_the_queues_cases_and_marks_overdue_ones(
    client, staff, case, frozen
):
    frozen.shift(dt.timedelta(hours=2))
    html = client.get(reverse("admin:care_recoverycase_mine")).content.decode()
    assert f"#{case.pk}" in html and "Cold food" in html
    assert 'class="overdue"' in html


def test_take_resolve_and_escalate_from_my_cases(client, staff, case):
    url = reverse("admin:care_recoverycase_mine")
    client.post(url, {"case": case.pk, "action": "take"})
    case.refresh_from_db()
    assert case.assignee == staff
    client.post(url, {"case": case.pk, "action": "resolve", "note": "Refunded"})
    case.refresh_from_db()
    assert case.status == "resolved" and "Refunded" in case.notes


def test_escalate_from_my_cases(client, staff, case):
    client.post(
        reverse("admin:care_recoverycase_mine"), {"case": case.pk, "action": "escalate"}
    )
    case.refresh_from_db()
    assert case.queue == "managers"


def test_a_bad_action_is_reported_not_a_500(client, staff, case):
    response = client.post(
        reverse("admin:care_recoverycase_mine"),
        {"case": "x", "action": "burn"},
        follow=True,
    )
    assert response.status_code == 200
    assert "Unknown case or action." in response.content.decode()


def test_the_case_list_marks_overdue_cases(admin_client, case, frozen):
    frozen.shift(dt.timedelta(hours=2))
    html = admin_client.get(
        reverse("admin:care_recoverycase_changelist")
    ).content.decode()
    assert "overdue" in html


def test_the_reports_page_shows_the_figures(admin_client, case):
    html = admin_client.get(reverse("admin:care_survey_reports")).content.decode()
    assert "CSAT (share of 4-5)" in html
    assert '<div class="value">0%</div>' in html  # one answer, a 1: CSAT 0%


def test_the_reports_page_filters_and_survives_bad_input(admin_client, case):
    url = reverse("admin:care_survey_reports")
    assert (
        admin_client.get(url, {"agent": "nobody", "channel": "sms"}).status_code == 200
    )
    response = admin_client.get(
        url, {"start": "tomorrow", "end": "2026-01-01", "channel": "fax"}
    )
    assert response.status_code == 200
    assert "Enter a valid date." in response.content.decode()


def test_the_reports_page_in_chinese(admin_client, case):
    admin_client.cookies["django_language"] = "zh-hans"
    html = admin_client.get(
        reverse("admin:care_survey_reports"), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert "服务报表" in html and "首次接触解决率" in html


def test_the_customer_page_shows_surveys_answers_and_cases(admin_client, case):
    html = admin_client.get(
        reverse("admin:crm_customer_change", args=[case.customer_id])
    ).content.decode()
    assert "Surveys and answers" in html and "Cold food" in html
    assert "Recovery cases" in html and f"#{case.pk}" in html


def test_the_goodwill_approval_action_refuses_the_proposer(
    admin_client, case, django_user_model
):
    admin = django_user_model.objects.get(username="admin")
    Goodwill.objects.create(case=case, proposed_by=admin, proposed_at=timezone.now())
    response = admin_client.post(
        reverse("admin:care_goodwill_changelist"),
        {"action": "approve", "_selected_action": [case.goodwill.pk]},
        follow=True,
    )
    assert "someone other than its proposer" in response.content.decode()
    case.goodwill.refresh_from_db()
    assert case.goodwill.approved_at is None


def test_bulk_actions_take_and_propose_goodwill(admin_client, case, django_user_model):
    url = reverse("admin:care_recoverycase_changelist")
    response = admin_client.post(
        url, {"action": "take", "_selected_action": [case.pk]}, follow=True
    )
    assert "Took 1 case(s)." in response.content.decode()
    admin_client.post(
        url, {"action": "propose_goodwill", "_selected_action": [case.pk]}
    )
    case.refresh_from_db()
    assert case.assignee.username == "admin"
    assert case.goodwill.proposed_by == case.assignee


def test_a_manager_approves_a_colleagues_goodwill_in_the_admin(
    client, case, django_user_model
):
    proposer = django_user_model.objects.create_user("agent")
    Goodwill.objects.create(case=case, proposed_by=proposer, proposed_at=timezone.now())
    manager = django_user_model.objects.create_user("boss", is_staff=True)
    for codename in ("view_goodwill", "change_goodwill", "approve_goodwill"):
        manager.user_permissions.add(Permission.objects.get(codename=codename))
    client.force_login(manager)
    client.post(
        reverse("admin:care_goodwill_changelist"),
        {"action": "approve", "_selected_action": [case.goodwill.pk]},
    )
    case.goodwill.refresh_from_db()
    assert case.goodwill.approved_by == manager
    assert case.goodwill.message.trigger == "goodwill"
