"""One audit entry per thing done to a customer's data, a campaign or a goodwill coupon.

Append-only: the model refuses updates and deletes (the admin shows it
read-only, even to superusers), and on PostgreSQL a trigger refuses them too
(migration 0001). No foreign keys: an entry must outlive the user, the
customer and the campaign it names.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnly(Exception):
    """An audit entry was about to be changed or deleted."""


class Action(models.TextChoices):
    CUSTOMER_VIEW = "customer_view", _("customer viewed")
    CUSTOMER_EXPORT = "customer_export", _("customer exported")
    CUSTOMER_ERASE = "customer_erase", _("customer erased")
    CONSENT_CHANGE = "consent_change", _("consent changed")
    CAMPAIGN_SUBMIT = "campaign_submit", _("campaign submitted")
    CAMPAIGN_APPROVE = "campaign_approve", _("campaign approved")
    CAMPAIGN_PAUSE = "campaign_pause", _("campaign paused")
    CAMPAIGN_RESUME = "campaign_resume", _("campaign resumed")
    CAMPAIGN_ARCHIVE = "campaign_archive", _("campaign archived")
    CAMPAIGN_EDIT = "campaign_edit", _("approved campaign edited")
    GOODWILL_PROPOSE = "goodwill_propose", _("goodwill proposed")
    GOODWILL_APPROVE = "goodwill_approve", _("goodwill approved")


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs) -> int:
        raise AppendOnly("audit entries are never changed")

    def delete(self):
        raise AppendOnly("audit entries are never deleted")


class AuditEntry(models.Model):
    at = models.DateTimeField(_("when"), db_index=True)
    actor = models.CharField(
        _("who"),
        max_length=150,
        help_text=_("a username, api:<token name>, command:<name> or system"),
    )
    actor_id = models.BigIntegerField(_("user id"), null=True, blank=True)
    ip = models.GenericIPAddressField(_("from (IP)"), null=True, blank=True)
    action = models.CharField(
        _("what"), max_length=32, choices=Action.choices, db_index=True
    )
    target_type = models.CharField(_("kind of record"), max_length=32)
    target_id = models.CharField(
        _("record"),
        max_length=64,
        db_index=True,
        help_text=_("customers: the SHA-256 hash of the external id"),
    )
    target_label = models.CharField(
        _("label"), max_length=200, blank=True, help_text=_("never personal data")
    )
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-at", "-id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return (
            f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.target_id[:12]}"
        )

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise AppendOnly("audit entries are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("audit entries are never deleted")
