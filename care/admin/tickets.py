"""Admin for tickets, and the tickets section of the customer page."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from care.models import Ticket
from crm.admin import (
    BigListAdmin,
    CustomerAdmin,
    ExactSearchMixin,
    RecentValuesFilter,
    StorySection,
    changelist_url,
)
from crm.models import Customer

TICKETS_SHOWN = 20


AgentFilter = RecentValuesFilter.of("agent", _("agent"))


@admin.register(Ticket)
class TicketAdmin(ExactSearchMixin, BigListAdmin):
    list_display = [
        "external_id",
        "subject",
        "customer",
        "status",
        "agent",
        "opened_at",
        "resolved_at",
        "first_contact_resolution",
    ]
    list_filter = [
        "status",
        AgentFilter,
        ("resolved_at", admin.DateFieldListFilter),
        "first_contact_resolution",
    ]
    list_select_related = ["customer"]
    search_fields = ["external_id", "customer__external_id"]
    search_text_fields = ["subject"]
    autocomplete_fields = ["customer"]
    readonly_fields = ["reopened_count", "created_at", "updated_at"]
    ordering = ["-opened_at", "-id"]


def tickets_context(customer: Customer, request: HttpRequest) -> dict[str, Any]:
    tickets = customer.tickets.order_by("-opened_at", "-id")
    return {
        "tickets": list(tickets[:TICKETS_SHOWN]),
        "count": customer.tickets.count(),
        "shown": TICKETS_SHOWN,
        "all_url": changelist_url("care_ticket", customer),
    }


CustomerAdmin.add_story_section(
    StorySection(
        "tickets",
        _("Tickets"),
        "admin/care/story/tickets.html",
        tickets_context,
        order=60,
    )
)
