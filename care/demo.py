"""Demo surveys, answers and recovery cases for the demo's resolved tickets, and a
month of marketing outreach with its deliveries, clicks and conversions.

Deterministic: every choice comes from a random generator seeded with the
ticket's external id, so two runs (or two machines) make the same history.
Runs after `seed_demo`; tickets that already have a survey are left alone, and
tickets resolved within the last hour are left to the real survey trigger.
"""

import datetime as dt
import random
from dataclasses import dataclass

from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import F

from care.models import (
    TICKET_DONE,
    Campaign,
    CaseStatus,
    Click,
    Message,
    RecoveryCase,
    Survey,
    Ticket,
    TrackedLink,
)
from care.rules import customer_zone, parse_quiet_hours, quiet_until
from care.service.recovery import (
    recovery_case_open,
    recovery_case_resolve,
    recovery_case_respond,
)
from care.service.staff import staff_add
from care.service.surveys.scores import is_low
from crm.models import Customer, Order

PREFIX = "DEMO-"
HISTORY_DAYS = 365
CSAT_WEIGHTS = {5: 40, 4: 24, 3: 14, 2: 12, 1: 10}
NPS_RANGE = {5: (8, 10), 4: (6, 10), 3: (4, 8), 2: (1, 6), 1: (0, 4)}
COMMENTS = {
    "zh-hans": [
        "师傅很专业",
        "等得有点久",
        "问题还没解决",
        "服务态度很好",
        "希望回访更及时",
    ],
    "en": [
        "Very helpful",
        "Took too long",
        "Still not fixed",
        "Friendly staff",
        "Call me back",
    ],
}
QUEUES = ("care", "senior", "managers")
# Older cases are all settled; younger ones may still be open ("my cases").
SETTLED_AFTER_DAYS = 14


@dataclass
class DemoResult:
    surveys: int = 0
    answered: int = 0
    cases: int = 0


def _latency(
    rng: random.Random, resolved: dt.datetime, zone, quiet
) -> tuple[dt.datetime, str]:
    planned = resolved + dt.timedelta(minutes=10 + rng.expovariate(1 / 3))
    until = quiet_until(planned, zone, quiet)
    if until is not None:
        return until + dt.timedelta(minutes=rng.uniform(0, 2)), "quiet_hours"
    return planned, ""


def _survey(
    rng: random.Random, ticket: Ticket, now: dt.datetime, quiet
) -> Survey | None:
    customer = ticket.customer
    if rng.random() < 0.12:  # no consent for service messages, say
        return None
    sent, deferred = _latency(
        rng, ticket.resolved_at, customer_zone(customer.time_zone), quiet
    )
    if sent >= now:
        return None
    channel = "sms" if customer.phone and rng.random() < 0.8 else "email"
    survey = Survey(
        ticket=ticket,
        customer=customer,
        channel=channel,
        agent=ticket.agent,
        resolved_at=ticket.resolved_at,
        deferred_reason=deferred,
        sent_at=sent,
        expires_at=sent + dt.timedelta(days=7),
    )
    if rng.random() < 0.45:
        _answer(rng, survey, customer.locale, now)
    return survey


def _answer(rng: random.Random, survey: Survey, locale: str, now: dt.datetime) -> None:
    answered = survey.sent_at + dt.timedelta(minutes=rng.uniform(3, 600))
    if answered >= now:
        return
    csat = rng.choices(list(CSAT_WEIGHTS), weights=list(CSAT_WEIGHTS.values()))[0]
    by_sms = survey.channel == "sms" and rng.random() < 0.4
    survey.answered_at, survey.csat = answered, csat
    survey.answered_via = "sms" if by_sms else "web"
    if not by_sms:
        survey.nps = rng.randint(*NPS_RANGE[csat])
        if rng.random() < 0.3:
            survey.comment = rng.choice(COMMENTS.get(locale, COMMENTS["en"]))


def _work_case(rng: random.Random, case: RecoveryCase, now: dt.datetime) -> None:
    """Cases were answered and resolved, some late; some of the last two weeks' stay open."""
    settled = now - case.opened_at > dt.timedelta(days=SETTLED_AFTER_DAYS)
    respond_at = case.opened_at + dt.timedelta(minutes=rng.uniform(10, 75))
    if respond_at < now and (settled or rng.random() < 0.85):
        case = recovery_case_respond(case=case, user=None, note="", now=respond_at)
    resolve_at = case.opened_at + dt.timedelta(hours=rng.uniform(2, 27))
    if resolve_at < now and (settled or rng.random() < 0.5):
        recovery_case_resolve(case=case, user=None, now=resolve_at)


def _tickets(now: dt.datetime):
    return (
        Ticket.objects.filter(
            external_id__startswith=PREFIX,
            status__in=TICKET_DONE,
            resolved_at__gte=now - dt.timedelta(days=HISTORY_DAYS),
            resolved_at__lt=now - dt.timedelta(hours=1),
            surveys__isnull=True,
        )
        .select_related("customer")
        .order_by("id")
    )


@transaction.atomic
def care_demo_seed(*, now: dt.datetime, quiet_hours: str = "21:00-08:00") -> DemoResult:
    """Create the demo's past surveys, answers and recovery cases (idempotent)."""
    quiet, result, low = parse_quiet_hours(quiet_hours), DemoResult(), []
    surveys = []
    for ticket in _tickets(now):
        rng = random.Random(f"care-demo:{ticket.external_id}")
        survey = _survey(rng, ticket, now, quiet)
        if survey is not None:
            surveys.append((rng, survey))
    Survey.objects.bulk_create([s for _, s in surveys], batch_size=500)
    for rng, survey in surveys:
        result.surveys += 1
        result.answered += survey.answered_at is not None
        if survey.answered_at and is_low(survey.csat, survey.nps):
            low.append((rng, survey))
    for rng, survey in low:
        case = recovery_case_open(survey=survey, now=survey.answered_at)
        _work_case(rng, case, now)
        result.cases += 1
    return result


def care_demo_staff(user) -> None:
    """Put the demo login in every recovery queue, so "my cases" has cases to show."""
    for name in QUEUES:
        Group.objects.get_or_create(name=name)[0].user_set.add(user)


# One login per role for the local demo: username, password, role.
DEMO_LOGINS = (
    ("care", "care", "care"),
    ("senior", "senior", "senior"),
    ("marketer", "marketer", "marketer"),
    ("manager", "manager", "manager"),
)


def care_demo_logins() -> list[tuple[str, str, str]]:
    """Create the demo's role logins once (a password someone changed is kept)."""
    for username, password, role in DEMO_LOGINS:
        result = staff_add(username=username, role=role, email=f"{username}@localhost")
        if result.created:
            # Known on purpose, and too weak for add_staff: the demo is local.
            result.user.set_password(password)
            result.user.save(update_fields=["password"])
    return list(DEMO_LOGINS)


# Outreach history (issue 12): a month of the marketing playbooks' messages with
# deliveries, bounces, clicks (and scanners' clicks), conversions and a holdout,
# so the campaign results show a full funnel and a lift with its interval.
OUTREACH_DAYS = 30
OUTREACH_SHARE = 0.7  # of customers with an address
# Playbook and its share of the messages.
OUTREACH_SLUGS = {"birthday-gift": 5, "win-back": 3, "abandoned-browse": 1, "new-product": 1}
# Conversion chances: sent (by how far the message got) and held out.
CONVERT = {"clicked": 0.35, "delivered": 0.08, "held_out": 0.02}
DEMO_KEY = "demo-outreach/"


@dataclass
class OutreachResult:
    messages: int = 0
    clicks: int = 0
    orders: int = 0


def _outcome(rng: random.Random, channel: str) -> tuple[str, str]:
    roll = rng.random()
    if roll < 0.10:
        return "held_out", ""
    if roll < 0.16:
        return "skipped", rng.choice(["no_consent", "frequency_cap", "care_first"])
    if roll < 0.19:
        return "failed", "undelivered"
    return ("sent", "") if channel == "email" and roll < 0.25 else ("delivered", "")


def _demo_message(rng, campaign, customer, now: dt.datetime) -> Message:
    pk, phone, email, _locale = customer
    channel = "email" if email and (not phone or rng.random() < 0.4) else "sms"
    status, reason = _outcome(rng, channel)
    moment = now - dt.timedelta(days=rng.uniform(0.2, OUTREACH_DAYS))
    went = status in ("sent", "delivered", "failed")
    return Message(
        key=f"{DEMO_KEY}{campaign.slug}/{pk}/{channel}",
        occasion_key=f"{DEMO_KEY}{campaign.slug}/{pk}",
        campaign=campaign, customer_id=pk, trigger=campaign.trigger, channel=channel,
        purpose=campaign.purpose, status=status, reason=reason, send_after=moment,
        sent_at=moment if went else None, recipient=(email if channel == "email" else phone),
        delivered_at=moment + dt.timedelta(seconds=4) if status == "delivered" else None,
        provider_status="delivered" if status == "delivered" else "",
        body="(demo)",
    )


def _engagement(rng, message: Message, now: dt.datetime, rows: dict) -> None:
    clicked = False
    if message.status == "delivered":
        link = TrackedLink(message=message, position=0, url=settings.SHOP_URL)
        rows["links"].append(link)
        if message.channel == "email" and rng.random() < 0.15:  # a mail gateway
            rows["clicks"].append(Click(link=link, message=message, counted=False,
                                        scanner="too_soon", clicked_at=message.sent_at
                                        + dt.timedelta(milliseconds=400)))
        if rng.random() < 0.2:
            clicked = True
            rows["clicks"].append(Click(link=link, message=message, counted=True,
                                        clicked_at=message.sent_at
                                        + dt.timedelta(minutes=rng.uniform(2, 600))))
    chance = CONVERT["clicked" if clicked else message.status] if message.status in (
        "delivered", "held_out") else 0
    placed = (message.sent_at or message.send_after) + dt.timedelta(
        days=rng.uniform(0.1, 6.5)
    )
    if rng.random() < chance and placed < now:
        rows["orders"].append(Order(
            external_id=f"DEMO-CONV-{message.customer_id}-{message.campaign_id}",
            customer_id=message.customer_id,
            placed_at=placed,
            total=Decimal(rng.randrange(8000, 80000)) / 100,
        ))


@transaction.atomic
def care_demo_outreach(*, now: dt.datetime) -> OutreachResult:
    """The marketing playbooks' last month, once (needs the playbooks installed)."""
    result = OutreachResult()
    campaigns = list(Campaign.objects.filter(slug__in=OUTREACH_SLUGS).order_by("slug"))
    if not campaigns or Message.objects.filter(key__startswith=DEMO_KEY).exists():
        return result
    rng = random.Random("care-demo:outreach")
    weights = [OUTREACH_SLUGS[c.slug] for c in campaigns]
    customers = Customer.objects.filter(external_id__startswith=PREFIX).exclude(
        phone="", email=""
    ).order_by("pk").values_list("pk", "phone", "email", "locale")
    messages = [
        _demo_message(rng, rng.choices(campaigns, weights)[0], customer, now)
        for customer in customers.iterator(chunk_size=5000)
        if rng.random() < OUTREACH_SHARE
    ]
    Message.objects.bulk_create(messages, batch_size=2000)
    # Held out and skipped when they were decided, as dispatch would have left them.
    Message.objects.filter(key__startswith=DEMO_KEY, sent_at__isnull=True).update(
        updated_at=F("send_after")
    )
    rows: dict[str, list] = {"links": [], "clicks": [], "orders": []}
    for message in messages:
        _engagement(rng, message, now, rows)
    TrackedLink.objects.bulk_create(rows["links"], batch_size=2000)
    for click in rows["clicks"]:
        click.link_id = click.link.pk
    Click.objects.bulk_create(rows["clicks"], batch_size=2000)
    Order.objects.bulk_create(rows["orders"], batch_size=2000, ignore_conflicts=True)
    result.messages, result.clicks = len(messages), len(rows["clicks"])
    result.orders = len(rows["orders"])
    return result


__all__ = [
    "DEMO_LOGINS",
    "CaseStatus",
    "DemoResult",
    "OutreachResult",
    "care_demo_logins",
    "care_demo_outreach",
    "care_demo_seed",
    "care_demo_staff",
]
