"""RFM scores, named segments, runs, segment history and clusters."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from crm.models import Customer
from segmentation.labels import describe
from segmentation.querysets import CustomerRfmQuerySet, SegmentTransitionQuerySet


class Segment(models.TextChoices):
    CHAMPIONS = "champions", _("Champions")
    LOYAL = "loyal", _("Loyal")
    POTENTIAL_LOYALIST = "potential_loyalist", _("Potential Loyalist")
    NEW_CUSTOMERS = "new_customers", _("New Customers")
    PROMISING = "promising", _("Promising")
    NEED_ATTENTION = "need_attention", _("Need Attention")
    ABOUT_TO_SLEEP = "about_to_sleep", _("About to Sleep")
    AT_RISK = "at_risk", _("At Risk")
    CANT_LOSE_THEM = "cant_lose_them", _("Can't Lose Them")
    HIBERNATING = "hibernating", _("Hibernating")
    LOST = "lost", _("Lost")
    # Labels for customers that are not scored, and for a score no rule covers.
    PROSPECT = "prospect", _("Prospect (never ordered)")
    LAPSED = "lapsed", _("Lapsed (no order in the window)")
    UNCLASSIFIED = "unclassified", _("Unclassified (no rule matches)")


SCORED_SEGMENTS = [
    s for s in Segment if s not in {"prospect", "lapsed", "unclassified"}
]
SCORE_VALIDATORS = [MinValueValidator(1), MaxValueValidator(5)]


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class RfmRun(models.Model):
    started_at = models.DateTimeField(_("started at"), db_index=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    duration = models.DurationField(_("duration"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=RunStatus.choices, default=RunStatus.RUNNING
    )
    error = models.TextField(_("error"), blank=True)
    window_days = models.PositiveIntegerField(_("window (days)"))
    as_of = models.DateTimeField(
        _("as of"), help_text=_("the 'now' the window ends at")
    )
    customers_total = models.PositiveIntegerField(_("customers"), default=0)
    customers_scored = models.PositiveIntegerField(_("scored"), default=0)
    customers_labelled = models.PositiveIntegerField(
        _("labelled"), default=0, help_text=_("prospects and lapsed customers")
    )
    transitions = models.PositiveIntegerField(_("segment changes"), default=0)
    cluster_k = models.PositiveSmallIntegerField(
        _("clusters (k)"), null=True, blank=True
    )
    silhouette = models.FloatField(_("silhouette"), null=True, blank=True)
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    # Segment counts, the R x F and R x FM grids and stage timings, so the
    # admin charts read one row instead of grouping a million.
    summary = models.JSONField(_("summary"), default=dict, blank=True)

    class Meta:
        verbose_name = _("RFM run")
        verbose_name_plural = _("RFM runs")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"RFM run {self.pk} ({self.started_at:%Y-%m-%d %H:%M})"


class RfmCluster(models.Model):
    """One k-means cluster of a run, described so a person can name it."""

    run = models.ForeignKey(
        RfmRun, on_delete=models.CASCADE, related_name="clusters", verbose_name=_("run")
    )
    number = models.PositiveSmallIntegerField(_("number"))
    size = models.PositiveIntegerField(_("size"))
    share = models.FloatField(_("share"))
    recency_days = models.FloatField(_("typical recency (days)"))
    frequency = models.FloatField(_("typical frequency"))
    monetary = models.FloatField(_("typical spend"))
    r_score = models.FloatField(_("mean R"))
    f_score = models.FloatField(_("mean F"))
    m_score = models.FloatField(_("mean M"))

    class Meta:
        verbose_name = _("RFM cluster")
        verbose_name_plural = _("RFM clusters")
        ordering = ["run", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "number"], name="seg_cluster_run_number"
            )
        ]

    def __str__(self) -> str:
        return f"#{self.number}: {self.description}"

    @property
    def description(self) -> str:
        return describe(self.r_score, self.f_score, self.m_score)


class SegmentRule(models.Model):
    """Maps a box of R x FM scores to a segment; the lowest priority number wins."""

    segment = models.CharField(
        _("segment"),
        max_length=24,
        choices=[(s.value, s.label) for s in SCORED_SEGMENTS],
    )
    r_min = models.PositiveSmallIntegerField(_("R from"), validators=SCORE_VALIDATORS)
    r_max = models.PositiveSmallIntegerField(_("R to"), validators=SCORE_VALIDATORS)
    fm_min = models.PositiveSmallIntegerField(_("FM from"), validators=SCORE_VALIDATORS)
    fm_max = models.PositiveSmallIntegerField(_("FM to"), validators=SCORE_VALIDATORS)
    priority = models.PositiveSmallIntegerField(
        _("priority"), default=100, help_text=_("lower numbers are tried first")
    )

    class Meta:
        verbose_name = _("segment rule")
        verbose_name_plural = _("segment rules")
        ordering = ["priority", "id"]

    def __str__(self) -> str:
        return (
            f"{self.get_segment_display()}: R {self.r_min}-{self.r_max}, "
            f"FM {self.fm_min}-{self.fm_max}"
        )

    def clean(self) -> None:
        errors = {}
        if None not in (self.r_min, self.r_max) and self.r_min > self.r_max:
            errors["r_max"] = _("R to must not be below R from.")
        if None not in (self.fm_min, self.fm_max) and self.fm_min > self.fm_max:
            errors["fm_max"] = _("FM to must not be below FM from.")
        if errors:
            raise ValidationError(errors)


class CustomerRfm(models.Model):
    """The current scores and segment of one customer.

    A run rewrites only the rows it changes (a new order, an order leaving the
    window, a new score, segment or cluster): most customers' rows stay as
    they were night after night. So a row keeps the time of the last order,
    not the days since it, and `run`/`scored_at` name the run that last
    changed it; the scores hold as of the latest successful run (`as_of`).
    """

    customer = models.OneToOneField(
        Customer,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="rfm",
        verbose_name=_("customer"),
    )
    last_order_at = models.DateTimeField(_("last order"), null=True, blank=True)
    frequency = models.PositiveIntegerField(_("orders in window"), default=0)
    monetary = models.DecimalField(
        _("spend in window"), max_digits=14, decimal_places=2, default=0
    )
    r_score = models.PositiveSmallIntegerField(_("R"), null=True, blank=True)
    f_score = models.PositiveSmallIntegerField(_("F"), null=True, blank=True)
    m_score = models.PositiveSmallIntegerField(_("M"), null=True, blank=True)
    segment = models.CharField(_("segment"), max_length=24, choices=Segment.choices)
    cluster = models.PositiveSmallIntegerField(_("cluster"), null=True, blank=True)
    # Neither indexed nor a database constraint: every row points at the
    # latest run, so a nightly run would otherwise rewrite an index and check a
    # foreign key a million times for no reader. Runs are never deleted.
    run = models.ForeignKey(
        RfmRun,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_index=False,
        db_constraint=False,
        related_name="+",
        verbose_name=_("run"),
    )
    scored_at = models.DateTimeField(_("scored at"))
    # A hash of the values above as the run wrote them (segmentation.storage):
    # the next run compares it to find the rows that change. Not shown.
    fingerprint = models.BigIntegerField(default=0, editable=False)

    objects = CustomerRfmQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer RFM")
        verbose_name_plural = _("customer RFM")
        # One B-tree for audiences by segment (db_index=True would add a second,
        # for LIKE, on PostgreSQL: one more index to rewrite a million times a
        # night). Migration 0004 also leaves free room on each PostgreSQL page,
        # so the nightly rewrite is heap-only (no index writes).
        indexes = [models.Index(fields=["segment"], name="seg_customerrfm_segment_idx")]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.segment}"

    @cached_property
    def as_of(self) -> dt.datetime:
        """When these scores hold: the latest successful run's `as_of` (one
        query, unless loaded with the `latest_as_of` annotation)."""
        annotated = getattr(self, "latest_as_of", None)
        if annotated is not None:
            return annotated
        run = RfmRun.objects.filter(status=RunStatus.SUCCEEDED).first()
        return run.as_of if run is not None else self.scored_at

    @property
    def recency_days(self) -> int | None:
        """Whole days from the last order to `as_of`; None if never ordered."""
        if self.last_order_at is None:
            return None
        return max((self.as_of - self.last_order_at) // dt.timedelta(days=1), 0)

    @property
    def rfm_code(self) -> str:
        """'R F M' digits such as '545', or '' when not scored."""
        if self.r_score is None:
            return ""
        return f"{self.r_score}{self.f_score}{self.m_score}"


class SegmentTransition(models.Model):
    """A customer's segment changed (from_segment is empty on the first label)."""

    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        related_name="segment_transitions",
        verbose_name=_("customer"),
    )
    from_segment = models.CharField(
        _("from"), max_length=24, choices=Segment.choices, null=True, blank=True
    )
    to_segment = models.CharField(_("to"), max_length=24, choices=Segment.choices)
    changed_at = models.DateTimeField(_("changed at"))
    run = models.ForeignKey(
        RfmRun,
        on_delete=models.PROTECT,
        related_name="segment_transitions",
        verbose_name=_("run"),
    )

    objects = SegmentTransitionQuerySet.as_manager()

    class Meta:
        verbose_name = _("segment change")
        verbose_name_plural = _("segment changes")
        ordering = ["-changed_at", "-id"]
        indexes = [
            models.Index(
                fields=["to_segment", "changed_at"], name="seg_trans_to_changed_idx"
            ),
            models.Index(
                fields=["customer", "-changed_at"], name="seg_trans_customer_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.from_segment or '-'} -> {self.to_segment}"
