"""The admin status page, its index panel and the alert banner: who sees them, what they say."""

import datetime as dt
import itertools

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from care.models import Incident, MessageStatus, Reason
from tests.factories import MessageFactory
from tests.operations.conftest import MORNING, beat, managers_group
from tests.operations.helpers import (
    recovery_case,
    resolved_ticket,
    survey_campaign,
    survey_message,
)

pytestmark = pytest.mark.django_db
STATUS = reverse("admin:care_operations_status")
SERIAL = itertools.count()


def trouble(rows: int) -> None:
    """`rows` of everything the page shows."""
    campaign = survey_campaign()
    for n in (next(SERIAL) for _ in range(rows)):
        MessageFactory(send_after=MORNING - dt.timedelta(minutes=n + 1))
        MessageFactory(status=MessageStatus.DEFERRED, reason=Reason.QUIET_HOURS)
        MessageFactory(
            status=MessageStatus.FAILED,
            reason=Reason.PERMANENT_ERROR,
            error_code="21211",
        )
        MessageFactory(status=MessageStatus.SENT, sent_at=MORNING)
        survey_message(campaign, resolved_ticket(50), MessageStatus.PLANNED)
        survey_message(
            campaign, resolved_ticket(50), MessageStatus.DEFERRED, Reason.QUIET_HOURS
        )
        resolved_ticket(55)
        recovery_case(first_due_minutes=-5)
        beat(f"dispatch@host-{n}", MORNING)
        Incident.objects.create(
            kind="case_overdue",
            subject=f"case:{n}",
            key=f"case_overdue:case:{n}",
            detail={
                "case": n,
                "ticket": "T1",
                "queue": "care",
                "due": MORNING.isoformat(),
            },
            opened_at=MORNING,
        )


def scheduler_incident(state: str, minutes: int) -> Incident:
    return Incident.objects.create(
        kind="scheduler_late",
        subject="scheduler",
        key="scheduler_late:scheduler",
        detail={"state": state, "jobs": [{"job": "sweep", "minutes": minutes}]},
        opened_at=MORNING,
    )


def queries(client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_the_page_costs_as_many_queries_for_30_rows_as_for_3(manager_client, frozen):
    trouble(3)
    few = queries(manager_client, STATUS)
    trouble(27)
    assert queries(manager_client, STATUS) == few


def test_the_index_costs_as_many_queries_with_many_incidents(manager_client, frozen):
    trouble(2)
    few = queries(manager_client, reverse("admin:index"))
    trouble(20)
    assert queries(manager_client, reverse("admin:index")) == few


def test_a_manager_sees_the_queue_surveys_and_cases(manager_client, frozen):
    campaign = survey_campaign()
    late = resolved_ticket(50)
    quiet = resolved_ticket(52)
    survey_message(
        campaign,
        quiet,
        MessageStatus.DEFERRED,
        Reason.QUIET_HOURS,
        send_after=MORNING + dt.timedelta(hours=22),
    )
    case = recovery_case(first_due_minutes=-20)
    MessageFactory(
        status=MessageStatus.FAILED, reason=Reason.PERMANENT_ERROR, error_code="21610"
    )
    MessageFactory(send_after=MORNING - dt.timedelta(minutes=12))
    beat("care-sweep", MORNING, {"planned": 0})
    beat("care-reconcile", MORNING, {})
    response = manager_client.get(STATUS)
    page = response.content.decode()
    o = response.context["o"]
    assert o.queue.due_now == 1 and o.queue.deferred_by_reason == [("quiet_hours", 1)]
    assert [s.ticket_ref for s in o.surveys_alerting] == [late.external_id]
    assert [s.ticket_ref for s in o.surveys_quiet] == [quiet.external_id]
    assert late.external_id in page and quiet.external_id in page
    assert f"#{case.pk}" in page and "21610" in page and "12 min" in page
    # Fresh heartbeats that did no work: "no work", not "no cluster".
    assert "planned: 0" in page and "nothing to do" in page


def test_someone_without_the_permission_gets_403(client, frozen):
    marketer = User.objects.create_user("mark", password="pw", is_staff=True)
    marketer.user_permissions.add(Permission.objects.get(codename="view_message"))
    client.force_login(marketer)
    assert client.get(STATUS).status_code == 403
    index = client.get(reverse("admin:index")).content.decode()
    assert 'id="operations-panel"' not in index


def test_an_operator_given_the_permission_sees_it(client, frozen):
    operator = User.objects.create_user("olga", password="pw", is_staff=True)
    operator.user_permissions.add(Permission.objects.get(codename="view_operations"))
    client.force_login(operator)
    assert client.get(STATUS).status_code == 200


def test_the_index_panel_shows_the_scheduler_and_open_alerts(manager_client, frozen):
    scheduler_incident("stopped", 20)
    index = manager_client.get(reverse("admin:index")).content.decode()
    assert 'id="operations-panel"' in index
    assert "Scheduler stopped: Sweep (planning) not seen for 20 min" in index
    assert 'id="operations-banner"' in index  # on every admin page


def test_the_banner_is_gone_once_the_incident_closes(manager_client, frozen):
    incident = Incident.objects.create(
        kind="channel_failing",
        subject="sms",
        key="channel_failing:sms",
        detail={"channel": "sms", "failures": 9, "attempts": 10, "percent": 90},
        opened_at=MORNING,
    )
    page = manager_client.get(reverse("admin:care_incident_changelist"))
    assert "sms failing: 9 of 10 tries" in page.content.decode()
    incident.closed_at = MORNING
    incident.save()
    page = manager_client.get(reverse("admin:care_incident_changelist"))
    assert 'id="operations-banner"' not in page.content.decode()


def test_the_migration_gives_managers_the_status_page_and_its_lists(db):
    Group.objects.filter(name="managers").delete()
    group = managers_group()
    assert set(group.permissions.values_list("codename", flat=True)) == {
        "view_operations",
        "view_heartbeat",
        "view_incident",
    }


def test_the_page_and_the_alert_titles_speak_chinese(manager_client, frozen):
    scheduler_incident("late", 7)
    page = manager_client.get(STATUS, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "运行状态" in page and "可能超过一小时未发出的回访" in page
    assert "调度器延迟：扫描（计划消息） 已 7 分钟未运行" in page
