"""Write dispatch's attempts and outcomes in small transactions, guarded by the claim token.

Two writes frame every request to a provider:
1. `attempts_write`, committed *before* the request: the rendered subject,
   body and HTML, the recipient, `attempted_at` and the attempt count. After
   a crash this is what the reconciliation looks the message up by.
2. The outcome (`Recorder`), committed after it: sent with the provider's id,
   deferred, failed, unknown.
Every UPDATE names the claim token, so a row taken from a worker meanwhile
(reaped after its lease) is never written by it again.

Both are safe to call from several threads of one process (issue 15 will
send concurrently): the Recorder's buffer is behind a lock, and nothing here
assumes the sends of a batch happen one after another.
"""

import datetime as dt
import threading
from collections.abc import Iterable

from django.db import connection, models, transaction
from django.utils import timezone

from care.models import Coupon, Message, MessageStatus
from care.outbox.log import outcomes_log
from care.outreach.triggers import send_hooks

RECORD_EVERY = 50
# What the attempt commits before the request leaves. No indexed column (not
# even updated_at, which the status page's trouble index holds: the attempt is
# no change of status, attempted_at says when it was), so on PostgreSQL the
# update is HOT and touches no index (docs/architecture.md, "The outbox's
# indexes").
ATTEMPT_FIELDS = (
    "attempted_at",
    "attempts",
    "recipient",
    "subject",
    "body",
    "html_body",
    "coupon_code",
)


# Field class -> value types its get_db_prep_save returns unchanged (the
# common case, skipped: it is most of a write's Python per row).
PLAIN = {
    models.CharField: (str,),
    models.TextField: (str,),
    models.PositiveIntegerField: (int,),
}


def guarded_update(token: str, names: Iterable[str], messages: list[Message]) -> int:
    """Write `names` of each message, in as few statements as the database allows.

    The ORM's per-row update() and bulk_update()'s CASE expressions cost more
    in Python than the database spends on the rows. Guarded: only rows still
    claimed by `token` (and not settled meanwhile) are written. Returns the
    number of rows written.
    """
    fields = [Message._meta.get_field(name) for name in names]
    plain = [PLAIN.get(type(field), ()) for field in fields]
    rows = [
        [
            value
            if value is None or type(value) in same
            else field.get_db_prep_save(value, connection)
            for field, same in zip(fields, plain)
            for value in (getattr(message, field.attname),)
        ]
        for message in messages
    ]
    pks = [message.pk for message in messages]
    guard = [token, MessageStatus.SENDING, MessageStatus.UNKNOWN]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len(set(pks)) == len(pks):
            cursor.execute(*_unnest_update(fields, rows, pks, guard))
            return cursor.rowcount
        # One prepared UPDATE per message, run with executemany.
        quote = connection.ops.quote_name
        assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
        sql = (
            f"UPDATE {quote(Message._meta.db_table)} SET {assignments} "
            f"WHERE id = %s AND claimed_by = %s AND status IN (%s, %s)"
        )
        cursor.executemany(sql, [row + [pk, *guard] for row, pk in zip(rows, pks)])
        return cursor.rowcount


def _unnest_update(
    fields: list, rows: list[list], pks: list[int], guard: list
) -> tuple[str, list]:
    """One UPDATE for every row (PostgreSQL): a chunk's writes in one round trip.

    executemany sends a statement per row, and the dispatcher's thread, which
    shares the GIL with the send pool, waits to get it back after each round
    trip. One array per column keeps the statement's text the same for any
    number of rows (psycopg parses a long one again every time).
    """
    quote = connection.ops.quote_name
    pk = Message._meta.pk
    types = [field.db_type(connection) for field in fields] + [pk.db_type(connection)]
    names = [f"v{index}" for index in range(len(fields))] + ["pk"]
    arrays = ", ".join(f"%s::{kind}[]" for kind in types)
    assignments = ", ".join(
        f"{quote(field.column)} = v.{name}" for field, name in zip(fields, names)
    )
    table = quote(Message._meta.db_table)
    sql = (
        f"UPDATE {table} SET {assignments} "
        f"FROM unnest({arrays}) AS v({', '.join(names)}) "
        f"WHERE {table}.id = v.pk AND {table}.claimed_by = %s "
        f"AND {table}.status IN (%s, %s)"
    )
    columns = [list(column) for column in zip(*rows)] if rows else [[]] * len(fields)
    return sql, [*columns, pks, *guard]


def attempts_write(
    messages: list[Message], token: str, now: dt.datetime
) -> list[Message]:
    """Commit the attempt of each message; return those still ours to send.

    The messages carry their rendered content and recipient already. A row
    the reaper took from us meanwhile is not written, and must not be sent.
    """
    if not messages:
        return []
    originals = {m.pk: m.attempts for m in messages}
    for message in messages:
        message.attempted_at = now
        message.attempts = originals[message.pk] + 1
    with transaction.atomic():
        written = guarded_update(token, ATTEMPT_FIELDS, messages)
    for message in messages:  # the outcome counts the attempt again from here
        message.attempts = originals[message.pk]
    if written == len(messages):
        return messages
    ours = set(
        Message.objects.filter(
            pk__in=list(originals), claimed_by=token, attempted_at=now
        ).values_list("pk", flat=True)
    )
    return [m for m in messages if m.pk in ours]


def sent_effects(messages: list[Message]) -> None:
    """What follows a send, wherever it was found to have gone (dispatch or reconciliation).

    The coupon the message carries is issued (a failed send never holds a
    code), and each trigger kind does what it must (a survey stamps its row).
    Idempotent: the reaper and a status callback may both report one message.
    """
    alive = set(
        Message.objects.filter(pk__in=[m.pk for m in messages]).values_list(
            "pk", flat=True
        )
    )
    # A message erased mid-batch (care/privacy) is gone: its coupon row would
    # point at nothing, so it is not issued.
    by_kind: dict[str, list[Message]] = {}
    for message in messages:
        if message.pk not in alive:
            continue
        if message.coupon_code and message.campaign.offer_id:
            _coupon_issue(message, message.coupon_code)
        by_kind.setdefault(message.trigger, []).append(message)
    for kind, rows in by_kind.items():
        send_hooks(kind).sent(rows)


class Recorder:
    """Buffer outcomes and write them in small transactions.

    One commit per message made PostgreSQL spend its time in fsync (about
    180 messages/s); one commit per RECORD_EVERY messages keeps a crash's
    blast radius to that many rows, which the reaper then resolves like any
    other stale claim (their attempts are committed already).
    """

    def __init__(self, token: str) -> None:
        self.token = token
        self.pending: list[tuple[Message, dict]] = []
        self.lock = threading.RLock()

    def add(self, message: Message, **fields) -> None:
        fields.setdefault("updated_at", timezone.now())
        with self.lock:
            self.pending.append((message, fields))
            if len(self.pending) >= RECORD_EVERY:
                self.flush()

    def flush(self) -> None:
        with self.lock:
            if not self.pending:
                return
            groups: dict[tuple[str, ...], list[Message]] = {}
            sent = []
            for message, fields in self.pending:
                for name, value in fields.items():
                    setattr(message, name, value)
                groups.setdefault(tuple(sorted(fields)), []).append(message)
                if fields.get("status") == MessageStatus.SENT:
                    sent.append(message)
            with transaction.atomic():
                for names, messages in groups.items():
                    guarded_update(self.token, names, messages)
                # In the same transaction as the outcome.
                if sent:
                    sent_effects(sent)
            outcomes_log(self.pending)  # one line per outcome (issue 13)
            self.pending = []


def _coupon_issue(message: Message, code: str) -> None:
    offer = message.campaign.offer
    issued = timezone.now()
    Coupon.objects.get_or_create(
        message=message,
        defaults={
            "code": code,
            "offer": offer,
            "customer_id": message.customer_id,
            "issued_at": issued,
            "expires_at": issued + dt.timedelta(days=offer.valid_days),
        },
    )
