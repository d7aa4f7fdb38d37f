"""Admin pages for products, orders, assets and the read-only logs."""

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from crm.admin.filters import CouponFilter, CurrencyFilter, NextServiceFilter
from crm.admin.paging import BigListAdmin
from crm.admin.search import ExactSearchMixin
from crm.categories import category_name, category_names_forget
from crm.models import (
    Asset,
    BrowseEvent,
    Consent,
    Order,
    OrderLine,
    Product,
    ProductCategory,
)


class ReadOnlyMixin:
    """Nobody adds, changes or deletes here: the one read-only base of every app's admin."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """A log: rows arrive through the API and services, never by hand."""


@admin.register(Product)
class ProductAdmin(BigListAdmin):
    # A catalogue is thousands of rows, not millions: Django's own search
    # (name anywhere) and category filter (its distinct values) stay.
    list_display = ["sku", "name", "category_name", "price", "launched_at"]
    list_filter = ["category", ("launched_at", admin.DateFieldListFilter)]
    search_fields = ["=sku", "name"]
    ordering = ["sku"]
    readonly_fields = ["created_at", "updated_at"]

    @admin.display(description=_("category"), ordering="category")
    def category_name(self, product: Product) -> str:
        return category_name(product.category)


@admin.register(ProductCategory)
class ProductCategoryAdmin(admin.ModelAdmin):
    """The names customers and staff read for a category slug (crm.categories)."""

    list_display = ["slug", "name_en", "name_zh_hans"]
    search_fields = ["slug", "name_en", "name_zh_hans"]

    def save_model(self, request, obj, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        category_names_forget()


class OrderLineInline(ReadOnlyMixin, admin.TabularInline):
    """Lines as the shop sent them. Read-only: an editable product widget per line
    costs one query per line, and hand edits would drift from the shop's order."""

    model = OrderLine
    extra = 0
    fields = ["product", "quantity", "unit_price", "line_total"]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("product")

    @admin.display(description=_("line total"))
    def line_total(self, line: OrderLine):
        if line.unit_price is None or line.quantity is None:
            return "—"
        return line.unit_price * line.quantity


@admin.register(Order)
class OrderAdmin(ExactSearchMixin, BigListAdmin):
    list_display = [
        "external_id",
        "customer",
        "placed_at",
        "total",
        "currency",
        "coupon_code",
    ]
    list_filter = [
        ("placed_at", admin.DateFieldListFilter),
        CouponFilter,
        CurrencyFilter,
    ]
    list_select_related = ["customer"]
    search_fields = ["external_id", "customer__external_id", "coupon_code"]
    search_help_text = _("An order's or its customer's external id, or a coupon code.")
    autocomplete_fields = ["customer"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [OrderLineInline]
    ordering = ["-placed_at", "-id"]


@admin.register(Asset)
class AssetAdmin(ExactSearchMixin, BigListAdmin):
    list_display = [
        "name",
        "kind",
        "customer",
        "last_serviced_at",
        "service_interval_days",
        "next_service_on",
    ]
    list_filter = ["kind", NextServiceFilter]
    list_select_related = ["customer"]
    search_fields = ["external_id", "customer__external_id"]
    search_help_text = _("An asset's or its customer's external id.")
    autocomplete_fields = ["customer"]
    readonly_fields = ["next_service_on", "created_at", "updated_at"]
    ordering = ["next_service_on", "id"]


@admin.register(BrowseEvent)
class BrowseEventAdmin(ExactSearchMixin, BigListAdmin, ReadOnlyAdmin):
    list_display = ["occurred_at", "customer", "product"]
    list_filter = [("occurred_at", admin.DateFieldListFilter)]
    list_select_related = ["customer", "product"]
    search_fields = ["customer__external_id", "product__sku"]
    search_help_text = _("A customer's external id or a product's SKU.")
    ordering = ["-occurred_at", "-id"]


@admin.register(Consent)
class ConsentAdmin(ExactSearchMixin, BigListAdmin, ReadOnlyAdmin):
    list_display = [
        "recorded_at",
        "customer",
        "channel",
        "purpose",
        "granted",
        "source",
    ]
    list_filter = ["channel", "purpose", "granted"]
    list_select_related = ["customer"]
    search_fields = ["customer__external_id"]
    search_help_text = _("A customer's external id.")
    ordering = ["-recorded_at", "-id"]
