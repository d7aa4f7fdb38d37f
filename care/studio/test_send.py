"""A test send: one campaign template, rendered for a chosen customer, through the real channel.

It goes to the staff member's own phone or email (their StaffProfile and
user) or to a chosen test customer's own address. It is an outbox row like
any other (a DB-unique key, the attempt committed before the request, the
outcome after), flagged `is_test`: no sweep plans it, dispatch never claims
it (it is written as claimed), none of the send-time rules is asked (consent,
quiet hours, cap, care first, holdout: a colleague asked for it), and results
and the frequency cap leave it out.
"""

import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from care.content.engine import RenderError, TemplateCache, message_render
from care.delivery.channels import ChannelError, get_backend
from care.delivery.recorder import ATTEMPT_FIELDS
from care.models import Campaign, Message, MessageStatus, Reason
from care.outreach.triggers import kind_sample_context
from care.studio.preview import preview_customer
from crm.models import Customer


@dataclass(frozen=True)
class TestTarget:
    """Where a test goes: the staff member's own address, or the customer's."""

    to_me: bool
    phone: str = ""
    email: str = ""

    def address(self, channel: str, customer: Customer) -> str:
        if self.to_me:
            return self.phone if channel == "sms" else self.email
        return customer.phone if channel == "sms" else customer.email


def staff_target(user) -> TestTarget:
    profile = getattr(user, "staff_profile", None)
    return TestTarget(True, phone=profile.phone if profile else "", email=user.email)


def test_send(
    *,
    campaign: Campaign,
    customer: Customer,
    channel: str,
    locale: str,
    target: TestTarget,
) -> Message:
    """Send one test now; the row says what happened (sent, or failed with the error)."""
    address = target.address(channel, customer)
    if not address:
        raise ValidationError(_no_address(target, channel))
    message = _test_row(campaign, customer, channel, address)
    message.customer = preview_customer(customer, locale)  # that language's template
    try:
        _render(message, campaign)
    except RenderError as exc:
        return _failed(message, Reason.RENDER_ERROR, exc)
    try:
        provider_id = get_backend(channel).send(message)
    except ChannelError as exc:
        return _failed(message, Reason.PERMANENT_ERROR, exc)
    return _finish(
        message,
        status=MessageStatus.SENT,
        provider_id=provider_id[:100],
        sent_at=timezone.now(),
    )


def _no_address(target: TestTarget, channel: str) -> str:
    if not target.to_me:
        return _("The customer has no %(channel)s address.") % {"channel": channel}
    if channel == "sms":
        return _(
            "Your staff profile has no phone number: an operator sets it with "
            "add_staff YOUR_NAME --phone +86..."
        )
    return _("Your user has no email address.")


def _render(message: Message, campaign: Campaign) -> None:
    """Render and commit the attempt before the request leaves, as dispatch does."""
    cache = TemplateCache({campaign.pk})
    rendered = message_render(message, cache, kind_sample_context(campaign.trigger))
    message.subject, message.body = rendered.subject[:300], rendered.body
    message.html_body, message.coupon_code = rendered.html_body, rendered.coupon_code
    message.attempted_at, message.attempts = timezone.now(), 1
    message.save(update_fields=[*ATTEMPT_FIELDS])


def _failed(message: Message, reason: str, exc: Exception) -> Message:
    return _finish(
        message,
        status=MessageStatus.FAILED,
        reason=reason,
        reason_detail=str(exc)[:500],
        last_error=str(exc),
    )


def _test_row(
    campaign: Campaign, customer: Customer, channel: str, address: str
) -> Message:
    key = f"test/{campaign.pk}/{uuid.uuid4().hex}"
    now = timezone.now()
    return Message.objects.create(
        key=f"{key}/{channel}",
        occasion_key=key,
        campaign=campaign,
        customer=customer,
        trigger=campaign.trigger,
        channel=channel,
        purpose=campaign.purpose,
        status=MessageStatus.SENDING,
        claimed_by=key,
        claimed_at=now,
        send_after=now,
        recipient=address[:254],
        is_test=True,
    )


def _finish(message: Message, **fields) -> Message:
    for name, value in fields.items():
        setattr(message, name, value)
    Message.objects.filter(pk=message.pk).update(**fields, updated_at=timezone.now())
    return message
