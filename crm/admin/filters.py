"""Changelist filters for the crm admin."""

import datetime as dt

from django.contrib import admin
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from crm.models import Channel, Consent, Purpose

GRANTED, WITHDRAWN, NEVER = "granted", "withdrawn", "none"
_STATE_LABELS = {
    GRANTED: _("{purpose}: granted"),
    WITHDRAWN: _("{purpose}: withdrawn"),
    NEVER: _("{purpose}: never asked"),
}


class BirthdayFilter(admin.SimpleListFilter):
    """Customers whose birthday falls in this or next month (site time zone)."""

    title = _("birthday")
    parameter_name = "birthday"

    def lookups(self, request, model_admin) -> list[tuple[str, str]]:
        return [("this_month", _("this month")), ("next_month", _("next month"))]

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        month = timezone.localdate().month
        if self.value() == "this_month":
            return queryset.filter(birth_month=month)
        if self.value() == "next_month":
            return queryset.filter(birth_month=month % 12 + 1)
        return queryset


class ConsentFilter(admin.SimpleListFilter):
    """The current (latest) consent decision for one channel, per purpose.

    Subclasses set `channel`; the value is "<purpose>:<granted|withdrawn|none>".
    An unknown value leaves the list unfiltered rather than failing.
    """

    channel: str = ""

    def lookups(self, request, model_admin) -> list[tuple[str, str]]:
        return [
            (f"{purpose.value}:{state}", format_lazy(label, purpose=purpose.label))
            for purpose in Purpose
            for state, label in _STATE_LABELS.items()
        ]

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        purpose, _sep, state = (self.value() or "").partition(":")
        if purpose not in Purpose.values or state not in _STATE_LABELS:
            return queryset
        alias = f"consent_{self.channel}_{purpose}"
        latest = Consent.objects.filter(
            customer=OuterRef("pk"), channel=self.channel, purpose=purpose
        ).order_by("-recorded_at", "-id")
        queryset = queryset.alias(**{alias: Subquery(latest.values("granted")[:1])})
        if state == NEVER:
            return queryset.filter(**{f"{alias}__isnull": True})
        return queryset.filter(**{alias: state == GRANTED})


class SmsConsentFilter(ConsentFilter):
    title = _("SMS consent")
    parameter_name = "sms_consent"
    channel = Channel.SMS


class EmailConsentFilter(ConsentFilter):
    title = _("email consent")
    parameter_name = "email_consent"
    channel = Channel.EMAIL


class RecentValuesFilter(admin.SimpleListFilter):
    """Choices: the distinct values among the newest SAMPLE rows (by primary key).

    A big table is never scanned for its distinct values (Django's default for
    a field without choices). A value that is not offered still filters when
    given in the address. Subclasses set `field`, `title` and `parameter_name`.
    """

    field: str = ""
    sample = 5_000

    @classmethod
    def of(cls, field: str, title: str) -> type["RecentValuesFilter"]:
        """A filter on `field`, whose address parameter is the field's name."""
        attributes = {"field": field, "title": title, "parameter_name": field}
        return type(f"Recent_{field}_Filter", (cls,), attributes)

    def lookups(self, request, model_admin) -> list[tuple[str, str]]:
        newest = model_admin.model._default_manager.order_by("-pk")
        values = set(newest.values_list(self.field, flat=True)[: self.sample])
        return [(value, value) for value in sorted(values - {"", None})]

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        if self.value() is None:
            return queryset
        return queryset.filter(**{self.field: self.value()})


class TimeZoneFilter(RecentValuesFilter):
    title = _("time zone")
    parameter_name = "time_zone"
    field = "time_zone"


class CurrencyFilter(RecentValuesFilter):
    title = _("currency")
    parameter_name = "currency"
    field = "currency"


class NextServiceFilter(admin.SimpleListFilter):
    """Assets by how soon their next service is due."""

    title = _("next service")
    parameter_name = "next_service"

    def lookups(self, request, model_admin) -> list[tuple[str, str]]:
        return [
            ("overdue", _("overdue")),
            ("7", _("within 7 days")),
            ("30", _("within 30 days")),
            ("unknown", _("unknown")),
        ]

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        today = timezone.localdate()
        value = self.value()
        if value == "overdue":
            return queryset.filter(next_service_on__lt=today)
        if value in ("7", "30"):
            until = today + dt.timedelta(days=int(value))
            return queryset.filter(next_service_on__range=(today, until))
        if value == "unknown":
            return queryset.filter(next_service_on__isnull=True)
        return queryset


class CouponFilter(admin.SimpleListFilter):
    title = _("coupon")
    parameter_name = "coupon"

    def lookups(self, request, model_admin) -> list[tuple[str, str]]:
        return [("yes", _("with a coupon")), ("no", _("without a coupon"))]

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            # A range on coupon_code's index (an inequality would read every order).
            return queryset.filter(coupon_code__gt="")
        if self.value() == "no":
            return queryset.filter(coupon_code="")
        return queryset
