"""Admin for the message log and coupons (read-only), and the customer page's messages.

The message log is the outbox: millions of rows. Its list walks the index of its
default order (created_at, id), shows PostgreSQL's estimate of its size,
offers filter choices without reading the table, and searches by exact
identifiers only (crm.admin's BigListAdmin, ExactSearchMixin).
"""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from care.models import Coupon, Message
from care.models.choices import TriggerKind
from crm.admin import (
    BigListAdmin,
    CustomerAdmin,
    ExactSearchMixin,
    ReadOnlyAdmin,
    StorySection,
)
from crm.models import Channel


class TriggerFilter(admin.SimpleListFilter):
    """The trigger kinds as choices (Message.trigger has none of its own, and
    Django's default would read the distinct values of the whole outbox)."""

    title = _("trigger")
    parameter_name = "trigger"

    def lookups(self, request, model_admin) -> list[tuple[str, str]]:
        return list(TriggerKind.choices)

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() is None:
            return queryset
        return queryset.filter(trigger=self.value())


@admin.register(Message)
class MessageAdmin(ExactSearchMixin, BigListAdmin, ReadOnlyAdmin):
    list_display = [
        "created_at",
        "customer_link",
        "campaign",
        "channel",
        "status",
        "reason",
        "send_after",
        "sent_at",
    ]
    list_filter = ["status", "reason", "channel", "purpose", TriggerFilter, "campaign"]
    # Exact values, each an index lookup. A coupon code is found in the coupons
    # list (the outbox has no index on it: every planned row would pay for one).
    # The idempotency key is found through the occasion key's index (the key
    # is the occasion key, "/" and the channel: see Message.key).
    search_fields = ["occasion_key", "customer__external_id", "provider_id"]
    search_help_text = _(
        "A message's idempotency key, its customer's external id or the provider's id."
    )
    list_select_related = ["customer", "campaign"]
    # Sorted only by the indexed order: any other column sorts the whole outbox.
    sortable_by = ["created_at"]
    list_per_page = 50
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "key",
                    "is_test",
                    "campaign",
                    "customer",
                    "trigger",
                    "channel",
                    "purpose",
                    "occasion",
                    "product",
                    "asset",
                    "ticket",
                ]
            },
        ),
        (
            _("Status"),
            {
                "fields": [
                    "status",
                    "reason",
                    "reason_detail",
                    "send_after",
                    "expires_at",
                    "attempts",
                    "last_error",
                    "claimed_at",
                    "claimed_by",
                ]
            },
        ),
        (_("Content"), {"fields": ["subject", "body", "html_body", "coupon_code"]}),
        (
            _("Delivery"),
            {
                "fields": [
                    "provider_id",
                    "provider_status",
                    "error_code",
                    "sent_at",
                    "delivered_at",
                    "converted_at",
                    "created_at",
                    "updated_at",
                ]
            },
        ),
    ]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        found, duplicates = super().get_search_results(request, queryset, search_term)
        occasion, _slash, channel = search_term.strip().rpartition("/")
        if occasion and channel in Channel.values:
            found |= queryset.filter(occasion_key=occasion, channel=channel)
        return found, duplicates

    @admin.display(description=_("customer"))
    def customer_link(self, obj: Message) -> SafeString | str:
        try:
            url = reverse("admin:crm_customer_change", args=[obj.customer_id])
        except NoReverseMatch:  # customers not registered in this admin site
            return str(obj.customer)
        return format_html('<a href="{}">{}</a>', url, obj.customer)


@admin.register(Coupon)
class CouponAdmin(ExactSearchMixin, BigListAdmin, ReadOnlyAdmin):
    list_display = ["code", "offer", "customer", "status", "issued_at", "redeemed_at"]
    list_filter = ["status", "offer"]
    search_fields = ["code", "customer__external_id"]
    search_help_text = _("A coupon's code or its customer's external id.")
    list_select_related = ["offer", "customer"]


MESSAGES_SHOWN = 20


def messages_context(customer, request=None) -> dict:
    """Context of templates/admin/care/story/messages.html (two queries, bounded rows)."""
    rows = customer.messages.select_related("campaign").order_by("-created_at", "-id")
    return {
        "messages_shown": list(rows[:MESSAGES_SHOWN]),
        "count": customer.messages.count(),
        "shown": MESSAGES_SHOWN,
        "all_url": reverse("admin:care_message_changelist")
        + f"?customer__id__exact={customer.pk}",
    }


CustomerAdmin.add_story_section(
    StorySection(
        "messages",
        _("Messages"),
        "admin/care/story/messages.html",
        messages_context,
        order=70,
    )
)
