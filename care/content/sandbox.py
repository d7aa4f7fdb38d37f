"""The template language marketers write: Django's, minus all that reaches out.

A template is text from the admin, so it is treated as untrusted. It gets
the plain tags (if, for, with, translate ...) and the text filters, and
nothing else: no {% load %} (so no admin log or static tags), no {% debug %}
(it prints the context and every loaded module), no {% include %} or
{% extends %} (no loaders at all), no {% url %} or {% csrf_token %}. With the
plain-data context of care.content.variables, a template can show what it
was given and nothing more.

One tag of our own: {% link %} (the shop: the message's product page, else
SHOP_URL) or {% link "https://..." %} / {% link variable %}, written as a
tracked /c/<token> link when the campaign tracks links (care.content.links).
"""

from django.conf import settings
from django.template import (
    Context,
    Engine,
    Library,
    Node,
    TemplateSyntaxError,
    defaultfilters,
    defaulttags,
)
from django.template.base import FilterExpression, Parser, Token
from django.templatetags import i18n
from django.utils.html import conditional_escape

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


class LinkNode(Node):
    def __init__(self, target: FilterExpression | None) -> None:
        self.target = target

    def render(self, context: Context) -> str:
        target = self.target.resolve(context, ignore_failures=True) if self.target else ""
        # Set by the content engine for the message being rendered; a template
        # variable cannot reach it (variables resolve in the context's dicts).
        maker = getattr(context, "care_links", None)
        url = maker.url(str(target or "")) if maker else str(target or settings.SHOP_URL)
        return conditional_escape(url) if context.autoescape else url


@register.tag("link")
def link_tag(parser: Parser, token: Token) -> LinkNode:
    bits = token.split_contents()
    if len(bits) > 2:
        raise TemplateSyntaxError(
            "{% link %} takes one address at most: {% link %} or {% link \"https://...\" %}"
        )
    return LinkNode(parser.compile_filter(bits[1]) if len(bits) == 2 else None)


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
