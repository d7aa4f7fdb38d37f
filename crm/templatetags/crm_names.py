"""Names people read instead of slugs, for the admin's templates."""

from django import template

from crm.categories import category_name as category_name_in

register = template.Library()


@register.filter
def category_name(slug: str) -> str:
    """A category slug as its name in the active language."""
    return category_name_in(slug or "")
