"""Helpers shared by the write services: cleaning, references, locked upserts."""

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Customer, Product
from crm.validation import FieldErrors, clean_datetime, clean_external_id

M = TypeVar("M", bound=models.Model)


@dataclass
class ItemResult:
    """The answer for one item of a batch."""

    index: int
    external_id: Any
    status: int  # 201 created, 200 updated, 422 rejected
    errors: dict[str, list[str]] = field(default_factory=dict)
    obj: Any = None
    # A customer's current consent decisions, when the write already knows them.
    consents: list | None = None


def rejected(
    index: int, external_id: Any, errors: Mapping[str, list[str]]
) -> ItemResult:
    return ItemResult(index, external_id, 422, dict(errors))


def first_error(result: ItemResult) -> ValidationError:
    """The single endpoint's error for a rejected item."""
    return ValidationError(result.errors or {"__all__": [_("Rejected.")]})


# Clocks of shops and helpdesks drift; more than this ahead is a wrong date.
FUTURE_SKEW = dt.timedelta(minutes=10)

Cleaners = Mapping[str, Callable[[Any], Any]]


def clean_fields(
    fields: Mapping[str, Any], cleaners: Cleaners, errors: FieldErrors
) -> dict:
    """Clean the given fields (omitted ones stay unchanged); unknown names are errors."""
    values = {}
    for name, raw in fields.items():
        if name not in cleaners:
            errors.add(name, _("Unknown field."))
            continue
        value = errors.check(name, cleaners[name], raw)
        if name not in errors.errors:
            values[name] = value
    return values


def require(
    values: Mapping[str, Any],
    names: Iterable[str],
    obj: models.Model,
    errors: FieldErrors,
) -> None:
    """On creation, the named fields must be given."""
    if obj.pk is None:
        for name in names:
            if values.get(name) in (None, "") and name not in errors.errors:
                errors.add(name, _("This field is required."))


def past_datetime(value: Any) -> dt.datetime:
    """An aware datetime not in the future; naive input is read in TIME_ZONE."""
    parsed = clean_datetime(value, timezone.get_default_timezone())
    if parsed > timezone.now() + FUTURE_SKEW:
        raise ValidationError(_("Must not be in the future."), code="future")
    return parsed


def optional(cleaner: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Let None through (clearing the field) and clean anything else."""
    return lambda value: None if value is None else cleaner(value)


def customer_ref(value: Any, known: Mapping[str, Customer] | None = None) -> Customer:
    """The customer an item names; `known`: the customers already looked up by id."""
    if isinstance(value, Customer):
        return value
    external_id = clean_external_id(value)
    if known is not None:
        customer = known.get(external_id)
    else:
        customer = Customer.objects.filter(external_id=external_id).first()
    if customer is None:
        raise ValidationError(
            _(
                "Unknown customer %(id)r: create it first with PUT /customers/{external_id}."
            )
            % {"id": external_id},
            code="unknown",
        )
    return customer


def products_by_sku(skus: Iterable[str]) -> dict[str, Product]:
    return {p.sku: p for p in Product.objects.filter(sku__in=set(skus))}


def locked_or_new(model: type[M], **lookup: Any) -> M:
    """The row for lookup, locked for this transaction, or a new unsaved one."""
    found = model.objects.select_for_update().filter(**lookup).first()
    return found if found is not None else model(**lookup)


def save_clean(
    obj: models.Model, errors: FieldErrors | None = None, *, exclude: list | None = None
) -> None:
    """full_clean, then save. Uniqueness is not re-queried: every upsert looked its
    key up under a lock, and the unique index still guards (see retry_on_conflict)."""
    try:
        obj.full_clean(exclude=exclude, validate_unique=False)
    except ValidationError as error:
        errors = errors or FieldErrors()
        errors.merge(error)
        errors.raise_if_any()
    obj.save()


def retry_on_conflict(func: Callable[..., Any]) -> Callable[..., Any]:
    """Run an upsert again once if its insert lost a race with another first write.

    Two requests creating the same external id both find no row; the second
    insert fails on the unique index. Run again, it finds the row and updates.
    """

    @functools.wraps(func)
    def wrapper(**kwargs: Any) -> Any:
        try:
            return func(**kwargs)
        except IntegrityError:
            return func(**kwargs)

    return wrapper
