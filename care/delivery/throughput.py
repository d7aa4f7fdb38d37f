"""Sends per second per sender: a token bucket shared by every dispatch process.

The bucket holds at most rate x SMS_RATE_WINDOW_SECONDS tokens (the burst)
and refills at SMS_RATE_PER_SECOND. Dispatch takes tokens *before* it claims
SMS rows and claims only as many as it was granted, so rows are never claimed
only to be put back (issue 14 measured 323,026 claims for 4,698 sends that
way); tokens it could not use (nothing due, a rule skipped the row) go back.

With REDIS_URL the bucket lives in Redis and one Lua script refills and takes
atomically, so every process on every host shares it. Without Redis each
process keeps its own bucket (a development set-up: one dispatch process).

A 429 from the provider is not a reason to stop the fleet: the throttled
message alone waits for the Retry-After it was given (care.delivery.outcomes).

Service before marketing: the last SMS_SERVICE_SHARE of the bucket is a
reserve that only service messages may spend. Every grant says how many of
its tokens came from above the reserve (`free`): marketing is claimed only
for those. With no service due the reserve stays full and marketing runs at
the full rate; a survey that falls due finds tokens at once, whatever the
marketing backlog, and while service keeps coming, marketing gets only what
refills above the reserve.
"""

import math
import threading
import time
from dataclasses import dataclass

import redis
from django.conf import settings

PREFIX = "care:sms-bucket"

# KEYS[1]: the bucket. ARGV: rate, burst, now (s), want (> 0 take, < 0 give
# back), reserve (tokens only service may take). Returns {granted, seconds
# until the next whole token, how many of the granted were above the reserve}.
TAKE_SCRIPT = """
local rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local now, want = tonumber(ARGV[3]), tonumber(ARGV[4])
local reserve = tonumber(ARGV[5]) or 0
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or burst
local ts = tonumber(state[2]) or now
if now > ts then
  tokens = math.min(burst, tokens + (now - ts) * rate)
  ts = now
end
local granted, free = 0, 0
if want > 0 then
  granted = math.min(want, math.floor(tokens))
  free = math.max(0, math.min(granted, math.floor(tokens - reserve)))
  tokens = tokens - granted
else
  tokens = math.min(burst, tokens - want)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(ts))
redis.call('EXPIRE', KEYS[1], math.ceil(burst / rate) + 60)
local wait = 0
if tokens < 1 then wait = (1 - tokens) / rate end
return {granted, tostring(wait), free}
"""


@dataclass(frozen=True)
class Grant:
    granted: int
    # Seconds until the next token (0 when there are tokens left).
    wait: float = 0.0
    # Of the granted, how many marketing may spend (above the service reserve).
    free: int | None = None

    @property
    def for_marketing(self) -> int:
        return self.granted if self.free is None else self.free


def bucket_step(
    tokens: float,
    ts: float,
    *,
    rate: float,
    burst: float,
    now: float,
    want: int,
    reserve: float = 0.0,
) -> tuple[float, float, Grant]:
    """The Lua script's arithmetic in Python: the per-process bucket uses it."""
    if now > ts:
        tokens, ts = min(burst, tokens + (now - ts) * rate), now
    granted = free = 0
    if want > 0:
        granted = min(want, math.floor(tokens))
        free = max(0, min(granted, math.floor(tokens - reserve)))
        tokens -= granted
    else:
        tokens = min(burst, tokens - want)
    wait = (1 - tokens) / rate if tokens < 1 else 0.0
    return tokens, ts, Grant(granted, wait, free)


class LocalStore:
    """Buckets of this process only (no Redis)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.buckets: dict[str, tuple[float, float]] = {}

    def step(
        self, key: str, rate: float, burst: float, want: int, reserve: float = 0.0
    ) -> Grant:
        now = time.time()
        with self.lock:
            tokens, ts = self.buckets.get(key, (burst, now))
            tokens, ts, grant = bucket_step(
                tokens, ts, rate=rate, burst=burst, now=now, want=want, reserve=reserve
            )
            self.buckets[key] = (tokens, ts)
        return grant

    def clear(self) -> None:
        with self.lock:
            self.buckets.clear()


class RedisStore:
    """Buckets in Redis, shared by every process that points at the same server."""

    def __init__(self, url: str) -> None:
        self.client = redis.Redis.from_url(url)
        self.script = self.client.register_script(TAKE_SCRIPT)

    def step(
        self, key: str, rate: float, burst: float, want: int, reserve: float = 0.0
    ) -> Grant:
        args = [rate, burst, time.time(), want, reserve]
        granted, wait, free = self.script(keys=[key], args=args)
        return Grant(int(granted), float(wait), int(free))


_local = LocalStore()
_redis: dict[str, RedisStore] = {}
_redis_lock = threading.Lock()


def local_buckets_clear() -> None:
    """Forget this process's buckets (tests; the Redis ones go with the cache's db)."""
    _local.clear()


def bucket_store() -> LocalStore | RedisStore:
    url = settings.REDIS_URL
    if not url:
        return _local
    with _redis_lock:
        if url not in _redis:
            _redis[url] = RedisStore(url)
        return _redis[url]


class SenderBucket:
    """The rate of one sender: take tokens before claiming, give back what went unused."""

    def __init__(
        self, rate: float, window: int, sender: str, service_share: float = 0.0
    ) -> None:
        self.rate = rate
        self.burst = max(1.0, rate * max(1, window))
        self.key = f"{PREFIX}:{sender}"
        # Whole tokens, and never the whole bucket: marketing keeps at least one.
        share = min(1.0, max(0.0, service_share))
        self.reserve = max(0, min(math.floor(self.burst * share), int(self.burst) - 1))

    @property
    def limited(self) -> bool:
        return self.rate > 0

    def take(self, want: int) -> Grant:
        """Up to `want` tokens now (never waits); with no limit, all of them."""
        if not self.limited or want <= 0:
            return Grant(max(want, 0))
        return bucket_store().step(self.key, self.rate, self.burst, want, self.reserve)

    def refund(self, count: int) -> None:
        """Give back tokens taken but not spent on a request."""
        if self.limited and count > 0:
            bucket_store().step(self.key, self.rate, self.burst, -count)


def sender_key() -> str:
    return (
        settings.TWILIO_MESSAGING_SERVICE_SID
        or settings.TWILIO_FROM_NUMBER
        or "default"
    )


def sms_bucket() -> SenderBucket:
    return SenderBucket(
        settings.SMS_RATE_PER_SECOND,
        settings.SMS_RATE_WINDOW_SECONDS,
        sender_key(),
        settings.SMS_SERVICE_SHARE,
    )
