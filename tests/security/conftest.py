"""Real staff users in the real role groups, logged in through the admin's login.

Never a superuser and never force_login: each test user is made by the same
service as `add_staff`, put in the groups of migration care 0010, and logs in
with a password through Django's authentication, so a missing permission in
a role shows up here as it would for a person.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from care.models import Campaign
from care.service.staff import staff_add

PASSWORD = "a long passphrase 4 tests"
NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def person(role: str, username: str = ""):
    result = staff_add(
        username=username or role,
        role=role,
        email=f"{username or role}@example.com",
        password=PASSWORD,
    )
    return result.user


def logged_in(user) -> Client:
    client = Client()
    assert client.login(username=user.get_username(), password=PASSWORD)
    return client


@pytest.fixture
def as_role(roles):
    """as_role("marketer") -> (user, client), logged in."""

    def make(role: str, username: str = ""):
        user = person(role, username)
        return user, logged_in(user)

    return make


def act(client: Client, action: str, campaign: Campaign):
    """Choose an action on the campaign list, as the admin's form does."""
    return client.post(
        reverse("admin:care_campaign_changelist"),
        {"action": action, "_selected_action": [campaign.pk]},
        follow=True,
    )


def campaign_change(client: Client, campaign: Campaign, sms_body: str = ""):
    """Save the campaign's change form as it is shown, with a new SMS text if given."""
    url = reverse("admin:care_campaign_change", args=[campaign.pk])
    page = client.get(url)
    if page.status_code != 200:
        return page
    form = page.context["adminform"].form
    data = {
        name: form[name].value()
        for name in form.fields
        if form[name].value() is not None
    }
    templates = list(campaign.templates.order_by("pk"))
    data |= {
        "templates-TOTAL_FORMS": str(len(templates)),
        "templates-INITIAL_FORMS": str(len(templates)),
    }
    for n, template in enumerate(templates):
        body = sms_body if sms_body and template.channel == "sms" else template.body
        data |= {
            f"templates-{n}-id": template.pk,
            f"templates-{n}-campaign": campaign.pk,
            f"templates-{n}-channel": template.channel,
            f"templates-{n}-locale": template.locale,
            f"templates-{n}-subject": template.subject,
            f"templates-{n}-body": body,
        }
    return client.post(url, data, follow=True)
