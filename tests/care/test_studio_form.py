"""The campaign studio's form: choices in, the stored JSON out, clear messages."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from care.admin.campaigns.forms import CampaignForm
from care.models import Campaign
from tests.factories import CustomerFactory, campaign_with_templates

pytestmark = pytest.mark.django_db


def form_data(**changes) -> dict:
    data = {
        "name": "Champions' birthday",
        "slug": "champions-birthday",
        "trigger": "birthday",
        "purpose": "marketing",
        "channel_1": "sms",
        "birthday__days_ahead": "7",
        "status": "draft",  # read-only in the admin; the bare form asks for it
    }
    return data | changes


def test_it_stores_the_choices_in_the_campaign_json():
    form = CampaignForm(
        form_data(
            segments=["champions", "loyal"],
            locales=["en"],
            min_orders="2",
            min_spend="150.50",
            channel_2="email",
            birthday__days_ahead="5",
        )
    )
    assert form.is_valid(), form.errors
    campaign = form.save()
    assert campaign.audience == {
        "segments": ["champions", "loyal"],
        "locales": ["en"],
        "min_orders": 2,
        "min_spend": 150.5,
    }
    assert campaign.channels == ["sms", "email"]
    assert campaign.params == {"days_ahead": 5}


def test_it_reads_only_the_chosen_triggers_settings():
    # The browse fields are on the page too (hidden) but not the chosen trigger's.
    form = CampaignForm(form_data(abandoned_browse__min_days="9"))
    assert form.is_valid(), form.errors
    assert form.save().params == {}  # the default 7 days ahead: stored as before


@pytest.mark.parametrize(
    ("changes", "field", "error"),
    [
        ({"birthday__days_ahead": "-1"}, "birthday__days_ahead", "greater than or"),
        ({"birthday__days_ahead": ""}, "birthday__days_ahead", "the default is 7"),
        (
            {
                "trigger": "abandoned_browse",
                "abandoned_browse__min_days": "5",
                "abandoned_browse__window_days": "3",
                "abandoned_browse__cooldown_days": "30",
            },
            "abandoned_browse__min_days",
            "K must be at most W",
        ),
        (
            {"trigger": "dated", "dated__date": "13-45", "dated__time": "10:00"},
            "dated__date",
            "YYYY-MM-DD",
        ),
        ({"channel_2": "sms"}, "channel_2", "Each channel can be chosen once."),
        ({"trigger": "dated", "dated__time": "10:00"}, "dated__date", "Give a value."),
        ({"segments": ["heroes"]}, "segments", "heroes"),
    ],
)
def test_it_refuses_bad_settings_on_their_own_field(changes, field, error):
    form = CampaignForm(form_data(**changes))
    assert not form.is_valid()
    assert error in form.errors[field][0]


def test_it_needs_a_first_channel():
    form = CampaignForm(form_data(channel_1=""))
    assert not form.is_valid() and "channel_1" in form.errors


def test_it_shows_a_saved_campaign_as_choices():
    campaign = campaign_with_templates(
        audience={"segments": ["champions"], "locales": ["zh-hans"]},
        channels=["email", "sms"],
        params={"days_ahead": 3},
    )
    form = CampaignForm(instance=campaign)
    assert form["segments"].value() == ["champions"]
    assert (form["channel_1"].value(), form["channel_2"].value()) == ("email", "sms")
    assert form["birthday__days_ahead"].value() == 3


@pytest.fixture
def staff_client(client):
    user = get_user_model().objects.create_superuser("m", "m@example.com", "pw")
    client.force_login(user)
    return client


def test_the_audience_count_follows_the_choices(staff_client):
    CustomerFactory(locale="en")
    CustomerFactory(locale="en")
    CustomerFactory(locale="zh-hans")
    url = reverse("admin:care_campaign_audience_count")
    assert staff_client.get(url).json()["count"] == 3
    assert staff_client.get(url, {"locales": "en"}).json()["count"] == 2
    bad = staff_client.get(url, {"locales": "fr"})
    assert bad.status_code == 400 and "locales" in bad.json()["error"]


def with_template(body: str, **changes) -> dict:
    """The form with one English SMS template."""
    template = {
        "templates-TOTAL_FORMS": "1",
        "templates-INITIAL_FORMS": "0",
        "templates-0-channel": "sms",
        "templates-0-locale": "en",
        "templates-0-body": body,
    }
    return form_data(**template, **changes)


def test_it_refuses_a_campaign_missing_a_template_in_an_audience_language(
    staff_client,
):
    data = with_template("Happy birthday {{ customer.first_name }}")
    page = staff_client.post(reverse("admin:care_campaign_add"), data)
    assert "No SMS template in Simplified Chinese" in page.content.decode()
    assert not Campaign.objects.exists()
    data["locales"] = ["en"]
    staff_client.post(reverse("admin:care_campaign_add"), data)
    assert Campaign.objects.get().audience == {"locales": ["en"]}


def test_it_refuses_a_template_with_an_unknown_variable_naming_the_line(
    staff_client,
):
    data = with_template("Hello\n{{ customer.nmae }}", locales=["en"])
    page = staff_client.post(reverse("admin:care_campaign_add"), data)
    assert "line 2: unknown variable customer.nmae" in page.content.decode()
    assert not Campaign.objects.exists()


def test_the_studio_speaks_chinese(staff_client):
    page = staff_client.get(
        reverse("admin:care_campaign_add"), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    html = page.content.decode()
    assert "受众" in html and "提前天数" in html and "实时预览" in html


def test_a_playbook_name_reads_in_the_staff_members_language():
    from django.utils import translation

    campaign = campaign_with_templates(name="Spring Festival greeting 2027")
    with translation.override("zh-hans"):
        assert str(campaign) == "2027 春节问候"
    with translation.override("en"):
        assert str(campaign) == "Spring Festival greeting 2027"


def test_care_staff_read_the_campaign_as_sentences(client, roles):
    from care.service.staff import staff_add

    staff_add(username="carl", role="care", password="a long passphrase 4 tests")
    client.login(username="carl", password="a long passphrase 4 tests")
    campaign = campaign_with_templates(
        audience={"segments": ["champions"], "min_orders": 2}, params={"days_ahead": 5}
    )
    page = client.get(reverse("admin:care_campaign_change", args=[campaign.pk]))
    html = page.content.decode()
    assert "segments: Champions; at least this many orders: 2" in html
    assert "days ahead: 5" in html


def test_a_saved_time_zone_stays_a_choice_beyond_the_recent_customers():
    CustomerFactory(time_zone="Asia/Shanghai")
    campaign = campaign_with_templates(audience={"time_zones": ["Europe/Paris"]})
    form = CampaignForm(instance=campaign)
    zones = [value for value, _label in form.fields["time_zones"].choices]
    assert zones == ["Asia/Shanghai", "Europe/Paris"]


def test_the_clusters_offered_are_those_of_the_latest_clustering_run():
    from segmentation.models import RfmCluster, RfmRun

    def run(days_ago: int, sizes: list[int]) -> None:
        started = timezone.now() - dt.timedelta(days=days_ago)
        done = RfmRun.objects.create(
            started_at=started, window_days=365, as_of=started, cluster_k=len(sizes)
        )
        for number, size in enumerate(sizes):
            RfmCluster.objects.create(
                run=done,
                number=number,
                size=size,
                share=0.5,
                recency_days=1,
                frequency=1,
                monetary=1,
                r_score=1,
                f_score=1,
                m_score=1,
            )

    run(2, [10, 20, 30])
    run(1, [40, 50])
    choices = CampaignForm().fields["clusters"].choices
    assert [str(label) for _n, label in choices] == [
        "cluster 0 (40 customers)",
        "cluster 1 (50 customers)",
    ]


def test_a_campaign_posted_back_unchanged_has_not_changed():
    campaign = campaign_with_templates(
        audience={"segments": ["champions"], "min_spend": 150.3},
        params={"days_ahead": 3},
    )
    shown = CampaignForm(instance=campaign)
    data = {
        name: shown[name].value()
        for name in shown.fields
        if shown[name].value() not in (None, "")
    }
    posted = CampaignForm(
        {k: v for k, v in data.items()} | {"min_spend": "150.30"}, instance=campaign
    )
    assert not posted.has_changed(), posted.changed_data
