"""Reusable reads on segmentation rows."""

import datetime as dt
from collections.abc import Iterable

from django.db import models


class SegmentTransitionQuerySet(models.QuerySet):
    def into(self, segments: Iterable[str]) -> "SegmentTransitionQuerySet":
        """Changes that entered one of the segments."""
        return self.filter(to_segment__in=list(segments))

    def moves(self) -> "SegmentTransitionQuerySet":
        """Real moves between segments, leaving out a customer's first label."""
        return self.filter(from_segment__isnull=False)

    def since(self, moment: dt.datetime) -> "SegmentTransitionQuerySet":
        return self.filter(changed_at__gte=moment)
