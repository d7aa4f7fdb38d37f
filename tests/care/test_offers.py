import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from care.models import Coupon, CouponStatus
from care.outreach.offers import order_received
from tests.factories import (
    MessageFactory,
    OfferFactory,
    OrderFactory,
    campaign_with_templates,
)

pytestmark = pytest.mark.django_db


def issued_coupon(code="BDABC12345") -> Coupon:
    offer = OfferFactory()
    message = MessageFactory(
        campaign=campaign_with_templates(offer=offer), status="sent"
    )
    now = timezone.now()
    return Coupon.objects.create(
        code=code,
        offer=offer,
        message=message,
        customer=message.customer,
        issued_at=now,
        expires_at=now + dt.timedelta(days=30),
    )


def test_it_redeems_the_coupon_and_converts_the_message():
    coupon = issued_coupon()
    order = OrderFactory(customer=coupon.customer, coupon_code="bdabc12345")
    assert order_received(order) is True
    coupon.refresh_from_db()
    coupon.message.refresh_from_db()
    assert coupon.status == CouponStatus.REDEEMED and coupon.order == order
    assert coupon.message.converted_at is not None


def test_it_redeems_a_coupon_only_once():
    coupon = issued_coupon()
    order = OrderFactory(customer=coupon.customer, coupon_code=coupon.code)
    order_received(order)
    assert order_received(order) is False
    assert (
        order_received(OrderFactory(customer=coupon.customer, coupon_code=coupon.code))
        is False
    )


def test_it_ignores_a_code_of_another_customer_or_an_expired_code():
    coupon = issued_coupon()
    assert order_received(OrderFactory(coupon_code=coupon.code)) is False
    with time_machine.travel(timezone.now() + dt.timedelta(days=31)):
        assert (
            order_received(
                OrderFactory(customer=coupon.customer, coupon_code=coupon.code)
            )
            is False
        )


def test_it_ignores_orders_without_a_code():
    assert order_received(OrderFactory(coupon_code="")) is False


def test_an_order_pushed_through_the_api_redeems_its_coupon(client):
    from api.services import api_token_create

    coupon = issued_coupon("BDAPI12345")
    coupon.customer.external_id = "C-COUPON"
    coupon.customer.save()
    _, token = api_token_create(name="shop")
    body = {
        "customer": "C-COUPON",
        "placed_at": "2026-11-01T12:00:00+08:00",
        "total": "99.00",
        "currency": "CNY",
        "coupon_code": "BDAPI12345",
    }
    response = client.put(
        "/api/v1/orders/O-COUPON",
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201
    coupon.refresh_from_db()
    assert (
        coupon.status == CouponStatus.REDEEMED
        and coupon.order.external_id == "O-COUPON"
    )
