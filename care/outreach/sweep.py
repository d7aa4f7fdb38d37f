"""The sweep: ask each live campaign's trigger who is due, and plan them into the outbox.

Planning itself (keys, channel choice, bulk insert) is care.outbox's; this
module knows campaigns and their triggers. A scheduled task runs the sweep
every minute; the once-only keys make a re-run plan nothing twice.
"""

import datetime as dt
import logging
from collections.abc import Callable, Iterator

from care.models import Campaign, CampaignStatus
from care.outbox.bulk import statistics_refresh
from care.outbox.plan import CHUNK, PlanResult, chunks, dues_source, source_plan
from care.outbox.source import Source
from care.outreach.approval import campaigns_hold_unapproved
from care.outreach.campaigns import campaign_is_live
from care.outreach.triggers import TRIGGERS, trigger_params

log = logging.getLogger(__name__)


def campaign_sources(campaign: Campaign, now: dt.datetime) -> Iterator[Source]:
    """Who the campaign's trigger finds due at `now`, as tables to plan set-wise.

    A kind with a set-wise source gives one; the others find their dues in
    Python, planned a chunk per statement. The forecast reads the same.
    """
    spec, params = TRIGGERS[campaign.trigger], trigger_params(campaign)
    if spec.source is not None:
        source = spec.source(campaign, now, params)
        if source is not None:
            yield source
        return
    for chunk in chunks(spec.due(campaign, now, params), CHUNK):
        yield dues_source(chunk)


def messages_plan(
    *, campaign: Campaign, now: dt.datetime, dry_run: bool = False
) -> PlanResult:
    """Plan the campaign's due messages; with dry_run, return them without writing."""
    result = PlanResult(campaign=campaign)
    if not dry_run and (
        not campaign_is_live(campaign, now) or campaigns_hold_unapproved([campaign])
    ):
        return result
    for source in campaign_sources(campaign, now):
        source_plan(campaign, source, result, dry_run=dry_run)
    if not dry_run:
        statistics_refresh(result.planned + result.skipped)
    return result


def campaigns_sweep(
    *,
    now: dt.datetime,
    dry_run: bool = False,
    on_planned: Callable[[PlanResult, int], None] | None = None,
) -> list[PlanResult]:
    """Run every active campaign's trigger once (a dry run also covers drafts).

    `on_planned(result, total)` is called after each campaign (progress display).
    """
    statuses = [CampaignStatus.ACTIVE]
    if dry_run:
        statuses += [CampaignStatus.DRAFT, CampaignStatus.AWAITING_APPROVAL]
    campaigns = list(
        Campaign.objects.filter(status__in=statuses)
        .select_related("offer")
        # A conflict group's higher priority plans first and so wins its occasions.
        .order_by("-priority", "pk")
    )
    results = []
    for campaign in campaigns:
        results.append(_plan_safely(campaign, now, dry_run))
        if on_planned is not None:
            on_planned(results[-1], len(campaigns))
    return results


def _plan_safely(campaign: Campaign, now: dt.datetime, dry_run: bool) -> PlanResult:
    # One broken campaign (say, an audience naming a field that is gone) must
    # not stop the others; what it planned before failing stays planned.
    try:
        return messages_plan(campaign=campaign, now=now, dry_run=dry_run)
    except Exception as exc:
        log.exception("sweep of campaign %s failed", campaign.slug)
        return PlanResult(campaign=campaign, error=f"{type(exc).__name__}: {exc}")
