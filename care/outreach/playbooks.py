"""The standard campaigns (playbooks), installed idempotently by `install_playbooks`.

Copy is data: one entry per campaign, with templates per (channel, locale).
Installing creates what is missing and never overwrites a marketer's edits.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from audit.models import Action
from care.models import Campaign, CampaignStatus, MessageTemplate, Offer
from care.outreach.approval import campaign_audit, campaign_content_hash
from care.outreach.validation import campaign_validate

SMS, EMAIL = "sms", "email"
EN, ZH = "en", "zh-hans"

BIRTHDAY_OFFER = {
    "name": gettext_noop("Birthday gift 20% off"),
    "description": "20% off",
    "description_zh_hans": "八折",
    "code_prefix": "BDAY",
    "valid_days": 30,
}
WIN_BACK_OFFER = {
    "name": gettext_noop("Win-back 15% off"),
    "description": "15% off",
    "description_zh_hans": "八五折",
    "code_prefix": "BACK",
    "valid_days": 30,
}

GOODWILL_OFFER = {
    "name": gettext_noop("Service recovery goodwill 20% off"),
    "description": "20% off",
    "description_zh_hans": "八折",
    "code_prefix": "SORRY",
    "valid_days": 60,
}

PLAYBOOKS: list[dict] = [
    {
        "slug": "birthday-gift",
        "name": gettext_noop("Birthday gift"),
        "trigger": "birthday",
        "purpose": "marketing",
        # Any other birthday campaign joins this group: one birthday message each.
        "conflict_group": "birthday",
        "channels": [SMS, EMAIL],
        "offer": BIRTHDAY_OFFER,
        "templates": {
            (SMS, EN): (
                "",
                "Happy early birthday, {{ customer.name }}! Your gift from us: 20% off "
                "your next order with code {{ coupon_code }} (valid 30 days)."
                " Shop: {% link %}",
            ),
            (SMS, ZH): (
                "",
                "{{ customer.name }}，提前祝您生日快乐！送您一份生日礼：下单享八折，"
                "优惠码 {{ coupon_code }}，30天内有效。"
                "选购：{% link %}",
            ),
            (EMAIL, EN): (
                "A birthday gift for you, {{ customer.name }}",
                "Dear {{ customer.name }},\n\nYour birthday is coming up and we would like "
                "to celebrate with you. Enjoy 20% off your next order with the code "
                "{{ coupon_code }}, valid for 30 days.\n\nHappy birthday!"
                "\n\nShop now: {% link %}",
            ),
            (EMAIL, ZH): (
                "{{ customer.name }}，送您一份生日礼物",
                "亲爱的{{ customer.name }}：\n\n您的生日快到了，我们想和您一起庆祝。"
                "下单即享八折，优惠码 {{ coupon_code }}，30天内有效。\n\n祝您生日快乐！"
                "\n\n立即选购：{% link %}",
            ),
        },
    },
    {
        "slug": "maintenance-reminder",
        "name": gettext_noop("Maintenance reminder"),
        "trigger": "maintenance",
        "purpose": "service",
        "channels": [SMS, EMAIL],
        "templates": {
            (SMS, EN): (
                "",
                "Hi {{ customer.name }}, your {{ asset.name }} is due for service on "
                "{{ occasion.due_on }}. Reply to this message to book a time that suits you.",
            ),
            (SMS, ZH): (
                "",
                "{{ customer.name }}您好，您的{{ asset.name }}将于{{ occasion.due_on }}"
                "到期保养。回复本短信即可预约您方便的时间。",
            ),
            (EMAIL, EN): (
                "Your {{ asset.name }} is due for service",
                "Hi {{ customer.name }},\n\nYour {{ asset.name }} is due for its regular "
                "service on {{ occasion.due_on }}. Regular service keeps it safe and "
                "running well. Reply to this email to book a time that suits you.",
            ),
            (EMAIL, ZH): (
                "您的{{ asset.name }}即将到期保养",
                "{{ customer.name }}您好：\n\n您的{{ asset.name }}将于{{ occasion.due_on }}"
                "到期保养。按时保养更安全、更耐用。回复本邮件即可预约您方便的时间。",
            ),
        },
    },
    {
        "slug": "abandoned-browse",
        "name": gettext_noop("Abandoned browse"),
        "trigger": "abandoned_browse",
        "purpose": "marketing",
        "channels": [SMS, EMAIL],
        "templates": {
            (SMS, EN): (
                "",
                "Still thinking about {{ product.name }}, {{ customer.name }}? "
                "Questions about it? Just reply and we will help."
                " Shop: {% link %}",
            ),
            (SMS, ZH): (
                "",
                "{{ customer.name }}，还在考虑{{ product.name }}吗？"
                "有任何问题，直接回复，我们随时为您解答。"
                "选购：{% link %}",
            ),
            (EMAIL, EN): (
                "Still thinking about {{ product.name }}?",
                "Hi {{ customer.name }},\n\nWe noticed you looked at {{ product.name }} "
                "a few times. If you have any questions about it, reply to this email "
                "and we will be glad to help."
                "\n\nShop now: {% link %}",
            ),
            (EMAIL, ZH): (
                "还在考虑{{ product.name }}吗？",
                "{{ customer.name }}您好：\n\n您最近几次浏览了{{ product.name }}。"
                "如有任何疑问，回复本邮件，我们很乐意为您解答。"
                "\n\n立即选购：{% link %}",
            ),
        },
    },
    {
        "slug": "post-service-survey",
        "name": gettext_noop("Post-service survey"),
        "trigger": "survey",
        "purpose": "service",
        "channels": [SMS, EMAIL],
        # survey_url: the customer's own link (/s/<token>); survey_yesterday:
        # quiet hours held the survey over to the next morning.
        "templates": {
            (SMS, EN): (
                "",
                "{% if survey_yesterday %}About your service yesterday "
                '("{{ ticket.subject }}"): {% else %}Thanks for contacting us about '
                '"{{ ticket.subject }}". {% endif %}How did we do? Reply 1 (poor) to '
                "5 (excellent), or answer here: {{ survey_url }}",
            ),
            (SMS, ZH): (
                "",
                "{% if survey_yesterday %}关于您昨天的服务（“{{ ticket.subject }}”）："
                "{% else %}感谢您就“{{ ticket.subject }}”联系我们。{% endif %}"
                "请回复1（很差）至5（很好）为本次服务打分，或点击填写问卷：{{ survey_url }}",
            ),
            (EMAIL, EN): (
                "How did we do?",
                "Hi {{ customer.name }},\n\n{% if survey_yesterday %}About your "
                'service yesterday ("{{ ticket.subject }}"){% else %}Thanks for '
                'contacting us about "{{ ticket.subject }}"{% endif %}. How did we do? '
                "Two quick questions, one minute: {{ survey_url }}\n\n"
                "Every answer is read.",
            ),
            (EMAIL, ZH): (
                "请为本次服务打分",
                "{{ customer.name }}您好：\n\n{% if survey_yesterday %}关于您昨天的服务"
                "（“{{ ticket.subject }}”）{% else %}感谢您就“{{ ticket.subject }}”"
                "联系我们{% endif %}。请花一分钟为本次服务打分：{{ survey_url }}\n\n"
                "每一条回复我们都会认真阅读。",
            ),
        },
    },
    {
        "slug": "win-back",
        "name": gettext_noop("Win-back"),
        "trigger": "win_back",
        "purpose": "marketing",
        "channels": [SMS, EMAIL],
        "offer": WIN_BACK_OFFER,
        "templates": {
            (SMS, EN): (
                "",
                "We miss you, {{ customer.name }}! Here is 15% off your next order: "
                "code {{ coupon_code }}, valid 30 days."
                " Shop: {% link %}",
            ),
            (SMS, ZH): (
                "",
                "{{ customer.name }}，好久不见，甚是想念！下次购物享八五折，"
                "优惠码 {{ coupon_code }}，30天内有效。"
                "选购：{% link %}",
            ),
            (EMAIL, EN): (
                "We miss you, {{ customer.name }}",
                "Hi {{ customer.name }},\n\nIt has been a while. As a thank-you for "
                "being our customer, here is 15% off your next order with the code "
                "{{ coupon_code }}, valid for 30 days."
                "\n\nShop now: {% link %}",
            ),
            (EMAIL, ZH): (
                "{{ customer.name }}，好久不见",
                "{{ customer.name }}您好：\n\n好久不见！感谢您一直以来的支持，"
                "下次购物享八五折，优惠码 {{ coupon_code }}，30天内有效。"
                "\n\n立即选购：{% link %}",
            ),
        },
    },
    {
        "slug": "new-product",
        "name": gettext_noop("New product for past buyers"),
        "trigger": "new_product",
        "purpose": "marketing",
        "channels": [EMAIL, SMS],
        "templates": {
            (SMS, EN): (
                "",
                "New in {{ product.category }}: {{ product.name }}. "
                "As a valued customer you are among the first to know."
                " Shop: {% link %}",
            ),
            (SMS, ZH): (
                "",
                "{{ product.category }}新品上市：{{ product.name }}。"
                "作为老朋友，您最先知道。"
                "选购：{% link %}",
            ),
            (EMAIL, EN): (
                "New: {{ product.name }}",
                "Hi {{ customer.name }},\n\nYou bought from our {{ product.category }} "
                "range before, so we wanted you to be among the first to know: "
                "{{ product.name }} is now available."
                "\n\nShop now: {% link %}",
            ),
            (EMAIL, ZH): (
                "新品上市：{{ product.name }}",
                "{{ customer.name }}您好：\n\n您曾购买过我们的{{ product.category }}"
                "产品，特此第一时间告诉您：{{ product.name }}现已上市。"
                "\n\n立即选购：{% link %}",
            ),
        },
    },
]


def _dated(slug: str, name: str, date: str, en: str, zh: str) -> dict:
    return {
        "slug": slug,
        "name": name,
        "trigger": "dated",
        "purpose": "marketing",
        "channels": [SMS, EMAIL],
        "params": {"date": date, "time": "10:00"},
        "templates": {
            (SMS, EN): ("", f"{en}, {{{{ customer.name }}}}!"),
            (SMS, ZH): ("", f"{{{{ customer.name }}}}，{zh}！"),
            (EMAIL, EN): (en, f"Dear {{{{ customer.name }}}},\n\n{en} from all of us!"),
            (EMAIL, ZH): (zh, f"亲爱的{{{{ customer.name }}}}：\n\n{zh}！"),
        },
    }


PLAYBOOKS += [
    {
        # Sent only when a manager approves a goodwill coupon on a recovery case.
        "slug": "service-recovery-goodwill",
        "name": gettext_noop("Service recovery goodwill coupon"),
        "trigger": "goodwill",
        "purpose": "service",
        "channels": [SMS, EMAIL],
        "offer": GOODWILL_OFFER,
        "templates": {
            (SMS, EN): (
                "",
                "{{ customer.name }}, we are sorry your recent experience fell short. "
                "Please accept 20% off your next order: code {{ coupon_code }} "
                "(valid 60 days).",
            ),
            (SMS, ZH): (
                "",
                "{{ customer.name }}，很抱歉此前的服务没有让您满意。送您一张八折券，"
                "优惠码 {{ coupon_code }}，60天内有效。",
            ),
            (EMAIL, EN): (
                "We are sorry, {{ customer.name }}",
                "Dear {{ customer.name }},\n\nWe are sorry your recent experience "
                "with us fell short. As an apology, please accept 20% off your next "
                "order with the code {{ coupon_code }}, valid for 60 days.",
            ),
            (EMAIL, ZH): (
                "{{ customer.name }}，向您致歉",
                "亲爱的{{ customer.name }}：\n\n很抱歉此前的服务没有让您满意。"
                "为表歉意，送您一张八折券，优惠码 {{ coupon_code }}，60天内有效。",
            ),
        },
    },
    _dated(
        "spring-festival-2027",
        gettext_noop("Spring Festival greeting 2027"),
        "2027-02-06",
        "Happy Spring Festival",
        "新春快乐，万事如意",
    ),
    _dated(
        "mid-autumn-2027",
        gettext_noop("Mid-Autumn greeting 2027"),
        "2027-09-15",
        "Happy Mid-Autumn Festival",
        "中秋快乐，阖家团圆",
    ),
]


@dataclass
class PlaybookResult:
    created: list[str] = field(default_factory=list)
    activated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def _offer(spec: dict | None) -> Offer | None:
    if spec is None:
        return None
    offer, _ = Offer.objects.get_or_create(name=spec["name"], defaults=spec)
    return offer


def _install(playbook: dict) -> tuple[Campaign, bool]:
    campaign = Campaign.objects.filter(slug=playbook["slug"]).first()
    if campaign is not None:
        return campaign, False
    campaign = Campaign(
        slug=playbook["slug"],
        name=playbook["name"],
        trigger=playbook["trigger"],
        purpose=playbook["purpose"],
        channels=playbook["channels"],
        params=playbook.get("params", {}),
        offer=_offer(playbook.get("offer")),
        conflict_group=playbook.get("conflict_group", ""),
    )
    campaign_validate(campaign=campaign)
    campaign.save()
    for (channel, locale), (subject, body) in playbook["templates"].items():
        MessageTemplate.objects.create(
            campaign=campaign,
            channel=channel,
            locale=locale,
            subject=subject,
            body=body,
        )
    return campaign, True


@transaction.atomic
def playbooks_install(*, activate: bool = False) -> PlaybookResult:
    """Create missing playbook campaigns; with activate, start drafts (not paused/archived ones)."""
    result = PlaybookResult()
    for playbook in PLAYBOOKS:
        campaign, created = _install(playbook)
        (result.created if created else result.unchanged).append(campaign.slug)
        if activate and campaign.status in (
            CampaignStatus.DRAFT,
            CampaignStatus.AWAITING_APPROVAL,
        ):
            _activate(campaign)
            result.activated.append(campaign.slug)
    return result


def _activate(campaign: Campaign) -> None:
    """The operator who runs `install_playbooks --activate` approves the shipped copy.

    The approval is bound to the content like any other: an edit later needs
    a manager's approval.
    """
    campaign.status = CampaignStatus.ACTIVE
    campaign.approved_by, campaign.approved_at = None, timezone.now()
    campaign.approved_hash = campaign_content_hash(campaign)
    campaign.save(
        update_fields=[
            "status",
            "approved_by",
            "approved_at",
            "approved_hash",
            "updated_at",
        ]
    )
    campaign_audit(campaign, Action.CAMPAIGN_APPROVE, content=campaign.approved_hash)
