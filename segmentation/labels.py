"""Words for a cluster, from its mean scores (translated when shown)."""

from django.utils.translation import gettext as _


def describe(r_score: float, f_score: float, m_score: float) -> str:
    """Words for a cluster's mean scores, e.g. 'recent, frequent, high spend'."""
    words = [
        _pick(r_score, _("recent"), _("fading"), _("long gone")),
        _pick(f_score, _("frequent"), _("occasional"), _("rare")),
        _pick(m_score, _("high spend"), _("mid spend"), _("low spend")),
    ]
    return ", ".join(words)


def _pick(score: float, high: str, middle: str, low: str) -> str:
    if score >= 3.5:
        return high
    return middle if score > 2.5 else low
