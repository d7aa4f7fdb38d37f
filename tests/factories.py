"""factory_boy factories for every model the tests build. One place, shared by all."""

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from care.models import (
    Campaign,
    CampaignStatus,
    Message,
    MessageStatus,
    MessageTemplate,
    Offer,
    Ticket,
    TicketStatus,
)
from crm.models import (
    Asset,
    AssetKind,
    BrowseEvent,
    Consent,
    Customer,
    Locale,
    Order,
    OrderLine,
    Product,
)


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    external_id = factory.Sequence(lambda n: f"C{n:06d}")
    name = factory.Sequence(lambda n: f"Customer {n}")
    phone = factory.Sequence(lambda n: f"+86138{n:08d}")
    email = factory.Sequence(lambda n: f"customer{n}@example.com")
    birthday = dt.date(1990, 5, 17)
    time_zone = "Asia/Shanghai"
    locale = Locale.ZH_HANS


class ConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consent

    customer = factory.SubFactory(CustomerFactory)
    channel = "sms"
    purpose = "marketing"
    granted = True
    source = "test"
    recorded_at = factory.LazyFunction(timezone.now)


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    name = factory.Sequence(lambda n: f"Product {n}")
    category = "general"
    price = Decimal("99.00")


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    external_id = factory.Sequence(lambda n: f"O{n:07d}")
    customer = factory.SubFactory(CustomerFactory)
    placed_at = factory.LazyFunction(timezone.now)
    total = Decimal("199.00")
    currency = "CNY"


class OrderLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderLine

    order = factory.SubFactory(OrderFactory)
    product = factory.SubFactory(ProductFactory)
    quantity = 1
    unit_price = Decimal("199.00")


class BrowseEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BrowseEvent

    customer = factory.SubFactory(CustomerFactory)
    product = factory.SubFactory(ProductFactory)
    occurred_at = factory.LazyFunction(timezone.now)


class AssetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Asset

    external_id = factory.Sequence(lambda n: f"A{n:06d}")
    customer = factory.SubFactory(CustomerFactory)
    kind = AssetKind.VEHICLE
    name = "Car"
    last_serviced_at = dt.date(2026, 6, 1)
    service_interval_days = 180


class TicketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ticket

    external_id = factory.Sequence(lambda n: f"T{n:06d}")
    customer = factory.SubFactory(CustomerFactory)
    subject = "Help"
    status = TicketStatus.OPEN
    opened_at = factory.LazyFunction(timezone.now)


class OfferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Offer

    name = "Birthday 20% off"
    description = "20% off"
    code_prefix = "BD"
    valid_days = 30


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    name = factory.Sequence(lambda n: f"Campaign {n}")
    slug = factory.Sequence(lambda n: f"campaign-{n}")
    trigger = "birthday"
    purpose = "marketing"
    channels = factory.LazyFunction(lambda: ["sms", "email"])
    audience = factory.LazyFunction(dict)
    params = factory.LazyFunction(dict)
    holdout_percent = 0
    status = CampaignStatus.ACTIVE


class MessageTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MessageTemplate

    campaign = factory.SubFactory(CampaignFactory)
    channel = "sms"
    locale = "en"
    subject = "Hello {{ customer.name }}"
    body = "Hi {{ customer.name }}"


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    campaign = factory.SubFactory(CampaignFactory)
    customer = factory.SubFactory(CustomerFactory)
    occasion_key = factory.Sequence(lambda n: f"test/key:{n}")
    key = factory.LazyAttribute(lambda m: f"{m.occasion_key}/{m.channel}")
    trigger = factory.SelfAttribute("campaign.trigger")
    channel = "sms"
    purpose = factory.SelfAttribute("campaign.purpose")
    status = MessageStatus.PLANNED
    send_after = factory.LazyFunction(timezone.now)


def campaign_with_templates(**kwargs) -> Campaign:
    """A campaign with sms and email templates in both languages."""
    campaign = CampaignFactory(**kwargs)
    for channel in ("sms", "email"):
        for locale, greeting in (("en", "Hi"), ("zh-hans", "您好")):
            MessageTemplateFactory(
                campaign=campaign, channel=channel, locale=locale,
                subject=f"{greeting} {{{{ customer.name }}}}",
                body=f"{greeting} {{{{ customer.name }}}}",
            )
    return campaign


def consent(customer, channel: str = "sms", purpose: str = "marketing", granted: bool = True,
            at: dt.datetime | None = None) -> Consent:
    return ConsentFactory(customer=customer, channel=channel, purpose=purpose,
                          granted=granted, recorded_at=at or timezone.now())


def approved(campaign: Campaign) -> Campaign:
    """Record the campaign's current content as approved (as campaign_approve does)."""
    from care.outreach.approval import campaign_content_hash

    campaign.approved_hash = campaign_content_hash(campaign)
    campaign.approved_at = campaign.approved_at or timezone.now()
    campaign.save(update_fields=["approved_hash", "approved_at"])
    return campaign
