"""Admin search at a million rows: every way of matching uses an index.

- Customers (`search_customers`): a whole phone number however it is typed
  (compared in E.164), an email (exact, any case), the start of an external id,
  or a name: anywhere in it for three characters or more (a trigram index on
  PostgreSQL), from its start for one or two (王, 王芳).
- Other lists (`search_exact`): exact identifiers only, a related row's
  identifier included (an order by its customer's external id).
"""

import re
from collections.abc import Sequence

import phonenumbers
from django.conf import settings
from django.db.models import Q, QuerySet, Subquery
from django.http import HttpRequest

# Digits with the separators people type ("138 0013 8000", "+86 (138) 0013-8000").
_PHONE_LIKE = re.compile(r"^\+?[\d\s\-().]+$")
_MIN_DIGITS = 7
# A trigram index finds a substring of three characters or more; shorter
# terms are matched at the start of the name, which it also serves.
NAME_ANYWHERE_MIN = 3


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


def search_customers(queryset: QuerySet, term: str) -> QuerySet:
    """The customers an admin user means by `term` (see the module docstring)."""
    term = term.strip()
    if not term:
        return queryset
    phone = phone_search_term(term)
    if phone:
        # A numeric external id can look like a phone number too.
        return queryset.filter(Q(phone=phone) | Q(external_id=term))
    if "@" in term:
        return queryset.filter(email__iexact=term)
    if len(term) >= NAME_ANYWHERE_MIN:
        name = Q(name__icontains=term)
    else:
        name = Q(name__istartswith=term)
    return queryset.filter(Q(external_id__startswith=term) | name)


def search_exact(queryset: QuerySet, term: str, fields: Sequence[str]) -> QuerySet:
    """Rows where one of `fields` equals `term` exactly.

    A field across a foreign key ("customer__external_id") is compared through
    the key and a one-row subquery, so each alternative is an index lookup on
    this table and PostgreSQL combines them (a join in an OR scans everything).
    """
    term = term.strip()
    if not term:
        return queryset
    return queryset.filter(exact_match(queryset, term, fields))


def exact_match(queryset: QuerySet, term: str, fields: Sequence[str]) -> Q:
    """The condition of `search_exact`, to combine with others."""
    match = Q()
    for path in fields:
        relation, _sep, field = path.partition("__")
        if not field:
            match |= Q(**{path: term})
            continue
        related = queryset.model._meta.get_field(relation).related_model
        key = related._default_manager.filter(**{field: term}).values("pk")[:1]
        match |= Q(**{f"{relation}_id": Subquery(key)})
    return match


class ExactSearchMixin:
    """A ModelAdmin mixin: search by the exact values of `search_fields` (plain
    names, or one relation deep: "customer__external_id"), each an index lookup.

    `search_text_fields` are also matched anywhere in their text: for tables
    small enough to read (a ticket's subject, a reply's body), never the outbox.
    """

    search_text_fields: Sequence[str] = ()

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        match = exact_match(queryset, term, self.search_fields)
        for field in self.search_text_fields:
            match |= Q(**{f"{field}__icontains": term})
        return queryset.filter(match), False
