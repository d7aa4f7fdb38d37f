"""Admin for campaigns and offers.

Interfaces only: the form validates through care.outreach.validation, and
actions call one service each and report with message_user. Every action
names the permission it needs: submitting needs care.change_campaign,
approving care.approve_campaign (and not being the last editor), pausing,
resuming, archiving and test sends either of them. A save records the editor
and sends an approved campaign whose content changed back for approval
(care.outreach.approval).
"""

import copy
from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from care.models import Campaign, MessageTemplate, Offer
from care.outreach.approval import (
    campaign_content_approved,
    campaign_edited,
    offer_edited,
)
from care.outreach.campaigns import (
    APPROVE_PERMISSION,
    audience_customers,
    campaign_activate,
    campaign_approve,
    campaign_archive,
    campaign_pause,
    campaign_submit,
)
from care.admin.results import CampaignResultsMixin, results_link
from care.outreach.results import campaign_funnel
from care.reports.campaigns import funnel_sentence
from care.outreach.triggers import TRIGGERS
from care.outreach.validation import campaign_errors, template_check
from care.studio.preview import campaign_preview, campaign_test_send


class MessageTemplateInline(admin.StackedInline):
    model = MessageTemplate
    extra = 0
    fields = [("channel", "locale"), "subject", "body", "html_body", "content_check"]
    readonly_fields = ["content_check"]

    @admin.display(description=_("check"))
    def content_check(self, obj: MessageTemplate) -> str:
        # Encoding and segments (SMS) for a sample customer, or what blocks activation.
        if obj is None or obj.pk is None:
            return "-"
        return template_check(obj).summary()


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    list_display = ["name", "description", "code_prefix", "valid_days"]
    search_fields = ["name"]

    def save_model(self, request, obj: Offer, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and form.has_changed():
            held = offer_edited(offer=obj, editor=request.user)
            if held:
                self.message_user(
                    request,
                    _(
                        "%(n)d approved campaign(s) use this offer: they wait for a "
                        "new approval."
                    )
                    % {"n": held},
                    messages.WARNING,
                )


def _trigger_help(campaign: Campaign | None) -> str:
    if campaign is None or campaign.trigger not in TRIGGERS:
        return str(
            _(
                "Leave empty to use the defaults of the trigger, shown once it is chosen."
            )
        )
    defaults = ", ".join(
        f"{k} = {v}" for k, v in TRIGGERS[campaign.trigger].defaults.items()
    )
    return str(_("Defaults for this trigger: %(defaults)s.")) % {"defaults": defaults}


ATTRIBUTION_DAYS_DEFAULT = Campaign._meta.get_field("attribution_days").default


class CampaignForm(forms.ModelForm):
    """The campaign's own rules (trigger settings, channels, audience...) as form errors."""

    class Meta:
        model = Campaign
        fields = "__all__"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "attribution_days" in self.fields:  # left empty: the default window
            self.fields["attribution_days"].required = False

    def clean_attribution_days(self) -> int:
        value = self.cleaned_data.get("attribution_days")
        return value if value is not None else ATTRIBUTION_DAYS_DEFAULT

    def clean(self) -> dict:
        data = super().clean()
        candidate = copy.copy(self.instance)
        columns = {field.name for field in Campaign._meta.concrete_fields}
        for name, value in data.items():
            if name in columns:
                setattr(candidate, name, value)
        for field, errors in campaign_errors(candidate).items():
            self.add_error(field if field in self.fields else None, errors)
        return data


@admin.register(Campaign)
class CampaignAdmin(CampaignResultsMixin, admin.ModelAdmin):
    form = CampaignForm
    list_display = [
        "name",
        "trigger",
        "purpose",
        "status",
        "channel_order",
        "approved_by",
    ]
    list_filter = ["status", "trigger", "purpose"]
    search_fields = ["name", "slug"]
    list_select_related = ["approved_by", "edited_by"]
    autocomplete_fields = ["offer"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = [
        "status",
        "created_by",
        "edited_by",
        "approved_by",
        "approved_at",
        "approval_state",
        "audience_size",
        "preview",
        "results",
    ]
    inlines = [MessageTemplateInline]
    actions = [
        "submit_for_approval",
        "approve",
        "activate",
        "pause",
        "archive",
        "test_send",
    ]

    def get_fieldsets(self, request, obj=None):
        return [
            (None, {"fields": ["name", "slug", "trigger", "purpose", "status"]}),
            (
                _("Audience and channels"),
                {
                    "fields": [
                        "audience",
                        "audience_size",
                        "channels",
                        "holdout_percent",
                    ],
                    "description": _(
                        "Audience filters: segments, clusters, locales, time_zones, "
                        'e.g. {"segments": ["champions", "loyal"]}. Channels in order '
                        "of preference: the first one the customer consented to is used."
                    ),
                },
            ),
            (
                _("Trigger settings"),
                {"fields": ["params"], "description": _trigger_help(obj)},
            ),
            (_("Offer and timing"), {"fields": ["offer", "starts_at", "ends_at"]}),
            (_("Measuring"), {"fields": ["track_links", "attribution_days"]}),
            (
                _("Approval"),
                {
                    "fields": [
                        "created_by",
                        "edited_by",
                        "approved_by",
                        "approved_at",
                        "approval_state",
                    ]
                },
            ),
            (
                _("Preview"),
                {
                    "fields": ["preview"],
                    "description": _("Each template rendered for a sample customer."),
                },
            ),
            (_("Results"), {"fields": ["results"]}),
        ]

    def has_approve_permission(self, request) -> bool:
        return request.user.has_perm(APPROVE_PERMISSION)

    def has_operate_permission(self, request) -> bool:
        """Pause, resume, archive, test send: the campaign's marketers and approvers."""
        return self.has_change_permission(request) or self.has_approve_permission(
            request
        )

    @admin.display(description=_("approved content"))
    def approval_state(self, obj: Campaign) -> str:
        if obj.pk is None or not obj.approved_hash:
            return str(_("not approved"))
        if campaign_content_approved(obj):
            return str(_("unchanged since approval"))
        return str(_("changed since approval: needs a new approval"))

    @admin.display(description=_("channels"))
    def channel_order(self, obj: Campaign) -> str:
        return " > ".join(obj.channels or [])

    @admin.display(description=_("audience now"))
    def audience_size(self, obj: Campaign) -> str:
        if obj.pk is None:
            return "-"
        try:
            return f"{audience_customers(obj).count():,}"
        except Exception:  # an audience naming a missing field: say so, never a 500
            return str(_("cannot be computed: check the audience filters"))

    @admin.display(description=_("messages by status"))
    def results(self, obj: Campaign) -> SafeString | str:
        if obj.pk is None:
            return "-"
        rows = obj.messages.values("status").annotate(n=Count("id")).order_by("status")
        log = (
            reverse("admin:care_message_changelist") + f"?campaign__id__exact={obj.pk}"
        )
        items = format_html_join(", ", "{}: {}", ((r["status"], r["n"]) for r in rows))
        return format_html(
            '{}<br>{}<br>{} · <a href="{}">{}</a>',
            items or "-",
            funnel_sentence(campaign_funnel(obj)),
            results_link(obj),
            log,
            _("message log"),
        )

    @admin.display(description=_("preview"))
    def preview(self, obj: Campaign) -> SafeString | str:
        if obj.pk is None:
            return "-"
        lines = campaign_preview(obj)
        return format_html_join(
            "",
            "<p><b>{} / {}</b><br>{}</p>",
            ((channel, locale, text) for channel, locale, text in lines),
        ) or str(_("No templates yet."))

    def save_model(self, request, obj: Campaign, form, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        edited = form.has_changed() or any(f.has_changed() for f in formsets)
        if change and not edited:
            return
        if campaign_edited(campaign=form.instance, editor=request.user):
            self.message_user(
                request,
                _(
                    "The content changed after its approval: it waits for a new "
                    "approval before it sends again."
                ),
                messages.WARNING,
            )

    def _apply(
        self, request, queryset: QuerySet[Campaign], service: Callable, done: str
    ) -> None:
        count = 0
        for campaign in queryset:
            try:
                service(campaign)
                count += 1
            except ValidationError as exc:
                self.message_user(
                    request, f"{campaign}: {' '.join(exc.messages)}", messages.ERROR
                )
        if count:
            self.message_user(
                request,
                ngettext("%(n)d campaign %(done)s.", "%(n)d campaigns %(done)s.", count)
                % {"n": count, "done": done},
                messages.SUCCESS,
            )

    @admin.action(description=_("Submit for approval"), permissions=["change"])
    def submit_for_approval(self, request, queryset) -> None:
        self._apply(
            request, queryset, lambda c: campaign_submit(campaign=c), _("submitted")
        )

    @admin.action(
        description=_("Approve and activate (not your own edit)"),
        permissions=["approve"],
    )
    def approve(self, request, queryset) -> None:
        self._apply(
            request,
            queryset,
            lambda c: campaign_approve(campaign=c, user=request.user),
            _("approved"),
        )

    @admin.action(description=_("Resume (paused campaigns)"), permissions=["operate"])
    def activate(self, request, queryset) -> None:
        self._apply(
            request, queryset, lambda c: campaign_activate(campaign=c), _("resumed")
        )

    @admin.action(description=_("Pause"), permissions=["operate"])
    def pause(self, request, queryset) -> None:
        self._apply(
            request, queryset, lambda c: campaign_pause(campaign=c), _("paused")
        )

    @admin.action(
        description=_("Archive (skips waiting messages)"), permissions=["operate"]
    )
    def archive(self, request, queryset) -> None:
        self._apply(
            request, queryset, lambda c: campaign_archive(campaign=c), _("archived")
        )

    @admin.action(description=_("Send a test to my email"), permissions=["operate"])
    def test_send(self, request, queryset) -> None:
        if not request.user.email:
            self.message_user(
                request, _("Your user has no email address."), messages.ERROR
            )
            return
        for campaign in queryset:
            campaign_test_send(campaign=campaign, email=request.user.email)
        self.message_user(
            request,
            _("Test sent to %(email)s for %(n)d campaign(s).")
            % {"email": request.user.email, "n": len(queryset)},
            messages.SUCCESS,
        )
