import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.template import Context

from care.content.engine import ENGINE
from care.delivery.dispatch import messages_dispatch
from care.models import Campaign, Message, MessageTemplate
from care.outreach.playbooks import PLAYBOOKS, playbooks_install
from care.outreach.sweep import campaigns_sweep
from tests.factories import AssetFactory, CustomerFactory, consent

pytestmark = pytest.mark.django_db


def test_it_installs_every_playbook_with_templates_in_both_languages():
    result = playbooks_install()
    assert len(result.created) == len(PLAYBOOKS) == Campaign.objects.count()
    for campaign in Campaign.objects.all():
        pairs = set(campaign.templates.values_list("channel", "locale"))
        assert pairs == {
            ("sms", "en"),
            ("sms", "zh-hans"),
            ("email", "en"),
            ("email", "zh-hans"),
        }
        assert campaign.status == "draft"


def test_it_is_idempotent_and_keeps_a_marketers_edits():
    playbooks_install()
    MessageTemplate.objects.filter(campaign__slug="birthday-gift").update(body="edited")
    result = playbooks_install()
    assert result.created == [] and Campaign.objects.count() == len(PLAYBOOKS)
    assert set(
        MessageTemplate.objects.filter(campaign__slug="birthday-gift").values_list(
            "body", flat=True
        )
    ) == {"edited"}


def test_activate_starts_drafts_but_not_paused_campaigns():
    playbooks_install()
    Campaign.objects.filter(slug="win-back").update(status="paused")
    playbooks_install(activate=True)
    assert Campaign.objects.get(slug="birthday-gift").status == "active"
    assert Campaign.objects.get(slug="win-back").status == "paused"


def test_every_template_compiles_in_the_sandbox():
    for playbook in PLAYBOOKS:
        for subject, body in playbook["templates"].values():
            ENGINE.from_string(subject).render(Context({}))
            ENGINE.from_string(body).render(Context({}))


def test_the_installed_playbooks_plan_and_send_end_to_end(sms_outbox):
    with time_machine.travel(
        dt.datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False
    ):
        playbooks_install()
        # Nobody held out (the test is about sending), before the approval:
        # a change after it would hold the campaigns back.
        Campaign.objects.update(holdout_percent=0)
        playbooks_install(activate=True)
        birthday = CustomerFactory(birthday=dt.date(1990, 11, 28), name="王芳")
        consent(birthday)
        asset = AssetFactory(
            last_serviced_at=dt.date(2026, 6, 1), service_interval_days=178, name="空调"
        )
        consent(asset.customer, "sms", "service")
        campaigns_sweep(now=dt.datetime.now(dt.UTC))
        messages_dispatch()
    bodies = {m.trigger: m.body for m in Message.objects.filter(status="sent")}
    assert bodies["birthday"].startswith("王芳，提前祝您生日快乐！")
    assert bodies["birthday"].endswith("回复TD退订") and "BDAY" in bodies["birthday"]
    assert "您的空调将于2026-11-26到期保养" in bodies["maintenance"]
