"""SMS content arithmetic: encoding, segments, needless UCS-2 characters.

Pure functions over strings, no ORM. An SMS travels as GSM-7 (160 characters,
153 per part when split) unless a single character outside the GSM 03.38
alphabet forces UCS-2 (70 characters, 67 per part): one smart quote copied
from a word processor can triple the price of an English message. Chinese
text is always UCS-2.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: each costs two septets (escape + character).
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

GSM7 = "GSM-7"
UCS2 = "UCS-2"

# Characters that look like GSM-7 ones but are not: replaced when the rest of
# the text is GSM-7, so the message keeps the cheap encoding.
LOOKALIKES = {
    "\u00a0": " ",  # no-break space
    "\u2007": " ",  # figure space
    "\u202f": " ",  # narrow no-break space
    "\u2009": " ",  # thin space
    "\u2002": " ",  # en space
    "\u2003": " ",  # em space
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u2032": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u2033": '"',
    "\u2013": "-",  # en dash
    "\u2014": "-",  # em dash
    "\u2012": "-",
    "\u2212": "-",  # minus sign
    "\u2026": "...",
    "\u00b4": "'",
    "\u02bc": "'",
    "\u2022": "-",  # bullet
}
# Invisible characters that only force UCS-2: dropped.
ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad")


@dataclass(frozen=True)
class SmsInfo:
    encoding: str
    length: int  # in septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int

    def __str__(self) -> str:
        return _("%(encoding)s, %(length)d chars, %(segments)d segment(s)") % {
            "encoding": self.encoding,
            "length": self.length,
            "segments": self.segments,
        }


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def encoding(text: str) -> str:
    return GSM7 if is_gsm7(text) else UCS2


def gsm7_length(text: str) -> int:
    return sum(2 if ch in GSM7_EXTENSION else 1 for ch in text)


def ucs2_length(text: str) -> int:
    # Characters outside the BMP (emoji) take two UTF-16 code units.
    return len(text.encode("utf-16-le")) // 2


def segment_count(length: int, single: int, part: int) -> int:
    if length == 0:
        return 0
    return 1 if length <= single else -(-length // part)


def sms_info(text: str) -> SmsInfo:
    """Encoding, length in the encoding's units, and the number of segments."""
    if is_gsm7(text):
        length = gsm7_length(text)
        return SmsInfo(GSM7, length, _gsm7_segments(text, length))
    length = ucs2_length(text)
    return SmsInfo(UCS2, length, segment_count(length, 70, 67))


def _gsm7_segments(text: str, length: int) -> int:
    if length <= 160:
        return 1 if length else 0
    # An escape pair is never split across two parts.
    segments, used = 1, 0
    for ch in text:
        size = 2 if ch in GSM7_EXTENSION else 1
        if used + size > 153:
            segments, used = segments + 1, 0
        used += size
    return segments


def sms_normalize(text: str) -> str:
    """Replace look-alikes that force UCS-2 when the rest of the text is GSM-7.

    Text that needs UCS-2 anyway (Chinese, emoji) is returned unchanged but for
    the zero-width characters, which are never wanted.
    """
    stripped = "".join(ch for ch in text if ch not in ZERO_WIDTH)
    replaced = "".join(LOOKALIKES.get(ch, ch) for ch in stripped)
    return replaced if is_gsm7(replaced) else stripped


def needless_ucs2(text: str) -> list[str]:
    """The characters that alone make an otherwise GSM-7 text UCS-2."""
    if is_gsm7(text) or not is_gsm7(sms_normalize(text)):
        return []
    return sorted({ch for ch in text if ch in LOOKALIKES or ch in ZERO_WIDTH})
