"""Coupons: an order that arrives with a code redeems it and converts its message."""

from django.db import transaction
from django.utils import timezone

from care.models import Coupon, CouponStatus, Message
from crm.models import Order


@transaction.atomic
def order_received(order: Order) -> bool:
    """Redeem the order's coupon, once; return whether this call redeemed it.

    Called by the order upsert. Safe to call again for the same order; a code
    that is unknown, expired, or already redeemed by another order is ignored
    (the order itself stands).
    """
    code = (order.coupon_code or "").strip().upper()
    if not code:
        return False
    now = timezone.now()
    redeemed = Coupon.objects.filter(
        code=code,
        status=CouponStatus.ISSUED,
        customer_id=order.customer_id,
        expires_at__gt=now,
    ).update(status=CouponStatus.REDEEMED, redeemed_at=now, order=order)
    if redeemed:
        Message.objects.filter(coupon__code=code, converted_at__isnull=True).update(
            converted_at=now, updated_at=now
        )
    return bool(redeemed)
