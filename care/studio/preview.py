"""Preview and test send: a campaign's templates rendered for a sample customer.

The sample context of the campaign's trigger kind stands in for what only a
real send has (a survey's link, say); nothing is written.
"""

import copy
from dataclasses import dataclass

from django.core.mail import send_mail

from care.content.checks import sample_message
from care.content.engine import RenderError, TemplateCache, message_render
from care.content.lint import template_problems
from care.content.sms import sms_info
from care.models import Campaign, Message, MessageTemplate
from care.outreach.campaigns import audience_customers
from care.outreach.triggers import kind_sample_context, variables_for
from crm.models import Customer


def campaign_preview(campaign: Campaign) -> list[tuple[str, str, str]]:
    """Render each template of a campaign for a sample customer: (channel, locale, text)."""
    try:
        sample = audience_customers(campaign).first()
    except Exception:  # an audience the database cannot answer: a made-up customer
        sample = None
    cache = TemplateCache({campaign.pk})
    sample_values = kind_sample_context(campaign.trigger)
    lines = []
    for template in campaign.templates.order_by("channel", "locale"):
        message = sample_message(campaign, template, name=sample.name if sample else "")
        try:
            rendered = message_render(message, cache, sample_values)
            text = " — ".join(
                part for part in (rendered.subject, rendered.body) if part
            )
        except RenderError as exc:
            text = f"cannot render: {exc}"
        lines.append((template.channel, template.locale, text))
    return lines


def campaign_test_send(*, campaign: Campaign, email: str) -> None:
    """Email the campaign's templates, rendered for a sample customer, to a colleague.

    Goes straight through Django's email framework, not the outbox: a test is
    not a message to a customer and must not count against any rule.
    """
    lines = campaign_preview(campaign)
    body = "\n\n".join(
        f"[{channel} / {locale}]\n{text}" for channel, locale, text in lines
    )
    send_mail(f"[test] {campaign.name}", body or "(no templates)", None, [email])


@dataclass(frozen=True)
class LivePreview:
    """One template as the chosen customer would get it, or why it cannot go."""

    channel: str
    locale: str
    subject: str = ""
    body: str = ""
    encoding: str = ""
    length: int = 0
    segments: int = 0
    problems: tuple[str, ...] = ()


def preview_customer(customer: Customer | None, locale: str) -> Customer:
    """The chosen customer read in the template's language (a made-up one without)."""
    if customer is None:
        return Customer(
            name="王芳" if locale == "zh-hans" else "Alex Chen", locale=locale
        )
    reader = copy.copy(customer)
    reader.locale = locale
    return reader


def live_preview(
    campaign: Campaign,
    templates: list[MessageTemplate],
    customer: Customer | None,
) -> list[LivePreview]:
    """Render unsaved templates of an unsaved campaign, each in its own language.

    What the editor shows while the marketer types: nothing is read but the
    customer, nothing is written.
    """
    kind = kind_sample_context(campaign.trigger)
    allowed = {variable.name for variable in variables_for(campaign.trigger)}
    cache = TemplateCache(set(), templates)
    return [
        _one_preview(campaign, t, customer, cache, kind, allowed) for t in templates
    ]


def _one_preview(campaign, template, customer, cache, kind, allowed) -> LivePreview:
    problems = [
        f"{part}: {problem}"
        for part in ("subject", "body", "html_body")
        for problem in template_problems(getattr(template, part), allowed)
    ]
    if problems:
        return LivePreview(template.channel, template.locale, problems=tuple(problems))
    message = Message(
        campaign=campaign,
        customer=preview_customer(customer, template.locale),
        channel=template.channel,
        purpose=campaign.purpose,
        trigger=campaign.trigger,
        occasion={},
    )
    try:
        rendered = message_render(message, cache, kind)
    except Exception as exc:  # RenderError or any template failure: shown, never a 500
        return LivePreview(template.channel, template.locale, problems=(str(exc),))
    info = sms_info(rendered.body) if template.channel == "sms" else None
    return LivePreview(
        template.channel,
        template.locale,
        subject=rendered.subject,
        body=rendered.body,
        encoding=info.encoding if info else "",
        length=info.length if info else len(rendered.body),
        segments=info.segments if info else 0,
    )
