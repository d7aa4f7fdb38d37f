import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from crm.validation import (
    FieldErrors,
    clean_bool,
    clean_currency,
    clean_date,
    clean_datetime,
    clean_decimal,
    clean_email,
    clean_external_id,
    clean_int,
    clean_locale,
    clean_phone,
    clean_text,
    clean_time_zone,
)

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.mark.parametrize(
    "raw",
    [
        "13812345678",
        "+8613812345678",
        "+86 138 1234 5678",
        "138-1234-5678",
        "008613812345678",
        "86 13812345678",
    ],
)
def test_it_normalises_chinese_mobile_numbers_to_e164(raw):
    assert clean_phone(raw, "CN") == "+8613812345678"


def test_it_reads_a_national_number_in_the_default_region():
    assert clean_phone("(650) 253-0000", "US") == "+16502530000"


@pytest.mark.parametrize("raw", ["12345", "abc", "+86138123456789", "1381234567"])
def test_it_rejects_an_invalid_phone_number(raw):
    with pytest.raises(ValidationError):
        clean_phone(raw, "CN")


def test_it_treats_a_blank_phone_as_no_phone():
    assert clean_phone("  ", "CN") == ""


def test_it_lowercases_only_the_email_domain():
    assert clean_email(" Li.Lei@Example.COM ") == "Li.Lei@example.com"


def test_it_rejects_an_invalid_email():
    with pytest.raises(ValidationError):
        clean_email("li@")


def test_it_accepts_iana_time_zones_only():
    assert clean_time_zone("Asia/Shanghai") == "Asia/Shanghai"
    for bad in ("Mars/Olympus", "../../etc/passwd", "CST+8"):
        with pytest.raises(ValidationError):
            clean_time_zone(bad)


@pytest.mark.parametrize(
    ("raw", "locale"),
    [
        ("zh-hans", "zh-hans"),
        ("zh-Hans", "zh-hans"),
        ("zh_CN", "zh-hans"),
        ("zh", "zh-hans"),
        ("zh-SG", "zh-hans"),
        ("en", "en"),
        ("en-US", "en"),
        ("EN_gb", "en"),
    ],
)
def test_it_normalises_locales(raw, locale):
    assert clean_locale(raw) == locale


@pytest.mark.parametrize("raw", ["zh-Hant", "zh-TW", "fr", ""])
def test_it_rejects_languages_we_do_not_ship(raw):
    with pytest.raises(ValidationError):
        clean_locale(raw)


def test_it_refuses_control_characters_and_nul_in_text():
    with pytest.raises(ValidationError):
        clean_text("a\x00b", max_length=10)


def test_it_refuses_text_over_the_limit():
    with pytest.raises(ValidationError, match="At most 5"):
        clean_text("abcdef", max_length=5)


def test_it_refuses_spaces_in_an_external_id():
    with pytest.raises(ValidationError):
        clean_external_id("C 1")


def test_it_parses_iso_dates_only():
    assert clean_date("1990-02-28") == dt.date(1990, 2, 28)
    for bad in ("28/02/1990", "1990-02-30", 19900228, "1800-01-01"):
        with pytest.raises(ValidationError):
            clean_date(bad)


def test_it_takes_the_date_of_a_datetime_in_the_given_zone():
    assert clean_date(
        "2026-01-01T23:30:00Z", allow_datetime=True, tz=SHANGHAI
    ) == dt.date(2026, 1, 2)


def test_it_reads_a_naive_datetime_in_the_default_zone():
    parsed = clean_datetime("2026-01-01T10:00:00", SHANGHAI)
    assert parsed.utcoffset() == dt.timedelta(hours=8)


@pytest.mark.parametrize("raw", ["12.5", 12.5, 3, "0"])
def test_it_accepts_non_negative_amounts(raw):
    assert clean_decimal(raw) == Decimal(str(raw)).quantize(Decimal("0.01"))


@pytest.mark.parametrize(
    "raw", ["-1", "1.234", "NaN", "Infinity", True, "abc", None, "1e20"]
)
def test_it_rejects_bad_amounts(raw):
    with pytest.raises(ValidationError):
        clean_decimal(raw)


def test_it_checks_whole_numbers_and_their_range():
    assert clean_int("7", minimum=1, maximum=10) == 7
    for bad in (0, 11, True, 1.5, "x"):
        with pytest.raises(ValidationError):
            clean_int(bad, minimum=1, maximum=10)


def test_it_reads_yes_and_no_as_booleans():
    assert clean_bool("Yes") is True and clean_bool("0") is False
    with pytest.raises(ValidationError):
        clean_bool("maybe")


def test_it_accepts_iso_4217_currencies_in_any_case():
    assert clean_currency("cny") == "CNY"
    with pytest.raises(ValidationError):
        clean_currency("XYZ")


def test_it_collects_every_field_error():
    errors = FieldErrors()
    errors.check("phone", clean_phone, "1", "CN")
    errors.check("email", clean_email, "nope")
    with pytest.raises(ValidationError) as caught:
        errors.raise_if_any()
    assert set(caught.value.message_dict) == {"phone", "email"}
