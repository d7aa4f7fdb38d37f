"""The campaign studio's JSON endpoints (interfaces only) and the page's context.

- audience-count: how many customers the audience choices on the screen select;
- customers: the customers a marketer means by a search (name, phone, id);
- preview: the templates on the screen rendered for the chosen customer, each
  in its language, with SMS encoding, length and segments, or the problems;
- <id>/test-send/: one saved template through the real channel (care.studio.test_send).
Each answers JSON; bad input gets a 400 naming the problem, never a 500.
"""

from django.core.exceptions import ValidationError
from django.http import HttpRequest, JsonResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from care.admin.campaigns.forms import AudienceForm
from care.models import Campaign, MessageTemplate, Offer
from care.outreach.triggers import TRIGGERS, audience_q, variables_for
from care.studio.preview import live_preview
from care.studio.test_send import TestTarget, staff_target, test_send
from crm.admin.search import search_customers
from crm.models import Channel, Customer, Locale

SEARCH_LIMIT = 10


def urls(model_admin) -> list:
    wrap = model_admin.admin_site.admin_view

    def guarded(view, allowed):
        def inner(request, *args, **kwargs):
            if not allowed(request):
                return JsonResponse({"error": _("Not allowed.")}, status=403)
            return view(request, *args, **kwargs)

        return wrap(inner)

    viewer = model_admin.has_view_or_change_permission
    operator = model_admin.has_operate_permission
    return [
        path(
            "studio/audience-count/",
            guarded(audience_count, viewer),
            name="care_campaign_audience_count",
        ),
        path(
            "studio/customers/",
            guarded(customer_search, viewer),
            name="care_campaign_customer_search",
        ),
        path("studio/preview/", guarded(preview, viewer), name="care_campaign_preview"),
        path(
            "<int:campaign_id>/test-send/",
            guarded(test_send_view, operator),
            name="care_campaign_test_send",
        ),
    ]


def _bad(message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=400)


@require_GET
def audience_count(request: HttpRequest) -> JsonResponse:
    form = AudienceForm(request.GET)
    if not form.is_valid():
        errors = "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
        return _bad(errors)
    count = Customer.objects.filter(audience_q(form.audience())).count()
    return JsonResponse({"count": count, "text": f"{count:,}"})


def _customer_label(customer: Customer) -> str:
    # Marketers do not read customer records: the phone shows its last digits only.
    phone = f"···{customer.phone[-4:]}" if customer.phone else ""
    parts = [customer.name or "-", phone, customer.external_id, customer.locale]
    return " · ".join(part for part in parts if part)


@require_GET
def customer_search(request: HttpRequest) -> JsonResponse:
    term = request.GET.get("q", "").strip()
    found = (
        search_customers(Customer.objects.all(), term)[:SEARCH_LIMIT] if term else []
    )
    return JsonResponse(
        {
            "results": [
                {"id": c.pk, "label": _customer_label(c), "locale": c.locale}
                for c in found
            ]
        }
    )


def _posted_templates(data, campaign: Campaign) -> list[MessageTemplate]:
    total_text = str(data.get("templates-TOTAL_FORMS") or "0")
    total = int(total_text) if total_text.isdigit() else 0
    templates = []
    for n in range(min(total, 50)):
        prefix = f"templates-{n}-"
        channel, locale = data.get(prefix + "channel"), data.get(prefix + "locale")
        if data.get(prefix + "DELETE") or channel not in Channel.values:
            continue
        if locale not in Locale.values:
            continue
        templates.append(
            MessageTemplate(
                campaign=campaign,
                channel=channel,
                locale=locale,
                subject=data.get(prefix + "subject", ""),
                body=data.get(prefix + "body", ""),
                html_body=data.get(prefix + "html_body", ""),
            )
        )
    return templates


def _posted_campaign(data) -> Campaign:
    trigger = data.get("trigger")
    if trigger not in TRIGGERS:
        raise ValidationError(_("Choose a trigger first."))
    offer = (
        Offer.objects.filter(pk=data.get("offer") or None).first()
        if str(data.get("offer") or "").isdigit()
        else None
    )
    return Campaign(
        trigger=trigger, purpose=data.get("purpose") or "marketing", offer=offer
    )


def _customer(value) -> Customer | None:
    return (
        Customer.objects.filter(pk=int(value)).first()
        if str(value or "").isdigit()
        else None
    )


@require_POST
def preview(request: HttpRequest) -> JsonResponse:
    try:
        campaign = _posted_campaign(request.POST)
    except ValidationError as exc:
        return _bad(" ".join(exc.messages))
    templates = _posted_templates(request.POST, campaign)
    customer = _customer(request.POST.get("studio_customer"))
    rows = live_preview(campaign, templates, customer)
    return JsonResponse(
        {"previews": [row.__dict__ | {"problems": list(row.problems)} for row in rows]}
    )


@require_POST
def test_send_view(request: HttpRequest, campaign_id: int) -> JsonResponse:
    campaign = Campaign.objects.filter(pk=campaign_id).select_related("offer").first()
    if campaign is None:
        return JsonResponse({"error": _("No such campaign.")}, status=404)
    channel, locale = request.POST.get("channel"), request.POST.get("locale")
    if channel not in Channel.values or locale not in Locale.values:
        return _bad(_("Give a channel (sms, email) and a language (en, zh-hans)."))
    customer = _customer(request.POST.get("customer"))
    if customer is None:
        return _bad(_("Choose the customer to preview as first."))
    to_me = request.POST.get("to") != "customer"
    target = staff_target(request.user) if to_me else TestTarget(False)
    try:
        message = test_send(
            campaign=campaign,
            customer=customer,
            channel=channel,
            locale=locale,
            target=target,
        )
    except ValidationError as exc:
        return _bad(" ".join(exc.messages))
    return JsonResponse(
        {
            "status": message.status,
            "recipient": message.recipient,
            "detail": message.reason_detail,
            "message_url": reverse("admin:care_message_change", args=[message.pk]),
        },
        status=200 if message.status == "sent" else 502,
    )


def page_context(request: HttpRequest, campaign: Campaign | None) -> dict:
    """What the change form's studio panel needs (variables per trigger, addresses)."""
    target = staff_target(request.user)
    return {
        "studio_variables": {
            kind: [
                {"name": v.name, "description": str(v.description)}
                for v in variables_for(kind)
            ]
            for kind in TRIGGERS
        },
        "studio_labels": {
            "copy": _("Click to copy"),
            "subject": _("Subject"),
            "chars": _("characters"),
            "segments": _("segment(s)"),
            "to_me": _("Send test to me"),
            "to_customer": _("Send test to this customer"),
            "save_first": _("Save the campaign to send a test."),
            "no_templates": _("Add a template: it is rendered here as you type."),
            "sending": _("Sending the test..."),
            "test_result": _("Test %(status)s to %(to)s."),
        },
        "studio_campaign_id": campaign.pk if campaign is not None else None,
        "studio_my_phone": target.phone,
        "studio_my_email": target.email,
    }
