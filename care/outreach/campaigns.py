"""Campaign services: validation, lifecycle (submit, approve, pause, archive), audience."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from care.models import Campaign, CampaignStatus, Message, MessageStatus, Reason
from crm.models import Channel, Customer, Locale

AUDIENCE_KEYS = {"segments", "clusters", "locales", "time_zones"}
# The segment slugs of the segmentation app (issue 3), named here so a typo in
# an audience is refused when the campaign is saved, not at the nightly sweep.
SEGMENTS = {
    "champions",
    "loyal",
    "potential_loyalist",
    "new_customers",
    "promising",
    "need_attention",
    "about_to_sleep",
    "at_risk",
    "cant_lose_them",
    "hibernating",
    "lost",
    "prospect",
    "lapsed",
    "unclassified",
}


def trigger_params(campaign: Campaign) -> dict:
    """The campaign's trigger settings over the trigger's defaults."""
    from care.outreach.triggers import TRIGGERS

    return {**TRIGGERS[campaign.trigger].defaults, **(campaign.params or {})}


def _params_errors(campaign: Campaign) -> list[str]:
    from care.outreach.triggers import TRIGGERS
    from care.outreach.triggers.dated import parse_when

    spec = TRIGGERS.get(campaign.trigger)
    if spec is None:
        return []
    if not isinstance(campaign.params, dict):
        return [_("Trigger settings must be a JSON object.")]
    errors = [
        _("Unknown setting %(name)s.") % {"name": name}
        for name in campaign.params
        if name not in spec.defaults
    ]
    params = trigger_params(campaign)
    for name in spec.integers:
        value = params[name]
        low = 1 if name in spec.positive else 0
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            errors.append(
                _("%(name)s must be a whole number of at least %(low)d.")
                % {"name": name, "low": low}
            )
    if campaign.trigger == "dated":
        try:
            parse_when(str(params["date"]), str(params["time"]))
        except (ValueError, TypeError):
            errors.append(
                _("date must be YYYY-MM-DD (once) or MM-DD (yearly), time HH:MM.")
            )
    return errors


def _channels_errors(channels) -> list[str]:
    valid = set(Channel.values)
    if not isinstance(channels, list) or not channels:
        return [_('Give at least one channel, e.g. ["sms", "email"].')]
    if any(channel not in valid for channel in channels) or len(set(channels)) != len(
        channels
    ):
        return [
            _("Channels must be distinct values among: %(valid)s.")
            % {"valid": ", ".join(sorted(valid))}
        ]
    return []


def _audience_errors(audience) -> list[str]:
    if not isinstance(audience, dict):
        return [_("Audience must be a JSON object.")]
    unknown = set(audience) - AUDIENCE_KEYS
    if unknown:
        return [
            _("Unknown audience filter %(names)s; use %(valid)s.")
            % {
                "names": ", ".join(sorted(unknown)),
                "valid": ", ".join(sorted(AUDIENCE_KEYS)),
            }
        ]
    if any(not isinstance(value, list) for value in audience.values()):
        return [_("Each audience filter is a list.")]
    errors = []
    unknown_segments = set(map(str, audience.get("segments", []))) - SEGMENTS
    if unknown_segments:
        errors.append(
            _("Unknown segment %(names)s.")
            % {"names": ", ".join(sorted(unknown_segments))}
        )
    if any(
        not isinstance(c, int) or isinstance(c, bool)
        for c in audience.get("clusters", [])
    ):
        errors.append(_("Clusters are numbers, e.g. [0, 2]."))
    unknown_locales = set(audience.get("locales", [])) - set(Locale.values)
    if unknown_locales:
        errors.append(
            _("Unknown language %(names)s.")
            % {"names": ", ".join(sorted(map(str, unknown_locales)))}
        )
    return errors


def campaign_errors(campaign: Campaign) -> dict[str, list[str]]:
    errors = {
        "params": _params_errors(campaign),
        "channels": _channels_errors(campaign.channels),
        "audience": _audience_errors(campaign.audience),
    }
    if campaign.holdout_percent is not None and campaign.holdout_percent > 100:
        errors["holdout_percent"] = [_("Holdout is a percentage between 0 and 100.")]
    if (
        campaign.starts_at
        and campaign.ends_at
        and campaign.ends_at <= campaign.starts_at
    ):
        errors["ends_at"] = [_("The end must come after the start.")]
    return {field: messages for field, messages in errors.items() if messages}


def campaign_is_live(campaign: Campaign, now: dt.datetime) -> bool:
    return (
        campaign.status == CampaignStatus.ACTIVE
        and (campaign.starts_at is None or campaign.starts_at <= now)
        and (campaign.ends_at is None or now < campaign.ends_at)
    )


def audience_customers(campaign: Campaign) -> QuerySet[Customer]:
    from care.outreach.triggers import audience_q

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
    campaign.full_clean()
    campaign.save()


def _content_check(campaign: Campaign) -> None:
    from care.content.checks import campaign_content_errors

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
    return Message.objects.filter(
        campaign=campaign, status__in=(MessageStatus.PLANNED, MessageStatus.DEFERRED)
    ).update(
        status=MessageStatus.SKIPPED,
        reason=Reason.CAMPAIGN_ENDED,
        updated_at=timezone.now(),
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
