"""Content checks run before a campaign can be submitted or activated.

Each template is rendered for a sample customer exactly as dispatch renders
it (opt-out line appended, look-alike characters replaced), with the sample
values of the campaign's trigger kind given by the caller
(care.outreach.validation). SMS: the encoding
and segment count are reported; too many segments, or a marketing text
without the opt-out line, is refused. A template that does not render is
refused with the error.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

from care.content.engine import TemplateCache, message_render
from care.content.sms import SmsInfo, needless_ucs2, sms_info
from care.content.variables import KindContext
from care.models import Campaign, Message, MessageTemplate
from care.rules import OPT_OUT_TEXT
from crm.models import Channel, Customer, Locale, Purpose


@dataclass
class TemplateCheck:
    template: MessageTemplate
    text: str = ""
    info: SmsInfo | None = None
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [str(self.info)] if self.info else []
        return "; ".join(parts + self.notes + self.errors) or "-"


def sample_message(
    campaign: Campaign, template: MessageTemplate, *, name: str = ""
) -> Message:
    """An unsaved message of the campaign for a made-up customer, to render a template.

    The occasion, product, asset and ticket are the kind's sample values.
    """
    customer = Customer(
        name=name or ("王芳" if template.locale == "zh-hans" else "Alex Chen"),
        locale=template.locale,
        phone="+8613800000000",
        email="sample@example.com",
    )
    return Message(
        campaign=campaign,
        customer=customer,
        channel=template.channel,
        purpose=campaign.purpose,
        trigger=campaign.trigger,
        occasion={},
    )


def template_check(
    template: MessageTemplate, cache: TemplateCache, sample: KindContext
) -> TemplateCheck:
    """Render the template for a sample customer; note its SMS size, list what blocks it."""
    campaign = template.campaign
    check = TemplateCheck(template)
    message = sample_message(campaign, template)
    try:
        rendered = message_render(message, cache, sample)
    except Exception as exc:  # RenderError or any other failure: refused, never a 500
        check.errors.append(_("does not render: %(error)s") % {"error": exc})
        return check
    check.text = rendered.body
    if template.channel == "sms":
        _sms_checks(check, campaign, template, rendered.body)
    elif not rendered.subject:
        check.errors.append(_("an email needs a subject"))
    return check


def _sms_checks(
    check: TemplateCheck, campaign: Campaign, template: MessageTemplate, body: str
) -> None:
    check.info = sms_info(body)
    replaced = needless_ucs2(template.body)
    if replaced:
        names = " ".join(f"U+{ord(ch):04X}" for ch in replaced)
        check.notes.append(_("replaced to stay GSM-7: %(chars)s") % {"chars": names})
    limit = settings.SMS_MAX_SEGMENTS
    if limit and check.info.segments > limit:
        check.errors.append(
            _("%(n)d segments, more than the %(limit)d allowed")
            % {"n": check.info.segments, "limit": limit}
        )
    opt_out = OPT_OUT_TEXT.get(template.locale, OPT_OUT_TEXT["en"])
    if campaign.purpose == Purpose.MARKETING and opt_out not in body:
        check.errors.append(_("marketing SMS without the opt-out text"))


def campaign_checks(campaign: Campaign, sample: KindContext) -> list[TemplateCheck]:
    cache = TemplateCache({campaign.pk})
    templates = campaign.templates.select_related("campaign").order_by(
        "channel", "locale"
    )
    return [template_check(t, cache, sample) for t in templates]


def audience_locales(audience: dict) -> list[str]:
    """The languages an audience may contain: those it chooses, else every one we write in."""
    chosen = [x for x in (audience or {}).get("locales") or [] if x in Locale.values]
    return chosen or list(Locale.values)


def missing_templates(
    channels: list[str], locales: list[str], present: set[tuple[str, str]]
) -> list[str]:
    """One line per (channel, language) of the campaign without a template."""
    return [
        _(
            "No %(channel)s template in %(language)s, a language of the audience: "
            "add one, or choose the audience's languages."
        )
        % {"channel": Channel(channel).label, "language": Locale(locale).label}
        for channel in channels
        if channel in Channel.values
        for locale in locales
        if (channel, locale) not in present
    ]


def campaign_content_errors(campaign: Campaign, sample: KindContext) -> list[str]:
    """One line per problem, naming the template; empty when all is well.

    A missing language is refused where the campaign is edited (the admin's
    templates inline), not here: a message to a customer whose language has no
    template falls back to English, then Chinese (care.content.engine).
    """
    return [
        f"{check.template.channel}/{check.template.locale}: {error}"
        for check in campaign_checks(campaign, sample)
        for error in check.errors
    ]
