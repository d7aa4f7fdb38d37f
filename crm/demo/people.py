"""Build demo customers and their consents (no database access here)."""

import datetime as dt
import random
from dataclasses import dataclass

from crm.demo import vocab
from crm.models import Consent, Customer

PREFIX = "DEMO-"
_SURNAME_WEIGHTS = [weight for *_rest, weight in vocab.SURNAMES]
LEAP_DAY_EVERY = 211  # every 211th customer is born on 29 February


@dataclass(frozen=True)
class Person:
    """What later phases need to know about a created customer."""

    pk: int
    index: int
    locale: str
    has_phone: bool
    has_email: bool


def pick(rng: random.Random, weighted: list[tuple[str, int]]) -> str:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights)[0]


def chinese_name(rng: random.Random) -> tuple[str, str]:
    """A name (姓+名) and its pinyin for the email address."""
    surname, surname_py, _weight = rng.choices(
        vocab.SURNAMES, weights=_SURNAME_WEIGHTS
    )[0]
    given = rng.sample(vocab.GIVEN_CHARS, rng.choice((1, 2, 2)))
    name = surname + "".join(char for char, _py in given)
    return name, "".join(py for _char, py in given) + "." + surname_py


def english_name(rng: random.Random) -> tuple[str, str]:
    first, last = rng.choice(vocab.FIRST_NAMES), rng.choice(vocab.LAST_NAMES)
    return f"{first} {last}", f"{first}.{last}".lower()


def phone_for(rng: random.Random, zone: str) -> str:
    """A mobile number plausible for the customer's time zone."""
    if zone == "Asia/Hong_Kong":
        return f"+852{rng.choice('5689')}{rng.randrange(10**7):07d}"
    if zone == "Asia/Singapore":
        return f"+65{rng.choice('89')}{rng.randrange(10**7):07d}"
    if zone == "Europe/London":
        return f"+4477{rng.randrange(10**8):08d}"
    if zone == "America/Los_Angeles":
        area = rng.choice(("213", "310", "323", "415", "626", "650"))
        return f"+1{area}{rng.randrange(200, 1000)}{rng.randrange(10**4):04d}"
    return f"+86{rng.choice(vocab.CN_MOBILE_PREFIXES)}{rng.randrange(10**8):08d}"


def birthday_for(rng: random.Random, index: int) -> dt.date | None:
    if index % LEAP_DAY_EVERY == 5:
        return dt.date(rng.randrange(1956, 2005, 4), 2, 29)
    if rng.random() < 0.08:
        return None
    return dt.date(rng.randrange(1955, 2007), 1, 1) + dt.timedelta(
        days=rng.randrange(365)
    )


def build_customer(rng: random.Random, index: int) -> Customer:
    chinese = rng.random() < 0.8
    name, handle = chinese_name(rng) if chinese else english_name(rng)
    zone = pick(rng, vocab.ZONES_CN if chinese else vocab.ZONES_EN)
    native = "zh-hans" if chinese else "en"
    locale = native if rng.random() < 0.95 else ("en" if chinese else "zh-hans")
    domain = rng.choice(("example.cn", "example.com", "example.net"))
    customer = Customer(
        external_id=f"{PREFIX}C{index + 1:07d}",
        name=name,
        phone=phone_for(rng, zone) if rng.random() < 0.95 else "",
        email=f"{handle}{index + 1}@{domain}" if rng.random() < 0.85 else "",
        birthday=birthday_for(rng, index),
        time_zone=zone,
        locale=locale,
    )
    customer.sync_birth_parts()
    return customer


def build_consents(
    rng: random.Random, person: Person, now: dt.datetime
) -> list[Consent]:
    """Service and marketing decisions per channel; some marketing later withdrawn."""
    rows = []
    channels = [
        c for c, has in (("sms", person.has_phone), ("email", person.has_email)) if has
    ]
    for channel in channels:
        first = now - dt.timedelta(days=rng.uniform(30, 900))
        source = rng.choice(vocab.CONSENT_SOURCES)
        for purpose, share in (("service", 0.96), ("marketing", 0.65)):
            granted = rng.random() < share
            rows.append(
                Consent(
                    customer_id=person.pk,
                    channel=channel,
                    purpose=purpose,
                    granted=granted,
                    source=source,
                    recorded_at=first,
                )
            )
            if purpose == "marketing" and granted and rng.random() < 0.12:
                later = first + (now - first) * rng.random()
                rows.append(
                    Consent(
                        customer_id=person.pk,
                        channel=channel,
                        purpose=purpose,
                        granted=False,
                        source=vocab.WITHDRAW_SOURCES[channel],
                        recorded_at=later,
                    )
                )
    return rows
