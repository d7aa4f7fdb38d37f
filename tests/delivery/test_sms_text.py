import pytest

from care.content.sms import needless_ucs2, sms_info, sms_normalize


def test_it_counts_a_plain_text_as_one_gsm7_segment():
    info = sms_info("Hello, your car is due for service on 1 Dec.")
    assert (info.encoding, info.segments) == ("GSM-7", 1)


@pytest.mark.parametrize(
    ("length", "segments"), [(160, 1), (161, 2), (306, 2), (307, 3)]
)
def test_it_splits_gsm7_at_160_then_153(length, segments):
    assert sms_info("a" * length).segments == segments


@pytest.mark.parametrize(("length", "segments"), [(70, 1), (71, 2), (134, 2), (135, 3)])
def test_it_splits_ucs2_at_70_then_67(length, segments):
    assert sms_info("好" * length).segments == segments


def test_it_reads_chinese_as_ucs2():
    assert sms_info("您好，您的爱车该保养了 回复TD退订").encoding == "UCS-2"


def test_it_counts_extension_characters_twice():
    info = sms_info("€" * 80)
    assert (info.encoding, info.length, info.segments) == ("GSM-7", 160, 1)
    assert sms_info("€" * 81).segments == 2


def test_it_never_splits_an_escape_pair():
    # 152 plain + one € would straddle the 153-septet boundary.
    assert sms_info("a" * 152 + "€" + "a" * 10).segments == 2


def test_it_counts_an_emoji_as_two_ucs2_units():
    assert sms_info("🎂" * 35).length == 70


def test_it_replaces_lookalikes_when_the_rest_is_gsm7():
    text = "It\u2019s \u201cready\u201d\u00a0\u2013 see you\u2026\u200b"
    assert sms_normalize(text) == 'It\'s "ready" - see you...'
    assert sms_info(sms_normalize(text)).encoding == "GSM-7"


def test_it_keeps_lookalikes_in_text_that_needs_ucs2_anyway():
    text = "“您好” – 回复TD退订"
    assert sms_normalize(text) == text


def test_it_names_the_characters_that_force_ucs2_needlessly():
    assert needless_ucs2("Hi\u00a0there \u2014 ok") == ["\u00a0", "\u2014"]
    assert needless_ucs2("您好\u00a0") == []
