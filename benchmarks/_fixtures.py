"""Data builders shared by the benchmark scripts (not a benchmark: bench.sh skips it)."""

import datetime as dt


def service_sms_campaign(*, slug: str, trigger: str, body: str):
    """An active service SMS campaign with a zh-hans template, emptied of messages."""
    from care.models import Campaign, Message, MessageTemplate

    campaign, _ = Campaign.objects.update_or_create(
        slug=slug,
        defaults={
            "name": slug,
            "trigger": trigger,
            "purpose": "service",
            "channels": ["sms"],
            "status": "active",
        },
    )
    MessageTemplate.objects.get_or_create(
        campaign=campaign, channel="sms", locale="zh-hans", defaults={"body": body}
    )
    Message.objects.filter(campaign=campaign).delete()
    return campaign


def due_service_sms(*, campaign, customer_ids: list[int], now: dt.datetime) -> None:
    """One due service SMS per customer, with the consent that lets it go."""
    from care.models import Message
    from crm.models import Consent

    Consent.objects.bulk_create(
        [
            Consent(
                customer_id=c,
                channel="sms",
                purpose="service",
                granted=True,
                source="bench",
                recorded_at=now,
            )
            for c in customer_ids
        ],
        batch_size=5000,
    )
    Message.objects.bulk_create(
        [
            Message(
                key=f"{campaign.slug}/{c}/sms",
                occasion_key=f"{campaign.slug}/{c}",
                campaign=campaign,
                customer_id=c,
                trigger=campaign.trigger,
                channel="sms",
                purpose="service",
                send_after=now,
            )
            for c in customer_ids
        ],
        batch_size=5000,
    )
