"""Data builders shared by the benchmark scripts (not a benchmark: bench.sh skips it).

Models are looked up in the app registry by label, and the work is done through
the management commands the README documents: the benchmarks do not depend on
where a model or a service sits inside the care package.
"""

import datetime as dt
import io

from django.apps import apps
from django.core.management import call_command


def model(label: str):
    return apps.get_model(label)


def service_sms_campaign(*, slug: str, trigger: str, body: str):
    """An active service SMS campaign with a zh-hans template, emptied of messages."""
    campaign, _ = model("care.Campaign").objects.update_or_create(
        slug=slug,
        defaults={
            "name": slug,
            "trigger": trigger,
            "purpose": "service",
            "channels": ["sms"],
            "status": "active",
        },
    )
    model("care.MessageTemplate").objects.get_or_create(
        campaign=campaign, channel="sms", locale="zh-hans", defaults={"body": body}
    )
    model("care.Message").objects.filter(campaign=campaign).delete()
    return campaign


def due_service_sms(*, campaign, customer_ids: list[int], now: dt.datetime) -> None:
    """One due service SMS per customer, with the consent that lets it go."""
    Consent, Message = model("crm.Consent"), model("care.Message")
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


def dispatch_all(*, campaign, batch_size: int = 500) -> dict[str, int]:
    """Send everything due (`manage.py dispatch`); the campaign's messages by status."""
    from django.db.models import Count

    call_command("dispatch", batch_size=batch_size, stdout=io.StringIO())
    rows = (
        model("care.Message")
        .objects.filter(campaign=campaign)
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return dict(rows)
