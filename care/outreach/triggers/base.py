"""What a trigger kind is: who is due (for the sweep), its settings, and its part in the send path.

A kind is one entry of the registry (care.outreach.triggers.TRIGGERS). The
send path (rendering, the send-time decision, recording) calls the entry's
`SendHooks` without asking which kind it handles; the defaults do nothing,
and a kind with needs of its own (the post-service survey) overrides them in
its own module.
"""

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Q

from care.content.variables import Variable
from care.outbox.plan import Due
from care.outbox.source import Source

if TYPE_CHECKING:
    from care.models import Campaign, Message

DueFunction = Callable[["Campaign", dt.datetime, dict], Iterator[Due]]
# A kind that finds its dues in the database: the table to plan set-wise.
SourceFunction = Callable[["Campaign", dt.datetime, dict], Source | None]
ParamsCheck = Callable[[dict], list[str]]


class KindBatch:
    """A kind's view of one dispatch batch: the last check before each of its sends.

    Made once per batch (`SendHooks.batch`), so a check that needs the
    database asks once for the whole batch, not once per message.
    """

    def check(self, message: "Message") -> str:
        """A skip reason (care.models.Reason) when the message must not go; "" to go on."""
        return ""

    def count_sent(self, message: "Message") -> None:
        """The message is going now (its attempt is being committed): the checks
        of later messages see it, whatever the provider then answers."""


class SendHooks:
    """A trigger kind's part in the send path; the defaults do nothing."""

    def context(self, message: "Message") -> dict:
        """The kind's own template values of a message being rendered (sending, dry run).

        Plain data only, under names the kind declares in `TriggerSpec.variables`.
        """
        return {}

    def sample_context(self) -> dict:
        """The same for a made-up customer (previews, content checks), over the
        variables' samples."""
        return {}

    def batch(self, messages: list["Message"], now: dt.datetime) -> KindBatch:
        """The last check for this kind's messages of one dispatch batch."""
        return KindBatch()

    def sent(self, messages: list["Message"]) -> None:
        """The messages were recorded as sent (inside the recording transaction)."""


@dataclass(frozen=True)
class TriggerSpec:
    # Who is due: found in Python (`due`, planned a chunk at a time) or, for
    # a whole audience, as a set-wise `source` (care.outbox.setwise).
    due: DueFunction | None
    defaults: dict
    # Names of integer settings that must be >= 0 (or >= 1 when listed in `positive`).
    integers: tuple[str, ...] = ()
    positive: tuple[str, ...] = ()
    # Further checks of the settings (e.g. the dated trigger's date): error texts.
    params_errors: ParamsCheck | None = None
    hooks: SendHooks = field(default_factory=SendHooks)
    # The template variables the kind offers beyond the common ones
    # (care.content.variables); nothing else reaches its templates.
    variables: tuple[Variable, ...] = ()
    source: SourceFunction | None = None


def audience_q(audience: dict, prefix: str = "") -> Q:
    """Filter customers (under `prefix`, e.g. "customer__") by a campaign's audience."""
    q = Q()
    if audience.get("segments"):
        q &= Q(**{f"{prefix}rfm__segment__in": audience["segments"]})
    if audience.get("clusters"):
        q &= Q(**{f"{prefix}rfm__cluster__in": audience["clusters"]})
    if audience.get("locales"):
        q &= Q(**{f"{prefix}locale__in": audience["locales"]})
    if audience.get("time_zones"):
        q &= Q(**{f"{prefix}time_zone__in": audience["time_zones"]})
    # Orders and spend within the RFM window (the latest scoring run).
    if audience.get("min_orders"):
        q &= Q(**{f"{prefix}rfm__frequency__gte": audience["min_orders"]})
    if audience.get("min_spend"):
        q &= Q(**{f"{prefix}rfm__monetary__gte": audience["min_spend"]})
    return q


# Local dates span UTC-12 .. UTC+14 around the world at any instant.
EARLIEST_OFFSET = dt.timedelta(hours=-12)
LATEST_OFFSET = dt.timedelta(hours=14)


def local_date_span(now: dt.datetime) -> tuple[dt.date, dt.date]:
    """The first and last calendar date it currently is somewhere on Earth."""
    utc = now.astimezone(dt.UTC)
    return (utc + EARLIEST_OFFSET).date(), (utc + LATEST_OFFSET).date()
