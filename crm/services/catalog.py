"""Products and orders."""

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Customer, Order, OrderLine, Product
from crm.services.bulk import CleanItem, Plan, bulk_upsert, clean_id, customers_by_id
from crm.services.common import (
    ItemResult,
    clean_fields,
    customer_ref,
    first_error,
    locked_or_new,
    optional,
    past_datetime,
    products_by_sku,
    rejected,
    require,
    retry_on_conflict,
    save_clean,
)
from crm.validation import (
    FieldErrors,
    clean_currency,
    clean_datetime,
    clean_decimal,
    clean_external_id,
    clean_int,
    clean_text,
    clean_web_url,
)

MAX_LINES = 500
MAX_QUANTITY = 1_000_000


def _product_cleaners() -> dict:
    return {
        "name": lambda v: clean_text(v, max_length=200, required=True),
        "category": lambda v: clean_text(v, max_length=100),
        "url": clean_web_url,
        "price": optional(clean_decimal),
        "launched_at": optional(
            lambda v: clean_datetime(v, timezone.get_default_timezone())
        ),
    }


@retry_on_conflict
def product_upsert(*, sku: str, **fields: Any) -> tuple[Product, bool]:
    """Create or update the product `sku`; fields left out keep their value."""
    errors = FieldErrors()
    sku = errors.check("sku", clean_external_id, sku)
    values = clean_fields(fields, _product_cleaners(), errors)
    errors.raise_if_any()
    with transaction.atomic():
        product = locked_or_new(Product, sku=sku)
        require(values, ["name"], product, errors)
        errors.raise_if_any()
        created = product.pk is None
        for name, value in values.items():
            setattr(product, name, value)
        save_clean(product)
    return product, created


def _order_cleaners(customers: Mapping[str, Customer]) -> dict:
    return {
        "customer": lambda v: customer_ref(v, customers),
        "placed_at": past_datetime,
        "total": clean_decimal,
        "currency": clean_currency,
        "coupon_code": lambda v: clean_text(v, max_length=64),
        "items": lambda v: v,  # checked line by line in _clean_items
    }


def order_upsert(*, external_id: str, **fields: Any) -> tuple[Order, bool]:
    """Create or update the order `external_id`; return it and whether it was created.

    `items` ([{product (a SKU), quantity, unit_price}]), when given, replaces
    every line at once; a unit price left out is the product's price. The
    rules of orders_upsert_batch: this is a batch of one.
    """
    [result] = orders_upsert_batch(items=[{"external_id": external_id, **fields}])
    if result.status == 422:
        raise first_error(result)
    return result.obj, result.status == 201


def orders_upsert_batch(*, items: Sequence[Mapping[str, Any]]) -> list[ItemResult]:
    """Upsert each item ({external_id, ...the fields of order_upsert}).

    Answer per index: 201 created, 200 updated, or 422 with the item's errors.
    """
    customers = customers_by_id(items)
    skus = [
        line.get("product", line.get("sku"))
        for item in items
        if isinstance(item.get("items"), list)
        for line in item["items"]
        if isinstance(line, Mapping)
    ]
    products = products_by_sku(s for s in skus if isinstance(s, str))
    cleaned = [
        _order_clean(index, item, customers, products)
        for index, item in enumerate(items)
    ]
    valid = [c for c in cleaned if isinstance(c, CleanItem)]
    written = {r.index: r for r in bulk_upsert(ORDERS, valid)}
    return [written[c.index] if isinstance(c, CleanItem) else c for c in cleaned]


def _order_clean(
    index: int, item: Mapping[str, Any], customers: Mapping, products: Mapping
) -> CleanItem | ItemResult:
    fields = dict(item)
    external_id = clean_id(index, fields.pop("external_id", None))
    if isinstance(external_id, ItemResult):
        return external_id
    errors = FieldErrors()
    values = clean_fields(fields, _order_cleaners(customers), errors)
    lines = (
        _clean_items(values.pop("items"), errors, products)
        if "items" in values
        else None
    )
    if errors.errors:
        return rejected(index, external_id, errors.errors)
    return CleanItem(index, external_id, values, beside=lines)


def _lines_replace(accepted: list[tuple[CleanItem, Order]]) -> None:
    """Replace the lines of every order that was sent with `items`."""
    replaced = [(item, order) for item, order in accepted if item.beside is not None]
    OrderLine.objects.filter(order__in=[order for _i, order in replaced]).delete()
    lines = []
    for item, order in replaced:
        for line in item.beside:
            line.order = order
            lines.append(line)
    OrderLine.objects.bulk_create(lines)


ORDERS = Plan(
    model=Order,
    required=["customer", "placed_at", "total"],
    columns=["customer", "placed_at", "total", "currency", "coupon_code"],
    beside=_lines_replace,
    resolved=["customer"],
)


def _clean_items(
    items: Any, errors: FieldErrors, products: Mapping[str, Product]
) -> list[OrderLine]:
    if not isinstance(items, Sequence) or isinstance(items, str | bytes):
        errors.add("items", _("Expected a list of {product, quantity, unit_price}."))
        return []
    if len(items) > MAX_LINES:
        errors.add("items", _("At most %(max)d lines per order.") % {"max": MAX_LINES})
        return []
    return [
        line
        for index, item in enumerate(items)
        if (line := _clean_line(item, products, errors, f"items.{index}")) is not None
    ]


def _clean_line(
    item: Any, products: dict, errors: FieldErrors, prefix: str
) -> OrderLine | None:
    if not isinstance(item, Mapping):
        errors.add(
            prefix, _("Expected an object with product, quantity and unit_price.")
        )
        return None
    for name in sorted(set(item) - {"product", "sku", "quantity", "unit_price"}):
        errors.add(f"{prefix}.{name}", _("Unknown field."))
    sku = errors.check(
        f"{prefix}.product", clean_external_id, item.get("product", item.get("sku"))
    )
    product = products.get(sku)
    if sku is not None and product is None:
        errors.add(f"{prefix}.product", _("Unknown product %(sku)r.") % {"sku": sku})
    quantity = errors.check(
        f"{prefix}.quantity",
        clean_int,
        item.get("quantity", 1),
        minimum=1,
        maximum=MAX_QUANTITY,
    )
    price = item.get("unit_price")
    if price is None and product is None:
        return None  # the unknown product is the error worth naming
    if price is None and product.price is not None:
        price = product.price
    unit_price: Decimal | None = errors.check(
        f"{prefix}.unit_price", clean_decimal, price
    )
    if product is None or quantity is None or unit_price is None:
        return None
    return OrderLine(product=product, quantity=quantity, unit_price=unit_price)
