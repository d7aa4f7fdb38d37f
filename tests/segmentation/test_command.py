import io

import pytest
import time_machine
from django.core.management import CommandError, call_command

from segmentation.models import CustomerRfm, RfmRun
from tests.segmentation.conftest import NOW


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_it_scores_everyone_and_reports_the_run(shop, frozen):
    out, err = io.StringIO(), io.StringIO()
    call_command("rfm_score", stdout=out, stderr=err)
    assert "10 scored, 2 labelled, 12 segment changes" in out.getvalue()
    assert "Reading orders: 12/12" in err.getvalue()
    assert CustomerRfm.objects.count() == 12


def test_it_takes_the_window_from_the_command_line(shop, frozen):
    call_command("rfm_score", "--window-days", "500", "--no-progress", stdout=io.StringIO())
    assert RfmRun.objects.get().window_days == 500
    assert not CustomerRfm.objects.filter(segment="lapsed").exists()


@pytest.mark.parametrize("value", ["0", "abc", "-3", "99999999"])
def test_it_refuses_a_bad_window_in_one_line(db, value):
    with pytest.raises(CommandError) as error:
        call_command("rfm_score", "--window-days", value, stdout=io.StringIO())
    assert "--window-days" in str(error.value) and "\n" not in str(error.value)
    assert not RfmRun.objects.exists()


def test_the_nightly_schedule_is_declared():
    from config.schedules import SCHEDULES

    entry = next(e for e in SCHEDULES if e["name"] == "rfm-nightly")
    assert entry["schedule_type"] == "C" and entry["cron"]
    # care's wrapper (with a heartbeat) runs segmentation's scoring.
    assert entry["func"] == "care.tasks.rfm_score_task"


def test_the_task_runs_a_scoring(shop, frozen):
    from segmentation.tasks import rfm_score_task

    run_id = rfm_score_task()
    assert RfmRun.objects.get(pk=run_id).customers_scored == 10
