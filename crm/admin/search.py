"""Search helpers for the admin: a phone number is found however it was typed."""

import re

import phonenumbers
from django.conf import settings

# Digits with the separators people type ("138 0013 8000", "+86 (138) 0013-8000").
_PHONE_LIKE = re.compile(r"^\+?[\d\s\-().]+$")
_MIN_DIGITS = 7


def phone_search_term(term: str, region: str | None = None) -> str | None:
    """Return the E.164 form of a search term typed as a phone number, else None.

    A term that does not look like a whole phone number (a name, an email, a few
    digits) gives None, so the caller falls back to the ordinary search.
    """
    term = term.strip()
    digits = sum(char.isdigit() for char in term)
    if not _PHONE_LIKE.match(term) or digits < _MIN_DIGITS:
        return None
    try:
        number = phonenumbers.parse(term, region or settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
