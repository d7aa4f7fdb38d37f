from django.db import models
from django.db.models import F, OuterRef, Q, Subquery, Window
from django.db.models.functions import RowNumber


def latest_consent(channel: str, purpose: str, customer=OuterRef("pk")) -> Subquery:
    """The latest decision (granted: True/False; None if never asked) as a subquery.

    The one definition of "current consent": the newest row for the customer,
    channel and purpose wins. `customer` is the outer column holding its id.
    """
    from crm.models import Consent

    newest = Consent.objects.filter(
        customer=customer, channel=channel, purpose=purpose
    ).order_by("-recorded_at", "-id")
    return Subquery(newest.values("granted")[:1])


def latest_consents(channel: str, purpose: str) -> models.QuerySet:
    """The same decision for every customer at once: (customer_id, granted) rows.

    For joining to a whole audience: one pass over the consents instead of a
    look-up per customer. Newest first, as in `latest_consent`.
    """
    from crm.models import Consent

    newest_first = Window(
        RowNumber(),
        partition_by=[F("customer_id")],
        order_by=[F("recorded_at").desc(), F("id").desc()],
    )
    return (
        Consent.objects.filter(channel=channel, purpose=purpose)
        .annotate(newest=newest_first)
        .filter(newest=1)
        .order_by()
        .values("customer_id", "granted")
    )


class ConsentQuerySet(models.QuerySet):
    def latest_per_topic(self) -> "ConsentQuerySet":
        """The current decision for each (customer, channel, purpose): the newest row."""
        newer = self.model.objects.filter(
            customer=OuterRef("customer"),
            channel=OuterRef("channel"),
            purpose=OuterRef("purpose"),
        ).order_by("-recorded_at", "-id")
        return self.filter(pk=Subquery(newer.values("pk")[:1]))


class CustomerQuerySet(models.QuerySet):
    def with_consent(self, channel: str, purpose: str) -> "CustomerQuerySet":
        """Annotate `consented`: the latest decision for channel and purpose (None if never asked)."""
        return self.annotate(consented=latest_consent(channel, purpose))

    def reachable_by(self, channel: str, purpose: str) -> "CustomerQuerySet":
        """Customers with an address for the channel whose latest consent is a grant."""
        address = (
            Q(phone__gt="", phone_unusable_at__isnull=True)
            if channel == "sms"
            else Q(email__gt="", email_unusable_at__isnull=True)
        )
        return self.with_consent(channel, purpose).filter(address, consented=True)

    def search(self, term: str) -> "CustomerQuerySet":
        term = term.strip()
        return self.filter(
            Q(name__icontains=term)
            | Q(external_id=term)
            | Q(phone__contains=term)
            | Q(email__iexact=term)
        )
