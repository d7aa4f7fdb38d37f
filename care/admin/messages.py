"""Admin for the message log and coupons (read-only), and the customer page's messages."""

from django.contrib import admin
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from care.models import Coupon, Message
from crm.admin import CustomerAdmin, ReadOnlyAdmin, StorySection


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
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
    list_filter = ["status", "reason", "channel", "purpose", "trigger", "campaign"]
    search_fields = ["key", "customer__external_id", "provider_id", "coupon_code"]
    list_select_related = ["customer", "campaign"]
    show_full_result_count = False
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

    @admin.display(description=_("customer"), ordering="customer__external_id")
    def customer_link(self, obj: Message) -> SafeString | str:
        try:
            url = reverse("admin:crm_customer_change", args=[obj.customer_id])
        except NoReverseMatch:  # customers not registered in this admin site
            return str(obj.customer)
        return format_html('<a href="{}">{}</a>', url, obj.customer)


@admin.register(Coupon)
class CouponAdmin(ReadOnlyAdmin):
    list_display = ["code", "offer", "customer", "status", "issued_at", "redeemed_at"]
    list_filter = ["status", "offer"]
    search_fields = ["code", "customer__external_id"]
    list_select_related = ["offer", "customer"]
    show_full_result_count = False


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
