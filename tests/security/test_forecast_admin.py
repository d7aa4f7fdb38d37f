"""The forecast page, as each role (issue 10): marketers and managers see it."""

import datetime as dt

import pytest
from django.urls import reverse

from care.models import CampaignStatus, Message
from tests.factories import CustomerFactory, campaign_with_templates, consent
from tests.security.conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(frozen):
    campaign = campaign_with_templates(
        name="Birthday", status=CampaignStatus.DRAFT, channels=["sms"]
    )
    for born in ((11, 25), (11, 26), (12, 1)):
        customer = CustomerFactory(birthday=dt.date(1990, *born), name=f"B{born[1]}")
        consent(customer, "sms", at=NOW - dt.timedelta(days=10))
    CustomerFactory(birthday=dt.date(1990, 11, 25), name="No consent")
    return campaign


def url(campaign, **query) -> str:
    base = reverse("admin:care_campaign_forecast", args=[campaign.pk])
    return base + (
        "?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""
    )


@pytest.mark.parametrize("role", ["marketer", "manager"])
def test_marketers_and_managers_see_the_forecast(as_role, campaign, role):
    _, client = as_role(role)
    page = client.get(url(campaign))
    assert page.status_code == 200
    text = page.content.decode()
    assert "3 messages would be sent in the next 14 days" in text
    assert "No consent for this channel and purpose" in text
    assert 'class="fill"' in text and "cdn" not in text.lower()
    assert Message.objects.count() == 0


def test_the_change_page_links_to_it(as_role, campaign):
    _, client = as_role("marketer")
    page = client.get(reverse("admin:care_campaign_change", args=[campaign.pk]))
    assert url(campaign) in page.content.decode()


def test_care_staff_may_not(as_role, campaign):
    _, client = as_role("care")
    assert client.get(url(campaign)).status_code == 403


def test_it_downloads_every_line_as_csv(as_role, campaign):
    _, client = as_role("marketer")
    response = client.get(url(campaign, format="csv"))
    assert response.status_code == 200
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0].startswith("customer,name,language,channel,when,outcome")
    assert len(lines) == 1 + 4
    assert sum(",no_consent," in line for line in lines) == 1


def test_an_unknown_format_is_a_clear_400(as_role, campaign):
    _, client = as_role("marketer")
    response = client.get(url(campaign, format="pdf"))
    assert response.status_code == 400
    assert b"format must be html or csv" in response.content


def test_in_chinese(as_role, campaign):
    _, client = as_role("manager")
    page = client.get(url(campaign), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "预测" in page.content.decode()


def test_submitted_by_a_marketer_then_approved_by_a_manager_from_it(as_role, campaign):
    _, marketer = as_role("marketer")
    marketer.post(url(campaign), {"action": "submit"})
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.AWAITING_APPROVAL
    refused = marketer.post(url(campaign), {"action": "approve"}, follow=True)
    assert "permission to approve" in refused.content.decode()
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.AWAITING_APPROVAL
    _, manager = as_role("manager")
    page = manager.get(url(campaign))
    assert "Approve and activate" in page.content.decode()
    manager.post(url(campaign), {"action": "approve"})
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.ACTIVE


def test_a_marketer_sets_the_conflict_group_and_priority(as_role, campaign):
    _, client = as_role("marketer")
    page = client.get(reverse("admin:care_campaign_change", args=[campaign.pk]))
    text = page.content.decode()
    assert 'name="conflict_group"' in text and 'name="priority"' in text


def test_settings_the_sweep_cannot_use_are_named_not_a_500(as_role, campaign):
    campaign.trigger, campaign.params = "dated", {"date": "13-45", "time": "10:00"}
    campaign.save()
    _, client = as_role("marketer")
    page = client.get(url(campaign), follow=True)
    assert page.status_code == 200
    assert "This campaign cannot be forecast" in page.content.decode()


@pytest.mark.parametrize(
    ("language", "banner", "button"),
    [
        ("en", "Estimated from a sample.", "Download the sample's lines (CSV)"),
        ("zh-hans", "基于样本的估算。", "下载样本明细（CSV）"),
    ],
)
def test_a_large_forecast_says_it_is_estimated_from_a_sample(
    as_role, campaign, settings, language, banner, button
):
    settings.FORECAST_SAMPLE = 2  # four messages are due
    _, client = as_role("manager")
    page = client.get(url(campaign), HTTP_ACCEPT_LANGUAGE=language)
    text = page.content.decode()
    assert page.status_code == 200
    assert banner in text and button in text
    assert "4" in text.split(banner, 1)[1].split("</p>", 1)[0]  # of 4 due
    lines = b"".join(client.get(url(campaign, format="csv")).streaming_content)
    assert len(lines.decode().splitlines()) - 1 < 4  # the sample's lines only


def test_a_small_forecast_is_not_estimated(as_role, campaign):
    _, client = as_role("marketer")
    text = client.get(url(campaign)).content.decode()
    assert "Estimated from a sample" not in text
    assert "Download every line (CSV)" in text
