import datetime as dt

import pytest
from django.utils import timezone

from care.outreach.results import campaign_results
from tests.factories import MessageFactory, OrderFactory, campaign_with_templates

pytestmark = pytest.mark.django_db


def test_it_compares_orders_after_sent_and_held_out_messages():
    campaign = campaign_with_templates()
    now = timezone.now()
    sent = [
        MessageFactory(campaign=campaign, status="sent", sent_at=now) for _ in range(4)
    ]
    held = [MessageFactory(campaign=campaign, status="held_out") for _ in range(2)]
    for message in sent[:2] + held[:1]:
        OrderFactory(customer=message.customer, placed_at=now + dt.timedelta(days=1))
    OrderFactory(
        customer=sent[2].customer, placed_at=now + dt.timedelta(days=20)
    )  # too late
    result = campaign_results(campaign)
    assert (result.sent.customers, result.sent.ordered) == (4, 2)
    assert (result.held_out.customers, result.held_out.ordered) == (2, 1)
    assert result.lift == 0.0


def test_it_has_no_lift_without_a_holdout():
    campaign = campaign_with_templates()
    MessageFactory(campaign=campaign, status="sent", sent_at=timezone.now())
    assert campaign_results(campaign).lift is None
