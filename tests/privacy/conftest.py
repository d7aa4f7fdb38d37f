import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.utils import timezone, translation

from care.delivery.dispatch import messages_dispatch
from care.models import (
    Coupon,
    DeliveryEvent,
    Goodwill,
    InboundMessage,
    Message,
    RecoveryCase,
    Survey,
)
from segmentation.models import CustomerRfm, RfmRun, SegmentTransition
from tests.factories import (
    AssetFactory,
    BrowseEventFactory,
    CustomerFactory,
    MessageFactory,
    OfferFactory,
    OrderFactory,
    OrderLineFactory,
    TicketFactory,
    campaign_with_templates,
    consent,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def english():
    """Commands speak the operator's language: here English, whatever a request left active."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def sent_message(customer) -> Message:
    """A birthday SMS that really went out through dispatch (rendered body, provider id)."""
    campaign = campaign_with_templates(trigger="birthday", offer=OfferFactory())
    message = MessageFactory(campaign=campaign, customer=customer)
    messages_dispatch()
    message.refresh_from_db()
    assert message.status == "sent", message.reason_detail
    return message


@pytest.fixture
def rich(db):
    """A Chinese-speaking customer with a row in every table that can hold their data."""
    customer = CustomerFactory(
        external_id="VIP-1", name="王小明", phone="+8613800138000", locale="zh-hans"
    )
    consent(customer, "sms", "marketing")
    consent(customer, "sms", "service")
    order = OrderFactory(customer=customer, total=Decimal("199.90"))
    OrderLineFactory(order=order, unit_price=Decimal("199.90"))
    BrowseEventFactory(customer=customer)
    AssetFactory(customer=customer)
    message = sent_message(customer)  # before the ticket: care comes first
    ticket = TicketFactory(customer=customer, subject="空调不制冷")
    DeliveryEvent.objects.create(
        message=message, provider_id=message.provider_id, status="delivered",
        payload={"To": customer.phone}, received_at=timezone.now(),
    )
    DeliveryEvent.objects.create(
        message=None, provider_id=message.provider_id, status="sent",
        payload={"To": customer.phone}, received_at=timezone.now(),
    )
    InboundMessage.objects.create(
        provider_id="SM-in-1", customer=customer, from_number=customer.phone,
        body="谢谢", kind="other", received_at=timezone.now(),
    )
    InboundMessage.objects.create(
        provider_id="SM-in-2", customer=None, from_number=customer.phone,
        body="TD", kind="stop", received_at=timezone.now(),
    )
    assert Coupon.objects.filter(customer=customer).exists()  # issued by dispatch
    survey = Survey.objects.create(
        ticket=ticket, customer=customer, channel="sms", csat=2, comment="太慢了",
        sent_at=timezone.now(), answered_at=timezone.now(), answered_via="sms",
    )
    case = RecoveryCase.objects.create(
        ticket=ticket, customer=customer, survey=survey, queue="care",
        opened_at=timezone.now(), first_response_due=timezone.now(),
        resolution_due=timezone.now(), notes="客户很生气",
    )
    staff = get_user_model().objects.create_user("manager")
    Goodwill.objects.create(case=case, proposed_by=staff, proposed_at=timezone.now())
    run = RfmRun.objects.create(
        started_at=timezone.now(), window_days=365, as_of=timezone.now()
    )
    CustomerRfm.objects.create(
        customer=customer, last_order_at=timezone.now() - dt.timedelta(days=3), frequency=1, monetary=Decimal("199.90"), r_score=5,
        f_score=1, m_score=3, segment="new_customers", run=run, scored_at=timezone.now(),
    )
    SegmentTransition.objects.create(
        customer=customer, to_segment="new_customers", changed_at=timezone.now(), run=run
    )
    return customer
