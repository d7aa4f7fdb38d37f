"""Pure functions that turn raw input (API bodies, CSV cells) into clean values.

Each `clean_*` function returns the clean value or raises a `ValidationError`
with a message for people; `FieldErrors` attaches the field name, so services
can report every bad field of an item at once. No ORM here.
"""

import datetime as dt
import re
import zoneinfo
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from crm.currencies import ISO_4217

# The declarations below are shared by these cleaners and by the API's OpenAPI
# schema (api/schemas.py), so what the schema promises and what is accepted
# cannot drift apart. Patterns are written for both Python and ECMA-262 regexes.

# Control characters break CSV exports and SMS, and PostgreSQL refuses NUL in
# text outright; tab and newline are legitimate in free text.
CONTROL_CHARS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
_CONTROL = re.compile(f"[{CONTROL_CHARS}]")
# Free text: no control characters. Required text: also one visible character.
TEXT_PATTERN = rf"^[^{CONTROL_CHARS}]*$"
REQUIRED_TEXT_PATTERN = rf"^[^{CONTROL_CHARS}]*[^\s{CONTROL_CHARS}][^{CONTROL_CHARS}]*$"
# Ids (external ids, SKUs, in paths and references): 1 to 64 characters, no
# whitespace, slash or control character, and not "." or ".." (path steps).
ID_MAX_LENGTH = 64
ID_PATTERN = r"^(?![\s\S]*[\s/\x00-\x1f\x7f])(?!\.{1,2}$)"
_ID = re.compile(ID_PATTERN)
# In the API's paths, "batch" names the batch endpoint of its resource.
BATCH_SEGMENT = "batch"
RESOURCE_ID_PATTERN = ID_PATTERN + rf"(?!{BATCH_SEGMENT}$)"
# Amounts as text: ASCII digits, at most 10 before the point and 2 after.
AMOUNT_PATTERN = r"^[0-9]{1,10}(?:\.[0-9]{1,2})?$"
_AMOUNT = re.compile(AMOUNT_PATTERN)
AMOUNT_MAX = Decimal("9999999999.99")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
# en, zh and their regional or script variants; Traditional Chinese is refused.
_NOT_HANT = r"(?![\s\S]*[-_](?:[Hh][Aa][Nn][Tt]|[Tt][Ww]|[Hh][Kk]|[Mm][Oo])(?:[-_]|$))"
LOCALE_PATTERN = rf"^(?:[Ee][Nn]|[Zz][Hh]{_NOT_HANT})(?:[-_][A-Za-z0-9]{{1,8}})*$"
_LOCALE = re.compile(LOCALE_PATTERN)
LOCALE_MAX_LENGTH = 16
TIME_ZONE_MAX_LENGTH = 64
PHONE_MAX_LENGTH = 40
EMAIL_MAX_LENGTH = 254
# Zone files that are not places: the machine's own zone and tzdata's placeholder.
_NOT_ZONES = frozenset({"localtime", "Factory", "posixrules"})
_TRUE = {"1", "true", "yes", "y", "granted", "on"}
_FALSE = {"0", "false", "no", "n", "withdrawn", "off"}


class FieldErrors:
    """Collect field errors so one response can name every bad field."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(str(message))

    def check(
        self, field: str, func: Callable[..., Any], *args: Any, **kwargs: Any
    ) -> Any:
        """Return func(*args, **kwargs), or None after recording its error under field."""
        try:
            return func(*args, **kwargs)
        except ValidationError as error:
            for message in error.messages:
                self.add(field, message)
            return None

    def merge(self, error: ValidationError, prefix: str = "") -> None:
        if hasattr(error, "error_dict"):
            for field, messages in error.message_dict.items():
                name = "" if field == "__all__" else field
                self.add(
                    ".".join(p for p in (prefix, name) if p) or "__all__",
                    "; ".join(messages),
                )
        else:
            for message in error.messages:
                self.add(prefix or "__all__", message)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


def clean_text(value: Any, *, max_length: int, required: bool = False) -> str:
    """The text without surrounding whitespace; its length is counted as sent."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError(_("Expected text."), code="type")
    if _CONTROL.search(value):
        raise ValidationError(_("Control characters are not allowed."), code="control")
    if len(value) > max_length:
        raise ValidationError(
            _("At most %(max)d characters (got %(got)d).")
            % {"max": max_length, "got": len(value)},
            code="max_length",
        )
    value = value.strip()
    if required and not value:
        raise ValidationError(_("This field is required."), code="required")
    return value


# An http(s) address in printable ASCII (percent-encoded), or nothing: the API
# schema states the same pattern.
WEB_URL_PATTERN = r"^(https?://[!-~]+)?$"


def clean_web_url(value: Any, *, max_length: int = 500) -> str:
    """An http(s) address, or "" for none."""
    value = clean_text(value, max_length=max_length)
    if not re.fullmatch(WEB_URL_PATTERN, value):
        raise ValidationError(_("Expected an http(s) address."), code="url")
    return value


def clean_external_id(value: Any) -> str:
    """An id exactly as sent: 1-64 characters, no spaces, slashes or control codes."""
    if not isinstance(value, str):
        raise ValidationError(_("Expected text."), code="type")
    if not value:
        raise ValidationError(_("This field is required."), code="required")
    if len(value) > ID_MAX_LENGTH:
        raise ValidationError(
            _("At most %(max)d characters (got %(got)d).")
            % {"max": ID_MAX_LENGTH, "got": len(value)},
            code="max_length",
        )
    if not _ID.match(value):
        raise ValidationError(
            _("Spaces, slashes and control characters are not allowed in an id."),
            code="invalid",
        )
    return value


def clean_phone(value: Any, region: str) -> str:
    """Return the number in E.164 ("" for no number); national numbers use `region`."""
    value = clean_text(value, max_length=40)
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        raise ValidationError(_("Not a phone number."), code="invalid") from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("Not a valid phone number."), code="invalid")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def clean_email(value: Any) -> str:
    value = clean_text(value, max_length=254)
    if not value:
        return ""
    validate_email(value)
    local, _at, domain = value.rpartition("@")
    # The domain is case-insensitive; the local part, strictly, is not.
    return f"{local}@{domain.lower()}"


@lru_cache(maxsize=1)
def time_zones() -> tuple[str, ...]:
    """The IANA zone names this machine's tz database knows, sorted."""
    return tuple(sorted(zoneinfo.available_timezones() - _NOT_ZONES))


@lru_cache(maxsize=1)
def _time_zone_set() -> frozenset[str]:
    return frozenset(time_zones())


def clean_time_zone(value: Any) -> str:
    value = clean_text(value, max_length=TIME_ZONE_MAX_LENGTH)
    if value and value not in _time_zone_set():
        raise ValidationError(
            _("Unknown time zone %(value)r: use an IANA name such as Asia/Shanghai.")
            % {"value": value},
            code="invalid",
        )
    return value


def clean_locale(value: Any) -> str:
    """Map zh, zh-CN, zh_Hans, zh-SG... to "zh-hans" and en, en-US, en_GB... to "en"."""
    value = clean_text(value, max_length=LOCALE_MAX_LENGTH, required=True)
    if not _LOCALE.match(value):
        raise ValidationError(
            _("Unsupported language %(value)r: use zh-hans or en.") % {"value": value},
            code="invalid",
        )
    parts = value.lower().replace("_", "-").split("-")
    if parts[0] == "en":
        return "en"
    if parts[0] == "zh" and not {"hant", "tw", "hk", "mo"} & set(parts[1:]):
        return "zh-hans"
    raise ValidationError(
        _("Unsupported language %(value)r: use zh-hans or en.") % {"value": value},
        code="invalid",
    )


def clean_choice(value: Any, choices: Iterable[str]) -> str:
    options = list(choices)
    if not isinstance(value, str) or value.strip().lower() not in options:
        raise ValidationError(
            _("Expected one of %(options)s.") % {"options": ", ".join(options)},
            code="invalid_choice",
        )
    return value.strip().lower()


def clean_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ValidationError(_("Expected true or false."), code="invalid")


def clean_date(
    value: Any, *, allow_datetime: bool = False, tz: dt.tzinfo | None = None
) -> dt.date:
    """Parse a date, YYYY-MM-DD only; with allow_datetime, a datetime's date in `tz` too."""
    if isinstance(value, dt.datetime):
        if not allow_datetime:
            raise ValidationError(
                _("Expected a date, not a date and time."), code="invalid"
            )
        return value.astimezone(tz).date() if tz and value.tzinfo else value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise ValidationError(_("Expected a date as text: YYYY-MM-DD."), code="type")
    value = value.strip()
    if len(value) > 10 and allow_datetime:
        return clean_date(
            clean_datetime(value, tz or dt.UTC), allow_datetime=True, tz=tz
        )
    parsed = parse_date_text(value)
    if parsed.year < 1900:
        raise ValidationError(_("Dates before 1900 are not accepted."), code="invalid")
    return parsed


def parse_date_text(value: str) -> dt.date:
    """The date of a YYYY-MM-DD text (no other ISO 8601 form)."""
    value = value.strip()
    try:
        if not _DATE.match(value):
            raise ValueError(value)
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationError(
            _("Invalid date %(value)r: use YYYY-MM-DD.") % {"value": value[:40]},
            code="invalid",
        ) from None


def parse_datetime_text(value: str) -> dt.datetime:
    """An ISO 8601 date and time (RFC 3339's lowercase t and z included)."""
    text = value.strip()
    if len(text) > 10 and text[10] == "t":
        text = f"{text[:10]}T{text[11:]}"
    if text.endswith("z"):
        text = f"{text[:-1]}Z"
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError(
            _(
                "Invalid date and time %(value)r: use ISO 8601, e.g. 2026-11-20T09:30:00+08:00."
            )
            % {"value": value[:40]},
            code="invalid",
        ) from None


# The last instant every time zone can still show as a date and time.
_LATEST_UTC = dt.datetime(9999, 12, 30, tzinfo=dt.UTC)


def clean_datetime(value: Any, default_tz: dt.tzinfo) -> dt.datetime:
    """Parse an ISO 8601 date and time; one without an offset is read in default_tz.

    The result must be a valid UTC time that every zone can show (before
    9999-12-30 UTC): the database stores UTC and the admin shows local time.
    """
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, str):
        parsed = parse_datetime_text(value)
    else:
        raise ValidationError(
            _("Expected a date and time as ISO 8601 text."), code="type"
        )
    if parsed.year < 1900:
        raise ValidationError(_("Dates before 1900 are not accepted."), code="invalid")
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=default_tz)
    try:
        in_utc = parsed.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        in_utc = None
    if in_utc is None or in_utc >= _LATEST_UTC:
        raise ValidationError(
            _("Not a valid time in UTC: use a date before 9999-12-30."),
            code="invalid",
        )
    return parsed


def clean_decimal(value: Any, *, max_digits: int = 12, places: int = 2) -> Decimal:
    """A non-negative amount with at most `places` decimals (ASCII digits if text).

    A JSON number is read by its shortest decimal form, so 0.57 is 0.57; "-0"
    is 0, never "-0.00".
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise ValidationError(_("Expected a number."), code="type")
    text = _float_text(value, places) if isinstance(value, float) else str(value)
    text = text.strip()
    if isinstance(value, str) and not _AMOUNT.match(text.lstrip("-")):
        raise ValidationError(
            _("Expected an amount such as 199.00 (ASCII digits, at most 2 decimals)."),
            code="invalid",
        )
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValidationError(_("Expected a number."), code="invalid") from None
    if not amount.is_finite():
        raise ValidationError(_("Expected a finite number."), code="invalid")
    if amount < 0:
        raise ValidationError(_("Must not be negative."), code="min_value")
    too_big = amount >= Decimal(10) ** (max_digits - places)
    if too_big or amount != amount.quantize(Decimal(1).scaleb(-places)):
        raise ValidationError(
            _("At most %(digits)d digits with %(places)d decimals.")
            % {"digits": max_digits, "places": places},
            code="invalid",
        )
    # Adding zero turns a negative zero into zero.
    return amount.quantize(Decimal(1).scaleb(-places)) + 0


def clean_amount(value: Any) -> Decimal:
    """An amount as the API takes it: a number, or text exactly as AMOUNT_PATTERN."""
    if isinstance(value, str) and not _AMOUNT.match(value):
        raise ValidationError(
            _("Expected an amount such as 199.00 (ASCII digits, at most 2 decimals)."),
            code="invalid",
        )
    return clean_decimal(value)


def _float_text(value: float, places: int) -> str:
    """A float's decimal text; one within rounding noise of `places` decimals is
    read as that decimal (0.1 + 0.2 is 0.30), the rest as they are."""
    scaled = value * 10**places
    if abs(scaled) < 1e15 and abs(scaled - round(scaled)) <= 1e-6:
        return str(Decimal(round(scaled)).scaleb(-places))
    return repr(value)


def clean_int(value: Any, *, minimum: int, maximum: int) -> int:
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(_("Expected a whole number."), code="type")
    if not minimum <= value <= maximum:
        raise ValidationError(
            _("Must be between %(min)d and %(max)d.")
            % {"min": minimum, "max": maximum},
            code="range",
        )
    return value


def clean_currency(value: Any) -> str:
    value = clean_text(value, max_length=3, required=True).upper()
    if value not in ISO_4217:
        raise ValidationError(
            _("Unknown currency %(value)r: use an ISO 4217 code such as CNY.")
            % {"value": value},
            code="invalid",
        )
    return value
