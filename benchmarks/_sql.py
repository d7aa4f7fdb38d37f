"""Synthetic rows built in SQL, for PostgreSQL and SQLite alike.

A million rows are only practical as one `INSERT ... SELECT` in the database, but
a hand-written column list rots: a new NOT NULL column broke every benchmark
once. `insert_select` writes the column list from the model instead: the script
names the columns it cares about as SQL expressions, and every other column gets
the model's default (auto_now fields: now). A NOT NULL column without a default
stops the build with its name, in the tiny mode the test suite runs.

`Dialect` holds the few expressions that differ between the two databases.
Statements use Django's named parameters (`%(n)s`), so `%` is written `%%`.
"""

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


class MissingColumn(Exception):
    """A NOT NULL column has neither a value in the script nor a default."""


def insert_select(
    cursor,
    model: str,
    values: Mapping[str, str],
    source: str,
    params: Mapping[str, object] | None = None,
    *,
    with_: str = "",
) -> int:
    """INSERT INTO the model's table SELECT `values` FROM `source`; return the row count.

    `model` is an "app_label.Model" name (looked up in the app registry, so the
    scripts import no app module). `values` maps field names (or attnames such as
    customer_id) to SQL expressions over `source`; `with_` is an optional
    `WITH RECURSIVE ...` clause put before the INSERT.
    """
    columns, expressions, defaults = _columns(model, values)
    select = ", ".join(expressions)
    sql = (
        f"{with_} INSERT INTO {_table(model)} ({', '.join(columns)}) "
        f"SELECT {select} FROM {source}"
    )
    cursor.execute(sql, {**defaults, **(params or {})})
    return cursor.rowcount


def _table(model: str) -> str:
    from django.apps import apps
    from django.db import connection

    return connection.ops.quote_name(apps.get_model(model)._meta.db_table)


def _columns(model: str, values: Mapping[str, str]):
    from django.apps import apps
    from django.db import connection
    from django.utils import timezone

    meta = apps.get_model(model)._meta
    given = dict(values)
    columns, expressions, defaults = [], [], {}
    for field in meta.concrete_fields:
        expression = given.pop(field.name, None) or given.pop(field.attname, None)
        if expression is None:
            if field.primary_key and field.get_internal_type().endswith("AutoField"):
                continue
            value = _default(field, timezone.now())
            if value is _NULL:
                continue
            if value is _MISSING:
                raise MissingColumn(
                    f"{model}.{field.name} is NOT NULL and has no default: "
                    "give it a value in the benchmark's insert_select"
                )
            key = f"default_{field.column}"
            defaults[key] = field.get_db_prep_save(value, connection)
            expression = f"%({key})s"
        columns.append(connection.ops.quote_name(field.column))
        expressions.append(expression)
    if given:
        raise MissingColumn(f"{model} has no field {', '.join(sorted(given))}")
    return columns, expressions, defaults


_NULL, _MISSING = object(), object()


def _default(field, now: dt.datetime):
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return now.date() if field.get_internal_type() == "DateField" else now
    if field.has_default():
        return field.get_default()
    if field.null:
        return _NULL
    value = field.get_default()  # "" for text fields, None for the others
    return _MISSING if value is None else value


@dataclass(frozen=True)
class Dialect:
    """The expressions that differ between PostgreSQL and SQLite."""

    vendor: str

    @property
    def postgres(self) -> bool:
        return self.vendor == "postgresql"

    def series(self, count: str) -> tuple[str, str]:
        """(with_, source) for the integers g = 1..count (a parameter name)."""
        if self.postgres:
            return "", f"generate_series(1, %({count})s) g"
        step = f"SELECT g + 1 FROM seq WHERE g < %({count})s"
        return f"WITH RECURSIVE seq(g) AS (SELECT 1 UNION ALL {step})", "seq"

    def random(self) -> str:
        """A uniform number in [0, 1)."""
        if self.postgres:
            return "random()"
        return "(random() / 18446744073709551616.0 + 0.5)"

    def power(self, base: str, exponent: str) -> str:
        return (
            f"power({base}, {exponent})"
            if self.postgres
            else f"pow({base}, {exponent})"
        )

    def integer(self, expression: str) -> str:
        """Truncate towards zero to an integer (both databases floor positives)."""
        if self.postgres:
            return f"floor({expression})::bigint"
        return f"CAST({expression} AS INTEGER)"

    def days_ago(self, days: str, *, now: str = "%(now)s") -> str:
        """A timestamp `days` (any number) days before `now` (a parameter)."""
        if self.postgres:
            return f"(CAST({now} AS timestamptz) - ({days}) * interval '1 day')"
        return f"datetime(julianday({now}) - ({days}))"

    def date_plus(self, date: str, days: str) -> str:
        """The date `days` (an integer expression) after `date` (a parameter)."""
        if self.postgres:
            return f"(CAST({date} AS date) + CAST({days} AS integer))"
        return f"date({date}, ({days}) || ' days')"

    def month(self, date: str) -> str:
        if self.postgres:
            return f"extract(month FROM {date})"
        return f"CAST(strftime('%%m', {date}) AS INTEGER)"

    def day(self, date: str) -> str:
        if self.postgres:
            return f"extract(day FROM {date})"
        return f"CAST(strftime('%%d', {date}) AS INTEGER)"

    def zero_pad(self, expression: str, width: int) -> str:
        if self.postgres:
            return f"lpad(({expression})::text, {width}, '0')"
        return f"printf('%%0{width}d', {expression})"


def pick(index: str, options: Sequence[str]) -> str:
    """The option at `index` (an integer expression from 0), as a CASE."""
    whens = " ".join(f"WHEN {i} THEN {option}" for i, option in enumerate(options))
    return f"(CASE {index} {whens} END)"


def dialect() -> Dialect:
    from django.db import connection

    return Dialect(connection.vendor)
