"""The per-sender SMS rate: a token bucket taken before claiming, shared through Redis.

A 429 backs off the throttled message only; the others keep going.
"""

import datetime as dt
import threading

import pytest
from django.core import mail

from care.delivery.dispatch import dispatch_round, messages_dispatch
from care.delivery.throughput import RedisStore, SenderBucket, bucket_step
from care.models import Message, MessageStatus, Reason
from tests.factories import MessageFactory, campaign_with_templates, consent

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def limited(settings):
    settings.SMS_RATE_PER_SECOND = 1
    settings.SMS_RATE_WINDOW_SECONDS = 3  # the bucket holds 3 tokens


@pytest.fixture
def shared_redis(settings, redis_url):
    """Buckets in Redis (settings.REDIS_URL), emptied after the test."""
    settings.REDIS_URL = redis_url
    store = RedisStore(redis_url)
    store.client.flushdb()
    yield store
    store.client.flushdb()


def due(channel: str, count: int, granted: bool = True) -> list[Message]:
    campaign = campaign_with_templates(purpose="service")
    rows = [MessageFactory(campaign=campaign, channel=channel) for _ in range(count)]
    for row in rows:
        consent(row.customer, channel, "service", granted)
    return rows


def statuses(rows: list[Message]) -> list[str]:
    return [Message.objects.get(pk=row.pk).status for row in rows]


def test_it_sends_no_more_sms_than_the_bucket_holds(limited, morning):
    rows = due("sms", 5)
    messages_dispatch()
    assert statuses(rows).count(MessageStatus.SENT) == 3
    assert statuses(rows).count(MessageStatus.PLANNED) == 2


def test_it_claims_only_the_sms_it_has_tokens_for(limited, morning):
    rows = due("sms", 5)
    result = messages_dispatch()
    assert (result.claims, result.claimed) == (1, 3)
    waiting = Message.objects.filter(pk__in=[r.pk for r in rows], status="planned")
    assert [(m.claimed_by, m.attempts, m.reason) for m in waiting] == [("", 0, "")] * 2


def test_it_claims_nothing_while_the_bucket_is_empty_and_says_how_long_to_wait(
    limited, morning
):
    due("sms", 4)
    messages_dispatch()
    empty = dispatch_round(batch_size=50)
    assert (empty.claims, empty.claimed) == (0, 0)
    assert empty.wait == pytest.approx(1.0)  # one token a second


def test_it_keeps_email_flowing_when_the_sms_bucket_is_empty(limited, morning):
    sms_rows = due("sms", 5)
    email_rows = due("email", 3)
    messages_dispatch()
    assert statuses(email_rows) == [MessageStatus.SENT] * 3
    assert len(mail.outbox) == 3
    assert statuses(sms_rows).count(MessageStatus.SENT) == 3


def test_it_refills_at_the_configured_rate(limited, morning):
    rows = due("sms", 5)
    messages_dispatch()
    morning.shift(dt.timedelta(seconds=1))
    messages_dispatch()
    assert statuses(rows).count(MessageStatus.SENT) == 4
    morning.shift(dt.timedelta(seconds=1))
    messages_dispatch()
    assert statuses(rows) == [MessageStatus.SENT] * 5


def test_it_gives_back_the_tokens_of_messages_it_did_not_send(limited, morning):
    skipped = due("sms", 2, granted=False)
    messages_dispatch()
    assert statuses(skipped) == [MessageStatus.SKIPPED] * 2
    assert SenderBucket(1, 3, "default").take(5).granted == 3


def test_two_workers_share_one_bucket(limited, morning):
    first, second = SenderBucket(1, 3, "+1500"), SenderBucket(1, 3, "+1500")
    assert [first.take(2).granted, second.take(2).granted] == [2, 1]
    assert first.take(1).granted == 0


def test_it_counts_each_sender_separately(limited, morning):
    one, other = SenderBucket(1, 1, "+1500"), SenderBucket(1, 1, "+1600")
    assert one.take(1).granted == 1 and one.take(1).granted == 0
    assert other.take(1).granted == 1


def test_it_has_no_limit_at_rate_zero(settings, morning):
    assert SenderBucket(0, 60, "+1500").take(1000).granted == 1000


def test_the_bucket_never_holds_more_than_its_burst():
    tokens, ts, grant = bucket_step(
        1.0, 0.0, rate=2.0, burst=10.0, now=3600.0, want=100
    )
    assert (grant.granted, tokens, ts) == (10, 0.0, 3600.0)
    tokens, _, _ = bucket_step(9.5, 0.0, rate=2.0, burst=10.0, now=0.0, want=-5)
    assert tokens == 10.0


def test_a_429_defers_only_the_throttled_message(fake_twilio, morning):
    fake_twilio.then_throttle(retry_after=20)
    rows = due("sms", 3)
    messages_dispatch()
    assert len(fake_twilio.creates()) == 3
    assert sorted(statuses(rows)) == ["deferred", "sent", "sent"]


def test_a_429_waits_for_the_retry_after_it_was_given(fake_twilio, morning):
    fake_twilio.then_throttle(retry_after=20)
    (row,) = due("sms", 1)
    messages_dispatch()
    row.refresh_from_db()
    assert (row.status, row.reason) == (MessageStatus.DEFERRED, Reason.THROTTLED)
    assert row.send_after == dt.datetime.now(dt.UTC) + dt.timedelta(seconds=20)


def test_a_429_does_not_pause_the_sender_for_the_next_run(fake_twilio, morning):
    fake_twilio.then_throttle(retry_after=20)
    due("sms", 1)
    messages_dispatch()
    later = due("sms", 2)
    messages_dispatch()
    assert statuses(later) == [MessageStatus.SENT] * 2


@pytest.mark.redis
def test_the_redis_bucket_is_shared_by_every_process(limited, morning, shared_redis):
    rows = due("sms", 4)
    messages_dispatch()
    assert statuses(rows).count(MessageStatus.SENT) == 3
    # Another process (its own connection) sees the same empty bucket.
    assert shared_redis.step("care:sms-bucket:default", 1, 3, 1).granted == 0


@pytest.mark.redis
def test_the_redis_bucket_grants_no_token_twice(settings, morning, shared_redis):
    bucket = SenderBucket(0.001, 100_000, "+1700")  # 100 tokens, no refill to speak of
    granted = []

    def take() -> None:
        granted.extend(bucket.take(1).granted for _ in range(40))

    threads = [threading.Thread(target=take) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(granted) == 100
