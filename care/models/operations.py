"""What the running processes say about themselves: the last run of each one."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    """The last run of a scheduled task or a dispatch process, one row per name.

    A row whose `finished_at` stops moving is a process or a cluster that has
    stalled (django-q2 issues #23 and #339): a fact kept in the database, which
    outlives the process that wrote it, unlike a cache entry.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    duration_s = models.FloatField(_("duration (s)"), null=True, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
