"""Campaign services: lifecycle (submit, approve, pause, resume, archive) and audience.

Every move re-validates the campaign (care.outreach.validation); moving into
approval or activity also checks its templates' content. Approval is bound to
the content (care.outreach.approval); every move is written to the audit trail.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import Action
from care.models import Campaign, CampaignStatus, Message, MessageStatus, Reason
from care.outreach.approval import (
    campaign_audit,
    campaign_content_approved,
    campaign_content_hash,
)
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


APPROVE_PERMISSION = "care.approve_campaign"


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
    campaign_audit(campaign, Action.CAMPAIGN_SUBMIT)


def last_editor_id(campaign: Campaign) -> int | None:
    return campaign.edited_by_id or campaign.created_by_id


def _check_approver(campaign: Campaign, user) -> None:
    if not user.has_perm(APPROVE_PERMISSION):
        raise ValidationError(_("You do not have the permission to approve campaigns."))
    if last_editor_id(campaign) == user.pk:
        raise ValidationError(
            _(
                "You edited this campaign last: someone other than its last editor "
                "must approve it."
            )
        )


@transaction.atomic
def campaign_approve(*, campaign: Campaign, user) -> None:
    """Approve the content as it is now, and activate.

    The approver needs care.approve_campaign and must not be the last editor.
    """
    _check_approver(campaign, user)
    campaign.approved_by = user
    campaign.approved_at = timezone.now()
    campaign.approved_hash = campaign_content_hash(campaign)
    _move(campaign, {CampaignStatus.AWAITING_APPROVAL}, CampaignStatus.ACTIVE)
    campaign_audit(campaign, Action.CAMPAIGN_APPROVE, content=campaign.approved_hash)


def campaign_activate(*, campaign: Campaign) -> None:
    """Resume a paused campaign, only with the content that was approved."""
    if campaign.status == CampaignStatus.PAUSED and not campaign_content_approved(
        campaign
    ):
        raise ValidationError(
            _(
                "It changed after it was approved (%(when)s by %(who)s): "
                "submit it for approval before it can send again."
            )
            % {
                "when": (
                    timezone.localtime(campaign.approved_at).strftime("%Y-%m-%d %H:%M")
                    if campaign.approved_at
                    else "-"
                ),
                "who": campaign.approved_by or "-",
            }
        )
    _move(campaign, {CampaignStatus.PAUSED}, CampaignStatus.ACTIVE)
    campaign_audit(campaign, Action.CAMPAIGN_RESUME)


def campaign_pause(*, campaign: Campaign) -> None:
    """Stop sending; planned messages wait until the campaign is active again."""
    _move(campaign, {CampaignStatus.ACTIVE}, CampaignStatus.PAUSED)
    campaign_audit(campaign, Action.CAMPAIGN_PAUSE)


@transaction.atomic
def campaign_archive(*, campaign: Campaign) -> int:
    """End the campaign for good; returns how many waiting messages were skipped."""
    _move(
        campaign,
        set(CampaignStatus.values) - {CampaignStatus.ARCHIVED},
        CampaignStatus.ARCHIVED,
    )
    skipped = (
        Message.objects.filter(campaign=campaign)
        .retryable()
        .update(
            status=MessageStatus.SKIPPED,
            reason=Reason.CAMPAIGN_ENDED,
            updated_at=timezone.now(),
        )
    )
    campaign_audit(campaign, Action.CAMPAIGN_ARCHIVE, skipped=skipped)
    return skipped
