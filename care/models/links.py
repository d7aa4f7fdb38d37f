"""Tracked links: a message's link to the shop, and the clicks on it (docs/results.md)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from care.models.choices import ClickScanner
from care.models.messages import Message


class TrackedLink(models.Model):
    """The n-th distinct link of a message; its short token is derived, never stored."""

    message = models.ForeignKey(
        Message,
        on_delete=models.CASCADE,
        related_name="links",
        verbose_name=_("message"),
        db_index=False,  # leads the unique constraint
    )
    position = models.PositiveSmallIntegerField(_("position"))
    url = models.URLField(_("destination"), max_length=2000)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("tracked link")
        verbose_name_plural = _("tracked links")
        constraints = [
            models.UniqueConstraint(
                fields=["message", "position"], name="care_link_position_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.message_id}#{self.position} {self.url}"


class Click(models.Model):
    """One request for a tracked link; `counted` only for a person's click."""

    link = models.ForeignKey(
        TrackedLink,
        on_delete=models.CASCADE,
        related_name="clicks",
        verbose_name=_("link"),
        db_index=False,
    )
    message = models.ForeignKey(
        Message,
        on_delete=models.CASCADE,
        related_name="clicks",
        verbose_name=_("message"),
        db_index=False,  # leads care_click_message_idx
    )
    clicked_at = models.DateTimeField(_("clicked at"))
    counted = models.BooleanField(_("counted"))
    scanner = models.CharField(
        _("not counted because"),
        max_length=12,
        choices=ClickScanner.choices,
        blank=True,
    )
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("click")
        verbose_name_plural = _("clicks")
        ordering = ["-clicked_at", "-id"]
        indexes = [
            models.Index(fields=["message", "counted"], name="care_click_message_idx"),
            models.Index(fields=["link"], name="care_click_link_idx"),
            models.Index(fields=["clicked_at"], name="care_click_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.link_id} at {self.clicked_at:%Y-%m-%d %H:%M:%S}"
