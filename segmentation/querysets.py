"""Reusable reads on segmentation rows."""

import datetime as dt
from collections.abc import Iterable

from django.db import models
from django.db.models import Subquery


class SegmentTransitionQuerySet(models.QuerySet):
    def into(self, segments: Iterable[str]) -> "SegmentTransitionQuerySet":
        """Changes that entered one of the segments."""
        return self.filter(to_segment__in=list(segments))

    def moves(self) -> "SegmentTransitionQuerySet":
        """Real moves between segments, leaving out a customer's first label."""
        return self.filter(from_segment__isnull=False)

    def since(self, moment: dt.datetime) -> "SegmentTransitionQuerySet":
        return self.filter(changed_at__gte=moment)


class CustomerRfmQuerySet(models.QuerySet):
    def with_as_of(self) -> "CustomerRfmQuerySet":
        """Each row with `latest_as_of`, the latest successful run's as_of (what
        CustomerRfm.as_of would otherwise look up with a query of its own)."""
        runs = self.model._meta.get_field("run").related_model.objects
        latest = runs.filter(status="succeeded").order_by("-started_at", "-id")
        return self.annotate(latest_as_of=Subquery(latest.values("as_of")[:1]))
