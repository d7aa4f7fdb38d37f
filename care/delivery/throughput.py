"""Sends per second per sender, shared by every worker through the cache.

A fixed-window counter in Django's cache (Redis when REDIS_URL is set, so all
workers on all hosts share it; local memory otherwise, which is per process):
each window of SMS_RATE_WINDOW_SECONDS allows rate x window sends. When the
budget is spent dispatch leaves the remaining SMS due and goes on with other
work; nothing sleeps. A 429 from the provider blocks the sender for the time
it asked for.
"""

import time

from django.conf import settings
from django.core.cache import cache

PREFIX = "care:sms-rate"


def sender_key() -> str:
    return (
        settings.TWILIO_MESSAGING_SERVICE_SID
        or settings.TWILIO_FROM_NUMBER
        or "default"
    )


class SenderBudget:
    def __init__(self, rate: float, window: int, sender: str) -> None:
        self.rate = rate
        self.window = max(1, window)
        self.sender = sender

    @property
    def limit(self) -> int:
        return max(1, int(self.rate * self.window))

    def _key(self, now: float) -> str:
        return f"{PREFIX}:{self.sender}:{int(now // self.window)}"

    def _blocked(self) -> bool:
        until = cache.get(f"{PREFIX}:{self.sender}:blocked")
        return until is not None and until > time.time()

    def available(self) -> bool:
        # A 429 block applies even with the rate limit off.
        if self._blocked():
            return False
        if self.rate <= 0:
            return True
        return (cache.get(self._key(time.time())) or 0) < self.limit

    def take(self) -> bool:
        """Spend one send from the current window; False when none is left."""
        if self._blocked():
            return False
        if self.rate <= 0:
            return True
        key = self._key(time.time())
        cache.add(key, 0, timeout=self.window * 2)
        try:
            used = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=self.window * 2)
            used = 1
        return used <= self.limit

    def block(self, seconds: float) -> None:
        """The provider throttled us: no sends from this sender for a while."""
        if seconds > 0:
            cache.set(
                f"{PREFIX}:{self.sender}:blocked",
                time.time() + seconds,
                timeout=int(seconds) + 1,
            )


def sms_budget() -> SenderBudget:
    return SenderBudget(
        settings.SMS_RATE_PER_SECOND, settings.SMS_RATE_WINDOW_SECONDS, sender_key()
    )
