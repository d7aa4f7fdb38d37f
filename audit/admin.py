"""The audit trail in the admin: read by whoever holds audit.view_auditentry (managers).

Nobody adds, changes or deletes an entry here, superusers included.
"""

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = [
        "at",
        "actor",
        "ip",
        "action",
        "target_type",
        "target_id",
        "target_label",
    ]
    list_filter = ["action", "target_type", ("at", admin.DateFieldListFilter)]
    search_fields = ["=target_id", "actor", "=ip"]
    search_help_text = _(
        "A customer: the SHA-256 hash of their external id (docs/privacy.md); "
        "a campaign: its id; or a username."
    )
    date_hierarchy = "at"
    show_full_result_count = False
    readonly_fields = [f.name for f in AuditEntry._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
