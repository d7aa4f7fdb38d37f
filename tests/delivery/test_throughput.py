"""The per-sender SMS rate, shared through the cache, never stalls email."""

import datetime as dt

import pytest
from django.core import mail

from care.delivery.dispatch import messages_dispatch
from care.delivery.throughput import SenderBudget
from care.models import Message, MessageStatus
from tests.factories import MessageFactory, campaign_with_templates, consent

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def limited(settings):
    settings.SMS_RATE_PER_SECOND = 1
    settings.SMS_RATE_WINDOW_SECONDS = 3  # 3 SMS per 3-second window


def due(channel: str, count: int) -> list[Message]:
    campaign = campaign_with_templates(purpose="service")
    rows = [MessageFactory(campaign=campaign, channel=channel) for _ in range(count)]
    for row in rows:
        consent(row.customer, channel, "service", True)
    return rows


def statuses(rows: list[Message]) -> list[str]:
    return [Message.objects.get(pk=row.pk).status for row in rows]


def test_it_sends_no_more_sms_than_the_window_allows(limited, morning):
    rows = due("sms", 5)
    result = messages_dispatch()
    assert statuses(rows).count(MessageStatus.SENT) == 3
    assert statuses(rows).count(MessageStatus.PLANNED) == 2
    assert result.counts["rate_limited"] >= 1


def test_it_leaves_the_sms_over_budget_due_and_unchanged(limited, morning):
    rows = due("sms", 4)
    before = {row.pk: row.send_after for row in rows}
    messages_dispatch()
    waiting = Message.objects.filter(pk__in=before, status=MessageStatus.PLANNED)
    (row,) = waiting
    assert (row.send_after, row.reason, row.attempts) == (before[row.pk], "", 0)


def test_it_keeps_email_flowing_when_the_sms_budget_is_spent(limited, morning):
    sms_rows = due("sms", 5)
    email_rows = due("email", 3)
    messages_dispatch()
    assert statuses(email_rows) == [MessageStatus.SENT] * 3
    assert len(mail.outbox) == 3
    assert statuses(sms_rows).count(MessageStatus.SENT) == 3


def test_it_sends_the_rest_in_the_next_window(limited, morning):
    rows = due("sms", 5)
    messages_dispatch()
    morning.shift(dt.timedelta(seconds=3))
    messages_dispatch()
    assert statuses(rows) == [MessageStatus.SENT] * 5


def test_it_claims_no_sms_while_the_budget_is_spent(limited, morning):
    due("sms", 3)
    messages_dispatch()
    late = due("sms", 1)
    result = messages_dispatch()
    assert "rate_limited" not in result.counts  # not even claimed
    assert statuses(late) == [MessageStatus.PLANNED]


def test_it_shares_the_budget_between_workers(limited, morning):
    first, second = SenderBudget(1, 3, "+1500"), SenderBudget(1, 3, "+1500")
    assert [first.take(), second.take(), first.take()] == [True, True, True]
    assert second.take() is False


def test_it_counts_each_sender_separately(limited, morning):
    one, other = SenderBudget(1, 1, "+1500"), SenderBudget(1, 1, "+1600")
    assert one.take() and not one.take()
    assert other.take()


def test_it_has_no_limit_at_rate_zero(settings, morning):
    budget = SenderBudget(0, 60, "+1500")
    assert all(budget.take() for _ in range(1000))


def test_a_429_pauses_the_sender_for_the_rest_of_the_batch(fake_twilio, morning):
    fake_twilio.then_throttle(retry_after=20)
    sms_rows = due("sms", 3)
    email_rows = due("email", 1)
    messages_dispatch()
    assert len(fake_twilio.creates()) == 1
    assert statuses(email_rows) == [MessageStatus.SENT]
    assert statuses(sms_rows).count(MessageStatus.SENT) == 0


@pytest.mark.redis
def test_it_shares_the_budget_through_redis(limited, morning, settings, redis_url):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
        }
    }
    from django.core.cache import cache

    cache.clear()
    rows = due("sms", 4)
    messages_dispatch()
    assert statuses(rows).count(MessageStatus.SENT) == 3
    assert SenderBudget(1, 3, "default").take() is False
    cache.clear()
