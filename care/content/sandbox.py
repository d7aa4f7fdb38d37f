"""The template language marketers write: Django's, minus all that reaches out.

A template is text from the admin, so it is treated as untrusted. It gets
the plain tags (if, for, with, translate ...) and the text filters, and
nothing else: no {% load %} (so no admin log or static tags), no {% debug %}
(it prints the context and every loaded module), no {% include %} or
{% extends %} (no loaders at all), no {% url %} or {% csrf_token %}. With the
plain-data context of care.content.variables, a template can show what it
was given and nothing more.
"""

from django.template import Engine, Library, defaultfilters, defaulttags
from django.templatetags import i18n

TAGS = (
    "autoescape",
    "comment",
    "cycle",
    "filter",
    "firstof",
    "for",
    "if",
    "ifchanged",
    "now",
    "regroup",
    "resetcycle",
    "spaceless",
    "templatetag",
    "verbatim",
    "widthratio",
    "with",
)
I18N_TAGS = ("translate", "trans", "blocktranslate", "blocktrans")
# Every text filter but pprint (a debugging aid that prints any object's repr).
FILTERS_LEFT_OUT = ("pprint",)

register = Library()
for name in TAGS:
    register.tags[name] = defaulttags.register.tags[name]
for name in I18N_TAGS:
    register.tags[name] = i18n.register.tags[name]
for name, function in defaultfilters.register.filters.items():
    if name not in FILTERS_LEFT_OUT:
        register.filters[name] = function


class SandboxEngine(Engine):
    """An engine whose only built-ins are the ones above (Django adds its defaults)."""

    default_builtins: list[str] = []


def sandbox_engine(*, debug: bool = False) -> Engine:
    """The engine; `debug` only to locate errors (care.content.lint), never to render."""
    return SandboxEngine(
        dirs=[],
        app_dirs=False,
        loaders=[],
        libraries={},
        builtins=["care.content.sandbox"],
        string_if_invalid="",
        debug=debug,
    )
