"""Win-back and segment audiences."""

import datetime as dt

import pytest
from django.utils import timezone

from care.models import Message
from care.outreach.sweep import messages_plan
from segmentation import models as segmentation
from tests.factories import CustomerFactory, campaign_with_templates

pytestmark = pytest.mark.django_db


def rfm_run():
    now = timezone.now()
    return segmentation.RfmRun.objects.create(
        started_at=now, window_days=365, as_of=now
    )


def transition(
    customer, to_segment: str, days_ago: int = 0, source: str | None = "loyal"
):
    return segmentation.SegmentTransition.objects.create(
        customer=customer,
        from_segment=source,
        to_segment=to_segment,
        run=rfm_run(),
        changed_at=timezone.now() - dt.timedelta(days=days_ago),
    )


def plan(campaign) -> list[Message]:
    messages_plan(campaign=campaign, now=timezone.now())
    return list(Message.objects.filter(campaign=campaign))


def test_win_back_is_due_when_a_customer_moves_into_at_risk():
    change = transition(CustomerFactory(), "at_risk")
    [message] = plan(campaign_with_templates(trigger="win_back"))
    assert message.key.endswith(
        f"/customer:{change.customer_id}/transition:{change.pk}/sms"
    )
    assert message.occasion == {"from_segment": "loyal", "to_segment": "at_risk"}


def test_win_back_is_not_due_for_other_segments_or_old_transitions():
    transition(CustomerFactory(), "champions")
    transition(CustomerFactory(), "cant_lose_them", days_ago=8)
    assert plan(campaign_with_templates(trigger="win_back")) == []


def test_win_back_ignores_a_first_label_that_is_not_a_move():
    transition(CustomerFactory(), "at_risk", source=None)
    assert plan(campaign_with_templates(trigger="win_back")) == []


def test_win_back_is_once_per_transition():
    customer = CustomerFactory()
    transition(customer, "at_risk")
    campaign = campaign_with_templates(trigger="win_back")
    plan(campaign)
    assert len(plan(campaign)) == 1
    transition(customer, "cant_lose_them", source="at_risk")
    assert len(plan(campaign)) == 2


def test_the_audience_filters_by_segment():
    today = timezone.localdate()
    champion = CustomerFactory(birthday=today.replace(year=1992))
    other = CustomerFactory(birthday=today.replace(year=1992))
    for customer, segment in ((champion, "champions"), (other, "lost")):
        segmentation.CustomerRfm.objects.create(
            customer=customer, segment=segment, cluster=1, scored_at=timezone.now()
        )
    campaign = campaign_with_templates(
        trigger="birthday", audience={"segments": ["champions"]}
    )
    assert [m.customer for m in plan(campaign)] == [champion]
