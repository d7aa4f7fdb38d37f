"""Product category names as customers and staff read them, never the slug.

Read for every message about a product while sending: the few category rows
are loaded once and kept for a minute per process, so an edit in the admin
shows within a minute and a batch of thousands of messages costs one query.
"""

import time

from django.utils import translation

from crm.models import ProductCategory, slug_readable

KEEP_SECONDS = 60.0
_names: dict[str, ProductCategory] = {}
_loaded_at: float | None = None


def category_names_forget() -> None:
    """Read the rows again on the next call (after an edit; tests)."""
    global _loaded_at
    _loaded_at = None


def _categories() -> dict[str, ProductCategory]:
    global _names, _loaded_at
    now = time.monotonic()
    if _loaded_at is None or now - _loaded_at > KEEP_SECONDS:
        _names = {c.slug: c for c in ProductCategory.objects.all()}
        _loaded_at = now
    return _names


def category_name(slug: str, locale: str | None = None) -> str:
    """The category's name in `locale` (default: the active language)."""
    if not slug:
        return ""
    locale = locale or translation.get_language() or "en"
    category = _categories().get(slug)
    return category.name_in(locale) if category else slug_readable(slug)
