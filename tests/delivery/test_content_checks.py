import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError

from care.models import CampaignStatus
from care.outreach.campaigns import campaign_approve, campaign_submit
from care.outreach.playbooks import playbooks_install
from care.outreach.validation import campaign_checks, campaign_content_errors
from tests.factories import CampaignFactory, MessageTemplateFactory

pytestmark = pytest.mark.django_db


def draft(purpose="marketing", **template):
    campaign = CampaignFactory(status=CampaignStatus.DRAFT, purpose=purpose)
    MessageTemplateFactory(campaign=campaign, **template)
    return campaign


def test_it_shows_encoding_and_segments_per_template():
    campaign = draft(body="Hi {{ customer.name }}, your gift awaits")
    (check,) = campaign_checks(campaign)
    assert check.info.encoding == "GSM-7" and check.info.segments == 1
    assert "GSM-7" in check.summary()


def test_it_reports_chinese_as_ucs2():
    campaign = draft(locale="zh-hans", body="{{ customer.name }}，生日快乐")
    (check,) = campaign_checks(campaign)
    assert check.info.encoding == "UCS-2"


def test_it_refuses_a_template_that_does_not_render():
    campaign = draft(body="Hi {% if customer.name %}")
    errors = campaign_content_errors(campaign)
    assert len(errors) == 1 and "does not render" in errors[0]
    with pytest.raises(ValidationError, match="does not render"):
        campaign_submit(campaign=campaign)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DRAFT


def test_it_refuses_activation_of_a_too_long_sms(settings, django_user_model):
    settings.SMS_MAX_SEGMENTS = 2
    campaign = draft(body="x" * 400)
    campaign.status = CampaignStatus.AWAITING_APPROVAL
    campaign.save()
    approver = django_user_model.objects.create(username="approver")
    approver.user_permissions.add(
        Permission.objects.get(codename="approve_campaign")
    )
    with pytest.raises(ValidationError, match="segments"):
        campaign_approve(campaign=campaign, user=approver)


def test_it_notes_characters_replaced_to_stay_gsm7():
    campaign = draft(body="It\u2019s your birthday\u00a0\u2014 enjoy")
    (check,) = campaign_checks(campaign)
    assert check.info.encoding == "GSM-7"
    assert "U+2019" in check.summary()


def test_it_refuses_an_email_without_a_subject():
    campaign = draft(channel="email", subject="", body="Hello")
    assert "subject" in campaign_content_errors(campaign)[0]


def test_it_submits_a_campaign_whose_templates_pass():
    campaign = draft(body="Hi {{ customer.name }}")
    campaign_submit(campaign=campaign)
    assert campaign.status == CampaignStatus.AWAITING_APPROVAL


def test_the_standard_playbooks_pass_the_checks():
    playbooks_install()
    from care.models import Campaign

    for campaign in Campaign.objects.all():
        assert campaign_content_errors(campaign) == [], campaign.slug
