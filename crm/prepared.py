"""Querysets compiled once and run again with other values.

Building and compiling a queryset costs the ORM about a millisecond: more than
running a small query on a local PostgreSQL. A hot read (PUT /customers runs
a few per request) compiles its SQL once per shape, then only swaps the values
in and builds the rows as a queryset would (select_related included).
"""

from collections.abc import Callable, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators

# Longer lists (batches) are run as ordinary querysets: their shapes are many.
MAX_PREPARED_VALUES = 8


class Prepared:
    """`build(*lists)` -> a queryset of model instances, each list a filter's values.

    `kinds` gives each list's value type (str or int): the query is compiled
    once with stand-ins of that type, which must reach the SQL as parameters.
    """

    def __init__(self, build: Callable[..., QuerySet], kinds: Sequence[type]) -> None:
        self.build, self.kinds = build, tuple(kinds)
        self._compiled: dict[tuple, tuple] = {}

    def __call__(self, *lists: Sequence[Any], using: str = DEFAULT_DB_ALIAS) -> list:
        shape = (using, *(len(values) for values in lists))
        if max(shape[1:], default=0) > MAX_PREPARED_VALUES:
            return list(self.build(*lists).using(using))
        compiled = self._compiled.get(shape) or self._compile(shape)
        compiler, sql, params, slots = compiled
        params = list(params)
        for position, (which, index) in slots.items():
            params[position] = lists[which][index]
        with connections[using].cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return _instances(compiler, rows, using)

    def _compile(self, shape: tuple) -> tuple:
        using, lengths = shape[0], shape[1:]
        stand_ins = {}
        lists = []
        for which, (kind, length) in enumerate(zip(self.kinds, lengths, strict=True)):
            values = [_stand_in(kind, which, index) for index in range(length)]
            stand_ins.update(
                {value: (which, index) for index, value in enumerate(values)}
            )
            lists.append(values)
        compiler = self.build(*lists).query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        slots = {p: stand_ins[v] for p, v in enumerate(params) if v in stand_ins}
        if len(slots) != len(stand_ins):
            raise ValueError("a value did not reach the SQL as a parameter")
        self._compiled[shape] = (compiler, sql, tuple(params), slots)
        return self._compiled[shape]


def _stand_in(kind: type, which: int, index: int) -> Any:
    if kind is int:
        return -(10**15) - 1000 * which - index
    return f"prepared-stand-in:{which}:{index}"


def _instances(compiler: Any, rows: list, using: str) -> list[Model]:
    """The rows as model instances, as Django's ModelIterable builds them."""
    select, klass_info = compiler.select, compiler.klass_info
    model = klass_info["model"]
    start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
    names = [f[0].target.attname for f in select[start:end]]
    populators = get_related_populators(klass_info, select, using)
    objs = []
    for row in compiler.results_iter([rows]):
        obj = model.from_db(using, names, row[start:end])
        for populator in populators:
            populator.populate(row, obj)
        objs.append(obj)
    return objs
