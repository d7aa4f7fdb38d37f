"""Erasure records, and the customer page's privacy section: export and erase."""

import json
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from care.models import ErasureRecord
from care.privacy import ErasureBlocked, customer_erase, customer_export
from crm.admin import CustomerAdmin, ReadOnlyAdmin, StorySection
from crm.models import Customer

ERASE_PERMISSION = "care.erase_customer"
EXPORT_PERMISSION = "care.export_customer"


@admin.register(ErasureRecord)
class ErasureRecordAdmin(ReadOnlyAdmin):
    list_display = ["erased_at", "subject_hash", "requested_by"]
    search_fields = ["=subject_hash", "requested_by"]
    search_help_text = gettext_lazy(
        "The SHA-256 hash of the external id (see docs/privacy.md)."
    )

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "export/<int:customer_id>/",
                view(self.export_view),
                name="care_customer_export",
            ),
            path(
                "erase/<int:customer_id>/",
                view(self.erase_view),
                name="care_customer_erase",
            ),
            *super().get_urls(),
        ]

    def export_view(self, request: HttpRequest, customer_id: int) -> HttpResponse:
        if not request.user.has_perm(EXPORT_PERMISSION):
            raise PermissionDenied
        customer = get_object_or_404(Customer, pk=customer_id)
        body = json.dumps(
            customer_export(customer=customer), ensure_ascii=False, indent=2
        )
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="customer-{customer.pk}.json"'
        )
        return response

    def erase_view(self, request: HttpRequest, customer_id: int) -> HttpResponse:
        if not request.user.has_perm(ERASE_PERMISSION):
            raise PermissionDenied
        customer = get_object_or_404(Customer, pk=customer_id)
        if request.method != "POST":
            context = {
                **self.admin_site.each_context(request),
                "title": _("Erase customer"),
                "customer": customer,
                "opts": Customer._meta,
            }
            return TemplateResponse(request, "admin/care/erase_confirm.html", context)
        return self._erase(request, customer)

    def _erase(self, request: HttpRequest, customer: Customer) -> HttpResponse:
        try:
            record = customer_erase(
                customer=customer, requested_by=f"{request.user.get_username()} (admin)"
            )
        except ErasureBlocked as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return HttpResponseRedirect(
                reverse("admin:crm_customer_change", args=[customer.pk])
            )
        self.message_user(
            request,
            _("Customer erased: %(n)s rows removed (erasure record %(pk)s).")
            % {"n": sum(record.counts.values()), "pk": record.pk},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:crm_customer_changelist"))


def privacy_context(customer: Customer, request: HttpRequest) -> dict[str, Any]:
    return {
        "export_url": reverse("admin:care_customer_export", args=[customer.pk]),
        "erase_url": reverse("admin:care_customer_erase", args=[customer.pk]),
        "can_export": request.user.has_perm(EXPORT_PERMISSION),
        "can_erase": request.user.has_perm(ERASE_PERMISSION),
    }


CustomerAdmin.add_story_section(
    StorySection(
        "privacy",
        gettext_lazy("Privacy"),
        "admin/care/story/privacy.html",
        privacy_context,
        order=95,
    )
)
