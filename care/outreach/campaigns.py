"""Campaign services: lifecycle (submit, approve, pause, archive) and audience.

Every move re-validates the campaign (care.outreach.validation); moving into
approval or activity also checks its templates' content.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from care.models import Campaign, CampaignStatus, Message, MessageStatus, Reason
from care.outreach.triggers import audience_q
from care.outreach.validation import campaign_content_errors, campaign_validate
from crm.models import Customer


def campaign_is_live(campaign: Campaign, now: dt.datetime) -> bool:
    return (
        campaign.status == CampaignStatus.ACTIVE
        and (campaign.starts_at is None or campaign.starts_at <= now)
        and (campaign.ends_at is None or now < campaign.ends_at)
    )


def audience_customers(campaign: Campaign) -> QuerySet[Customer]:
    return Customer.objects.filter(audience_q(campaign.audience or {}))


def _move(campaign: Campaign, allowed: set[str], target: str) -> None:
    if campaign.status not in allowed:
        raise ValidationError(
            _("A %(status)s campaign cannot become %(target)s.")
            % {
                "status": campaign.get_status_display(),
                "target": CampaignStatus(target).label,
            }
        )
    if target in (CampaignStatus.AWAITING_APPROVAL, CampaignStatus.ACTIVE):
        _content_check(campaign)
    campaign.status = target
    campaign_validate(campaign=campaign)
    campaign.save()


def _content_check(campaign: Campaign) -> None:
    errors = campaign_content_errors(campaign)
    if errors:
        raise ValidationError(
            [_("A template is not ready: %(error)s") % {"error": e} for e in errors]
        )


def campaign_submit(*, campaign: Campaign) -> None:
    """Ask a second person to approve the campaign."""
    _move(
        campaign,
        {CampaignStatus.DRAFT, CampaignStatus.PAUSED},
        CampaignStatus.AWAITING_APPROVAL,
    )


def campaign_approve(*, campaign: Campaign, user) -> None:
    """Approve and activate; the approver must not be the creator."""
    if campaign.created_by_id is not None and campaign.created_by_id == user.pk:
        raise ValidationError(
            _("A campaign must be approved by someone other than its creator.")
        )
    campaign.approved_by = user
    campaign.approved_at = timezone.now()
    _move(campaign, {CampaignStatus.AWAITING_APPROVAL}, CampaignStatus.ACTIVE)


def campaign_activate(*, campaign: Campaign) -> None:
    """Resume a paused campaign that was approved before (the playbooks install active)."""
    _move(campaign, {CampaignStatus.PAUSED}, CampaignStatus.ACTIVE)


def campaign_pause(*, campaign: Campaign) -> None:
    """Stop sending; planned messages wait until the campaign is active again."""
    _move(campaign, {CampaignStatus.ACTIVE}, CampaignStatus.PAUSED)


@transaction.atomic
def campaign_archive(*, campaign: Campaign) -> int:
    """End the campaign for good; returns how many waiting messages were skipped."""
    _move(
        campaign,
        set(CampaignStatus.values) - {CampaignStatus.ARCHIVED},
        CampaignStatus.ARCHIVED,
    )
    return (
        Message.objects.filter(campaign=campaign)
        .retryable()
        .update(
            status=MessageStatus.SKIPPED,
            reason=Reason.CAMPAIGN_ENDED,
            updated_at=timezone.now(),
        )
    )


def campaign_needs_new_approval(*, campaign: Campaign, editor) -> bool:
    """An approved campaign edited while running goes back to a second person.

    Returns whether it did. The editor becomes the creator of the new version,
    so they cannot approve their own change.
    """
    if campaign.status != CampaignStatus.ACTIVE:
        return False
    Campaign.objects.filter(pk=campaign.pk).update(
        status=CampaignStatus.AWAITING_APPROVAL,
        created_by=editor,
        approved_by=None,
        approved_at=None,
        updated_at=timezone.now(),
    )
    campaign.refresh_from_db()
    return True
