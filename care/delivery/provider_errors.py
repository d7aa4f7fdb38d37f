"""What a provider's error code means for the customer's contact details.

Called by the delivery code that met the error (a refused send, a status
callback), never by a channel: the phone number itself is the problem (mark
it unusable), or the recipient opted out at the carrier (withdraw SMS
marketing consent). Email: a hard bounce marks the address unusable, a spam
complaint or an unsubscribe at the ESP withdraws email marketing consent.
"""

from crm.models import Channel, Customer, Purpose
from crm.services import (
    consent_record,
    customer_email_mark_unusable,
    customer_phone_mark_unusable,
)

# The phone number itself is the problem (invalid, landline, not a mobile).
UNUSABLE_CODES = {
    "21211": "invalid number (Twilio 21211)",
    "21217": "invalid number (Twilio 21217)",
    "21614": "not a mobile number (Twilio 21614)",
    "30006": "landline or unreachable carrier (Twilio 30006)",
}
# The recipient opted out at the carrier or at Twilio.
OPTED_OUT_CODES = frozenset({"21610"})


def contact_error_effects(
    *, customer: Customer, channel: str, code: str, detail: str = ""
) -> str:
    """Mark the phone unusable or the SMS consent withdrawn; return what was done."""
    if channel == Channel.EMAIL and code == "rejected":
        # The ESP refuses the address for good (Postmark: inactive after a hard
        # bounce or a complaint).
        customer_email_mark_unusable(customer=customer, reason="refused by the ESP")
        return "email_unusable"
    if channel != Channel.SMS:
        return ""
    if code in UNUSABLE_CODES:
        customer_phone_mark_unusable(customer=customer, reason=UNUSABLE_CODES[code])
        return "phone_unusable"
    if code in OPTED_OUT_CODES:
        return _marketing_withdraw(customer, Channel.SMS, f"twilio:{code}")
    return ""


def _marketing_withdraw(customer: Customer, channel: str, source: str) -> str:
    consent_record(
        customer=customer,
        channel=channel,
        purpose=Purpose.MARKETING,
        granted=False,
        source=source,
    )
    return "consent_withdrawn"


def email_event_effects(
    *, customer: Customer, address: str, status: str, hard_bounce: bool, source: str
) -> str:
    """What an ESP event means for the customer's address or consent; return what was done.

    Only for the address the customer still has: an event about an old
    address changes nothing of the new one.
    """
    if address.strip().lower() != customer.email.strip().lower():
        return ""
    if status == "bounced" and hard_bounce:
        customer_email_mark_unusable(customer=customer, reason=f"hard bounce ({source})")
        return "email_unusable"
    if status in ("complained", "unsubscribed"):
        why = "complaint" if status == "complained" else "unsubscribe"
        return _marketing_withdraw(customer, Channel.EMAIL, f"{source}:{why}")
    return ""
