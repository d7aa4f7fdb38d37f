"""Several dispatch workers and sweeps at once, on PostgreSQL (threads, separate connections)."""

from collections import Counter

import pytest
from django.utils import timezone

from care.delivery.dispatch import messages_dispatch
from care.models import Message
from care.outreach.sweep import messages_plan
from crm.models import Customer
from tests.factories import (
    MessageFactory,
    campaign_with_templates,
    consent,
)
from tests.threads import in_threads


@pytest.mark.django_db(transaction=True)
def test_concurrent_dispatch_workers_send_every_message_exactly_once(
    postgres_only, sms_outbox, settings
):
    settings.CARE_QUIET_HOURS = ""  # real time here: whatever the hour, send
    campaign = campaign_with_templates(purpose="service")
    for _ in range(120):
        message = MessageFactory(campaign=campaign, send_after=timezone.now())
        consent(message.customer, "sms", "service")
    in_threads(lambda: messages_dispatch(batch_size=7), 4)
    sent = Counter(message.pk for message in sms_outbox)
    assert len(sent) == 120 and set(sent.values()) == {1}
    assert Message.objects.filter(status="sent").count() == 120


@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_plan_each_occasion_once(postgres_only):
    campaign = campaign_with_templates(trigger="birthday", purpose="marketing")
    birthday = timezone.localdate().replace(year=1990)
    customers = [
        Customer(external_id=f"S{n}", phone=f"+861380000{n:04d}", birthday=birthday)
        for n in range(2500)  # more than one planning chunk
    ]
    for customer in customers:
        customer.sync_birth_parts()
    Customer.objects.bulk_create(customers)
    now = timezone.now()
    in_threads(lambda: messages_plan(campaign=campaign, now=now), 4)
    assert Message.objects.count() == 2500
    assert Message.objects.values("customer").distinct().count() == 2500
