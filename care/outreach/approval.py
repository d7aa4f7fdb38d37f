"""Approval bound to content: what a manager approved is a hash of what will be sent.

The hash covers everything that decides who gets what: trigger and its
settings, purpose, audience, channels, holdout, timing, the offer and every
template. Not the name or slug (staff-facing labels). A campaign whose content
no longer hashes to its `approved_hash` does not send: an edit in the admin
sends it back for approval (`campaign_edited`), resuming it is refused
(care.outreach.campaigns.campaign_activate), and the sweep and dispatch hold it
if it was changed some other way (`campaigns_hold_unapproved`).

Migration care 0010 carries a frozen copy of `content_fingerprint` to record
the hash of campaigns approved before approvals were bound to content;
tests/security/test_approval.py keeps the two in step.
"""

import datetime as dt
import hashlib
import json
from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils import timezone

from audit.models import Action
from audit.services import audit_record
from care.models import Campaign, CampaignStatus, MessageTemplate, Offer

VERSION = "v1"
TEMPLATE_PARTS = ("channel", "locale", "subject", "body", "html_body")
OFFER_PARTS = ("name", "description", "code_prefix", "valid_days")
# Statuses in which an approval is in force (or waits to be resumed).
APPROVED_STATUSES = (CampaignStatus.ACTIVE, CampaignStatus.PAUSED)


def _instant(value: dt.datetime | None) -> str | None:
    # The same instant from a form (local zone) and from the database (UTC).
    return value.astimezone(dt.UTC).isoformat() if value is not None else None


def content_fingerprint(
    campaign: Campaign, templates: Iterable[MessageTemplate], offer: Offer | None
) -> dict:
    """The content of a campaign as plain data (what the hash is taken of)."""
    fingerprint = {
        "trigger": campaign.trigger,
        "params": campaign.params,
        "purpose": campaign.purpose,
        "audience": campaign.audience,
        "channels": campaign.channels,
        "holdout_percent": campaign.holdout_percent,
        "starts_at": _instant(campaign.starts_at),
        "ends_at": _instant(campaign.ends_at),
        "offer": {k: getattr(offer, k) for k in OFFER_PARTS} if offer else None,
        "templates": sorted(
            [getattr(t, part) for part in TEMPLATE_PARTS] for t in templates
        ),
    }
    # Who wins a shared occasion changes who gets what. Only when set, so the
    # approvals given before conflict groups existed still hold.
    if campaign.conflict_group or campaign.priority:
        fingerprint["conflict"] = [campaign.conflict_group, campaign.priority]
    return fingerprint


def fingerprint_hash(fingerprint: dict) -> str:
    text = json.dumps(
        fingerprint, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(f"{VERSION}:{text}".encode()).hexdigest()


def campaign_content_hash(campaign: Campaign) -> str:
    """The hash of the campaign's content as it is in the database now."""
    offer = Offer.objects.filter(pk=campaign.offer_id).first()
    templates = MessageTemplate.objects.filter(campaign_id=campaign.pk)
    return fingerprint_hash(content_fingerprint(campaign, templates, offer))


def campaign_content_approved(campaign: Campaign) -> bool:
    """The content is what was approved (never true when nothing was)."""
    return bool(campaign.approved_hash) and (
        campaign.approved_hash == campaign_content_hash(campaign)
    )


def _hashes(campaigns: list[Campaign]) -> dict[int, str]:
    """Current content hashes of several campaigns: two queries in all."""
    templates: dict[int, list[MessageTemplate]] = {c.pk: [] for c in campaigns}
    for template in MessageTemplate.objects.filter(campaign_id__in=list(templates)):
        templates[template.campaign_id].append(template)
    offers = Offer.objects.in_bulk({c.offer_id for c in campaigns if c.offer_id})
    return {
        c.pk: fingerprint_hash(
            content_fingerprint(c, templates[c.pk], offers.get(c.offer_id))
        )
        for c in campaigns
    }


def campaigns_unapproved(campaigns: Iterable[Campaign]) -> set[int]:
    """The ids of campaigns whose content changed since their approval (reads only).

    Campaigns never approved through the lifecycle (no hash at all, as test
    factories and raw writes make them) are not judged here.
    """
    bound = {c.pk: c for c in campaigns if c.approved_hash}
    if not bound:
        return set()
    current = _hashes(list(bound.values()))
    return {pk for pk, c in bound.items() if current[pk] != c.approved_hash}


def campaigns_hold_unapproved(campaigns: Iterable[Campaign]) -> set[int]:
    """The same, and those still active go back to "awaiting approval".

    The last line of defence for changes that bypassed the admin (a shell, a
    script): the sweep plans nothing for them and dispatch sends nothing.
    """
    changed = campaigns_unapproved(campaigns)
    if changed:
        _hold(Campaign.objects.filter(pk__in=changed, status=CampaignStatus.ACTIVE))
    return changed


def campaign_audit(campaign: Campaign, action: str, **detail) -> None:
    """An audit entry about the campaign (its name is a label, not personal data)."""
    audit_record(
        action=action,
        target_type="campaign",
        target_id=str(campaign.pk),
        target_label=campaign.name,
        detail={"status": campaign.status, **detail},
    )


def _hold(campaigns: QuerySet[Campaign]) -> None:
    for campaign in campaigns:
        campaign_audit(campaign, Action.CAMPAIGN_EDIT, held="content not approved")
    campaigns.update(status=CampaignStatus.AWAITING_APPROVAL, updated_at=timezone.now())


def campaign_edited(*, campaign: Campaign, editor) -> bool:
    """Record the editor; an approved campaign whose content changed needs approval.

    Returns whether it does. An active campaign goes back to "awaiting
    approval" at once; a paused one stays paused and cannot be resumed (it can
    be submitted). The last approval (who, when, what) stays on record.
    """
    Campaign.objects.filter(pk=campaign.pk).update(edited_by=editor)
    campaign.edited_by = editor
    if campaign.status not in APPROVED_STATUSES or campaign_content_approved(campaign):
        return False
    campaign_audit(campaign, Action.CAMPAIGN_EDIT)
    if campaign.status == CampaignStatus.ACTIVE:
        Campaign.objects.filter(pk=campaign.pk).update(
            status=CampaignStatus.AWAITING_APPROVAL, updated_at=timezone.now()
        )
        campaign.status = CampaignStatus.AWAITING_APPROVAL
    return True


def offer_edited(*, offer: Offer, editor) -> int:
    """An offer changed: each campaign using it was edited. How many need approval?"""
    campaigns = Campaign.objects.filter(offer=offer).exclude(
        status__in=[CampaignStatus.ARCHIVED]
    )
    return sum(campaign_edited(campaign=c, editor=editor) for c in campaigns)
