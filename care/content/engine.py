"""The template engine: render a message's template with a given context (Django syntax, from strings).

Pure content: which template (campaign, channel, the customer's language with
fallbacks), the three parts rendered in the template's language, then the
channel's finish (opt-out line and GSM-7 normalising for SMS, the HTML part
and unsubscribe link for email). What goes into the context beyond the
message's own rows is the caller's: a trigger kind's variables come in
through a `KindContext` (care.outreach.triggers' registry and hooks).

Templates are untrusted text: they are compiled by a sandboxed engine
(care.content.sandbox) and see only plain values (care.content.variables).
"""

import secrets
from dataclasses import dataclass

from django.template import Context, Template, TemplateSyntaxError
from django.utils import translation

from care.content.email import email_finish
from care.content.links import (
    LinkMaker,
    default_destination,
    links_keep,
    unsubscribe_url,
)
from care.content.sandbox import sandbox_engine
from care.content.sms import sms_normalize
from care.content.variables import (
    COMMON_ONLY,
    KindContext,
    NotPlain,
    context_build,
    message_values,
)
from care.models import Message, MessageTemplate
from care.rules import with_opt_out
from crm.models import Purpose

# Templates come from campaign strings: no loaders, a sandboxed tag set.
ENGINE = sandbox_engine()
FALLBACK_LOCALES = ("en", "zh-hans")


class RenderError(Exception):
    """The template could not be rendered (syntax, a variable that fails)."""


class MissingTemplate(RenderError):
    """The campaign has no template for the message's channel (in any language)."""


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    html_body: str
    coupon_code: str


class TemplateCache:
    """Compiled templates per (campaign, channel, locale), loaded once per batch."""

    def __init__(
        self,
        campaign_ids: set[int],
        templates: list[MessageTemplate] | None = None,
    ) -> None:
        """The campaigns' saved templates, or `templates` as given (unsaved, a preview)."""
        if templates is None:
            templates = MessageTemplate.objects.filter(campaign_id__in=campaign_ids)
        self._raw = {(t.campaign_id, t.channel, t.locale): t for t in templates}
        self._compiled: dict[tuple[int, str], Template] = {}

    def pick(
        self, campaign_id: int, channel: str, locale: str
    ) -> MessageTemplate | None:
        for candidate in (locale, *FALLBACK_LOCALES):
            found = self._raw.get((campaign_id, channel, candidate))
            if found:
                return found
        return None

    def compiled(self, template: MessageTemplate, part: str) -> Template:
        key = (template.pk or id(template), part)
        if key not in self._compiled:
            self._compiled[key] = ENGINE.from_string(getattr(template, part))
        return self._compiled[key]


def new_coupon_code(prefix: str) -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I lookalikes
    return prefix + "".join(secrets.choice(alphabet) for _ in range(8))


def message_render(
    message: Message, cache: TemplateCache, kind: KindContext = COMMON_ONLY
) -> Rendered:
    """Render the message for its customer; raise RenderError (MissingTemplate) if it cannot be.

    The kind's values are asked for only once a template was found. The
    tracked links of a saved message are kept (care.content.links); an unsaved
    one (a preview) gets links of the real length and nothing is written.
    """
    template = cache.pick(message.campaign_id, message.channel, message.customer.locale)
    if template is None:
        raise MissingTemplate(f"no {message.channel} template")
    offer = message.campaign.offer
    code = new_coupon_code(offer.code_prefix) if offer else ""
    with translation.override(template.locale):
        try:
            values = message_values(message, code) | dict(kind.values(message))
            context = context_build(values, kind.allowed)
        except NotPlain as exc:
            raise RenderError(str(exc)) from exc
        links = LinkMaker(
            message_id=message.pk,
            tracking=message.campaign.tracks_links,
            default_url=default_destination(message),
        )
        subject, body, html = _parts(template, cache, context, links)
    if message.pk is not None:
        links_keep(message.pk, links.links())
    body, html = _finish(message, template.locale, body, html)
    return Rendered(" ".join(subject.split()), body.strip(), html.strip(), code)


def _context(values: dict, links: LinkMaker, autoescape: bool) -> Context:
    context = Context(values, autoescape=autoescape)
    context.care_links = links  # read by {% link %} (care.content.sandbox)
    return context


def _parts(
    template: MessageTemplate, cache: TemplateCache, values: dict, links: LinkMaker
) -> tuple[str, str, str]:
    try:
        body = cache.compiled(template, "body").render(_context(values, links, False))
        subject = cache.compiled(template, "subject").render(
            _context(values, links, False)
        )
        html = cache.compiled(template, "html_body").render(
            _context(values, links, True)
        )
    except (TemplateSyntaxError, AttributeError, TypeError, ValueError) as exc:
        raise RenderError(str(exc)) from exc
    return subject, body, html


def _finish(message: Message, locale: str, body: str, html: str) -> tuple[str, str]:
    marketing = message.purpose == Purpose.MARKETING
    if message.channel == "sms" and marketing:
        body = with_opt_out(body, locale)
    if message.channel == "sms":
        # Smart quotes and the like would turn a GSM-7 text into costlier UCS-2.
        body = sms_normalize(body)
    if message.channel == "email":
        url = unsubscribe_url(message.customer) if marketing else ""
        body, html = email_finish(body.strip(), html.strip(), locale, url)
    return body, html
