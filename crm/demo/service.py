"""Build demo vehicles, appliances and helpdesk tickets (no database access here)."""

import datetime as dt
import random
from typing import Any

from crm.demo import vocab
from crm.demo.people import PREFIX, Person
from crm.models import Asset

DUE_SOON_EVERY = 12  # every 12th asset is due for service within a week
RESOLVED_RECENTLY_EVERY = 20  # every 20th ticket was resolved within the last hour


def build_assets(
    rng: random.Random, person: Person, today: dt.date, counter: int
) -> list[Asset]:
    owned = []
    if rng.random() < 0.25:
        owned.append(rng.choice(vocab.VEHICLES))
    if rng.random() < 0.3:
        owned.append(rng.choice(vocab.APPLIANCES))
    assets = []
    for offset, (kind, name, interval) in enumerate(owned):
        number = counter + offset + 1
        asset = Asset(
            external_id=f"{PREFIX}A{number:07d}",
            customer_id=person.pk,
            kind=kind,
            name=name,
            service_interval_days=interval,
            last_serviced_at=last_service(rng, today, interval, number),
        )
        asset.sync_next_service()
        assets.append(asset)
    return assets


def last_service(rng: random.Random, today: dt.date, interval: int, number: int):
    if number % DUE_SOON_EVERY == 0:
        return today - dt.timedelta(days=interval - rng.randint(1, 7))
    if rng.random() < 0.05:
        return None
    return today - dt.timedelta(days=rng.randint(0, interval + 60))


def build_tickets(
    rng: random.Random,
    ticket_model: Any,
    person: Person,
    now: dt.datetime,
    counter: int,
) -> list[Any]:
    if rng.random() >= 0.12:
        return []
    tickets = []
    for offset in range(rng.choice((1, 1, 1, 2))):
        number = counter + offset + 1
        fields = ticket_timeline(rng, now, number)
        tickets.append(
            ticket_model(
                external_id=f"{PREFIX}T{number:07d}",
                customer_id=person.pk,
                subject=rng.choice(vocab.TICKET_SUBJECTS[person.locale]),
                agent=rng.choice(vocab.AGENTS),
                **fields,
            )
        )
    return tickets


def ticket_timeline(
    rng: random.Random, now: dt.datetime, number: int
) -> dict[str, Any]:
    """Status, opened/resolved times and first-contact resolution of one ticket."""
    if number % RESOLVED_RECENTLY_EVERY == 0:
        resolved = now - dt.timedelta(minutes=rng.uniform(2, 55))
        opened = resolved - dt.timedelta(hours=rng.uniform(0.5, 30))
        return {
            "status": "resolved",
            "opened_at": opened,
            "resolved_at": resolved,
            "first_contact_resolution": rng.random() < 0.7,
        }
    roll = rng.random()
    if roll < 0.15:
        return {
            "status": "open",
            "opened_at": now - dt.timedelta(days=rng.uniform(0, 10)),
            "resolved_at": None,
            "first_contact_resolution": None,
        }
    opened = now - dt.timedelta(days=rng.uniform(1, 365))
    resolved = min(opened + dt.timedelta(hours=rng.lognormvariate(2.5, 1.0)), now)
    return {
        "status": "resolved" if roll < 0.35 else "closed",
        "opened_at": opened,
        "resolved_at": resolved,
        "first_contact_resolution": rng.random() < 0.7,
    }
