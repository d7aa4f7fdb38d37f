"""Render a message from its campaign's templates (Django template syntax, from strings)."""

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.template import Context, Engine, Template, TemplateSyntaxError
from django.utils import translation

from care.models import Message, MessageTemplate
from care.rules import with_opt_out
from care.service.surveys import survey_context
from care.content.sms import sms_normalize
from crm.models import Purpose

# A private engine: no loaders (templates come from campaign strings), i18n tags built in.
ENGINE = Engine(builtins=["django.templatetags.i18n"])
FALLBACK_LOCALES = ("en", "zh-hans")


class RenderError(Exception):
    pass


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    html_body: str
    coupon_code: str


class TemplateCache:
    """Compiled templates per (campaign, channel, locale), loaded once per batch."""

    def __init__(self, campaign_ids: set[int]) -> None:
        self._raw = {
            (t.campaign_id, t.channel, t.locale): t
            for t in MessageTemplate.objects.filter(campaign_id__in=campaign_ids)
        }
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
        key = (template.pk, part)
        if key not in self._compiled:
            self._compiled[key] = ENGINE.from_string(getattr(template, part))
        return self._compiled[key]


def new_coupon_code(prefix: str) -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I lookalikes
    return prefix + "".join(secrets.choice(alphabet) for _ in range(8))


def message_context(message: Message, coupon_code: str) -> dict:
    campaign = message.campaign
    return {
        "customer": message.customer,
        "occasion": message.occasion,
        "product": message.product,
        "asset": message.asset,
        "ticket": message.ticket,
        "offer": campaign.offer,
        "coupon_code": coupon_code,
        "site_url": settings.SITE_URL,
        "message": message,
    } | (survey_context(message) if message.trigger == "survey" else {})


def message_render(message: Message, cache: TemplateCache) -> Rendered:
    from care.content.email import email_finish

    locale = message.customer.locale
    template = cache.pick(message.campaign_id, message.channel, locale)
    if template is None:
        raise RenderError(f"no {message.channel} template")
    offer = message.campaign.offer
    code = new_coupon_code(offer.code_prefix) if offer else ""
    context = message_context(message, code)
    try:
        with translation.override(template.locale):
            body = cache.compiled(template, "body").render(
                Context(context, autoescape=False)
            )
            subject = cache.compiled(template, "subject").render(
                Context(context, autoescape=False)
            )
            html = cache.compiled(template, "html_body").render(Context(context))
    except (TemplateSyntaxError, AttributeError, TypeError, ValueError) as exc:
        raise RenderError(str(exc)) from exc
    if message.channel == "sms" and message.purpose == Purpose.MARKETING:
        body = with_opt_out(body, template.locale)
    if message.channel == "sms":
        # Smart quotes and the like would turn a GSM-7 text into costlier UCS-2.
        body = sms_normalize(body)
    if message.channel == "email":
        body, html = email_finish(message, body.strip(), html.strip(), template.locale)
    return Rendered(" ".join(subject.split()), body.strip(), html.strip(), code)
