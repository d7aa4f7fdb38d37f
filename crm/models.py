"""Customer data pushed by the shop, POS and helpdesk. Knows nothing of outreach."""

from datetime import date, timedelta

from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from crm.querysets import ConsentQuerySet, CustomerQuerySet


class Locale(models.TextChoices):
    ZH_HANS = "zh-hans", _("Simplified Chinese")
    EN = "en", _("English")


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")


class Purpose(models.TextChoices):
    SERVICE = "service", _("Service")
    MARKETING = "marketing", _("Marketing")


class Customer(models.Model):
    external_id = models.CharField(_("external id"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    phone = models.CharField(
        _("phone"), max_length=20, blank=True, help_text=_("E.164")
    )
    # Set when the SMS provider refuses the number for good (invalid, not a
    # mobile); cleared when the phone number changes.
    phone_unusable_reason = models.CharField(
        _("phone unusable because"), max_length=200, blank=True
    )
    phone_unusable_at = models.DateTimeField(
        _("phone unusable since"), null=True, blank=True
    )
    email = models.EmailField(_("email"), blank=True)
    # Set when the email provider reports a hard bounce; cleared when the
    # address changes (as for the phone above).
    # db_default: rows written by bare SQL (benchmarks, bulk loaders) need no value.
    email_unusable_reason = models.CharField(
        _("email unusable because"), max_length=200, blank=True, default="", db_default=""
    )
    email_unusable_at = models.DateTimeField(
        _("email unusable since"), null=True, blank=True
    )
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    # Month and day are kept apart so the birthday trigger is an indexed range
    # query, whatever the year of birth.
    birth_month = models.PositiveSmallIntegerField(
        null=True, blank=True, editable=False
    )
    birth_day = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        help_text=_("IANA name; blank uses TIME_ZONE"),
    )
    locale = models.CharField(
        _("language"), max_length=8, choices=Locale.choices, default=Locale.ZH_HANS
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = CustomerQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        # The admin's search (crm/admin/search.py): phone and email exactly
        # (email in any case), external id by its start (its unique index has a
        # LIKE twin on PostgreSQL); names through a trigram index on UPPER(name),
        # PostgreSQL only (migration 0004). One plain index each: db_index=True
        # would add an unused LIKE twin on PostgreSQL.
        indexes = [
            models.Index(
                fields=["birth_month", "birth_day"], name="crm_customer_birth_idx"
            ),
            models.Index(fields=["name"], name="crm_customer_name_idx"),
            models.Index(fields=["phone"], name="crm_customer_phone_idx"),
            models.Index(Upper("email"), name="crm_customer_email_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name or self.external_id} ({self.external_id})"

    def save(self, *args, **kwargs) -> None:
        self.sync_birth_parts()
        super().save(*args, **kwargs)

    def sync_birth_parts(self) -> None:
        """Keep the indexed month/day in step with the birthday (bulk paths call this too)."""
        self.birth_month = self.birthday.month if self.birthday else None
        self.birth_day = self.birthday.day if self.birthday else None


class Consent(models.Model):
    """One consent decision; the history is kept and the latest row wins."""

    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        related_name="consents",
        verbose_name=_("customer"),
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    purpose = models.CharField(_("purpose"), max_length=12, choices=Purpose.choices)
    granted = models.BooleanField(_("granted"))
    source = models.CharField(
        _("source"), max_length=100, help_text=_("where the decision was made")
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    objects = ConsentQuerySet.as_manager()

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-recorded_at", "-id"]
        indexes = [
            models.Index(
                fields=["customer", "channel", "purpose", "-recorded_at"],
                name="crm_consent_latest_idx",
            ),
            # The admin's list, newest first.
            models.Index(fields=["recorded_at", "id"], name="crm_consent_recorded_idx"),
        ]

    def __str__(self) -> str:
        verb = _("granted") if self.granted else _("withdrawn")
        return f"{self.channel}/{self.purpose} {verb} ({self.source})"


class ProductCategory(models.Model):
    """A category's name per language; products name their category by slug.

    Customers and staff see the name, never the slug (a product whose
    category has no row shows its slug made readable: "home-appliances" ->
    "Home appliances").
    """

    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_zh_hans = models.CharField(_("name (Simplified Chinese)"), max_length=100)

    class Meta:
        verbose_name = _("product category")
        verbose_name_plural = _("product categories")
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.name_en

    def name_in(self, locale: str) -> str:
        return self.name_zh_hans if locale.startswith("zh") else self.name_en


def slug_readable(slug: str) -> str:
    """ "home-appliances" -> "Home appliances": for a category without names."""
    return slug.replace("-", " ").replace("_", " ").strip().capitalize()


class Product(models.Model):
    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    category = models.CharField(
        _("category"), max_length=100, blank=True, db_index=True
    )
    price = models.DecimalField(
        _("price"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    launched_at = models.DateTimeField(
        _("launched at"), null=True, blank=True, db_index=True
    )
    # The product's page in the shop: where a tracked link about it leads.
    # Checked by crm.validation.clean_web_url (the API schema states the same).
    url = models.CharField(_("page"), max_length=500, blank=True, default="", db_default="")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return f"{self.name} ({self.sku})"


class Order(models.Model):
    external_id = models.CharField(_("external id"), max_length=64, unique=True)
    # No index of its own: crm_order_rfm_idx leads with the customer.
    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        related_name="orders",
        verbose_name=_("customer"),
        db_index=False,
    )
    placed_at = models.DateTimeField(_("placed at"))
    total = models.DecimalField(_("total"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    coupon_code = models.CharField(
        _("coupon code"), max_length=64, blank=True, db_index=True
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        indexes = [
            # RFM reads every order in this order with its total from the index
            # alone (PostgreSQL's INCLUDE; SQLite keeps the two key columns).
            models.Index(
                fields=["customer", "placed_at"],
                include=["total"],
                name="crm_order_rfm_idx",
            ),
            # Date ranges, and the admin's list (newest first, then by id).
            models.Index(fields=["placed_at", "id"], name="crm_order_placed_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.external_id} {self.total} {self.currency}"


class OrderLine(models.Model):
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="lines", verbose_name=_("order")
    )
    product = models.ForeignKey(
        Product,
        on_delete=models.PROTECT,
        related_name="order_lines",
        verbose_name=_("product"),
    )
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")

    def __str__(self) -> str:
        return f"{self.quantity} x {self.product_id}"


class BrowseEvent(models.Model):
    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        related_name="browse_events",
        verbose_name=_("customer"),
    )
    product = models.ForeignKey(
        Product,
        on_delete=models.CASCADE,
        related_name="browse_events",
        verbose_name=_("product"),
    )
    occurred_at = models.DateTimeField(_("occurred at"))
    # The sender's own event id, when given, makes a retried batch harmless.
    event_id = models.CharField(
        _("event id"), max_length=100, null=True, blank=True, unique=True
    )

    class Meta:
        verbose_name = _("browse event")
        verbose_name_plural = _("browse events")
        indexes = [
            models.Index(
                fields=["customer", "product", "occurred_at"],
                name="crm_browse_cust_prod_idx",
            ),
            models.Index(fields=["occurred_at", "id"], name="crm_browse_occurred_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} viewed {self.product_id} at {self.occurred_at:%Y-%m-%d %H:%M}"


class AssetKind(models.TextChoices):
    VEHICLE = "vehicle", _("Vehicle")
    APPLIANCE = "appliance", _("Appliance")
    OTHER = "other", _("Other")


class Asset(models.Model):
    external_id = models.CharField(_("external id"), max_length=64, unique=True)
    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        related_name="assets",
        verbose_name=_("customer"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=AssetKind.choices)
    name = models.CharField(_("name"), max_length=200)
    last_serviced_at = models.DateField(_("last serviced on"), null=True, blank=True)
    service_interval_days = models.PositiveIntegerField(_("service interval (days)"))
    # Derived (last service + interval) and stored, so the maintenance trigger
    # is an indexed range query.
    next_service_on = models.DateField(
        _("next service on"), null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("asset")
        verbose_name_plural = _("assets")
        indexes = [
            # The maintenance trigger's date range and the admin's list order.
            models.Index(
                fields=["next_service_on", "id"], name="crm_asset_next_service_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    def save(self, *args, **kwargs) -> None:
        self.sync_next_service()
        super().save(*args, **kwargs)

    def sync_next_service(self) -> None:
        self.next_service_on = next_service_date(
            self.last_serviced_at, self.service_interval_days
        )


def next_service_date(
    last_serviced: date | None, interval_days: int | None
) -> date | None:
    if last_serviced is None or not interval_days:
        return None
    return last_serviced + timedelta(days=interval_days)
