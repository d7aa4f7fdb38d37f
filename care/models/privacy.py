"""Proof that a data-subject erasure was carried out (docs/privacy.md)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ErasureRecord(models.Model):
    """One erasure: who asked, when, and how many rows of each kind were removed.

    Holds no personal data beyond a hash of the external id, so staff can
    answer "was X erased, and when?" after X is gone.
    """

    subject_hash = models.CharField(
        _("hashed external id"), max_length=64, db_index=True
    )
    erased_at = models.DateTimeField(_("erased at"))
    requested_by = models.CharField(_("requested by"), max_length=200)
    counts = models.JSONField(_("rows removed per model"), default=dict, blank=True)

    class Meta:
        verbose_name = _("erasure record")
        verbose_name_plural = _("erasure records")
        ordering = ["-erased_at", "-id"]
        permissions = [
            ("erase_customer", _("Can erase a customer's personal data")),
            ("export_customer", _("Can export a customer's personal data")),
        ]

    def __str__(self) -> str:
        return f"{self.subject_hash[:12]}… {self.erased_at:%Y-%m-%d %H:%M}"
