import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from care.rules import (
    cap_reached,
    in_holdout,
    local_moment,
    parse_quiet_hours,
    quiet_until,
    retry_delay,
    with_opt_out,
)

NIGHT = parse_quiet_hours("21:00-08:00")
SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def test_it_is_not_quiet_in_the_daytime():
    assert quiet_until(utc(2026, 11, 23, 2, 0), SHANGHAI, NIGHT) is None  # 10:00 local


def test_it_defers_a_late_evening_send_to_the_next_morning():
    until = quiet_until(utc(2026, 11, 23, 14, 30), SHANGHAI, NIGHT)  # 22:30 local
    assert until == dt.datetime(2026, 11, 24, 8, 0, tzinfo=SHANGHAI)


def test_it_defers_an_early_morning_send_to_the_same_morning():
    until = quiet_until(
        utc(2026, 11, 23, 20, 0), SHANGHAI, NIGHT
    )  # 04:00 local on the 24th
    assert until == dt.datetime(2026, 11, 24, 8, 0, tzinfo=SHANGHAI)


def test_it_ends_the_window_at_local_time_across_spring_forward():
    # 22:00 EST on 7 March 2026; clocks go forward at 02:00 on the 8th.
    until = quiet_until(utc(2026, 3, 8, 3, 0), NEW_YORK, NIGHT)
    assert until == utc(2026, 3, 8, 12, 0)  # 08:00 EDT, not 13:00 UTC


def test_it_ends_the_window_at_local_time_across_fall_back():
    # 22:00 EDT on 31 October 2026; clocks go back at 02:00 on 1 November.
    until = quiet_until(utc(2026, 11, 1, 2, 0), NEW_YORK, NIGHT)
    assert until == utc(2026, 11, 1, 13, 0)  # 08:00 EST


def test_it_takes_the_first_instant_after_a_wall_clock_time_that_does_not_exist():
    moment = local_moment(dt.date(2026, 3, 8), dt.time(2, 30), NEW_YORK)
    assert moment == utc(2026, 3, 8, 7, 30)  # 03:30 EDT
    assert moment.astimezone(NEW_YORK).hour == 3


def test_it_supports_a_window_that_does_not_cross_midnight():
    window = parse_quiet_hours("12:00-14:00")
    assert quiet_until(utc(2026, 11, 23, 5, 0), SHANGHAI, window) == utc(
        2026, 11, 23, 6, 0
    )
    assert quiet_until(utc(2026, 11, 23, 7, 0), SHANGHAI, window) is None


def test_it_reads_empty_or_equal_quiet_hours_as_none():
    assert parse_quiet_hours("") is None
    assert parse_quiet_hours("08:00-08:00") is None


def test_it_rejects_malformed_quiet_hours_with_a_clear_message():
    with pytest.raises(ValueError, match="21:00-08:00"):
        parse_quiet_hours("nine to five")


def test_it_keeps_the_holdout_assignment_stable():
    assert [in_holdout(7, c, 0.1) for c in range(200)] == [
        in_holdout(7, c, 0.1) for c in range(200)
    ]


def test_it_holds_out_about_the_share_asked():
    held = sum(in_holdout(3, customer, 0.1) for customer in range(20_000))
    assert 1700 < held < 2300


def test_it_holds_out_nobody_at_zero_and_everybody_at_one():
    assert not any(in_holdout(1, c, 0) for c in range(100))
    assert all(in_holdout(1, c, 1.0) for c in range(100))


def test_it_reaches_the_cap_at_the_limit_and_never_when_disabled():
    assert cap_reached(2, 2) and not cap_reached(1, 2) and not cap_reached(99, 0)


def test_it_adds_the_opt_out_text_in_the_customers_language_once():
    assert with_opt_out("Hi", "en") == "Hi Reply STOP to opt out"
    assert with_opt_out("您好", "zh-hans") == "您好 回复TD退订"
    assert with_opt_out("您好 回复TD退订", "zh-hans") == "您好 回复TD退订"


def test_it_backs_off_exponentially_up_to_an_hour():
    assert [retry_delay(n).seconds // 60 for n in (1, 2, 3, 10)] == [1, 2, 4, 60]


ZONES = [
    "Asia/Shanghai",
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",
    "America/Santiago",
    "Pacific/Chatham",
    "UTC",
]


@given(
    moment=st.datetimes(
        min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2028, 12, 31)
    ),
    zone=st.sampled_from(ZONES),
)
def test_a_deferred_send_always_lands_after_now_and_outside_quiet_hours(moment, zone):
    now = moment.replace(tzinfo=dt.UTC)
    tz = ZoneInfo(zone)
    until = quiet_until(now, tz, NIGHT)
    if until is None:
        local = now.astimezone(tz).time()
        assert dt.time(8) <= local < dt.time(21)
    else:
        assert now < until <= now + dt.timedelta(hours=12)
        assert quiet_until(until, tz, NIGHT) is None
