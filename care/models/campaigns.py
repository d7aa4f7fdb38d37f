"""Campaigns: what to say, to whom, when, over which channels."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from care.models.choices import CampaignStatus, TriggerKind
from crm.models import Channel, Locale, Purpose


class Offer(models.Model):
    """A coupon offer: each sent message carries its own single-use code."""

    name = models.CharField(_("name"), max_length=200)
    description = models.CharField(
        _("description (English)"),
        max_length=300,
        help_text=_("shown to English readers, e.g. 20% off"),
    )
    description_zh_hans = models.CharField(
        _("description (Simplified Chinese)"),
        max_length=300,
        blank=True,
        help_text=_("shown to Chinese readers, e.g. 八折; blank: the English one"),
    )
    code_prefix = models.CharField(_("code prefix"), max_length=12, default="PC")
    valid_days = models.PositiveIntegerField(_("valid for (days)"), default=30)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")

    def __str__(self) -> str:
        return gettext(self.name) if self.name else ""


class Campaign(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(
        _("slug"),
        max_length=100,
        unique=True,
        help_text=_("stable name used by playbooks"),
    )
    trigger = models.CharField(_("trigger"), max_length=20, choices=TriggerKind.choices)
    params = models.JSONField(
        _("trigger settings"),
        default=dict,
        blank=True,
        help_text=_("missing settings take the trigger's defaults"),
    )
    purpose = models.CharField(_("purpose"), max_length=12, choices=Purpose.choices)
    channels = models.JSONField(
        _("channels"),
        default=list,
        help_text=_('in order of preference, e.g. ["sms", "email"]'),
    )
    audience = models.JSONField(
        _("audience"),
        default=dict,
        blank=True,
        help_text=_('filters, e.g. {"segments": ["champions"], "locales": ["en"]}'),
    )
    offer = models.ForeignKey(
        Offer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="campaigns",
        verbose_name=_("offer"),
    )
    holdout_percent = models.PositiveSmallIntegerField(
        _("holdout (%)"),
        null=True,
        blank=True,
        help_text=_("blank: 10% for marketing, 0% for service"),
    )
    # Campaigns of one conflict group never both write to a customer about the
    # same occasion: the higher priority wins (care.outbox.setwise).
    conflict_group = models.SlugField(
        _("conflict group"),
        max_length=50,
        blank=True,
        help_text=_(
            "campaigns of one group send a customer at most one message per "
            "occasion, e.g. birthday"
        ),
    )
    priority = models.SmallIntegerField(
        _("priority"),
        default=0,
        blank=True,  # a form that leaves it out keeps the default
        help_text=_("within a conflict group, the higher priority wins"),
    )
    # Tracked links (docs/results.md): blank follows the purpose.
    track_links = models.BooleanField(
        _("track links"),
        null=True,
        blank=True,
        help_text=_("blank: on for marketing, off for service"),
    )
    attribution_days = models.PositiveSmallIntegerField(
        _("attribution window (days)"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text=_("an order this many days after a message counts as a conversion"),
    )
    starts_at = models.DateTimeField(_("starts"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=CampaignStatus.choices,
        default=CampaignStatus.DRAFT,
        db_index=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    # What was approved: the hash of the content (care.outreach.approval). A
    # campaign whose content no longer hashes to it does not send.
    approved_hash = models.CharField(
        _("approved content"), max_length=64, blank=True, editable=False
    )
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("last edited by"),
        help_text=_("may not approve the campaign"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["name"]
        permissions = [
            ("approve_campaign", _("Can approve campaigns")),
            ("view_dashboard", _("Can see the managers' dashboard")),
        ]

    def __str__(self) -> str:
        # A standard playbook's name (care.outreach.playbooks marks them for
        # translation) reads in the staff member's language; others as typed.
        return gettext(self.name) if self.name else ""

    @property
    def holdout_share(self) -> float:
        if self.holdout_percent is not None:
            return self.holdout_percent / 100
        return 0.10 if self.purpose == Purpose.MARKETING else 0.0

    @property
    def tracks_links(self) -> bool:
        if self.track_links is not None:
            return self.track_links
        return self.purpose == Purpose.MARKETING


class MessageTemplate(models.Model):
    """The copy of one campaign for one channel and language (Django template syntax)."""

    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.CASCADE,
        related_name="templates",
        verbose_name=_("campaign"),
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    locale = models.CharField(_("language"), max_length=8, choices=Locale.choices)
    subject = models.CharField(
        _("subject"), max_length=300, blank=True, help_text=_("email only")
    )
    body = models.TextField(_("body"))
    html_body = models.TextField(
        _("HTML body"), blank=True, help_text=_("email only, optional")
    )

    class Meta:
        verbose_name = _("template")
        verbose_name_plural = _("templates")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "channel", "locale"], name="care_template_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.channel}/{self.locale}"
