"""django-q2 tasks: thin wrappers that call one service."""

from segmentation.services import rfm_run


def rfm_score_task(window_days: int = 365) -> int:
    """The nightly RFM run; returns the run id (kept in django-q2's task result)."""
    return rfm_run(window_days=window_days).pk
