"""Admin for campaigns: the studio's form, the lifecycle actions, results.

Interfaces only: the form validates through care.outreach.validation, and
actions call one service each and report with message_user. Every action
names the permission it needs: submitting needs care.change_campaign,
approving care.approve_campaign (and not being the last editor), pausing,
resuming, archiving and test sends either of them. A save records the editor
and sends an approved campaign whose content changed back for approval
(care.outreach.approval).
"""

from collections.abc import Callable

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from care.admin.campaigns import studio
from care.admin.campaigns.forms import (
    AUDIENCE_FIELDS,
    CHANNEL_FIELDS,
    CampaignForm,
    audience_text,
    setting_field_name,
    settings_text,
)
from care.admin.campaigns.templates import MessageTemplateInline
from care.admin.forecast import ForecastAdminMixin
from care.admin.results import CampaignResultsMixin, results_link
from care.models import Campaign
from care.outreach.approval import campaign_content_approved, campaign_edited
from care.outreach.campaigns import (
    APPROVE_PERMISSION,
    audience_customers,
    campaign_activate,
    campaign_approve,
    campaign_archive,
    campaign_pause,
    campaign_submit,
)
from care.outreach.results import campaign_funnel
from care.outreach.triggers import TRIGGERS, trigger_params
from care.reports.campaigns import funnel_sentence
from care.studio.preview import campaign_test_send


@admin.register(Campaign)
class CampaignAdmin(ForecastAdminMixin, CampaignResultsMixin, admin.ModelAdmin):
    form = CampaignForm
    list_display = [
        "__str__",
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
        "forecast_link",
        "audience_size",
        "results",
        "audience_summary",
        "settings_summary",
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

    change_form_template = "admin/care/campaign/change_form.html"

    class Media:
        css = {"all": ["care/studio.css"]}
        js = ["care/studio.js"]

    def get_fieldsets(self, request, obj=None):
        if obj is not None and not self.has_change_permission(request, obj):
            return self._read_only_fieldsets()
        return [
            (None, {"fields": ["name", "slug", "trigger", "purpose", "status"]}),
            (
                _("Audience"),
                {
                    "fields": [*AUDIENCE_FIELDS, "audience_size"],
                    "description": _(
                        "Every choice narrows the audience; nothing chosen means "
                        "every customer. The count follows your choices."
                    ),
                },
            ),
            (
                _("Channels"),
                {
                    "fields": [*CHANNEL_FIELDS, "holdout_percent"],
                    "description": _(
                        "In order of preference: the first one the customer "
                        "consented to is used."
                    ),
                },
            ),
            *self._trigger_fieldsets(),
            (
                _("Offer and timing"),
                {
                    "fields": [
                        "offer",
                        "starts_at",
                        "ends_at",
                        "conflict_group",
                        "priority",
                    ]
                },
            ),
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
                        "forecast_link",
                    ]
                },
            ),
            (_("Results"), {"fields": ["results"]}),
        ]

    def _read_only_fieldsets(self) -> list[tuple]:
        """For those who may only look (care staff): the choices as sentences."""
        return [
            (None, {"fields": ["name", "slug", "trigger", "purpose", "status"]}),
            (
                _("Audience and channels"),
                {
                    "fields": [
                        "audience_summary",
                        "audience_size",
                        "channel_order",
                        "holdout_percent",
                    ]
                },
            ),
            (_("Trigger settings"), {"fields": ["settings_summary"]}),
            (_("Offer and timing"), {"fields": ["offer", "starts_at", "ends_at"]}),
            (_("Results"), {"fields": ["results"]}),
        ]

    @admin.display(description=_("audience"))
    def audience_summary(self, obj: Campaign) -> str:
        return audience_text(obj.audience or {}) if obj else "-"

    @admin.display(description=_("trigger settings"))
    def settings_summary(self, obj: Campaign) -> str:
        if obj is None or obj.trigger not in TRIGGERS:
            return "-"
        return settings_text(obj.trigger, trigger_params(obj))

    def _trigger_fieldsets(self) -> list[tuple]:
        """One fieldset per trigger; the page shows the chosen trigger's (studio.js)."""
        return [
            (
                _("Trigger settings: %(trigger)s") % {"trigger": label},
                {
                    "fields": [
                        setting_field_name(kind, s) for s in TRIGGERS[kind].defaults
                    ],
                    "classes": ["studio-trigger", f"studio-trigger-{kind}"],
                },
            )
            for kind, label in Campaign._meta.get_field("trigger").choices
            if kind in TRIGGERS and TRIGGERS[kind].defaults
        ]

    def get_urls(self):
        return studio.urls(self) + super().get_urls()

    def render_change_form(self, request, context, *args, **kwargs):
        context.update(studio.page_context(request, kwargs.get("obj")))
        return super().render_change_form(request, context, *args, **kwargs)

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
    def audience_size(self, obj: Campaign | None) -> SafeString:
        # Filled and kept current by studio.js from the audience-count endpoint.
        count = "-"
        if obj is not None and obj.pk is not None:
            try:
                count = f"{audience_customers(obj).count():,}"
            except Exception:  # an audience naming a missing field: say so, never a 500
                count = str(_("cannot be computed: check the audience filters"))
        return format_html(
            '<span id="studio-audience-count" data-url="{}">{}</span>',
            reverse("admin:care_campaign_audience_count"),
            count,
        )

    @admin.display(description=_("messages by status"))
    def results(self, obj: Campaign) -> SafeString | str:
        if obj.pk is None:
            return "-"
        rows = (
            obj.messages.filter(is_test=False)
            .values("status")
            .annotate(n=Count("id"))
            .order_by("status")
        )
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

    @admin.action(
        description=_(
            "Email me a digest of every template (real tests: on the campaign page)"
        ),
        permissions=["operate"],
    )
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
