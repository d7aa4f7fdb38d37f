"""Customer page sections: surveys with their answers, and recovery cases."""

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.admin import CustomerAdmin, StorySection, changelist_url
from crm.models import Customer

SHOWN = 20


def surveys_context(customer: Customer, request: HttpRequest) -> dict[str, Any]:
    surveys = customer.surveys.select_related("ticket").order_by("-created_at", "-id")
    return {
        "surveys": list(surveys[:SHOWN]),
        "count": customer.surveys.count(),
        "shown": SHOWN,
        "all_url": changelist_url("care_survey", customer),
    }


def cases_context(customer: Customer, request: HttpRequest) -> dict[str, Any]:
    cases = customer.recovery_cases.select_related("ticket", "assignee", "goodwill")
    now = timezone.now()
    rows = [
        {"case": case, "overdue": case.is_overdue(now)}
        for case in cases.order_by("-opened_at", "-id")[:SHOWN]
    ]
    return {
        "rows": rows,
        "count": customer.recovery_cases.count(),
        "shown": SHOWN,
        "all_url": changelist_url("care_recoverycase", customer),
    }


def register_story_sections() -> None:
    CustomerAdmin.add_story_section(
        StorySection(
            "surveys",
            _("Surveys and answers"),
            "admin/care/story/surveys.html",
            surveys_context,
            order=65,
        )
    )
    CustomerAdmin.add_story_section(
        StorySection(
            "recovery",
            _("Recovery cases"),
            "admin/care/story/recovery.html",
            cases_context,
            order=66,
        )
    )
