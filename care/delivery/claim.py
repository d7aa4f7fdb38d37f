"""Claim due outbox rows for one dispatch process: service first, as far as the tokens go.

Claiming flips rows to `sending` in a short transaction (on PostgreSQL with
SELECT ... FOR UPDATE SKIP LOCKED; on SQLite the IMMEDIATE transaction
serialises claimers) and a guarded UPDATE ... WHERE status IN (planned,
deferred), so two workers never take the same row.

Service rows (surveys, maintenance reminders, goodwill, case follow-ups:
`Message.purpose`, set at planning from the campaign) are claimed before
marketing rows due at the same time, and marketing SMS only for the tokens
above the sender's service reserve (care.delivery.throughput). So a
marketing backlog delays a due survey by at most the requests already in
flight: the next claim of any process takes the survey first.
"""

import datetime as dt
import os
import socket
import uuid
from dataclasses import dataclass

from django.db import connection, transaction

from care.models import CampaignStatus, Message, MessageStatus
from crm.models import Purpose


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class ClaimRoom:
    """How many rows a claim may still take: in all, SMS, and marketing SMS."""

    rows: int
    sms: int | None = None  # None: no rate limit
    marketing_sms: int | None = None  # None: no service reserve

    def take(self, due, purpose: str) -> list[int]:
        """Due rows of one purpose: SMS as far as the tokens go, then the rest."""
        ids = self._sms(due, purpose) if self.sms is not None else []
        rest = due if self.sms is None else due.exclude(channel="sms")
        if self.rows > 0:
            more = list(rest.values_list("id", flat=True)[: self.rows])
            self.rows -= len(more)
            ids += more
        return ids

    def _sms(self, due, purpose: str) -> list[int]:
        room = min(self.rows, self.sms)
        if purpose == Purpose.MARKETING and self.marketing_sms is not None:
            room = min(room, self.marketing_sms)
        if room <= 0:
            return []
        ids = list(due.filter(channel="sms").values_list("id", flat=True)[:room])
        self.rows -= len(ids)
        self.sms -= len(ids)
        if self.marketing_sms is not None:
            # Service spends the free tokens first: the reserve stays whole.
            self.marketing_sms = max(0, self.marketing_sms - len(ids))
        return ids


def _due_ids(due, room: ClaimRoom) -> list[int]:
    """Service rows first, then marketing: a survey never queues behind a campaign.

    One query per purpose (and channel group), each a range of the partial
    index care_msg_waiting_idx (purpose, send_after) over the waiting rows.
    """
    ids: list[int] = []
    for purpose in (Purpose.SERVICE, Purpose.MARKETING):
        if room.rows > 0:
            ids += room.take(due.filter(purpose=purpose), purpose)
    return ids


def messages_claim(
    *,
    now: dt.datetime,
    limit: int,
    worker: str = "",
    sms_limit: int | None = None,
    marketing_sms_limit: int | None = None,
) -> tuple[str, list[int]]:
    """Flip up to `limit` due rows to sending, service first: token, ids.

    `sms_limit`: SMS at most (the tokens granted); `marketing_sms_limit`: of
    those, marketing SMS at most (the tokens above the service reserve).
    """
    token = f"{(worker or worker_name())[:80]}:{uuid.uuid4().hex[:8]}"
    due = (
        Message.objects.retryable()
        .filter(send_after__lte=now, campaign__status=CampaignStatus.ACTIVE)
        .order_by("send_after", "id")
    )
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True, of=("self",))
        room = ClaimRoom(limit, sms_limit, marketing_sms_limit)
        ids = _due_ids(due, room)
        if not ids:
            return token, []
        Message.objects.filter(id__in=ids).retryable().update(
            status=MessageStatus.SENDING,
            claimed_at=now,
            claimed_by=token,
            updated_at=now,
        )
    # Only the rows this token won (the guarded update may have lost some).
    claimed = Message.objects.filter(
        id__in=ids, claimed_by=token, status=MessageStatus.SENDING
    )
    return token, list(claimed.values_list("id", flat=True))
