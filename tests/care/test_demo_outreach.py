"""The demo's month of outreach: a full funnel and a lift with its interval (`make run`)."""

import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from care.demo import care_demo_outreach
from care.models import Campaign, Message
from care.outreach.playbooks import playbooks_install
from care.reports.campaigns import campaign_report

pytestmark = pytest.mark.django_db


@translation.override("en")
def test_the_demo_shows_a_full_funnel_and_a_lift_with_its_interval():
    call_command("seed_demo", "--customers", "2000", verbosity=0)
    playbooks_install(activate=True)
    result = care_demo_outreach(now=timezone.now())
    assert result.messages > 500 and result.clicks and result.orders
    assert care_demo_outreach(now=timezone.now()).messages == 0  # once only
    reports = [campaign_report(c) for c in Campaign.objects.filter(slug__in=[
        "birthday-gift", "win-back", "abandoned-browse", "new-product"])]
    for report in reports:
        f = report.funnel
        assert f.planned > f.sent > f.delivered > f.clicked > 0
        assert f.converted and f.revenue and f.held_out and f.failed and f.skipped
    total = sum(r.funnel.planned for r in reports)
    assert total == Message.objects.filter(key__startswith="demo-outreach/").count()
    # At least one campaign shows a lift whose interval excludes zero.
    assert any(" pt (95% CI +" in r.conversion_sentence for r in reports), [
        r.conversion_sentence for r in reports
    ]
