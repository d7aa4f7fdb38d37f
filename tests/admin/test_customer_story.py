import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.admin import CustomerAdmin, StorySection
from tests.admin.conftest import give_history
from tests.factories import (
    AssetFactory,
    ConsentFactory,
    CustomerFactory,
    OrderFactory,
    OrderLineFactory,
    ProductFactory,
    TicketFactory,
)


def page(client, customer):
    response = client.get(reverse("admin:crm_customer_change", args=[customer.pk]))
    assert response.status_code == 200
    return response.text


def test_it_shows_every_part_of_the_story(admin_client):
    customer = CustomerFactory()
    give_history(customer, 3)
    text = page(admin_client, customer)
    for key in ("consent", "orders", "browsing", "assets", "tickets"):
        assert f'id="story-{key}"' in text


def test_it_shows_order_lines_with_their_products(admin_client):
    order = OrderFactory(external_id="O-LINES")
    OrderLineFactory(order=order, product=ProductFactory(name="净水器 Water Purifier"))
    text = page(admin_client, order.customer)
    assert "O-LINES" in text and "净水器 Water Purifier" in text


def test_it_shows_the_current_consent_and_the_history(admin_client):
    customer = CustomerFactory()
    now = timezone.now()
    ConsentFactory(
        customer=customer,
        channel="sms",
        purpose="marketing",
        granted=True,
        source="pos",
        recorded_at=now - dt.timedelta(days=2),
    )
    ConsentFactory(
        customer=customer,
        channel="sms",
        purpose="marketing",
        granted=False,
        source="sms_reply_TD",
        recorded_at=now,
    )
    text = page(admin_client, customer)
    assert text.count("sms_reply_TD") == 2  # current decision and history
    assert "pos" in text
    assert "never asked" in text  # email topics


def test_it_bounds_the_orders_shown_and_links_to_all_of_them(admin_client):
    customer = CustomerFactory()
    OrderFactory.create_batch(12, customer=customer)
    text = page(admin_client, customer)
    assert f"?customer__id__exact={customer.pk}" in text
    response = admin_client.get(
        reverse("admin:crm_order_changelist"), {"customer__id__exact": customer.pk}
    )
    assert len(response.context["cl"].result_list) == 12


def test_it_shows_assets_with_their_next_service_date(admin_client):
    asset = AssetFactory(
        name="Tesla Model 3",
        last_serviced_at=dt.date(2026, 1, 1),
        service_interval_days=30,
    )
    text = page(admin_client, asset.customer)
    assert "Tesla Model 3" in text and "Jan. 31, 2026" in text


def test_it_shows_tickets_from_care(admin_client):
    ticket = TicketFactory(subject="Order not received")
    assert "Order not received" in page(admin_client, ticket.customer)


def test_it_renders_a_section_added_by_another_app(admin_client, monkeypatch):
    monkeypatch.setattr(
        CustomerAdmin, "story_sections", list(CustomerAdmin.story_sections)
    )
    CustomerAdmin.add_story_section(
        StorySection(
            "rfm",
            "RFM",
            "admin/crm/story/assets.html",
            lambda customer, request: {"assets": [], "shown": 1},
            order=20,
        )
    )
    keys = [section.key for section in CustomerAdmin.story_sections]
    assert keys.index("consent") < keys.index("rfm") < keys.index("orders")
    assert 'id="story-rfm"' in page(admin_client, CustomerFactory())


def test_it_replaces_a_section_with_the_same_key(monkeypatch):
    monkeypatch.setattr(
        CustomerAdmin, "story_sections", list(CustomerAdmin.story_sections)
    )
    before = len(CustomerAdmin.story_sections)
    CustomerAdmin.add_story_section(
        StorySection(
            "orders", "Orders", "admin/crm/story/orders.html", lambda c, r: {}, order=30
        )
    )
    assert len(CustomerAdmin.story_sections) == before


def test_it_shows_no_story_on_the_add_page(admin_client):
    response = admin_client.get(reverse("admin:crm_customer_add"))
    assert response.status_code == 200
    assert 'id="customer-story"' not in response.text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("phone", "not a phone", "Enter a valid phone number."),
        ("time_zone", "Mars/Olympus", "Enter an IANA time zone"),
    ],
)
def test_it_rejects_a_bad_phone_or_time_zone_with_a_message(
    admin_client, field, value, message
):
    data = {
        "external_id": "NEW",
        "name": "N",
        "phone": "",
        "email": "",
        "birthday": "",
        "time_zone": "",
        "locale": "en",
        field: value,
    }
    response = admin_client.post(reverse("admin:crm_customer_add"), data)
    assert response.status_code == 200
    assert message in response.text


def test_it_stores_a_hand_typed_phone_in_e164(admin_client):
    data = {
        "external_id": "NEW",
        "name": "N",
        "phone": "138 0013 8000",
        "email": "",
        "birthday": "",
        "time_zone": "Asia/Shanghai",
        "locale": "zh-hans",
    }
    response = admin_client.post(reverse("admin:crm_customer_add"), data)
    assert response.status_code == 302
    from crm.models import Customer

    assert Customer.objects.get(external_id="NEW").phone == "+8613800138000"
