"""Copy fit for customers: each language gets its own offer text and category names."""

import pytest
from django.utils import translation

from care.content.email import email_finish
from care.content.engine import TemplateCache, message_render
from care.models import Message
from care.outreach.triggers import kind_context
from crm.categories import category_name
from crm.models import ProductCategory
from tests.factories import (
    CustomerFactory,
    OfferFactory,
    ProductFactory,
    campaign_with_templates,
)

pytestmark = pytest.mark.django_db


def rendered(locale: str, body: str, **message) -> str:
    campaign = campaign_with_templates(
        trigger="abandoned_browse",
        offer=OfferFactory(description="20% off", description_zh_hans="八折"),
    )
    campaign.templates.filter(channel="sms", locale=locale).update(body=body)
    customer = CustomerFactory(locale=locale)
    row = Message(
        campaign=campaign,
        customer=customer,
        channel="sms",
        purpose="service",
        trigger=campaign.trigger,
        occasion={},
        **message,
    )
    cache = TemplateCache({campaign.pk})
    return message_render(row, cache, kind_context(campaign.trigger)).body


def test_an_english_sms_carries_only_the_english_offer_and_stays_gsm7():
    body = rendered("en", "Your gift: {{ offer.description }}")
    assert body == "Your gift: 20% off"


def test_a_chinese_sms_carries_the_chinese_offer():
    assert rendered("zh-hans", "{{ offer.description }}") == "八折"


def test_customers_read_the_category_name_in_their_language_not_the_slug():
    ProductCategory.objects.create(
        slug="home-appliances", name_en="Home appliances", name_zh_hans="家用电器"
    )
    product = ProductFactory(category="home-appliances")
    body = "{{ product.category }}新品上市"
    assert rendered("zh-hans", body, product=product) == "家用电器新品上市"
    assert rendered("en", "New in {{ product.category }}", product=product) == (
        "New in Home appliances"
    )


def test_a_category_without_names_shows_its_slug_made_readable():
    assert category_name("car-care", "en") == "Car care"


def test_staff_read_category_names_in_the_active_language():
    ProductCategory.objects.create(slug="baby", name_en="Baby", name_zh_hans="母婴用品")
    with translation.override("zh-hans"):
        assert category_name("baby") == "母婴用品"


def test_web_addresses_in_an_html_email_are_links():
    _text, html = email_finish("See https://shop.example.com/sale <now>", "", "en")
    assert '<a href="https://shop.example.com/sale"' in html
    assert "&lt;now&gt;" in html


def test_the_customer_story_names_the_category(admin_client):
    from django.urls import reverse

    from tests.factories import BrowseEventFactory

    ProductCategory.objects.create(slug="baby", name_en="Baby", name_zh_hans="母婴用品")
    event = BrowseEventFactory(product=ProductFactory(category="baby"))
    url = reverse("admin:crm_customer_change", args=[event.customer_id])
    page = admin_client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "<td>母婴用品</td>" in page.content.decode()
