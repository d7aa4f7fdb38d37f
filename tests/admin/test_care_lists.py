"""The care lists at a million messages: as many queries for 50 rows as for 5,
filter choices that do not read the outbox, exact searches, estimated counts.

Opened as the care and manager roles (real groups from migration care 0010,
logged in with a password), never as a superuser.
"""

import datetime as dt
import itertools

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from care.admin.delivery import ErrorCodeFilter
from care.models import Coupon, DeliveryEvent, InboundMessage, Message
from care.models.choices import TriggerKind
from care.service.staff import staff_add
from crm.admin import paging
from tests.factories import (
    CampaignFactory,
    CustomerFactory,
    MessageFactory,
    OfferFactory,
    TicketFactory,
)

PASSWORD = "a long passphrase 4 tests"
_serial = itertools.count()


@pytest.fixture(params=["care", "manager"])
def staff(request, roles) -> Client:
    staff_add(
        username=request.param,
        role=request.param,
        email=f"{request.param}@example.com",
        password=PASSWORD,
    )
    client = Client()
    assert client.login(username=request.param, password=PASSWORD)
    return client


def make_messages(count: int) -> None:
    campaign = CampaignFactory()
    for n in range(count):
        MessageFactory(
            campaign=campaign,
            provider_id=f"SM{next(_serial)}",
            customer__external_id=f"M{next(_serial)}",
        )


def make_receipts(count: int) -> None:
    now = timezone.now()
    for _ in range(count):
        n = next(_serial)
        DeliveryEvent.objects.create(
            message=MessageFactory(provider_id=f"SM{n}"),
            provider_id=f"SM{n}",
            status="delivered",
            error_code=str(30000 + n % 3),
            received_at=now,
        )


def make_replies(count: int) -> None:
    for customer in CustomerFactory.create_batch(count):
        InboundMessage.objects.create(
            provider_id=f"IN{next(_serial)}",
            customer=customer,
            from_number=customer.phone,
            kind="other",
            body="thanks",
            received_at=timezone.now(),
        )


def make_tickets(count: int) -> None:
    TicketFactory.create_batch(count, agent="ana")


def make_coupons(count: int) -> None:
    offer = OfferFactory()
    now = timezone.now()
    for _ in range(count):
        message = MessageFactory()
        Coupon.objects.create(
            code=f"CODE{next(_serial)}",
            offer=offer,
            message=message,
            customer=message.customer,
            issued_at=now,
            expires_at=now + dt.timedelta(days=30),
        )


PAGES = [
    ("care_message", make_messages, ""),
    ("care_message", make_messages, "?q=M1"),
    ("care_message", make_messages, "?trigger=birthday&status__exact=planned"),
    ("care_message", make_messages, "?channel__exact=sms&purpose__exact=marketing"),
    ("care_deliveryevent", make_receipts, ""),
    ("care_deliveryevent", make_receipts, "?q=SM1&error_code=30001"),
    ("care_inboundmessage", make_replies, ""),
    ("care_inboundmessage", make_replies, "?q=thanks"),
    ("care_ticket", make_tickets, ""),
    ("care_ticket", make_tickets, "?q=Help&agent=ana"),
    ("care_coupon", make_coupons, ""),
    ("care_coupon", make_coupons, "?q=CODE1"),
]


def count_queries(client: Client, url: str) -> int:
    client.get(url)  # per-process caches (content types, sessions)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return len(captured)


@pytest.mark.parametrize(("model", "make", "query"), PAGES)
def test_it_shows_staff_each_care_list_with_as_many_queries_for_50_rows_as_for_5(
    staff, model, make, query
):
    url = reverse(f"admin:{model}_changelist") + query
    make(5)
    few = count_queries(staff, url)
    make(45)
    assert count_queries(staff, url) == few


def test_it_offers_every_trigger_kind_without_reading_the_outbox(staff):
    make_messages(3)
    url = reverse("admin:care_message_changelist")
    with CaptureQueriesContext(connection) as captured:
        response = staff.get(url)
    assert not [q for q in captured if "DISTINCT" in q["sql"].upper()]
    trigger = next(
        spec for spec in response.context["cl"].filter_specs if spec.title == "trigger"
    )
    offered = [c["display"] for c in trigger.choices(response.context["cl"])]
    assert offered == ["All", *[label for _value, label in TriggerKind.choices]]


def test_it_filters_messages_by_trigger(staff):
    birthday = MessageFactory(campaign=CampaignFactory(trigger="birthday"))
    MessageFactory(campaign=CampaignFactory(trigger="win_back"))
    response = staff.get(
        reverse("admin:care_message_changelist"), {"trigger": "birthday"}
    )
    assert list(response.context["cl"].result_list) == [birthday]


def test_it_finds_a_message_by_its_key_customer_or_provider_id_exactly(staff):
    message = MessageFactory(provider_id="SMabc", customer__external_id="B42")
    MessageFactory(customer__external_id="B421")
    url = reverse("admin:care_message_changelist")
    for term in (message.key, "B42", "SMabc", " B42 "):
        listed = staff.get(url, {"q": term}).context["cl"].result_list
        assert list(listed) == [message], term
    assert not staff.get(url, {"q": "B4"}).context["cl"].result_list


def test_it_lists_messages_newest_first_and_sorts_by_nothing_else(staff):
    old = MessageFactory()
    Message.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - dt.timedelta(days=1)
    )
    new = MessageFactory()
    response = staff.get(reverse("admin:care_message_changelist"))
    assert list(response.context["cl"].result_list) == [new, old]
    assert response.context["cl"].sortable_by == ["created_at"]


def test_it_finds_tickets_by_subject_or_customer(staff):
    ticket = TicketFactory(subject="Broken charger", customer__external_id="B7")
    TicketFactory(subject="Invoice")
    url = reverse("admin:care_ticket_changelist")
    assert list(staff.get(url, {"q": "charger"}).context["cl"].result_list) == [ticket]
    assert list(staff.get(url, {"q": "B7"}).context["cl"].result_list) == [ticket]


def test_it_offers_the_error_codes_of_the_newest_receipts(staff, monkeypatch):
    monkeypatch.setattr(ErrorCodeFilter, "sample", 3)
    make_receipts(3)  # error codes 3000x of three consecutive serials
    codes = set(DeliveryEvent.objects.values_list("error_code", flat=True))
    response = staff.get(reverse("admin:care_deliveryevent_changelist"))
    spec = next(
        s for s in response.context["cl"].filter_specs if s.title == "error code"
    )
    offered = {c["display"] for c in spec.choices(response.context["cl"])} - {"All"}
    assert offered == codes


def test_it_shows_postgresqls_estimate_for_the_whole_outbox(
    postgres_only, staff, monkeypatch
):
    monkeypatch.setattr(paging, "ESTIMATE_ABOVE", 0)
    make_messages(7)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE care_message")
    with CaptureQueriesContext(connection) as queries:
        response = staff.get(reverse("admin:care_message_changelist"))
    assert "≈7 messages" in response.text
    assert not [q for q in queries if "COUNT(" in q["sql"].upper()]


def test_it_finds_a_message_by_its_idempotency_key_or_its_occasion_key(staff):
    campaign = CampaignFactory()
    sms = MessageFactory(campaign=campaign, occasion_key="7/dated/customer:1/2026-11-23")
    email = MessageFactory(
        campaign=campaign, occasion_key="7/dated/customer:2/2026-11-23", channel="email"
    )
    url = reverse("admin:care_message_changelist")

    def found(term: str) -> list:
        return list(staff.get(url, {"q": term}).context["cl"].result_list)

    assert found("7/dated/customer:1/2026-11-23/sms") == [sms]
    assert found(email.key) == [email] and email.key.endswith("/email")
    assert found("7/dated/customer:2/2026-11-23") == [email]
    assert found("7/dated/customer:2/2026-11-23/sms") == []
    assert found("7/dated/customer") == []
