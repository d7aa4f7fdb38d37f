import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from care.models import Campaign
from tests.factories import (
    CustomerFactory,
    MessageFactory,
    approved,
    campaign_with_templates,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def marketer(client):
    user = get_user_model().objects.create_superuser("marketer", "m@example.com", "pw")
    client.force_login(user)
    return user


@pytest.fixture
def approver():
    return get_user_model().objects.create_superuser("approver", "a@example.com", "pw")


def act(client, action: str, campaign: Campaign):
    url = reverse("admin:care_campaign_changelist")
    return client.post(
        url, {"action": action, "_selected_action": [campaign.pk]}, follow=True
    )


def test_the_campaign_pages_render(client, marketer):
    campaign = campaign_with_templates(trigger="maintenance", purpose="service")
    MessageFactory(campaign=campaign)
    assert client.get(reverse("admin:care_campaign_changelist")).status_code == 200
    page = client.get(reverse("admin:care_campaign_change", args=[campaign.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    # Every trigger's settings are on the page, each with its default or value.
    assert 'name="maintenance__days_ahead" value="3"' in html
    assert 'name="abandoned_browse__min_days" value="3"' in html
    assert "studio-variables-data" in html and "asset.name" in html
    assert "planned 1, sent 0" in html
    assert reverse("admin:care_campaign_results", args=[campaign.pk]) in html
    assert client.get(reverse("admin:care_campaign_add")).status_code == 200


def test_a_new_campaign_records_its_creator_and_rejects_bad_settings(client, marketer):
    data = {
        "name": "Spring",
        "slug": "spring",
        "trigger": "dated",
        "purpose": "marketing",
        "channel_1": "sms",
        "locales": ["en"],
        "dated__date": "13-45",
        "dated__time": "10:00",
        "templates-TOTAL_FORMS": "1",
        "templates-INITIAL_FORMS": "0",
        "templates-0-channel": "sms",
        "templates-0-locale": "en",
        "templates-0-body": "Spring is here {{ customer.first_name }}",
    }
    page = client.post(reverse("admin:care_campaign_add"), data)
    assert page.status_code == 200 and "date must be" in page.content.decode()
    data["dated__date"] = "02-06"
    client.post(reverse("admin:care_campaign_add"), data)
    assert Campaign.objects.get(slug="spring").created_by == marketer


def test_the_creator_cannot_approve_their_own_campaign(client, marketer):
    campaign = campaign_with_templates(status="draft", created_by=marketer)
    act(client, "submit_for_approval", campaign)
    page = act(client, "approve", campaign)
    campaign.refresh_from_db()
    assert campaign.status == "awaiting_approval"
    assert "someone other than its last editor" in page.content.decode()


def test_a_second_person_approves_and_activates(client, marketer, approver):
    campaign = campaign_with_templates(status="awaiting_approval", created_by=approver)
    act(client, "approve", campaign)
    campaign.refresh_from_db()
    assert (campaign.status, campaign.approved_by) == ("active", marketer)


def test_pause_resume_and_archive(client, marketer):
    campaign = approved(campaign_with_templates(status="active"))
    waiting = MessageFactory(campaign=campaign)
    act(client, "pause", campaign)
    campaign.refresh_from_db()
    assert campaign.status == "paused"
    act(client, "activate", campaign)
    act(client, "archive", campaign)
    campaign.refresh_from_db()
    waiting.refresh_from_db()
    assert campaign.status == "archived"
    assert (waiting.status, waiting.reason) == ("skipped", "campaign_ended")


def test_the_message_log_is_read_only_and_filterable(client, marketer):
    message = MessageFactory(status="skipped", reason="no_consent")
    url = reverse("admin:care_message_changelist")
    page = client.get(url, {"reason__exact": "no_consent", "channel__exact": "sms"})
    assert (
        page.status_code == 200
        and message.customer.external_id in page.content.decode()
    )
    assert (
        client.get(reverse("admin:care_message_change", args=[message.pk])).status_code
        == 200
    )
    assert client.get(reverse("admin:care_message_add")).status_code == 403


def test_the_customer_page_lists_messages_with_status_and_reason(client, marketer):
    customer = CustomerFactory()
    MessageFactory(customer=customer, status="skipped", reason="frequency_cap")
    page = client.get(reverse("admin:crm_customer_change", args=[customer.pk]))
    html = page.content.decode()
    assert "Skipped" in html and "Marketing frequency cap reached" in html


def test_the_customer_page_says_when_there_are_no_messages(client, marketer):
    customer = CustomerFactory()
    page = client.get(reverse("admin:crm_customer_change", args=[customer.pk]))
    assert "No messages yet." in page.content.decode()


def test_the_messages_story_context_is_bounded_and_links_the_full_log():
    from care.admin.messages import MESSAGES_SHOWN, messages_context

    customer = CustomerFactory()
    for _ in range(MESSAGES_SHOWN + 2):
        MessageFactory(customer=customer)
    context = messages_context(customer)
    assert (
        len(context["messages_shown"]) == MESSAGES_SHOWN
        and context["count"] == MESSAGES_SHOWN + 2
    )
    assert context["all_url"].endswith(f"?customer__id__exact={customer.pk}")


def test_the_message_log_filters_by_customer(client, marketer):
    mine, _ = MessageFactory(), MessageFactory()
    page = client.get(
        reverse("admin:care_message_changelist"),
        {"customer__id__exact": mine.customer_id},
    )
    assert page.status_code == 200
    assert (
        mine.key in str(page.context["cl"].result_list[0])
        and len(page.context["cl"].result_list) == 1
    )


def test_a_test_send_emails_every_template_to_the_marketer(client, marketer):
    from django.core import mail

    campaign = campaign_with_templates(name="Birthday")
    act(client, "test_send", campaign)
    assert (
        mail.outbox[0].to == ["m@example.com"]
        and mail.outbox[0].subject == "[test] Birthday"
    )
    assert (
        "[sms / zh-hans]" in mail.outbox[0].body
        and "[email / en]" in mail.outbox[0].body
    )
    assert not campaign.messages.exists()


def test_the_outreach_labels_are_translated_to_chinese():
    from django.utils import translation

    from care.models import CampaignStatus, Reason

    with translation.override("zh-hans"):
        assert str(Reason.QUIET_HOURS.label) == "客户所在时区的免打扰时段"
        assert str(CampaignStatus.AWAITING_APPROVAL.label) == "待审批"


def test_editing_an_active_campaign_sends_it_back_for_approval(
    client, marketer, approver
):
    campaign = approved(
        campaign_with_templates(
            status="active", created_by=approver, approved_by=approver
        )
    )
    url = reverse("admin:care_campaign_change", args=[campaign.pk])
    form = client.get(url).context["adminform"].form
    data = {
        name: form[name].value()
        for name in form.fields
        if form[name].value() is not None
    }
    data.update({"name": "Renamed", "channel_1": "sms", "channel_2": "email"})
    templates = campaign.templates.all()
    data.update(
        {
            "templates-TOTAL_FORMS": str(len(templates)),
            "templates-INITIAL_FORMS": str(len(templates)),
        }
    )
    for n, template in enumerate(templates):
        data.update(
            {
                f"templates-{n}-id": template.pk,
                f"templates-{n}-campaign": campaign.pk,
                f"templates-{n}-channel": template.channel,
                f"templates-{n}-locale": template.locale,
                f"templates-{n}-subject": template.subject,
                f"templates-{n}-body": f"{template.body} (new)",
            }
        )
    response = client.post(url, data, follow=True)
    assert "waits for a new approval" in response.content.decode()
    campaign.refresh_from_db()
    assert (campaign.status, campaign.edited_by, campaign.approved_by) == (
        "awaiting_approval",
        marketer,
        approver,
    )
