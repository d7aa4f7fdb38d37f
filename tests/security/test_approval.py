"""Approving campaigns: who may, and what an approval covers.

Marketers edit, managers approve; nobody approves their own edit; an approval
covers the content as it was, so a change after it waits for a new one,
whichever way it was made.
"""

import importlib

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from audit.models import Action, AuditEntry
from care.delivery.dispatch import messages_dispatch
from care.models import Campaign, Message, MessageTemplate, Reason
from care.outreach.approval import campaign_content_hash, content_fingerprint
from care.outreach.campaigns import campaign_approve
from care.outreach.sweep import messages_plan
from care.studio.dry_run import sweep_preview
from tests.factories import (
    CustomerFactory,
    MessageFactory,
    OfferFactory,
    approved,
    campaign_with_templates,
    consent,
)
from tests.security.conftest import act, campaign_change, logged_in, person

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def marketer(as_role):
    return as_role("marketer")


@pytest.fixture
def manager(as_role):
    return as_role("manager")


def new_campaign(client) -> Campaign:
    """A birthday campaign made on the admin's add page, with one SMS template."""
    data = {
        "name": "Birthday",
        "slug": "birthday",
        "trigger": "birthday",
        "purpose": "service",
        "channel_1": "sms",
        "locales": ["zh-hans"],
        "birthday__days_ahead": "7",
        "templates-TOTAL_FORMS": "1",
        "templates-INITIAL_FORMS": "0",
        "templates-0-channel": "sms",
        "templates-0-locale": "zh-hans",
        "templates-0-body": "{{ customer.name }}，生日快乐",
    }
    page = client.post(reverse("admin:care_campaign_add"), data, follow=True)
    assert page.status_code == 200
    return Campaign.objects.get(slug="birthday")


def approved_through_the_admin(author_client, approver_client) -> Campaign:
    """Drafted and submitted by the author, approved by the approver: active."""
    campaign = new_campaign(author_client)
    act(author_client, "submit_for_approval", campaign)
    act(approver_client, "approve", campaign)
    campaign.refresh_from_db()
    return campaign


def test_a_marketer_drafts_and_submits_and_a_manager_approves(marketer, manager):
    author, author_client = marketer
    approver, approver_client = manager
    campaign = approved_through_the_admin(author_client, approver_client)
    assert (campaign.status, campaign.edited_by, campaign.approved_by) == (
        "active",
        author,
        approver,
    )
    assert campaign.approved_hash == campaign_content_hash(campaign)
    trail = AuditEntry.objects.filter(target_type="campaign").order_by("id")
    assert [(e.action, e.actor, e.ip) for e in trail] == [
        (Action.CAMPAIGN_SUBMIT, author.username, "127.0.0.1"),
        (Action.CAMPAIGN_APPROVE, approver.username, "127.0.0.1"),
    ]


def test_a_marketer_cannot_approve_even_a_colleagues_campaign(marketer, as_role):
    author, author_client = marketer
    campaign = new_campaign(author_client)
    act(author_client, "submit_for_approval", campaign)
    _colleague, colleague_client = as_role("marketer", "colleague")
    page = colleague_client.get(reverse("admin:care_campaign_changelist"))
    assert 'value="approve"' not in page.text
    act(colleague_client, "approve", campaign)
    campaign.refresh_from_db()
    assert campaign.status == "awaiting_approval" and campaign.approved_by is None


def test_seeing_a_campaign_is_not_enough_to_approve_it(roles, django_user_model):
    campaign = campaign_with_templates(status="awaiting_approval")
    viewer = person("care", "viewer")  # care staff hold care.view_campaign only
    client = logged_in(viewer)
    page = client.get(reverse("admin:care_campaign_changelist"))
    assert page.status_code == 200 and 'value="approve"' not in page.text
    act(client, "approve", campaign)
    campaign.refresh_from_db()
    assert campaign.status == "awaiting_approval"
    with pytest.raises(ValidationError, match="permission to approve"):
        campaign_approve(campaign=campaign, user=viewer)


def test_nobody_approves_their_own_edit(as_role, manager):
    # Someone who is both marketer and manager edits, then tries to approve.
    both, both_client = as_role("marketer", "both")
    both.groups.add(*person("manager", "other-manager").groups.all())
    campaign = campaign_with_templates(status="draft", trigger="birthday")
    campaign_change(both_client, campaign, sms_body="Hi {{ customer.first_name }}")
    act(both_client, "submit_for_approval", campaign)
    page = act(both_client, "approve", campaign)
    campaign.refresh_from_db()
    assert campaign.status == "awaiting_approval"
    assert "someone other than its last editor" in page.text
    approver, approver_client = manager
    act(approver_client, "approve", campaign)
    campaign.refresh_from_db()
    assert (campaign.status, campaign.approved_by) == ("active", approver)


def test_pause_edit_resume_does_not_bypass_the_approval(marketer, manager):
    author, author_client = marketer
    approver, approver_client = manager
    campaign = approved_through_the_admin(author_client, approver_client)
    act(approver_client, "pause", campaign)
    campaign_change(author_client, Campaign.objects.get(pk=campaign.pk), "Changed!")
    for client in (author_client, approver_client):
        page = act(client, "activate", campaign)
        assert "changed after it was approved" in page.text
    campaign.refresh_from_db()
    assert campaign.status == "paused"
    assert campaign.approved_hash != campaign_content_hash(campaign)
    act(author_client, "submit_for_approval", campaign)
    act(approver_client, "approve", campaign)
    campaign.refresh_from_db()
    assert campaign.status == "active"
    assert campaign.approved_hash == campaign_content_hash(campaign)


def test_editing_an_active_campaign_sends_it_back_for_approval(marketer, manager):
    author, author_client = marketer
    _approver, approver_client = manager
    campaign = approved_through_the_admin(author_client, approver_client)
    page = campaign_change(author_client, campaign, "New text {{ customer.name }}")
    assert "waits for a new approval" in page.text
    campaign.refresh_from_db()
    assert campaign.status == "awaiting_approval"


def test_changing_an_approved_campaigns_offer_needs_a_new_approval(marketer):
    _author, client = marketer
    offer = OfferFactory(description="20% off")
    campaign = approved(campaign_with_templates(status="active", offer=offer))
    page = client.post(
        reverse("admin:care_offer_change", args=[offer.pk]),
        {
            "name": offer.name,
            "description": "90% off",
            "code_prefix": offer.code_prefix,
            "valid_days": offer.valid_days,
        },
        follow=True,
    )
    assert "wait for a new approval" in page.text
    campaign.refresh_from_db()
    assert campaign.status == "awaiting_approval"


def test_a_change_made_outside_the_admin_is_held_at_send_time(sms_outbox, roles):
    campaign = approved(campaign_with_templates(status="active", purpose="service"))
    customer = CustomerFactory(locale="en")
    consent(customer, "sms", "service")
    waiting = MessageFactory(campaign=campaign, customer=customer, trigger="birthday")
    MessageTemplate.objects.filter(campaign=campaign).update(body="Changed in a shell")
    messages_dispatch()
    waiting.refresh_from_db()
    campaign.refresh_from_db()
    assert sms_outbox == []
    assert (waiting.status, waiting.reason) == ("deferred", Reason.AWAITING_APPROVAL)
    assert campaign.status == "awaiting_approval"
    assert AuditEntry.objects.filter(action=Action.CAMPAIGN_EDIT).count() == 1


def test_the_sweep_plans_nothing_for_a_campaign_changed_after_approval(roles):
    campaign = approved(campaign_with_templates(status="active", trigger="birthday"))
    consent(CustomerFactory(birthday=timezone.localdate()))
    Campaign.objects.filter(pk=campaign.pk).update(audience={"locales": ["en"]})
    campaign.refresh_from_db()
    messages_plan(campaign=campaign, now=timezone.now())
    assert not Message.objects.exists()
    campaign.refresh_from_db()
    assert campaign.status == "awaiting_approval"


def test_a_dry_run_reports_a_changed_campaign_without_writing(roles):
    campaign = approved(
        campaign_with_templates(status="active", trigger="birthday", purpose="service")
    )
    consent(CustomerFactory(birthday=timezone.localdate()), "sms", "service")
    MessageTemplate.objects.filter(campaign=campaign).update(body="Changed")
    [(_result, [line])] = sweep_preview(now=timezone.now())
    assert (line.outcome, line.reason) == ("deferred", Reason.AWAITING_APPROVAL)
    campaign.refresh_from_db()
    assert campaign.status == "active"
    assert not AuditEntry.objects.exists() and not Message.objects.exists()


def test_the_migrations_frozen_fingerprint_matches_the_live_one(roles):
    migration = importlib.import_module("care.migrations.0010_roles")
    campaign = campaign_with_templates(
        offer=OfferFactory(), starts_at=timezone.now(), audience={"locales": ["en"]}
    )
    templates = list(campaign.templates.all())
    live = content_fingerprint(campaign, templates, campaign.offer)
    assert migration._fingerprint(campaign, templates, campaign.offer) == live
    assert migration._hash(live) == campaign_content_hash(campaign)


def test_approving_needs_the_permission_in_the_service_too(roles, django_user_model):
    campaign = campaign_with_templates(status="awaiting_approval")
    user = django_user_model.objects.create_user("plain", is_staff=True)
    with pytest.raises(ValidationError, match="permission"):
        campaign_approve(campaign=campaign, user=user)
    user.user_permissions.add(Permission.objects.get(codename="approve_campaign"))
    campaign_approve(campaign=campaign, user=django_user_model.objects.get(pk=user.pk))
    assert campaign.status == "active"
