"""Dry run: what the sweep would plan now and what the send-time rules would do with it.

Nothing is written: messages are built in memory, then passed through the
same decision as dispatch (consent, care first, cap, quiet hours, holdout)
and rendered, so a marketer sees who would get what, when, and who is
skipped and why.
"""

import copy
import datetime as dt
from dataclasses import dataclass

from care.content.engine import RenderError, TemplateCache
from care.delivery.decide import BatchContext, decide
from care.delivery.render import message_render
from care.models import CampaignStatus, Message, MessageStatus, Reason
from care.outbox.plan import PlanResult
from care.outreach.sweep import campaigns_sweep
from crm.models import Customer


@dataclass(frozen=True)
class PreviewLine:
    message: Message
    outcome: str  # a status: sent (would send), deferred, skipped, held_out
    reason: str
    when: dt.datetime
    text: str


def _attach_customers(rows: list[Message]) -> None:
    customers = Customer.objects.in_bulk({row.customer_id for row in rows})
    for row in rows:
        row.customer = customers[row.customer_id]


def _line(
    row: Message, context: BatchContext, cache: TemplateCache, now: dt.datetime
) -> PreviewLine:
    if row.status == MessageStatus.SKIPPED:
        return PreviewLine(row, row.status, row.reason, row.send_after, "")
    due_now = row.send_after <= now
    outcome = decide(row, context, now) if due_now else None
    if outcome is not None:
        when = outcome.send_after or row.send_after
        return PreviewLine(row, outcome.status, outcome.reason, when, "")
    try:
        text = message_render(row, cache).body
    except RenderError as exc:
        return PreviewLine(
            row, MessageStatus.SKIPPED, Reason.RENDER_ERROR, row.send_after, str(exc)
        )
    if due_now:
        context.count_sent(row)
    return PreviewLine(row, MessageStatus.SENT, "", row.send_after, text)


def plan_preview(result: PlanResult, now: dt.datetime, limit: int) -> list[PreviewLine]:
    rows = result.rows[:limit]
    if not rows:
        return []
    _attach_customers(rows)
    # Drafts are previewed as if they were running.
    live = copy.copy(result.campaign)
    live.status = CampaignStatus.ACTIVE
    for row in rows:
        row.campaign = live
    context = BatchContext.load(rows, now, hold=False)
    cache = TemplateCache({result.campaign.pk})
    return [_line(row, context, cache, now) for row in rows]


def sweep_preview(
    *, now: dt.datetime, limit: int = 50
) -> list[tuple[PlanResult, list[PreviewLine]]]:
    results = campaigns_sweep(now=now, dry_run=True)
    return [(result, plan_preview(result, now, limit)) for result in results]
