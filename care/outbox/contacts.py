"""Who can be reached how: addresses and current consent of a chunk of customers.

The channel of a planned row is the first of the campaign's channels for
which the customer has an address and a granted consent. With none, the row
is still written, as skipped with its reason, so staff can see why nobody
wrote. Consent is checked again at send time on the planned channel (no
switching then: the key names the channel).
"""

from care.models import Reason
from care.outbox.bulk import among, rows_fetch
from crm.models import Customer
from crm.querysets import latest_consent


def contacts_fetch(
    ids: list[int], channels: list[str], purpose: str
) -> dict[int, dict]:
    """Address and current consent per channel for a chunk of customers: one query."""
    annotations = {
        f"consent_{channel}": latest_consent(channel, purpose) for channel in channels
    }
    rows = Customer.objects.filter(among("pk", ids, "bigint")).annotate(**annotations)
    fields = ["pk", "phone", "email", "phone_unusable_at", "email_unusable_at", *annotations]
    found = rows_fetch(rows.values_list(*fields))
    return {row[0]: dict(zip(fields, row, strict=True)) for row in found}


def has_address(contact: dict, channel: str) -> bool:
    if channel == "sms":
        # A number the SMS provider refused for good is no address (issue 5).
        return bool(contact["phone"]) and contact.get("phone_unusable_at") is None
    # Nor is an email address that bounced for good (issue 12).
    return bool(contact["email"]) and contact.get("email_unusable_at") is None


def choose_channel(contact: dict, channels: list[str]) -> tuple[str, str]:
    """Return (channel, skip reason or "") for the first usable channel."""
    for channel in channels:
        if has_address(contact, channel) and contact.get(f"consent_{channel}") is True:
            return channel, ""
    with_address = [c for c in channels if has_address(contact, c)]
    if with_address:
        return with_address[0], Reason.NO_CONSENT
    return channels[0], Reason.NO_ADDRESS
