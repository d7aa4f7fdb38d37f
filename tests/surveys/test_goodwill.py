import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from care.delivery.dispatch import messages_dispatch
from care.models import Coupon, RecoveryCase
from care.service.goodwill import goodwill_approve, goodwill_propose
from care.service.recovery import RecoveryError
from care.service.surveys import survey_answer
from tests.surveys.helpers import sent_survey

pytestmark = pytest.mark.usefixtures("playbooks", "frozen")


@pytest.fixture
def agent(django_user_model):
    return django_user_model.objects.create_user("agent", is_staff=True)


@pytest.fixture
def manager(django_user_model):
    user = django_user_model.objects.create_user("manager", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="approve_goodwill"))
    return django_user_model.objects.get(pk=user.pk)


@pytest.fixture
def case() -> RecoveryCase:
    survey = sent_survey()
    survey_answer(survey=survey, csat=1)
    return RecoveryCase.objects.get()


def test_a_proposed_coupon_is_not_sent_before_approval(case, agent, sms_outbox):
    sms_outbox.clear()
    goodwill_propose(case=case, user=agent, note="Sorry", now=timezone.now())
    messages_dispatch()
    assert sms_outbox == []


def test_the_proposer_cannot_approve_their_own_coupon(case, manager):
    goodwill = goodwill_propose(case=case, user=manager, now=timezone.now())
    with pytest.raises(RecoveryError, match="someone other than its proposer"):
        goodwill_approve(goodwill=goodwill, user=manager, now=timezone.now())


def test_approval_needs_the_permission(case, agent, django_user_model):
    goodwill = goodwill_propose(case=case, user=agent, now=timezone.now())
    colleague = django_user_model.objects.create_user("colleague", is_staff=True)
    with pytest.raises(RecoveryError, match="permission"):
        goodwill_approve(goodwill=goodwill, user=colleague, now=timezone.now())


def test_an_approved_coupon_goes_out_once_as_a_service_message(
    case, agent, manager, sms_outbox
):
    goodwill = goodwill_propose(case=case, user=agent, now=timezone.now())
    sms_outbox.clear()
    goodwill = goodwill_approve(goodwill=goodwill, user=manager, now=timezone.now())
    messages_dispatch()
    messages_dispatch()
    goodwill.message.refresh_from_db()
    assert goodwill.message.purpose == "service"
    assert goodwill.message.status == "sent"
    assert len(sms_outbox) == 1
    coupon = Coupon.objects.get(message=goodwill.message)
    assert coupon.code.startswith("SORRY") and coupon.code in sms_outbox[0].body


def test_a_second_approval_is_refused(case, agent, manager):
    goodwill = goodwill_propose(case=case, user=agent, now=timezone.now())
    goodwill_approve(goodwill=goodwill, user=manager, now=timezone.now())
    with pytest.raises(RecoveryError, match="already approved"):
        goodwill_approve(goodwill=goodwill, user=manager, now=timezone.now())


def test_one_proposal_per_case(case, agent):
    goodwill_propose(case=case, user=agent, now=timezone.now())
    with pytest.raises(RecoveryError):
        goodwill_propose(case=case, user=agent, now=timezone.now())


def test_approval_is_refused_while_the_goodwill_campaign_is_paused(
    case, agent, manager
):
    from care.models import Campaign, Goodwill

    Campaign.objects.filter(slug="service-recovery-goodwill").update(status="paused")
    goodwill = goodwill_propose(case=case, user=agent, now=timezone.now())
    with pytest.raises(RecoveryError, match="not active"):
        goodwill_approve(goodwill=goodwill, user=manager, now=timezone.now())
    assert Goodwill.objects.get().approved_at is None
