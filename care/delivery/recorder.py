"""Write dispatch outcomes in small transactions, guarded by the claim token."""

import datetime as dt

from django.db import connection, transaction
from django.utils import timezone

from care.models import Coupon, Message, MessageStatus
from care.outreach.triggers import send_hooks

RECORD_EVERY = 50


class Recorder:
    """Buffer outcomes and write them in small transactions.

    One commit per message made PostgreSQL spend its time in fsync (about
    180 messages/s); one commit per RECORD_EVERY messages keeps a crash's
    blast radius to that many rows, which the reaper then resolves like any
    other stale claim.
    """

    def __init__(self, token: str) -> None:
        self.token = token
        self.pending: list[tuple[Message, dict]] = []
        self.coupons: list[tuple[Message, str]] = []

    def add(self, message: Message, **fields) -> None:
        fields.setdefault("updated_at", timezone.now())
        self.pending.append((message, fields))
        if len(self.pending) >= RECORD_EVERY:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        groups: dict[tuple[str, ...], list[Message]] = {}
        for message, fields in self.pending:
            for name, value in fields.items():
                setattr(message, name, value)
            groups.setdefault(tuple(sorted(fields)), []).append(message)
        with transaction.atomic():
            for names, messages in groups.items():
                self._write(names, messages)
            for message, code in self._live(self.coupons):
                _coupon_issue(message, code)
            self._sent_hooks()
        self.pending, self.coupons = [], []

    def _sent_hooks(self) -> None:
        # Each trigger kind does what it must once its messages went (a
        # survey stamps its row), in the same transaction as the outcome.
        sent: dict[str, list[Message]] = {}
        for message, fields in self.pending:
            if fields.get("status") == MessageStatus.SENT:
                sent.setdefault(message.trigger, []).append(message)
        for kind, messages in sent.items():
            send_hooks(kind).sent(messages)

    def _live(self, coupons: list[tuple[Message, str]]) -> list[tuple[Message, str]]:
        # A message erased mid-batch (care/privacy) is gone: its coupon row
        # would point at nothing, so it is not issued.
        if not coupons:
            return []
        alive = set(
            Message.objects.filter(pk__in=[m.pk for m, _ in coupons]).values_list(
                "pk", flat=True
            )
        )
        return [(m, code) for m, code in coupons if m.pk in alive]

    def _write(self, names: tuple[str, ...], messages: list[Message]) -> None:
        # One prepared UPDATE run with executemany: the ORM's per-row update()
        # and bulk_update()'s CASE expressions cost more in Python than the
        # database spends on the rows. Guarded: a row taken from us meanwhile
        # (reaped) is left alone.
        fields = [Message._meta.get_field(name) for name in names]
        quote = connection.ops.quote_name
        assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
        sql = (
            f"UPDATE {quote(Message._meta.db_table)} SET {assignments} "
            f"WHERE id = %s AND claimed_by = %s AND status IN (%s, %s)"
        )
        rows = [
            [
                field.get_db_prep_save(getattr(message, field.attname), connection)
                for field in fields
            ]
            + [message.pk, self.token, MessageStatus.SENDING, MessageStatus.UNKNOWN]
            for message in messages
        ]
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)


def _coupon_issue(message: Message, code: str) -> None:
    # Created only after a successful send: a failed send never holds a code.
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
