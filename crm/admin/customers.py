"""The customer admin: find a customer, then read their whole story on one page."""

import zoneinfo
from typing import Any, ClassVar

from django import forms
from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from audit.models import Action
from audit.services import audit_customer
from crm.admin.filters import (
    BirthdayFilter,
    EmailConsentFilter,
    SmsConsentFilter,
    TimeZoneFilter,
)
from crm.admin.paging import BigListAdmin
from crm.admin.search import phone_search_term, search_customers
from crm.admin.story import CRM_SECTIONS, StorySection
from crm.models import Consent, Customer


class CustomerForm(forms.ModelForm):
    """Keep hand edits as clean as the API's: E.164 phones, IANA time zones."""

    class Meta:
        model = Customer
        fields = [
            "external_id",
            "name",
            "phone",
            "email",
            "birthday",
            "time_zone",
            "locale",
        ]

    def clean_phone(self) -> str:
        raw = self.cleaned_data["phone"].strip()
        if not raw:
            return ""
        normalised = phone_search_term(raw)
        if normalised is None:
            raise forms.ValidationError(_("Enter a valid phone number."))
        return normalised

    def clean_time_zone(self) -> str:
        value = self.cleaned_data["time_zone"].strip()
        if value and value not in zoneinfo.available_timezones():
            raise forms.ValidationError(
                _("Enter an IANA time zone such as Asia/Shanghai.")
            )
        return value


class CustomerChangeList(ChangeList):
    """The list prefetches each page's current consents (one query per page)."""

    def get_queryset(self, request: HttpRequest, exclude_parameters=None) -> QuerySet:
        current = Consent.objects.latest_per_topic().order_by("channel", "purpose")
        return (
            super()
            .get_queryset(request, exclude_parameters)
            .prefetch_related(
                Prefetch("consents", queryset=current, to_attr="current_consents")
            )
        )


@admin.register(Customer)
class CustomerAdmin(BigListAdmin):
    """Customers, with the whole story on the change page.

    Extending the story: other apps add a section without touching crm (crm never
    imports them). In the app's admin module::

        from crm.admin import CustomerAdmin, StorySection

        CustomerAdmin.add_story_section(
            StorySection("tickets", _("Tickets"), "admin/care/story/tickets.html",
                         tickets_context, order=60)
        )

    `tickets_context(customer, request)` returns the fragment's context with a fixed
    number of queries. Sections render in `order` (crm: consent 10, orders 30,
    browsing 40, assets 50; free slots: 20 RFM, 60 tickets, 70 messages). Adding a
    section with an existing key replaces it. A subclass may instead set its own
    `story_sections` list and be registered after `admin.site.unregister(Customer)`.
    """

    form = CustomerForm
    story_sections: ClassVar[list[StorySection]] = list(CRM_SECTIONS)
    change_form_template = "admin/crm/customer/change_form.html"

    list_display = [
        "name",
        "external_id",
        "phone",
        "email",
        "locale",
        "time_zone",
        "birthday",
        "consent_summary",
    ]
    list_filter = [
        "locale",
        TimeZoneFilter,
        BirthdayFilter,
        SmsConsentFilter,
        EmailConsentFilter,
    ]
    # Shown as the search box; get_search_results does the matching.
    search_fields = ["name", "phone", "email", "external_id"]
    search_help_text = _(
        "A whole phone number (as typed), an email, the start of an external id, "
        "or a name (one or two characters: its start)."
    )
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["external_id", "name", "locale", "time_zone"]}),
        (_("Contact"), {"fields": ["phone", "email", "birthday"]}),
        (
            _("Record"),
            {"fields": ["created_at", "updated_at"], "classes": ["collapse"]},
        ),
    ]
    ordering = ["-id"]
    list_per_page = 50

    @classmethod
    def add_story_section(cls, section: StorySection) -> None:
        """Add (or replace, by key) a section of the customer page."""
        kept = [each for each in cls.story_sections if each.key != section.key]
        cls.story_sections = sorted([*kept, section], key=lambda each: each.order)

    def get_changelist(self, request: HttpRequest, **kwargs) -> type[ChangeList]:
        return CustomerChangeList

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        # Also the customer autocomplete of the order and asset pages.
        return search_customers(queryset, search_term), False

    @admin.display(description=_("consent"))
    def consent_summary(self, customer: Customer) -> str:
        rows = getattr(customer, "current_consents", [])
        return (
            format_html_join(
                " ",
                '<span class="consent-{}" title="{}">{} {} {}</span>',
                (
                    (
                        "yes" if row.granted else "no",
                        row.source,
                        "✓" if row.granted else "✗",
                        row.get_channel_display(),
                        row.get_purpose_display(),
                    )
                    for row in rows
                ),
            )
            or "—"
        )

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Customer | None = None,
    ):
        context["story"] = self.render_story(obj, request) if obj is not None else []
        if obj is not None:
            # Whoever opens the page has seen the customer's data.
            audit_customer(action=Action.CUSTOMER_VIEW, external_id=obj.external_id)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def render_story(self, customer: Customer, request: HttpRequest) -> list[dict]:
        """Render every section to HTML for the change form template."""
        return [
            {
                "key": section.key,
                "title": section.title,
                "html": render_to_string(
                    section.template,
                    {**section.context(customer, request), "customer": customer},
                    request=request,
                ),
            }
            for section in self.story_sections
        ]
