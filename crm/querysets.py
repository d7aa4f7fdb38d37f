from django.db import models
from django.db.models import OuterRef, Q, Subquery


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
        from crm.models import Consent

        latest = Consent.objects.filter(
            customer=OuterRef("pk"), channel=channel, purpose=purpose
        ).order_by("-recorded_at", "-id")
        return self.annotate(consented=Subquery(latest.values("granted")[:1]))

    def reachable_by(self, channel: str, purpose: str) -> "CustomerQuerySet":
        """Customers with an address for the channel whose latest consent is a grant."""
        address = (
            Q(phone__gt="", phone_unusable_at__isnull=True)
            if channel == "sms"
            else Q(email__gt="")
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
