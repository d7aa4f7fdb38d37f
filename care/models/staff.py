"""What we keep about a staff member beyond Django's user: a phone for test sends."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class StaffProfile(models.Model):
    """One per staff user, made by `add_staff`; the email stays on the user itself
    (Django's own field, which the admin's test send already reads)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff_profile",
        verbose_name=_("user"),
    )
    phone = models.CharField(
        _("phone"), max_length=20, blank=True, help_text=_("E.164")
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")

    def __str__(self) -> str:
        return str(self.user)
