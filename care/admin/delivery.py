"""Admin for delivery receipts and inbound SMS, and the replies section of the customer page."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from care.models import DeliveryEvent, InboundMessage
from crm.admin import (
    BigListAdmin,
    CustomerAdmin,
    ExactSearchMixin,
    ReadOnlyAdmin,
    RecentValuesFilter,
    StorySection,
    changelist_url,
)
from crm.models import Customer

REPLIES_SHOWN = 20


ReceiptStatusFilter = RecentValuesFilter.of("status", _("status"))
ErrorCodeFilter = RecentValuesFilter.of("error_code", _("error code"))


@admin.register(DeliveryEvent)
class DeliveryEventAdmin(ExactSearchMixin, BigListAdmin, ReadOnlyAdmin):
    """Receipts: one or more per sent message, so as many rows as the outbox."""

    list_display = ["received_at", "provider_id", "status", "error_code", "message"]
    list_filter = [ReceiptStatusFilter, ErrorCodeFilter]
    search_fields = ["provider_id"]
    list_select_related = ["message"]
    sortable_by = ["received_at"]


@admin.register(InboundMessage)
class InboundMessageAdmin(ExactSearchMixin, BigListAdmin, ReadOnlyAdmin):
    list_display = ["received_at", "from_number", "customer", "kind", "body"]
    list_filter = ["kind"]
    search_fields = ["from_number", "customer__external_id"]
    # Replies are a small share of the outbox: their text is read whole.
    search_text_fields = ["body"]
    list_select_related = ["customer"]


def replies_context(customer: Customer, request: HttpRequest) -> dict[str, Any]:
    rows = customer.inbound_messages.order_by("-received_at", "-id")
    return {
        "replies": list(rows[:REPLIES_SHOWN]),
        "count": customer.inbound_messages.count(),
        "shown": REPLIES_SHOWN,
        "all_url": changelist_url("care_inboundmessage", customer),
    }


CustomerAdmin.add_story_section(
    StorySection(
        "replies",
        _("SMS replies"),
        "admin/care/story/replies.html",
        replies_context,
        order=75,
    )
)
