"""The studio's live preview and test send, through the real twilio client and a fake Twilio."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.urls import reverse

from care.models import Message, StaffProfile
from care.outreach.results import campaign_funnel
from tests.delivery.conftest import delivery_settings, fake_twilio  # noqa: F401
from tests.factories import CustomerFactory, campaign_with_templates
from tests.security.conftest import as_role  # noqa: F401  (real role users)

pytestmark = pytest.mark.django_db
MY_PHONE = "+8613900001111"
# 23:30 in Shanghai: quiet hours, which a test send does not wait for.
NIGHT = dt.datetime(2026, 11, 23, 15, 30, tzinfo=dt.UTC)


@pytest.fixture
def marketer_client(client):
    user = get_user_model().objects.create_superuser("mk", "mk@example.com", "pw")
    StaffProfile.objects.create(user=user, phone=MY_PHONE)
    client.force_login(user)
    return client


def send(client, campaign, customer, **extra):
    data = {"channel": "sms", "locale": "en", "customer": customer.pk, "to": "me"}
    url = reverse("admin:care_campaign_test_send", args=[campaign.pk])
    return client.post(url, data | extra)


@time_machine.travel(NIGHT, tick=False)
def test_it_sends_a_flagged_test_sms_to_my_phone_through_twilio(
    marketer_client, fake_twilio
):
    campaign = campaign_with_templates(status="draft")
    customer = CustomerFactory(name="Ada Lovelace")  # no consent at all
    answer = send(marketer_client, campaign, customer)
    assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == "sent"
    [create] = fake_twilio.creates()
    assert create.form["To"] == MY_PHONE
    assert create.form["Body"].startswith("Hi Ada Lovelace")  # the English template
    message = Message.objects.get()
    assert message.is_test and message.key.startswith(f"test/{campaign.pk}/")
    assert message.provider_id and message.recipient == MY_PHONE
    assert campaign_funnel(campaign).planned == 0  # a test send never counts in results


def test_it_sends_to_the_chosen_test_customer(marketer_client, fake_twilio):
    campaign = campaign_with_templates(status="draft")
    customer = CustomerFactory()
    send(marketer_client, campaign, customer, to="customer", locale="zh-hans")
    [create] = fake_twilio.creates()
    assert create.form["To"] == customer.phone
    assert "您好" in create.form["Body"]


def test_two_tests_are_two_rows_with_their_own_keys(marketer_client, fake_twilio):
    campaign = campaign_with_templates(status="draft")
    customer = CustomerFactory()
    send(marketer_client, campaign, customer)
    send(marketer_client, campaign, customer)
    assert len({m.key for m in Message.objects.filter(is_test=True)}) == 2


def test_it_says_so_when_i_have_no_email(marketer_client):
    get_user_model().objects.filter(username="mk").update(email="")
    campaign = campaign_with_templates(status="draft")
    answer = send(marketer_client, campaign, CustomerFactory(), channel="email")
    assert answer.status_code == 400
    assert answer.json()["error"] == "Your user has no email address."
    assert not Message.objects.exists()


def test_it_needs_a_customer_to_preview_as(marketer_client):
    campaign = campaign_with_templates(status="draft")
    url = reverse("admin:care_campaign_test_send", args=[campaign.pk])
    answer = marketer_client.post(url, {"channel": "sms", "locale": "en"})
    assert answer.status_code == 400 and "customer" in answer.json()["error"]


def preview(client, customer, body: str, locale: str = "en") -> dict:
    data = {
        "trigger": "birthday",
        "purpose": "marketing",
        "studio_customer": customer.pk if customer else "",
        "templates-TOTAL_FORMS": "1",
        "templates-0-channel": "sms",
        "templates-0-locale": locale,
        "templates-0-body": body,
    }
    answer = client.post(reverse("admin:care_campaign_preview"), data)
    assert answer.status_code == 200, answer.content
    [row] = answer.json()["previews"]
    return row


def test_the_preview_renders_for_the_chosen_customer_with_sms_figures(
    marketer_client,
):
    customer = CustomerFactory(name="Grace Hopper", locale="zh-hans")
    row = preview(marketer_client, customer, "Happy birthday {{ customer.first_name }}")
    # Rendered in the template's language whatever the customer's own.
    assert row["body"] == "Happy birthday Grace Reply STOP to opt out"
    assert (row["encoding"], row["segments"]) == ("GSM-7", 1)
    chinese = preview(
        marketer_client, customer, "{{ customer.name }}生日快乐", "zh-hans"
    )
    assert chinese["encoding"] == "UCS-2" and chinese["body"].endswith("回复TD退订")


def test_the_preview_names_the_line_of_an_unknown_variable(marketer_client):
    row = preview(marketer_client, None, "Hi\n{{ customer.nmae }}")
    assert row["problems"] == ["body: line 2: unknown variable customer.nmae"]


def test_the_customer_search_finds_by_phone(marketer_client):
    wanted = CustomerFactory(name="Linus", phone="+8613800138000")
    CustomerFactory()
    url = reverse("admin:care_campaign_customer_search")
    found = marketer_client.get(url, {"q": "138 0013 8000"}).json()["results"]
    assert [row["id"] for row in found] == [wanted.pk]


def test_the_message_page_says_it_was_a_test(marketer_client, fake_twilio):
    campaign = campaign_with_templates(status="draft")
    answer = send(marketer_client, campaign, CustomerFactory())
    page = marketer_client.get(answer.json()["message_url"])
    assert page.status_code == 200
    assert 'field-is_test' in page.content.decode()


def test_a_staff_members_test_phone_is_set_on_their_user_page(admin_client):
    user = get_user_model().objects.create_user("sam", "sam@example.com", "pw")
    url = reverse("admin:auth_user_change", args=[user.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "password"}
    data |= {
        "username": "sam",
        "date_joined_0": "2026-11-30",
        "date_joined_1": "06:00:00",
        "staff_profile-TOTAL_FORMS": "1",
        "staff_profile-INITIAL_FORMS": "0",
        "staff_profile-0-phone": MY_PHONE,
    }
    data.pop("groups", None), data.pop("user_permissions", None)
    data.pop("last_login", None), data.pop("date_joined", None)
    answer = admin_client.post(url, data)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    assert StaffProfile.objects.get(user=user).phone == MY_PHONE


@pytest.mark.parametrize(
    "data",
    [
        {"trigger": "nope"},
        {"trigger": "birthday", "templates-TOTAL_FORMS": "many"},
        {"trigger": "birthday", "offer": "x", "studio_customer": "-1"},
        {
            "trigger": "birthday",
            "templates-TOTAL_FORMS": "1",
            "templates-0-channel": "sms",
            "templates-0-locale": "en",
            "templates-0-body": "{% widthratio 1 0 100 %}{{ customer.name|date:'Q' }}",
        },
    ],
)
def test_the_preview_never_answers_500(marketer_client, data):
    answer = marketer_client.post(reverse("admin:care_campaign_preview"), data)
    assert answer.status_code in (200, 400)


@pytest.mark.parametrize("role", ["care", "senior"])
def test_care_staff_may_not_test_send(as_role, fake_twilio, role):  # noqa: F811
    campaign = campaign_with_templates(status="draft")
    _user, client = as_role(role)
    answer = send(client, campaign, CustomerFactory())
    assert answer.status_code == 403
    assert not Message.objects.exists() and fake_twilio.creates() == []


def test_a_marketer_may_test_send(as_role, fake_twilio):  # noqa: F811
    campaign = campaign_with_templates(status="draft")
    _user, client = as_role("marketer")
    answer = send(client, campaign, CustomerFactory(), to="customer")
    assert answer.status_code == 200, answer.content
    assert Message.objects.get().is_test
