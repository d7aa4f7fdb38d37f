"""New customers, their consent rows and audit entries in one statement (PostgreSQL).

A statement is a transaction of its own: no BEGIN and no COMMIT, one round trip
where bulk_create in a transaction takes five. Data-modifying common table
expressions give each consent row its customer's new id:

    WITH new_customers AS (INSERT INTO crm_customer ... RETURNING id, external_id),
         rows_1 AS (INSERT INTO crm_consent ... (SELECT id FROM new_customers
                    WHERE external_id = ...) ...),
         rows_2 AS (INSERT INTO audit_auditentry ...)
    SELECT id, external_id FROM new_customers

All or nothing: an external id inserted meanwhile by another request fails the
whole statement with IntegrityError, and nothing is written.
"""

from collections.abc import Sequence

from django.db import connection, models, transaction
from django.db.models import sql
from django.db.models.expressions import RawSQL

from crm.models import Consent, Customer

_CUSTOMERS = "new_customers"


def supported() -> bool:
    """Whether the database runs data-modifying CTEs (SQLite does not)."""
    return connection.vendor == "postgresql"


def insert_at_once(
    customers: Sequence[Customer],
    consents: Sequence[Consent],
    others: Sequence[models.Model] = (),
) -> None:
    """Insert new customers, their consents and other new rows (of one model) together.

    Each consent's `customer` is one of `customers`; every object gets its id.
    """
    owners = [consent.customer for consent in consents]
    parts, params = [], []
    text, values = _insert_sql(customers, returning=("id", "external_id"))
    parts.append(f"{_CUSTOMERS} AS ({text})")
    params += values
    for rows in (consents, others):
        if rows:
            text, values = _insert_sql(rows)
            parts.append(f"rows_{len(parts)} AS ({text})")
            params += values
    statement = f"WITH {', '.join(parts)} SELECT id, external_id FROM {_CUSTOMERS}"
    ids = {external_id: pk for pk, external_id in _run(statement, params)}
    for customer in customers:
        customer.pk = ids[customer.external_id]
        customer._state.adding, customer._state.db = False, connection.alias
    for consent, customer in zip(consents, owners, strict=True):
        consent.customer = customer  # its id, in place of the subquery
        consent._state.adding, consent._state.db = False, connection.alias


def _insert_sql(
    objs: Sequence[models.Model], returning: Sequence[str] = ()
) -> tuple[str, list]:
    """Django's own INSERT for new rows (as bulk_create writes them), unexecuted."""
    meta = objs[0]._meta
    fields = [
        f
        for f in meta.concrete_fields
        if not f.generated and not isinstance(f, models.AutoField)
    ]
    if isinstance(objs[0], Consent):
        for consent in objs:
            # The customer's id is known only inside the statement.
            consent.customer_id = RawSQL(
                f"(SELECT id FROM {_CUSTOMERS} WHERE external_id = %s)",
                [consent.customer.external_id],
                output_field=models.BigIntegerField(),
            )
    query = sql.InsertQuery(meta.model)
    query.insert_values(fields, objs)
    compiler = query.get_compiler(connection=connection)
    compiler.returning_fields = [meta.get_field(name) for name in returning]
    [(text, values)] = compiler.as_sql()
    return text, list(values)


def _run(statement: str, params: list) -> list[tuple]:
    # Inside a caller's transaction a savepoint keeps a failure from spoiling it;
    # outside one the statement is atomic without BEGIN and COMMIT.
    if connection.in_atomic_block:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, params)
            return cursor.fetchall()
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall()
