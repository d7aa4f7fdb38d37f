import datetime as dt
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from django_q.models import Schedule

from care.checks import check_q_cluster, q_cluster_errors
from care.models import Campaign, Message
from care.outbox import plan as outbox_plan
from care.studio.dry_run import sweep_preview
from tests.factories import (
    CustomerFactory,
    TicketFactory,
    campaign_with_templates,
    consent,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(
        dt.datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI), tick=False
    ) as t:
        yield t


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def birthday_customers():
    reachable = CustomerFactory(
        external_id="REACH", birthday=dt.date(1990, 11, 30), name="Li"
    )
    consent(reachable)
    CustomerFactory(external_id="SILENT", birthday=dt.date(1990, 11, 30))
    busy = CustomerFactory(external_id="BUSY", birthday=dt.date(1990, 11, 30))
    consent(busy)
    TicketFactory(customer=busy)


def test_the_dry_run_says_who_would_get_what_and_who_is_skipped_and_writes_nothing():
    birthday_customers()
    campaign_with_templates(trigger="birthday", name="Birthday", status="draft")
    output = run("run_triggers", "--dry-run")
    assert "SEND REACH via sms at 2026-11-23 10:00 CST: '您好 Li 回复TD退订'" in output
    assert "SKIP SILENT via sms: no_consent" in output
    assert "SKIP BUSY via sms: care_first" in output
    assert Message.objects.count() == 0


def test_the_dry_run_shows_quiet_hours_deferral(frozen):
    frozen.move_to(dt.datetime(2026, 11, 23, 22, 0, tzinfo=SHANGHAI))
    birthday_customers()
    campaign_with_templates(trigger="birthday")
    assert "WAIT REACH via sms until 2026-11-24 08:00 CST (quiet_hours)" in run(
        "run_triggers", "--dry-run"
    )


def test_the_dry_run_counts_every_message_and_brings_back_only_what_it_shows(
    monkeypatch,
):
    """A whole audience is counted by the database; at most PREVIEW_ROWS rows come
    back to be shown (issue 16: a dry run at 1M customers held a million rows)."""
    monkeypatch.setattr(outbox_plan, "PREVIEW_ROWS", 2)
    for n in range(5):
        consent(CustomerFactory(external_id=f"C{n}", birthday=dt.date(1990, 11, 30)))
    campaign_with_templates(trigger="birthday", name="Birthday", status="draft")
    [(result, lines)] = sweep_preview(now=timezone.now(), limit=50)
    assert (result.planned, result.skipped) == (5, 0)
    assert len(result.rows) == len(lines) == 2
    output = run("run_triggers", "--dry-run", "--limit", "1")
    assert "5 to plan, 0 skipped at planning" in output
    assert "... and 4 more" in output
    assert Message.objects.count() == 0


def test_a_dry_run_limit_out_of_range_is_named():
    with pytest.raises(CommandError, match="--limit must be between 0 and 1000"):
        call_command("run_triggers", "--dry-run", "--limit", "5000")


def test_run_triggers_plans_and_a_second_run_plans_nothing_more():
    birthday_customers()
    campaign = campaign_with_templates(trigger="birthday", slug="bday")
    assert "bday: planned 2, skipped 1, already planned 0" in run("run_triggers")
    assert "bday: planned 0, skipped 0, already planned 3" in run("run_triggers")
    assert Message.objects.filter(campaign=campaign).count() == 3


def test_dispatch_sends_what_is_due_and_reports_counts(sms_outbox):
    birthday_customers()
    campaign_with_templates(trigger="birthday")
    run("run_triggers")
    output = run("dispatch")
    assert "sent: 1" in output and "skipped: 1" in output
    assert run("dispatch") == "Nothing due.\n"


def test_dispatch_refuses_bad_arguments_with_a_clear_message():
    with pytest.raises(CommandError, match="--batch-size"):
        call_command("dispatch", "--batch-size", "0")


def test_setup_schedules_is_idempotent_and_removes_stale_entries_of_ours():
    Schedule.objects.create(
        name="care: old job", func="care.tasks.gone", schedule_type="I", minutes=5
    )
    Schedule.objects.create(
        name="someone else", func="other.task", schedule_type="I", minutes=5
    )
    first = run("setup_schedules")
    assert (
        "created: care-sweep" in first and "removed: care: old job" in first
    )
    assert run("setup_schedules") == "Schedules already up to date.\n"
    names = set(Schedule.objects.values_list("name", flat=True))
    assert names == {
        "care-sweep",
        "care-reconcile",
        "care-alerts",
        "rfm-nightly",
        "someone else",
    }


def test_setup_schedules_updates_a_changed_entry():
    run("setup_schedules")
    Schedule.objects.filter(name="care-reconcile").update(minutes=30)
    assert "updated: care-reconcile" in run("setup_schedules")
    assert Schedule.objects.get(name="care-reconcile").minutes == 1


def test_the_check_refuses_retry_not_longer_than_timeout():
    errors = q_cluster_errors(
        {"timeout": 300, "retry": 300, "workers": 1}, "django.db.backends.postgresql"
    )
    assert [e.id for e in errors] == ["care.E001"]


def test_the_check_refuses_several_workers_on_sqlite():
    errors = q_cluster_errors(
        {"timeout": 300, "retry": 360, "workers": 4}, "django.db.backends.sqlite3"
    )
    assert [e.id for e in errors] == ["care.E002"]


def test_the_default_settings_pass_the_check():
    assert check_q_cluster(None) == []


def test_a_broken_campaign_does_not_stop_the_others(caplog):
    birthday_customers()
    broken = campaign_with_templates(trigger="birthday", slug="broken")
    Campaign.objects.filter(pk=broken.pk).update(
        audience={"no_such_filter": [1]}, params={"days_ahead": "x"}
    )
    campaign_with_templates(trigger="birthday", slug="fine")
    out, err = StringIO(), StringIO()
    call_command("run_triggers", stdout=out, stderr=err)
    assert "broken: failed" in err.getvalue()
    assert "fine: planned 2" in out.getvalue()


def test_setup_schedules_stores_kwargs_as_django_q_reads_them():
    from care.schedules import schedules_install

    entry = {
        "name": "care-x",
        "func": "care.tasks.x",
        "schedule_type": "I",
        "minutes": 5,
        "kwargs": {"window_days": 365},
    }
    schedules_install([entry])
    assert Schedule.objects.get(name="care-x").kwargs == "{'window_days': 365}"
    assert schedules_install([entry]).updated == []
