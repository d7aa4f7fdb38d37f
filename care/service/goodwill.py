"""Goodwill coupons on recovery cases: proposed by anyone on the case, approved by a manager.

The approver needs the permission `care.approve_goodwill` and must not be the
proposer. Approval plans one service message of the goodwill campaign
(its offer makes the single-use code); the once-only key makes it once.
"""

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from audit.models import Action
from audit.services import audit_record
from care.models import Campaign, CampaignStatus, CaseStatus, Goodwill, RecoveryCase
from care.outbox.direct import message_plan_direct
from care.service.recovery import RecoveryError

GOODWILL_CAMPAIGN = "service-recovery-goodwill"
PERMISSION = "care.approve_goodwill"


def goodwill_campaign() -> Campaign:
    campaign = (
        Campaign.objects.filter(slug=GOODWILL_CAMPAIGN).select_related("offer").first()
    )
    if campaign is None or campaign.offer is None:
        raise RecoveryError(
            _("The goodwill campaign with its offer is missing: run install_playbooks.")
        )
    if campaign.status != CampaignStatus.ACTIVE:
        # Approving into a paused campaign would leave the coupon waiting unseen.
        raise RecoveryError(
            _("The goodwill campaign is not active: activate it in Care > Campaigns.")
        )
    return campaign


@transaction.atomic
def goodwill_propose(
    *, case: RecoveryCase, user, note: str = "", now: dt.datetime
) -> Goodwill:
    """Propose the goodwill coupon for an open case (one per case)."""
    locked = RecoveryCase.objects.select_for_update().get(pk=case.pk)
    if locked.status != CaseStatus.OPEN:
        raise RecoveryError(_("Case #%(id)s is already resolved.") % {"id": case.pk})
    if Goodwill.objects.filter(case=locked).exists():
        raise RecoveryError(_("A goodwill coupon was already proposed on this case."))
    goodwill = Goodwill(case=locked, note=note[:500], proposed_by=user, proposed_at=now)
    goodwill.full_clean()
    goodwill.save()
    _audit(goodwill, Action.GOODWILL_PROPOSE)
    return goodwill


def _audit(goodwill: Goodwill, action: str) -> None:
    # The note is free text about the customer: it stays on the row, not here.
    audit_record(
        action=action,
        target_type="goodwill",
        target_id=str(goodwill.pk),
        target_label=f"case #{goodwill.case_id}",
    )


def _check_approver(goodwill: Goodwill, user) -> None:
    if not user.has_perm(PERMISSION):
        raise RecoveryError(_("You need the permission to approve goodwill coupons."))
    if user.pk == goodwill.proposed_by_id:
        raise RecoveryError(
            _("A goodwill coupon must be approved by someone other than its proposer.")
        )
    if goodwill.approved_at is not None:
        raise RecoveryError(_("This goodwill coupon was already approved."))


@transaction.atomic
def goodwill_approve(*, goodwill: Goodwill, user, now: dt.datetime) -> Goodwill:
    """Approve and plan the coupon message (a service message, sent once)."""
    locked = (
        Goodwill.objects.select_for_update().select_related("case").get(pk=goodwill.pk)
    )
    _check_approver(locked, user)
    case = locked.case
    locked.approved_by, locked.approved_at = user, now
    locked.message = message_plan_direct(
        campaign=goodwill_campaign(),
        customer_id=case.customer_id,
        subject=f"case:{case.pk}",
        occasion="goodwill",
        send_after=now,
        data={"case": case.pk},
        ticket_id=case.ticket_id,
    )
    locked.full_clean()
    locked.save()
    _audit(locked, Action.GOODWILL_APPROVE)
    return locked
