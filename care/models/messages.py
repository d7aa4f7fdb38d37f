"""The outbox: every outreach is a Message row before it is a send."""

from django.db import models
from django.db.models.functions import Concat
from django.utils.translation import gettext_lazy as _

from care.models.campaigns import Campaign, Offer
from care.models.choices import (
    AWAITING_RECEIPT,
    RETRYABLE,
    TROUBLE,
    CouponStatus,
    MessageStatus,
    Reason,
)
from care.models.querysets import MessageQuerySet
from care.models.tickets import Ticket
from crm.models import Asset, Channel, Customer, Order, Product, Purpose


def _set_index(fields: list[str], where: models.Q) -> models.Index:
    name = f"care_msg_{fields[0]}_idx"
    return models.Index(fields=fields, condition=where, name=name)


class Message(models.Model):
    # See docs/outreach.md: "<campaign>/<trigger>/<subject>/<occasion>/<channel>".
    # Always the occasion key, "/" and the channel (a check constraint in Meta),
    # so the occasion key's unique index makes it unique too: one index fewer
    # for every planned row (issue 16).
    key = models.CharField(_("idempotency key"), max_length=200)
    # The same without the channel: one message per occasion, whatever the
    # channel. Unique by a constraint in Meta (not unique=True, which on
    # PostgreSQL adds a second, LIKE-only index that no query uses).
    occasion_key = models.CharField(_("occasion key"), max_length=190)
    # "<conflict group>/<trigger>/<subject>/<occasion>" on the one planned row
    # of a conflict group's occasion (NULL elsewhere): unique, so two campaigns
    # of a group, or two sweeps at once, never both plan it.
    conflict_key = models.CharField(
        _("conflict key"), max_length=190, null=True, blank=True, editable=False
    )
    # Foreign keys without an index of their own: see Meta.indexes.
    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.PROTECT,
        db_index=False,
        related_name="messages",
        verbose_name=_("campaign"),
    )
    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        db_index=False,
        related_name="messages",
        verbose_name=_("customer"),
    )
    trigger = models.CharField(_("trigger"), max_length=20)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    purpose = models.CharField(_("purpose"), max_length=12, choices=Purpose.choices)
    occasion = models.JSONField(_("occasion"), default=dict, blank=True)
    product = models.ForeignKey(
        Product,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    asset = models.ForeignKey(
        Asset,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    ticket = models.ForeignKey(
        Ticket,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
        db_index=False,
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=MessageStatus.choices,
        default=MessageStatus.PLANNED,
    )
    reason = models.CharField(
        _("reason"), max_length=20, choices=Reason.choices, blank=True
    )
    reason_detail = models.CharField(_("detail"), max_length=500, blank=True)
    send_after = models.DateTimeField(_("send after"))
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body = models.TextField(_("body"), blank=True)
    html_body = models.TextField(_("HTML body"), blank=True)
    coupon_code = models.CharField(_("coupon code"), max_length=40, blank=True)
    provider_id = models.CharField(_("provider id"), max_length=100, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    claimed_by = models.CharField(_("claimed by"), max_length=100, blank=True)
    # The attempt, committed before the request leaves (with the rendered
    # subject and body and the recipient): tells the reaper a claimed row that
    # was never tried (safe to queue again) from one in doubt, and gives the
    # provider look-up what to match. See docs/architecture.md.
    attempted_at = models.DateTimeField(_("attempted at"), null=True, blank=True)
    # The phone number or email address the last attempt went to.
    recipient = models.CharField(_("recipient"), max_length=254, blank=True)
    # The provider's latest delivery status (Twilio: queued, sent, delivered,
    # undelivered, failed) and error code, from status callbacks; never written
    # by dispatch, so a callback racing a send cannot be overwritten.
    provider_status = models.CharField(_("provider status"), max_length=12, blank=True)
    error_code = models.CharField(_("error code"), max_length=10, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    converted_at = models.DateTimeField(_("converted at"), null=True, blank=True)
    # A test send from the campaign studio (care.studio.test_send): planned by
    # no sweep, checked by no rule, counted in no result or frequency cap.
    is_test = models.BooleanField(_("test"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["occasion_key"], name="care_msg_occasion_unique"
            ),
            # The idempotency key is unique because the occasion key is.
            models.CheckConstraint(
                condition=models.Q(
                    key=Concat("occasion_key", models.Value("/"), "channel")
                ),
                name="care_msg_key_of_occasion",
            ),
            # Partial: the rows outside a conflict group (nearly all) cost
            # this index nothing when a sweep plans them.
            models.UniqueConstraint(
                fields=["conflict_key"],
                condition=models.Q(conflict_key__isnull=False),
                name="care_msg_conflict_unique",
            ),
        ]
        # Every index a row is in costs each planned row an insert (a sweep can
        # plan 1,000,000), and each update that changes an indexed column an
        # insert into every index the new version is in. So five hold every row
        # (the primary key, the occasion's unique key, the admin's order, the
        # customer's and the campaign's) and a planned row is in one more, the
        # waiting rows' index it is claimed through; the others are partial,
        # each over the few rows its readers ask for. Dispatch's attempt write
        # changes no indexed column (status and updated_at are written by the
        # claim and the outcome), so it can be a HOT update, touching no index.
        # docs/architecture.md, "The outbox's indexes", lists each with its
        # readers.
        indexes = [
            # The admin's list, newest first (Meta.ordering): read backwards,
            # it finds a page of 50 without sorting the outbox.
            models.Index(fields=["created_at", "id"], name="care_msg_created_idx"),
            # Frequency caps and the customer's messages (and the customer
            # foreign key: an erasure finds their rows through it).
            models.Index(
                fields=["customer", "purpose", "sent_at"], name="care_msg_cap_idx"
            ),
            models.Index(fields=["campaign", "status"], name="care_msg_campaign_idx"),
            # Claims (care/delivery/claim.py): the waiting rows of one purpose,
            # oldest due first, so service is claimed before marketing without
            # reading the marketing backlog. Also the status page's due count
            # and oldest due message.
            models.Index(
                fields=["purpose", "send_after", "id"],
                condition=models.Q(status__in=RETRYABLE),
                name="care_msg_waiting_idx",
            ),
            # The reaper (sending past the lease, oldest claim first) and the
            # status page's in-flight counts: only rows claimed or in doubt.
            models.Index(
                fields=["status", "claimed_at"],
                condition=models.Q(
                    status__in=[MessageStatus.SENDING, MessageStatus.UNKNOWN]
                ),
                name="care_msg_claim_idx",
            ),
            # deliveries_settle: receipts that came in while a send was
            # recorded (a row awaiting a receipt that has one).
            models.Index(
                fields=["status", "provider_status"],
                condition=models.Q(status__in=AWAITING_RECEIPT)
                & ~models.Q(provider_status=""),
                name="care_msg_receipt_idx",
            ),
            # The dashboard's unsent rows per day (care.reports.dashboard):
            # failed, skipped and held out by when they were due.
            models.Index(
                fields=["status", "send_after"],
                condition=models.Q(
                    status__in=[
                        MessageStatus.FAILED,
                        MessageStatus.SKIPPED,
                        MessageStatus.HELD_OUT,
                    ]
                ),
                name="care_msg_unsent_idx",
            ),
            _set_index(["provider_id"], ~models.Q(provider_id="")),
            # With the customer: the abandoned-browse trigger probes (product,
            # customer) for each streak; on the product alone each probe reads
            # every message about the product.
            _set_index(["product", "customer"], models.Q(product__isnull=False)),
            _set_index(["asset"], models.Q(asset__isnull=False)),
            _set_index(["ticket"], models.Q(ticket__isnull=False)),
            # The operations status page and alerts (care/operations/status.py):
            # sends of the last hour per channel, and the rows in trouble
            # (failed, deferred, in doubt) by when they last changed (the
            # reconciliation's order too). Partial, so planning a row costs
            # neither index anything.
            _set_index(["sent_at", "channel"], models.Q(sent_at__isnull=False)),
            models.Index(
                fields=["status", "updated_at"],
                condition=models.Q(status__in=TROUBLE),
                name="care_msg_trouble_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.key


class Coupon(models.Model):
    """A single-use code, created only once the message carrying it was sent."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    offer = models.ForeignKey(
        Offer, on_delete=models.PROTECT, related_name="coupons", verbose_name=_("offer")
    )
    message = models.OneToOneField(
        Message,
        on_delete=models.CASCADE,
        related_name="coupon",
        verbose_name=_("message"),
    )
    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        related_name="coupons",
        verbose_name=_("customer"),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=CouponStatus.choices,
        default=CouponStatus.ISSUED,
    )
    issued_at = models.DateTimeField(_("issued at"))
    expires_at = models.DateTimeField(_("expires at"))
    redeemed_at = models.DateTimeField(_("redeemed at"), null=True, blank=True)
    order = models.ForeignKey(
        Order,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("order"),
    )

    class Meta:
        verbose_name = _("coupon")
        verbose_name_plural = _("coupons")

    def __str__(self) -> str:
        return self.code
