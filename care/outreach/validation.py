"""Whether a campaign may be saved and run: its settings, and its templates' content.

`campaign_validate` is what Campaign.clean used to be (models import no
services): the admin's campaign form, the lifecycle and the playbooks call it.
Segment names come from the segmentation app, trigger settings from the
trigger registry, so a typo is refused when the campaign is saved, not at the
nightly sweep.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from care.content import checks
from care.content.checks import TemplateCheck
from care.content.engine import TemplateCache
from care.models import Campaign, MessageTemplate
from care.outreach.triggers import TRIGGERS, kind_sample_context, trigger_params
from crm.models import Channel, Locale
from segmentation.models import Segment

AUDIENCE_KEYS = {
    "segments",
    "clusters",
    "locales",
    "time_zones",
    "min_orders",
    "min_spend",
}
AUDIENCE_MINIMUMS = ("min_orders", "min_spend")


def _params_errors(campaign: Campaign) -> list[str]:
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
    if spec.params_errors is not None:
        errors += spec.params_errors(params)
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
    if any(
        not isinstance(value, list)
        for key, value in audience.items()
        if key not in AUDIENCE_MINIMUMS
    ):
        return [_("Each audience filter is a list.")]
    for key in AUDIENCE_MINIMUMS:
        value = audience.get(key)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int | float) or value < 0
        ):
            return [_("%(name)s must be a number of at least 0.") % {"name": key}]
    return _audience_values_errors(audience)


def _audience_values_errors(audience: dict) -> list[str]:
    errors = []
    unknown_segments = set(map(str, audience.get("segments", []))) - set(Segment.values)
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
    """The campaign's settings problems per field; empty when all is well."""
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


def campaign_validate(*, campaign: Campaign) -> None:
    """full_clean() plus the campaign's own rules; one ValidationError naming every field."""
    errors: dict[str, list[str]] = {}
    try:
        campaign.full_clean()
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    for field, messages in campaign_errors(campaign).items():
        errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def template_check(
    template: MessageTemplate, cache: TemplateCache | None = None
) -> TemplateCheck:
    """Render one template for a sample customer, with its trigger kind's sample context."""
    cache = cache or TemplateCache({template.campaign_id})
    sample = kind_sample_context(template.campaign.trigger)
    return checks.template_check(template, cache, sample)


def campaign_checks(campaign: Campaign) -> list[TemplateCheck]:
    """Every template of the campaign checked (see care.content.checks)."""
    return checks.campaign_checks(campaign, kind_sample_context(campaign.trigger))


def campaign_content_errors(campaign: Campaign) -> list[str]:
    """One line per template problem; empty when every template is ready to send."""
    return checks.campaign_content_errors(
        campaign, kind_sample_context(campaign.trigger)
    )
