"""Templates see data, not objects: a marketer's template cannot read secrets.

Each attempt is rendered where a marketer would see the result (the admin's
preview, the content check) and where a customer would (a real send).
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import Group

from care.content.engine import ENGINE, RenderError, TemplateCache, message_render
from care.content.variables import NotPlain, context_build
from care.delivery.dispatch import messages_dispatch
from care.outreach.triggers import TRIGGERS, kind_context, variables_for
from care.outreach.validation import campaign_checks
from care.studio.preview import campaign_preview
from tests.factories import (
    CampaignFactory,
    CustomerFactory,
    MessageFactory,
    MessageTemplateFactory,
    consent,
)

ATTEMPTS = [
    "{{ message.campaign.approved_by.password }}",
    "{{ message.campaign.created_by.password }}",
    "{% for u in group.user_set.all %}{{ u.password }}{% endfor %}",
    "{{ customer.campaigns }}{{ offer.campaigns.all }}",
    "{{ ticket.customer.consents.all }}{{ asset.customer.orders.all }}",
    "{{ settings.SECRET_KEY }}{{ view.request.user.password }}{{ user.password }}",
    "{{ customer.objects.all }}{{ customer.save }}{{ customer.delete }}",
    "{% for k in customer %}{{ k }}={{ customer|default:'' }};{% endfor %}",
    "{{ offer.campaigns.first.approved_by.password }}",
]
BLOCKED_TAGS = [
    "{% debug %}",
    "{% load log %}{% get_admin_log 10 as log %}{{ log }}",
    "{% include 'admin/base_site.html' %}",
    "{% url 'admin:index' %}",
    "{% csrf_token %}",
    "{{ customer.__class__ }}",
    "{{ customer|pprint }}",
]

MORNING = dt.datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def secrets_around(django_user_model, settings):
    """A superuser who approved the campaign, and a group with a member."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    boss = django_user_model.objects.create_superuser("boss", "b@example.com", "x")
    Group.objects.get_or_create(name="managers")[0].user_set.add(boss)
    return boss


def campaign_with(body: str, boss):
    campaign = CampaignFactory(
        purpose="service", channels=["sms"], approved_by=boss, created_by=boss
    )
    MessageTemplateFactory(campaign=campaign, locale="en", subject="", body=body)
    return campaign


def leaked(text: str, boss) -> list[str]:
    secrets = {
        "password hash": boss.password,
        "hash algorithm": boss.password.split("$")[0] + "$",
        "secret key": settings.SECRET_KEY,
        "username": boss.username,
        "queryset": "QuerySet",
        "model": "<User",
        "manager": "Manager",
        "modules": "sys.modules",
    }
    return [name for name, secret in secrets.items() if secret and secret in text]


@pytest.mark.parametrize("body", ATTEMPTS)
def test_it_renders_attempts_to_reach_objects_as_nothing(db, secrets_around, body):
    campaign = campaign_with(f"Hi {body}", secrets_around)
    [(_channel, _locale, preview)] = campaign_preview(campaign)
    [check] = campaign_checks(campaign)
    assert leaked(preview, secrets_around) == []
    assert leaked(check.text + check.summary(), secrets_around) == []


@pytest.mark.parametrize("body", BLOCKED_TAGS)
def test_it_refuses_tags_that_reach_out(db, secrets_around, body):
    campaign = campaign_with(f"Hi {body}", secrets_around)
    [check] = campaign_checks(campaign)
    [(_channel, _locale, preview)] = campaign_preview(campaign)
    assert check.errors and "does not render" in check.errors[0]
    assert leaked(preview + check.summary(), secrets_around) == []


def test_a_real_send_carries_nothing_but_the_data(db, secrets_around, sms_outbox):
    campaign = campaign_with(
        " ".join(["Hi {{ customer.first_name }}", *ATTEMPTS]), secrets_around
    )
    customer = CustomerFactory(name="Alex Chen", locale="en")
    consent(customer, "sms", "service")
    # A Shanghai morning: at night the message would wait for the quiet hours.
    with time_machine.travel(MORNING, tick=False):
        message = MessageFactory(campaign=campaign, customer=customer)
        messages_dispatch()
    message.refresh_from_db()
    assert message.status == "sent" and message.body.startswith("Hi Alex")
    assert leaked(message.body, secrets_around) == []


@pytest.mark.parametrize("kind", sorted(TRIGGERS))
def test_every_kinds_context_holds_plain_values_only(db, kind):
    campaign = CampaignFactory(trigger=kind, purpose="service", channels=["sms"])
    MessageTemplateFactory(campaign=campaign, locale="en", body="x")
    message = MessageFactory(campaign=campaign, customer=CustomerFactory(locale="en"))
    values = kind_context(kind).values(message)
    names = {v.name for v in variables_for(kind)}
    context = context_build(values, names)  # raises NotPlain for an object
    assert set(values) <= names
    assert all(not hasattr(v, "_meta") for v in context.values())


def test_it_refuses_an_object_offered_as_a_variable(db):
    customer = CustomerFactory()
    with pytest.raises(NotPlain):
        context_build({"customer.name": customer}, {"customer.name"})


def test_an_object_from_a_kinds_hook_fails_the_render_instead_of_showing(db):
    campaign = CampaignFactory(purpose="service", channels=["sms"])
    MessageTemplateFactory(campaign=campaign, locale="en", body="{{ ticket.subject }}")
    message = MessageFactory(campaign=campaign, customer=CustomerFactory(locale="en"))
    kind = kind_context("survey")
    bad = type(kind)(kind.allowed, lambda m: {"ticket.subject": m.campaign})
    with pytest.raises(RenderError, match="not plain data"):
        message_render(message, TemplateCache({campaign.pk}), bad)


def test_the_sandbox_has_no_load_or_debug_tag():
    for source in ("{% load static %}", "{% debug %}", "{% extends 'x.html' %}"):
        with pytest.raises(Exception, match="Invalid block tag|not a registered"):
            ENGINE.from_string(source)
