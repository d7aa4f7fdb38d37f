"""A manager's look at the operations status in a real headless Chromium."""

import datetime as dt

import pytest
from django.utils import timezone

from care.models import MessageStatus, Reason
from care.operations.alerts import alerts_evaluate
from tests.admin.test_browser import chromium_page, pytestmark  # noqa: F401
from tests.operations.conftest import PULSE_NAMES, beat
from tests.operations.helpers import resolved_ticket, survey_campaign, survey_message


@pytest.mark.django_db(transaction=True)
def test_a_manager_sees_the_alert_follows_it_and_reads_the_late_survey(
    live_server, manager
):
    now = timezone.now()
    for name in PULSE_NAMES:
        beat(name, now - dt.timedelta(minutes=20))  # the cluster stopped
    campaign = survey_campaign()
    late = resolved_ticket(50)
    quiet = resolved_ticket(50)
    survey_message(campaign, quiet, MessageStatus.DEFERRED, Reason.QUIET_HOURS)
    alerts_evaluate(now=now)
    with chromium_page() as page:
        page.goto(f"{live_server.url}/admin/login/?next=/admin/")
        page.fill("#id_username", "mona")
        page.fill("#id_password", "pw")
        page.click("input[type=submit]")
        panel = page.locator("#operations-panel")
        assert "stopped" in panel.inner_text()
        assert "Scheduler stopped" in page.locator("#operations-banner").inner_text()
        page.click("#operations-banner a")
        page.wait_for_selector("#surveys")
        surveys = page.locator("#surveys").inner_text()
        assert (
            late.external_id in surveys
            and "not planned: is the sweep running?" in surveys
        )
        quiet_rows = page.locator("#surveys table").nth(1).inner_text()
        assert quiet.external_id in quiet_rows
