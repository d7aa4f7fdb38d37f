"""Admin for surveys, recovery cases (with "my cases"), goodwill and the care reports.

Imported by care/admin.py. Interfaces only: each action calls one service and
reports with message_user.
"""

from collections.abc import Callable

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_noop, ngettext
from django.utils.translation import gettext_lazy as _

from care.admin.cases import my_cases_view
from care.admin.reports import reports_view
from care.admin.story import register_story_sections
from care.models import Goodwill, RecoveryCase, RecoveryPolicy, Survey
from care.service.goodwill import PERMISSION as GOODWILL_PERMISSION
from care.service.goodwill import goodwill_approve, goodwill_propose
from care.service.recovery import (
    RecoveryError,
    recovery_case_escalate,
    recovery_case_resolve,
    recovery_case_respond,
    recovery_case_take,
    recovery_cases_visible,
)


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    """The survey log: read-only; answers come from customers."""

    list_display = [
        "id",
        "customer",
        "ticket",
        "kind",
        "channel",
        "agent",
        "sent_at",
        "deferred_reason",
        "answered_at",
        "csat",
        "nps",
    ]
    list_filter = [
        "kind",
        "channel",
        "agent",
        "answered_via",
        ("sent_at", admin.DateFieldListFilter),
    ]
    list_select_related = ["customer", "ticket"]
    search_fields = ["=customer__external_id", "=ticket__external_id"]
    ordering = ["-sent_at", "-id"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_urls(self):
        view = self.admin_site.admin_view(reports_view)
        return [path("reports/", view, name="care_survey_reports"), *super().get_urls()]


@admin.register(RecoveryPolicy)
class RecoveryPolicyAdmin(admin.ModelAdmin):
    list_display = ["segment", "queue", "first_response_minutes", "resolution_minutes"]


def _case_action(
    service: Callable, done: str
) -> Callable[[admin.ModelAdmin, HttpRequest, QuerySet], None]:
    def action(modeladmin, request: HttpRequest, queryset: QuerySet) -> None:
        count, now = 0, timezone.now()
        for case in queryset:
            try:
                service(case=case, user=request.user, now=now)
                count += 1
            except RecoveryError as exc:
                modeladmin.message_user(request, str(exc), messages.WARNING)
        modeladmin.message_user(request, done % {"count": count}, messages.SUCCESS)

    return action


class GoodwillInline(admin.StackedInline):
    model = Goodwill
    extra = 0
    can_delete = False
    fields = [
        "note",
        "proposed_by",
        "proposed_at",
        "approved_by",
        "approved_at",
        "message",
    ]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


# The standard queue names, translated where they are shown.
QUEUE_NAMES = {gettext_noop("care"), gettext_noop("senior"), gettext_noop("managers")}


@admin.register(RecoveryCase)
class RecoveryCaseAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "customer",
        "ticket",
        "segment",
        "queue_name",
        "assignee",
        "status",
        "deadline",
        "opened_at",
    ]
    list_filter = ["status", "queue", "segment", "assignee"]

    @admin.display(description=_("queue"), ordering="queue")
    def queue_name(self, case: RecoveryCase) -> str:
        # The standard queues are named after role groups (care.service.recovery).
        return gettext(case.queue) if case.queue in QUEUE_NAMES else case.queue

    list_select_related = ["customer", "ticket", "assignee"]
    search_fields = ["=customer__external_id", "=ticket__external_id"]
    autocomplete_fields = ["customer", "ticket"]
    readonly_fields = [
        "ticket",
        "customer",
        "survey",
        "segment",
        "opened_at",
        "first_response_due",
        "resolution_due",
        "taken_at",
        "first_response_at",
        "escalated_at",
        "resolved_at",
        "status",
        "follow_up",
    ]
    fields = ["queue", "assignee", "notes", *readonly_fields]
    inlines = [GoodwillInline]
    actions = [
        "take",
        "respond",
        "resolve",
        "resolve_with_follow_up",
        "escalate",
        "propose_goodwill",
    ]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # cases open from low survey answers

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # A queue's cases are for its members (the senior queue for senior care).
        return recovery_cases_visible(request.user, super().get_queryset(request))

    @admin.display(description=_("next deadline"), ordering="resolution_due")
    def deadline(self, case: RecoveryCase) -> str:
        if case.is_overdue(timezone.now()):
            return format_html(
                '<strong class="overdue" style="color:#ba2121">{} ({})</strong>',
                timezone.localtime(case.next_due).strftime("%Y-%m-%d %H:%M"),
                _("overdue"),
            )
        return timezone.localtime(case.next_due).strftime("%Y-%m-%d %H:%M")

    def get_urls(self):
        view = self.admin_site.admin_view(my_cases_view)
        return [path("mine/", view, name="care_recoverycase_mine"), *super().get_urls()]

    def changelist_view(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        extra_context = {**(extra_context or {}), "show_my_cases": True}
        return super().changelist_view(request, extra_context)

    take = admin.action(
        description=_("Take the selected cases"), permissions=["change"]
    )(_case_action(recovery_case_take, _("Took %(count)d case(s).")))
    respond = admin.action(
        description=_("Record the first response"), permissions=["change"]
    )(
        _case_action(
            recovery_case_respond, _("Recorded a response on %(count)d case(s).")
        )
    )
    resolve = admin.action(
        description=_("Resolve the selected cases"), permissions=["change"]
    )(_case_action(recovery_case_resolve, _("Resolved %(count)d case(s).")))
    escalate = admin.action(
        description=_("Escalate the selected cases"), permissions=["change"]
    )(_case_action(recovery_case_escalate, _("Escalated %(count)d case(s).")))

    @admin.action(
        description=_("Resolve and send a follow-up survey"), permissions=["change"]
    )
    def resolve_with_follow_up(self, request: HttpRequest, queryset: QuerySet) -> None:
        def service(**kwargs):
            return recovery_case_resolve(follow_up=True, **kwargs)

        _case_action(
            service, _("Resolved %(count)d case(s); follow-up surveys planned.")
        )(self, request, queryset)

    @admin.action(
        description=_("Propose a goodwill coupon (needs a manager's approval)"),
        permissions=["change"],
    )
    def propose_goodwill(self, request: HttpRequest, queryset: QuerySet) -> None:
        def service(*, case, user, now):
            return goodwill_propose(case=case, user=user, now=now)

        _case_action(service, _("Proposed a goodwill coupon on %(count)d case(s)."))(
            self, request, queryset
        )


@admin.register(Goodwill)
class GoodwillAdmin(admin.ModelAdmin):
    list_display = [
        "case",
        "note",
        "proposed_by",
        "proposed_at",
        "approved_by",
        "approved_at",
        "sent",
    ]
    list_filter = [("approved_at", admin.EmptyFieldListFilter)]
    list_select_related = ["case", "proposed_by", "approved_by", "message"]
    readonly_fields = [
        "case",
        "proposed_by",
        "proposed_at",
        "approved_by",
        "approved_at",
        "message",
    ]
    actions = ["approve"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_approve_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(GOODWILL_PERMISSION)

    @admin.display(description=_("message status"))
    def sent(self, goodwill: Goodwill) -> str:
        return goodwill.message.get_status_display() if goodwill.message else "—"

    @admin.action(
        description=_("Approve and send the selected goodwill coupons"),
        permissions=["approve"],
    )
    def approve(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = 0
        for goodwill in queryset:
            try:
                goodwill_approve(
                    goodwill=goodwill, user=request.user, now=timezone.now()
                )
                count += 1
            except RecoveryError as exc:
                self.message_user(request, str(exc), messages.ERROR)
        self.message_user(
            request,
            ngettext(
                "Approved %(count)d goodwill coupon; it goes out through the outbox.",
                "Approved %(count)d goodwill coupons; they go out through the outbox.",
                count,
            )
            % {"count": count},
            messages.SUCCESS if count else messages.WARNING,
        )


register_story_sections()
