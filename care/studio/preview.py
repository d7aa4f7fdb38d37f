"""Dry run: what the sweep would plan now and what the send-time rules would do with it.

Nothing is written: messages are built in memory, then passed through the
same decision as dispatch (consent, care first, cap, quiet hours, holdout)
and rendered, so a marketer sees who would get what, when, and who is
skipped and why.
"""

import copy
import datetime as dt
from dataclasses import dataclass

from care.content.checks import sample_message
from care.delivery.decide import BatchContext, decide
from care.models import Campaign, CampaignStatus, Message, MessageStatus
from care.outbox.plan import PlanResult, campaigns_sweep
from care.content.engine import RenderError, TemplateCache, message_render
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
            row, MessageStatus.SKIPPED, "render_error", row.send_after, str(exc)
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
    context = BatchContext.load(rows, now)
    cache = TemplateCache({result.campaign.pk})
    return [_line(row, context, cache, now) for row in rows]


def sweep_preview(
    *, now: dt.datetime, limit: int = 50
) -> list[tuple[PlanResult, list[PreviewLine]]]:
    results = campaigns_sweep(now=now, dry_run=True)
    return [(result, plan_preview(result, now, limit)) for result in results]


def campaign_preview(campaign: Campaign) -> list[tuple[str, str, str]]:
    """Render each template of a campaign for a sample customer: (channel, locale, text)."""
    from care.outreach.campaigns import audience_customers

    try:
        sample = audience_customers(campaign).first()
    except Exception:  # an audience the database cannot answer: a made-up customer
        sample = None
    cache = TemplateCache({campaign.pk})
    lines = []
    for template in campaign.templates.order_by("channel", "locale"):
        message = sample_message(campaign, template, name=sample.name if sample else "")
        try:
            rendered = message_render(message, cache)
            text = " — ".join(
                part for part in (rendered.subject, rendered.body) if part
            )
        except RenderError as exc:
            text = f"cannot render: {exc}"
        lines.append((template.channel, template.locale, text))
    return lines


def campaign_test_send(*, campaign: Campaign, email: str) -> None:
    """Email the campaign's templates, rendered for a sample customer, to a colleague.

    Goes straight through Django's email framework, not the outbox: a test is
    not a message to a customer and must not count against any rule.
    """
    from django.core.mail import send_mail

    lines = campaign_preview(campaign)
    body = "\n\n".join(
        f"[{channel} / {locale}]\n{text}" for channel, locale, text in lines
    )
    send_mail(f"[test] {campaign.name}", body or "(no templates)", None, [email])
