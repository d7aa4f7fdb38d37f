"""The campaign form: audience, channels and trigger settings as choices, never JSON.

The form maps its fields onto the stored format (Campaign.audience,
.channels and .params stay JSON columns, so playbooks, the API of the
sweep and the approval hash are unchanged). Every trigger's fields are on the
page from the start, named `<trigger>__<setting>`; the page's script shows
the chosen trigger's fieldset (care/static/care/studio.js), and only the
chosen trigger's fields are read and validated.
"""

import copy
from decimal import Decimal
from zoneinfo import available_timezones

from django import forms
from django.utils.translation import gettext_lazy as _

from care.models import Campaign
from care.outreach.triggers import TRIGGERS
from care.outreach.validation import campaign_errors
from crm.models import Channel, Customer, Locale
from segmentation.models import RfmCluster, RfmRun, Segment

# Label and help of every trigger setting (the defaults come from the registry).
SETTINGS = {
    "days_ahead": (
        _("days ahead"),
        _("How many days before the occasion the message goes out."),
    ),
    "min_days": (
        _("viewed on K days"),
        _("K: on how many different days the customer looked at the product."),
    ),
    "window_days": (
        _("within W days"),
        _("W: the window those K days must fall in (K at most W)."),
    ),
    "cooldown_days": (
        _("cooldown (days)"),
        _("No second reminder about the same product within this many days."),
    ),
    "delay_minutes": (
        _("delay (minutes)"),
        _("Minutes after the ticket is resolved before the survey goes out."),
    ),
    "within_minutes": (
        _("send within (minutes)"),
        _("After this many minutes from resolution the survey is no longer sent."),
    ),
    "lookback_days": (
        _("look back (days)"),
        _("Only events (segment moves, launches) of the last this many days count."),
    ),
    "segments": (
        _("segments moved into"),
        _("The message goes when a customer moves into one of these segments."),
    ),
    "date": (
        _("date"),
        _("YYYY-MM-DD for a one-off date, MM-DD to repeat every year."),
    ),
    "time": (_("local time"), _("HH:MM in the customer's own time zone.")),
}


def setting_field_name(trigger: str, setting: str) -> str:
    return f"{trigger}__{setting}"


def _setting_field(trigger: str, setting: str, default) -> forms.Field:
    spec = TRIGGERS[trigger]
    label, help_text = SETTINGS.get(setting, (setting, ""))
    common = {"label": label, "help_text": help_text, "required": False}
    if setting in spec.integers:
        low = 1 if setting in spec.positive else 0
        return forms.IntegerField(min_value=low, initial=default, **common)
    if isinstance(default, list):
        return forms.MultipleChoiceField(
            choices=Segment.choices,
            initial=default,
            widget=forms.CheckboxSelectMultiple,
            **common,
        )
    return forms.CharField(initial=default, max_length=20, **common)


def setting_fields() -> dict[str, forms.Field]:
    """A field for every setting of every trigger, with the trigger's default."""
    return {
        setting_field_name(trigger, setting): _setting_field(trigger, setting, default)
        for trigger, spec in TRIGGERS.items()
        for setting, default in spec.defaults.items()
    }


def _cluster_choices() -> list[tuple[int, str]]:
    run = RfmRun.objects.filter(cluster_k__isnull=False).order_by("-started_at").first()
    if run is None:
        return []
    clusters = RfmCluster.objects.filter(run=run).order_by("number")
    return [
        (
            c.number,
            _("cluster %(n)d (%(size)s customers)") % {"n": c.number, "size": c.size},
        )
        for c in clusters
    ]


# Time zones offered: those of the newest customers (a big table is never
# scanned for its distinct values, as crm.admin.filters does), plus any
# valid zone already chosen or posted.
ZONE_SAMPLE = 5_000


def _zone_choices(chosen: list[str]) -> list[tuple[str, str]]:
    newest = Customer.objects.order_by("-pk").values_list("time_zone", flat=True)
    zones = set(newest[:ZONE_SAMPLE]) | (set(chosen) & available_timezones())
    return [(zone, zone) for zone in sorted(zones - {"", None})]


class AudienceForm(forms.Form):
    """Who the campaign is for; every choice narrows it, none means everybody.

    Also read on its own by the live audience count (care.admin.campaigns.studio).
    """

    segments = forms.MultipleChoiceField(
        label=_("segments"),
        choices=Segment.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    clusters = forms.TypedMultipleChoiceField(
        label=_("clusters"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("groups found by the latest RFM clustering run"),
    )
    locales = forms.MultipleChoiceField(
        label=_("languages"),
        choices=Locale.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    time_zones = forms.MultipleChoiceField(
        label=_("time zones"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
        help_text=_("the customers' own time zones; none chosen: all"),
    )
    min_orders = forms.IntegerField(
        label=_("at least this many orders"),
        min_value=1,
        required=False,
        help_text=_("within the RFM window"),
    )
    min_spend = forms.DecimalField(
        label=_("at least this spend"),
        min_value=Decimal("0.01"),
        decimal_places=2,
        required=False,
        help_text=_("within the RFM window"),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        audience_choices(self.fields, posted_list(self.data, "time_zones"))

    def audience(self) -> dict:
        return audience_from(self.cleaned_data)


def posted_list(data, name: str) -> list:
    """A multi-valued field of a POST (QueryDict) or of a plain dict (tests, scripts)."""
    if hasattr(data, "getlist"):
        return data.getlist(name)
    value = (data or {}).get(name) or []
    return list(value) if isinstance(value, list | tuple) else [value]


def audience_choices(fields: dict, zones: list[str]) -> None:
    """The choices read from the database: the latest clusters, the customers' zones."""
    fields["clusters"].choices = _cluster_choices()
    fields["time_zones"].choices = _zone_choices(zones)


def audience_from(data: dict) -> dict:
    """The stored format: only the filters that narrow something."""
    audience = {
        key: list(data[key])
        for key in ("segments", "clusters", "locales", "time_zones")
        if data.get(key)
    }
    if data.get("min_orders"):
        audience["min_orders"] = data["min_orders"]
    if data.get("min_spend"):
        spend = data["min_spend"]
        audience["min_spend"] = int(spend) if spend == int(spend) else float(spend)
    return audience


def audience_text(audience: dict) -> str:
    """The stored audience as one line a person reads ("segments: Champions; ...")."""
    labels = {
        "segments": dict(Segment.choices),
        "locales": dict(Locale.choices),
    }
    parts = []
    for key, field in AudienceForm.base_fields.items():
        value = audience.get(key)
        if value in (None, [], ""):
            continue
        names = labels.get(key, {})
        shown = (
            ", ".join(str(names.get(v, v)) for v in value)
            if isinstance(value, list)
            else str(value)
        )
        parts.append(f"{field.label}: {shown}")
    return "; ".join(parts) or str(_("every customer"))


def settings_text(trigger: str, params: dict) -> str:
    """A trigger's settings as one line ("days ahead: 7")."""
    return (
        "; ".join(
            f"{SETTINGS.get(name, (name,))[0]}: {value}"
            for name, value in params.items()
        )
        or "-"
    )


AUDIENCE_FIELDS = list(AudienceForm.base_fields)
CHANNEL_FIELDS = [f"channel_{n}" for n in range(1, len(Channel.values) + 1)]


def _channel_field(position: int) -> forms.ChoiceField:
    first = position == 1
    return forms.ChoiceField(
        label=_("first choice") if first else _("then"),
        choices=([] if first else [("", _("(none)"))]) + list(Channel.choices),
        required=first,
        help_text=(
            _("the first channel the customer consented to is used") if first else ""
        ),
    )


def _empty_setting_error(default) -> str:
    if default in ("", [], None):
        return _("Give a value.")
    return _("Give a value (the default is %(d)s).") % {"d": default}


ATTRIBUTION_DAYS_DEFAULT = Campaign._meta.get_field("attribution_days").default


class CampaignForm(forms.ModelForm):
    """The campaign's own rules (trigger settings, channels, audience...) as form errors."""

    class Meta:
        model = Campaign
        exclude = ["audience", "channels", "params"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "clusters" in self.fields:
            zones = (self.instance.audience or {}).get("time_zones") or []
            zones = [*zones, *posted_list(self.data, "time_zones")]
            audience_choices(self.fields, zones)
        if "trigger" in self.fields:
            self.fields["trigger"].widget.attrs["data-studio"] = "trigger"
        if "attribution_days" in self.fields:  # left empty: the default window
            self.fields["attribution_days"].required = False
        self._initial_from_instance()

    def clean_attribution_days(self) -> int:
        value = self.cleaned_data.get("attribution_days")
        return value if value is not None else ATTRIBUTION_DAYS_DEFAULT

    def _initial_from_instance(self) -> None:
        campaign = self.instance
        for key, value in (campaign.audience or {}).items():
            if key in self.fields:
                self.initial[key] = value
        if "min_spend" in self.initial:
            # Compared with the posted Decimal: a float 150.3 would always "change".
            self.initial["min_spend"] = Decimal(str(self.initial["min_spend"]))
        for name, channel in zip(CHANNEL_FIELDS, campaign.channels or [], strict=False):
            self.initial[name] = channel
        if campaign.pk is None and not campaign.channels:
            self.initial[CHANNEL_FIELDS[0]] = Channel.SMS
        if campaign.trigger in TRIGGERS:
            for setting, value in (campaign.params or {}).items():
                self.initial[setting_field_name(campaign.trigger, setting)] = value

    def _trigger_params(self, data: dict) -> dict:
        trigger = data.get("trigger")
        if trigger not in TRIGGERS:
            return {}
        params = {}
        for setting, default in TRIGGERS[trigger].defaults.items():
            name = setting_field_name(trigger, setting)
            value = data.get(name)
            if value in (None, "", []):
                if name not in self.errors:
                    self.add_error(name, _empty_setting_error(default))
                continue
            value = list(value) if isinstance(value, list) else value
            # Only what differs from the default is stored, as before the form:
            # a campaign saved unchanged keeps its approved content hash.
            if value != default:
                params[setting] = value
        return params

    def _channels(self, data: dict) -> list[str]:
        chosen = [data[name] for name in CHANNEL_FIELDS if data.get(name)]
        if len(set(chosen)) != len(chosen):
            self.add_error(CHANNEL_FIELDS[-1], _("Each channel can be chosen once."))
        return chosen

    def clean(self) -> dict:
        data = super().clean()
        candidate = copy.copy(self.instance)
        columns = {field.name for field in Campaign._meta.concrete_fields}
        for name, value in data.items():
            if name in columns:
                setattr(candidate, name, value)
        candidate.params = self._trigger_params(data)
        candidate.channels = self._channels(data)
        candidate.audience = self._audience(data)
        for field, errors in campaign_errors(candidate).items():
            self.add_error(self._error_field(field, data), errors)
        self.cleaned_data["audience"] = candidate.audience
        self.cleaned_data["channels"] = candidate.channels
        self.cleaned_data["params"] = candidate.params
        return self.cleaned_data

    def _audience(self, data: dict) -> dict:
        return audience_from(data)

    def _error_field(self, field: str, data: dict) -> str | None:
        if field in self.fields:
            return field
        if field == "channels":
            return CHANNEL_FIELDS[0]
        if field == "params" and data.get("trigger") in TRIGGERS:
            # The settings' own check names no field: shown on the trigger's first one.
            first = next(iter(TRIGGERS[data["trigger"]].defaults), None)
            return setting_field_name(data["trigger"], first) if first else None
        return None

    def save(self, commit: bool = True) -> Campaign:
        campaign = super().save(commit=False)
        campaign.audience = self.cleaned_data["audience"]
        campaign.channels = self.cleaned_data["channels"]
        campaign.params = self.cleaned_data["params"]
        if commit:
            campaign.save()
            self.save_m2m()
        return campaign


# Declared after the class so the admin's modelform_factory knows them (fields
# not on the model must be declared) without writing each one out above.
EXTRA_FIELDS = {
    **copy.deepcopy(AudienceForm.base_fields),
    **{name: _channel_field(n) for n, name in enumerate(CHANNEL_FIELDS, start=1)},
    **setting_fields(),
}
CampaignForm.declared_fields.update(EXTRA_FIELDS)
CampaignForm.base_fields.update(EXTRA_FIELDS)
