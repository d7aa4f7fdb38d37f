"""Admin for offers: editing one holds the approved campaigns that use it."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from care.models import Offer
from care.outreach.approval import offer_edited


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "description",
        "description_zh_hans",
        "code_prefix",
        "valid_days",
    ]
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
