"""Preview and test send: a campaign's templates rendered for a sample customer.

The sample context of the campaign's trigger kind stands in for what only a
real send has (a survey's link, say); nothing is written.
"""

from django.core.mail import send_mail

from care.content.checks import sample_message
from care.content.engine import RenderError, TemplateCache, message_render
from care.models import Campaign
from care.outreach.campaigns import audience_customers
from care.outreach.triggers import kind_sample_context


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
