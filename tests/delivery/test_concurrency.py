"""Many requests in flight per dispatch process, the rate still a ceiling.

The real twilio client talks to the fake server, which adds latency to each
answer and notes when each request arrived and how many were in flight.
These tests run in real time on purpose: what they measure is time.
"""

import threading
import time

import pytest

from care.delivery.dispatch import dispatch_loop, messages_dispatch
from care.delivery.throughput import RedisStore
from care.models import Message, MessageStatus
from tests.delivery.test_throughput import due, statuses

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def anytime(settings):
    settings.CARE_QUIET_HOURS = ""  # real time: whatever the hour


@pytest.fixture
def slow_twilio(fake_twilio, settings):
    fake_twilio.latency = 0.5
    settings.TWILIO_TIMEOUT = 5
    return fake_twilio


def test_it_keeps_the_configured_number_of_requests_in_flight(
    slow_twilio, settings, anytime
):
    settings.DISPATCH_CONCURRENCY = 8
    rows = due("sms", 24)
    start = time.perf_counter()
    messages_dispatch()
    elapsed = time.perf_counter() - start
    assert statuses(rows) == [MessageStatus.SENT] * 24
    assert slow_twilio.max_in_flight == 8
    assert elapsed < 24 * 0.5 / 2  # one at a time takes 12 s, 8 at once 1.5 s


def test_it_sends_one_at_a_time_at_concurrency_one(slow_twilio, settings, anytime):
    settings.DISPATCH_CONCURRENCY = 1
    rows = due("sms", 3)
    messages_dispatch()
    assert statuses(rows) == [MessageStatus.SENT] * 3
    assert slow_twilio.max_in_flight == 1


def test_every_concurrent_send_is_recorded_with_its_own_provider_id(
    fake_twilio, settings, anytime
):
    rows = due("sms", 60)
    messages_dispatch()
    sent = Message.objects.filter(pk__in=[r.pk for r in rows], status="sent")
    by_to = {m["to"]: m["sid"] for m in fake_twilio.messages.values()}
    assert {m.provider_id for m in sent} == set(by_to.values())
    assert all(by_to[m.recipient] == m.provider_id for m in sent)


def test_email_sends_at_most_its_own_limit_at_once(settings, anytime, monkeypatch):
    settings.EMAIL_CONCURRENCY = 2
    now, most, lock = [0], [0], threading.Lock()
    real_send = _email_send()

    def counting_send(self, *args, **kwargs):
        with lock:
            now[0] += 1
            most[0] = max(most[0], now[0])
        time.sleep(0.05)  # an SMTP round trip
        with lock:
            now[0] -= 1
        return real_send(self, *args, **kwargs)

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", counting_send)
    rows = due("email", 10)
    messages_dispatch()
    assert statuses(rows) == [MessageStatus.SENT] * 10
    assert most[0] == 2


def _email_send():
    from django.core.mail import EmailMultiAlternatives

    return EmailMultiAlternatives.send


# How late a request may reach the fake after its token was taken: the thread
# that took it may wait for the GIL, a connection or the scheduler of a busy
# machine, and late requests bunch up with those behind them. Far below what
# an unlimited sender shows (80 requests in about 0.2 s). Seen: the first
# requests after the burst 0.13 s late, three tokens bunched behind them.
ARRIVAL_JITTER = 0.3


def _within_rate(times: list[float], rate: float, burst: float) -> bool:
    """No stretch of requests came faster than the token bucket allows."""
    times = sorted(times)
    # One token of slack: a token is taken a moment before its request arrives.
    return all(
        j - i + 1 <= burst + rate * (times[j] - times[i] + ARRIVAL_JITTER) + 1
        for i in range(len(times))
        for j in range(i, len(times))
    )


@pytest.fixture(params=["local", "redis"])
def bucket(request, settings):
    settings.SMS_RATE_PER_SECOND = 10
    settings.SMS_RATE_WINDOW_SECONDS = 1  # a burst of 10
    if request.param == "redis":
        settings.REDIS_URL = request.getfixturevalue("redis_url")
        store = RedisStore(settings.REDIS_URL)
        store.client.delete("care:sms-bucket:+15005550006")
        yield store
        store.client.delete("care:sms-bucket:+15005550006")
    else:
        settings.REDIS_URL = ""
        yield None


def test_the_rate_is_a_ceiling_with_32_requests_in_flight(
    fake_twilio, settings, anytime, bucket
):
    settings.DISPATCH_CONCURRENCY = 32
    fake_twilio.latency = 0.05
    due("sms", 80)
    stop = threading.Event()
    threading.Timer(3, stop.set).start()
    dispatch_loop(stop=stop, batch_size=50)
    times = [r.at for r in fake_twilio.creates()]
    # Well past the burst, so the rate binds; at most the burst and 3 s' worth.
    assert 20 <= len(times) <= 10 + 10 * 3 + 1
    assert _within_rate(times, rate=10, burst=10)


def test_the_loop_sends_the_next_claim_while_the_last_one_is_in_flight(
    slow_twilio, settings, anytime
):
    settings.DISPATCH_CONCURRENCY = 8
    rows = due("sms", 16)
    stop = threading.Event()

    def until_all_sent(totals) -> None:
        if totals.counts.get(MessageStatus.SENT, 0) >= 16:
            stop.set()

    threading.Timer(10, stop.set).start()
    dispatch_loop(stop=stop, batch_size=4, on_cycle=until_all_sent)
    assert statuses(rows) == [MessageStatus.SENT] * 16
    # Claims of 4, yet 8 in flight: a claim does not wait for the last one's tail.
    assert slow_twilio.max_in_flight == 8


def test_the_first_claim_is_small_so_requests_leave_while_the_next_is_prepared(
    fake_twilio, settings, anytime
):
    settings.DISPATCH_CONCURRENCY = 8
    rows = due("sms", 70)
    result = messages_dispatch(batch_size=500)
    assert statuses(rows) == [MessageStatus.SENT] * 70
    # 4 x 8 in flight is under a chunk: the first claim takes 50 rows, the next the rest.
    assert (result.claims, result.claimed) == (2, 70)
    # Counted batches keep their size.
    more = due("sms", 70)
    result = messages_dispatch(batch_size=500, max_batches=1)
    assert statuses(more) == [MessageStatus.SENT] * 70
    assert (result.claims, result.claimed) == (1, 70)
