"""Service before marketing: claim order, the sender's reserve, the survey's wait.

A marketing backlog must never hold a due survey back by more than what is
already in flight.
"""

import datetime as dt

import pytest

from care.delivery.claim import messages_claim
from care.delivery.dispatch import dispatch_round, messages_dispatch
from care.delivery.throughput import SenderBucket
from care.models import Message, MessageStatus
from tests.factories import MessageFactory, campaign_with_templates, consent

pytestmark = [pytest.mark.django_db]


def due(purpose: str, count: int, *, channel: str = "sms", at=None) -> list[Message]:
    campaign = campaign_with_templates(purpose=purpose)
    rows = []
    for _ in range(count):
        extra = {"send_after": at} if at is not None else {}
        row = MessageFactory(campaign=campaign, channel=channel, **extra)
        consent(row.customer, channel, purpose)
        rows.append(row)
    return rows


def sent(rows: list[Message]) -> int:
    ids = [r.pk for r in rows]
    return Message.objects.filter(pk__in=ids, status=MessageStatus.SENT).count()


@pytest.fixture
def reserved(settings):
    """1 SMS/s, a bucket of 10, half of it kept for service."""
    settings.SMS_RATE_PER_SECOND = 1
    settings.SMS_RATE_WINDOW_SECONDS = 10
    settings.SMS_SERVICE_SHARE = 0.5


def test_it_claims_service_before_marketing_due_earlier(morning):
    marketing = due("marketing", 5, at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
    service = due("service", 2)
    _, ids = messages_claim(now=dt.datetime.now(dt.UTC), limit=3)
    assert set(ids) == {service[0].pk, service[1].pk, marketing[0].pk}


def test_it_claims_service_email_before_marketing_sms(morning):
    due("marketing", 3)
    service = due("service", 2, channel="email")
    _, ids = messages_claim(now=dt.datetime.now(dt.UTC), limit=2, sms_limit=10)
    assert set(ids) == {r.pk for r in service}


def test_marketing_never_spends_the_service_reserve(reserved, morning):
    marketing = due("marketing", 20)
    messages_dispatch()
    assert sent(marketing) == 5  # of 10 tokens; 5 are kept for service


def test_a_survey_due_behind_a_marketing_backlog_goes_in_the_next_round(
    reserved, morning
):
    marketing = due("marketing", 20)
    messages_dispatch()
    surveys = due("service", 3)
    result = dispatch_round(batch_size=50)
    assert sent(surveys) == 3
    assert result.claimed == 3  # and no marketing: the reserve is spent on service
    assert sent(marketing) == 5


def test_service_may_spend_the_whole_bucket(reserved, morning):
    service = due("service", 20)
    messages_dispatch()
    assert sent(service) == 10


def test_marketing_gets_the_full_rate_while_no_service_is_due(reserved, morning):
    marketing = due("marketing", 30)
    messages_dispatch()
    for _ in range(8):  # refills go to marketing, above the reserve
        morning.shift(dt.timedelta(seconds=1))
        messages_dispatch()
    assert sent(marketing) == 5 + 8


def test_while_both_are_due_service_gets_at_least_its_share(reserved, morning):
    marketing, service = due("marketing", 40), due("service", 40)
    messages_dispatch()
    for _ in range(20):
        morning.shift(dt.timedelta(seconds=1))
        messages_dispatch()
    assert sent(service) >= 0.5 * (sent(service) + sent(marketing))
    assert sent(service) + sent(marketing) <= 10 + 20  # the rate, still a ceiling


def test_the_reserve_never_takes_the_whole_bucket():
    assert SenderBucket(1, 1, "+1500", service_share=0.5).reserve == 0
    assert SenderBucket(1, 60, "+1500", service_share=0.5).reserve == 30
    assert SenderBucket(1, 60, "+1500", service_share=1).reserve == 59
