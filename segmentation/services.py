"""Writes with a rule: a full RFM run."""

import datetime as dt
import importlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.progress import Progress
from segmentation import storage, writeback
from segmentation.models import RfmCluster, RfmRun, RunStatus, Segment, SegmentRule
from segmentation.scoring import assign_segments, rfm_scores, score_grid
from segmentation.selectors import CODE, SLUGS, rule_grid

DEFAULT_WINDOW_DAYS = 365
MAX_WINDOW_DAYS = 36_500
# Fewer scored customers than this are not clustered: k-means on a handful of
# points describes nothing.
MIN_CLUSTERED = 20

ProgressFactory = Callable[[str, int | None], Progress]


@dataclass
class _Outcome:
    scored: np.ndarray
    columns: dict[str, np.ndarray]
    nulls: dict[str, np.ndarray]
    clustering: object | None
    summary: dict


def rfm_run(
    *,
    window_days: int = DEFAULT_WINDOW_DAYS,
    now: dt.datetime | None = None,
    progress: ProgressFactory | None = None,
) -> RfmRun:
    """Score every customer, record segment changes and clusters; return the run.

    Raises ValueError for a bad window. A failure leaves the previous scores in
    place and the run marked failed with the reason.
    """
    valid = isinstance(window_days, int) and not isinstance(window_days, bool)
    if not valid or not 1 <= window_days <= MAX_WINDOW_DAYS:
        raise ValueError(
            _("window_days must be a whole number from 1 to %(max)d, not %(value)r.")
            % {"max": MAX_WINDOW_DAYS, "value": window_days}
        )
    now = now or timezone.now()
    show = progress or (lambda label, total: Progress(label, total, enabled=False))
    run = _run_start(window_days=window_days, now=now)
    started = time.monotonic()
    try:
        with storage.run_lock(SLUGS) as previous:
            outcome = _compute(run, show)
            with transaction.atomic():
                _store(run, outcome, show, previous)
    except Exception as exc:
        _run_finish(
            run, started, status=RunStatus.FAILED, error=f"{type(exc).__name__}: {exc}"
        )
        raise
    _run_finish(run, started, status=RunStatus.SUCCEEDED)
    return run


def _run_start(*, window_days: int, now: dt.datetime) -> RfmRun:
    rules = list(
        SegmentRule.objects.values("segment", "r_min", "r_max", "fm_min", "fm_max")
    )
    run = RfmRun(
        started_at=timezone.now(),
        window_days=window_days,
        as_of=now,
        parameters={
            "window_days": window_days,
            "as_of": now.isoformat(),
            "tie_policy": "mid-percentile of the tie group",
            "fm": "ceil((F + M) / 2)",
            "rules": rules,
        },
    )
    run.full_clean()
    run.save()
    return run


def _run_finish(run: RfmRun, started: float, *, status: str, error: str = "") -> None:
    run.finished_at = timezone.now()
    run.duration = dt.timedelta(seconds=time.monotonic() - started)
    run.status = status
    run.error = error[:2000]
    run.save(update_fields=["finished_at", "duration", "status", "error", *_COUNTS])


_COUNTS = [
    "customers_total",
    "customers_scored",
    "customers_labelled",
    "transitions",
    "cluster_k",
    "silhouette",
    "parameters",
    "summary",
]


def _compute(run: RfmRun, show: ProgressFactory) -> _Outcome:
    timings = {}
    previous = _previous_k(run)
    if not (previous and previous["centres"]):
        _import_meanwhile("sklearn.cluster")  # a night that searches k
    bar = show(_("Reading orders"), storage.customer_count())
    aggregate = storage.fetch_aggregate(
        now=run.as_of,
        start=run.as_of - dt.timedelta(days=run.window_days),
        advance=bar.advance,
    )
    timings["aggregate"] = bar.finish()
    tick = time.monotonic()
    outcome = _score(aggregate, rule_grid())
    timings["score"] = time.monotonic() - tick
    clustered = int(np.count_nonzero(outcome.scored))
    bar = show(_("Clustering"), clustered)
    outcome.clustering = _cluster(aggregate, outcome, previous)
    bar.advance(clustered)
    timings["cluster"] = bar.finish()
    outcome.summary["timings"] = timings
    return outcome


def _import_meanwhile(module: str) -> None:
    """Import scikit-learn (a second or two) while the database aggregates.

    The aggregate leaves this process waiting on a socket; the clustering's
    import then finds the module loaded, or waits on Python's import lock for
    the rest. Nights that keep the last clusters need only numpy.
    """
    threading.Thread(
        target=importlib.import_module,
        args=(module,),
        name="import-clustering",
        daemon=True,
    ).start()


def _score(aggregate: storage.Aggregate, grid: np.ndarray) -> _Outcome:
    scored = aggregate.frequency > 0
    n = scored.shape[0]
    scores = rfm_scores(
        aggregate.recency_days[scored],
        aggregate.frequency[scored],
        aggregate.monetary[scored],
    )
    codes = np.where(
        aggregate.ever_ordered, CODE[Segment.LAPSED], CODE[Segment.PROSPECT]
    )
    codes[scored] = assign_segments(scores.recency, scores.fm, grid)
    columns = {
        "customer_id": aggregate.customer_ids,
        "last_us": aggregate.last_order_us,
        "frequency": aggregate.frequency,
        "cents": aggregate.cents,
        "segment": codes,
        "cluster": np.zeros(n, dtype=np.int16),
    }
    for name, values in (("r_score", scores.recency), ("f_score", scores.frequency)):
        columns[name] = _spread(values, scored)
    columns["m_score"] = _spread(scores.monetary, scored)
    nulls = {
        "last_us": ~aggregate.ever_ordered,
        **{name: ~scored for name in ("r_score", "f_score", "m_score", "cluster")},
    }
    summary = {
        "segments": {SLUGS[c]: int(k) for c, k in enumerate(np.bincount(codes)) if k},
        "r_by_f": score_grid(scores.recency, scores.frequency).tolist(),
        "r_by_fm": score_grid(scores.recency, scores.fm).tolist(),
    }
    return _Outcome(scored, columns, nulls, clustering=None, summary=summary)


def _spread(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    full = np.zeros(mask.shape[0], dtype=np.int8)
    full[mask] = values
    return full


def _previous_k(run: RfmRun) -> dict | None:
    """The last successful run's k, silhouette and centres, which clustering
    keeps while they hold (see segmentation.clustering)."""
    previous = (
        RfmRun.objects.filter(status=RunStatus.SUCCEEDED, cluster_k__isnull=False)
        .exclude(pk=run.pk)
        .values("cluster_k", "silhouette", "parameters")
        .first()
    )
    if previous is None or previous["silhouette"] is None:
        return None
    return {
        "k": previous["cluster_k"],
        "silhouette": previous["silhouette"],
        "centres": (previous["parameters"] or {}).get("centres"),
    }


def _cluster(aggregate: storage.Aggregate, outcome: _Outcome, previous=None):
    scored = outcome.scored
    clustering = None
    if np.count_nonzero(scored) >= MIN_CLUSTERED:
        from segmentation.clustering import Previous, cluster_customers  # slow

        clustering = cluster_customers(
            aggregate.recency_days[scored],
            aggregate.frequency[scored],
            aggregate.monetary[scored],
            tuple(
                outcome.columns[name][scored]
                for name in ("r_score", "f_score", "m_score")
            ),
            previous=Previous(**previous) if previous else None,
        )
    if clustering is None:
        outcome.nulls["cluster"] = np.ones(scored.shape[0], dtype=bool)
    else:
        outcome.columns["cluster"][scored] = clustering.labels
    return clustering


def _store(run: RfmRun, outcome: _Outcome, show: ProgressFactory, previous) -> None:
    total = int(outcome.scored.shape[0])
    bar = show(_("Writing scores"), total)
    result = writeback.write_results(
        outcome.columns,
        outcome.nulls,
        segments=SLUGS,
        run_id=run.pk,
        scored_at=run.as_of,
        previous=previous,
    )
    bar.advance(total)
    outcome.summary["timings"]["write"] = bar.finish()
    outcome.summary["rows_written"] = result.written
    clustering = outcome.clustering
    if clustering is not None:
        RfmCluster.objects.bulk_create(
            RfmCluster(run=run, **vars(profile)) for profile in clustering.profiles
        )
        run.cluster_k = clustering.k
        run.silhouette = clustering.silhouette
        run.parameters["silhouette_by_k"] = clustering.silhouette_by_k
        run.parameters["centres"] = clustering.centres
    scored = int(np.count_nonzero(outcome.scored))
    run.customers_total = int(outcome.columns["customer_id"].shape[0])
    run.customers_scored = scored
    run.customers_labelled = run.customers_total - scored
    run.transitions = result.transitions
    run.summary = outcome.summary
    run.save(update_fields=_COUNTS)
