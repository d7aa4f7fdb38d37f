"""What counts as a low or a good answer (pure; thresholds from settings)."""

import unicodedata

from django.conf import settings


def is_low(csat: int | None, nps: int | None) -> bool:
    """Low enough to open a recovery case: CSAT <= 2 or NPS <= 6 by default."""
    return (csat is not None and csat <= settings.CARE_RECOVERY_CSAT_MAX) or (
        nps is not None and nps <= settings.CARE_RECOVERY_NPS_MAX
    )


def is_good(csat: int | None, nps: int | None) -> bool:
    """A satisfied answer: CSAT 4-5, or, without a CSAT, a promoter's NPS (9-10)."""
    if is_low(csat, nps):
        return False
    if csat is not None:
        return csat >= 4
    return nps is not None and nps >= 9


def parse_sms_digit(body: str) -> int | None:
    """A reply that is one digit 1-5 (full-width digits too, spaces ignored)."""
    text = unicodedata.normalize("NFKC", body or "").strip().rstrip(".。!！")
    if len(text) == 1 and text in "12345":
        return int(text)
    return None
