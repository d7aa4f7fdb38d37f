"""Every choice list of care (kinds, statuses, reasons), and the named sets of statuses.

One place for each: code that asks "was it sent?" or "is the ticket done?"
uses a set from here (or the querysets built on them), never a tuple of its
own. The model modules import these; nothing here imports a model.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TriggerKind(models.TextChoices):
    BIRTHDAY = "birthday", _("Birthday gift")
    MAINTENANCE = "maintenance", _("Maintenance reminder")
    ABANDONED_BROWSE = "abandoned_browse", _("Abandoned browse")
    SURVEY = "survey", _("Post-service survey")
    WIN_BACK = "win_back", _("Win-back")
    NEW_PRODUCT = "new_product", _("New product")
    DATED = "dated", _("Dated campaign")
    # Sent by the care team's services (goodwill coupons), never by the sweep.
    GOODWILL = "goodwill", _("Goodwill coupon (service recovery)")


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    ARCHIVED = "archived", _("Archived")


class MessageStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DEFERRED = "deferred", _("Deferred")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped")
    HELD_OUT = "held_out", _("Held out")
    # A worker claimed it and never reported back: it may or may not have gone.
    UNKNOWN = "unknown", _("Unknown (needs reconciliation)")


class Reason(models.TextChoices):
    NO_CONSENT = "no_consent", _("No consent for this channel and purpose")
    NO_ADDRESS = "no_address", _("No phone or email for the channel")
    QUIET_HOURS = "quiet_hours", _("Quiet hours in the customer's time zone")
    FREQUENCY_CAP = "frequency_cap", _("Marketing frequency cap reached")
    CARE_FIRST = "care_first", _("Open ticket or recovery case: care before marketing")
    TICKET_REOPENED = "ticket_reopened", _("Ticket reopened before the survey went out")
    RECENT_SURVEY = (
        "recent_survey",
        _("Another survey reached the customer in the last 7 days"),
    )
    EXPIRED = "expired", _("Too late to be useful")
    CAMPAIGN_ENDED = "campaign_ended", _("Campaign archived or past its end")
    AWAITING_APPROVAL = (
        "awaiting_approval",
        _("Campaign changed after its approval: waits for a new one"),
    )
    NO_TEMPLATE = "no_template", _("No template for the channel")
    RENDER_ERROR = "render_error", _("Template could not be rendered")
    TRANSIENT_ERROR = "transient_error", _("Temporary channel error: retrying")
    PERMANENT_ERROR = "permanent_error", _("Channel refused the message")
    MAX_ATTEMPTS = "max_attempts", _("Gave up after the maximum number of attempts")
    LEASE_EXPIRED = "lease_expired", _("Worker stopped mid-send: outcome unknown")
    RETRY_NOT_SENT = (
        "retry_not_sent",
        _("Worker stopped; the channel confirms it was not sent"),
    )
    NOT_ATTEMPTED = "not_attempted", _("Worker stopped before trying: queued again")
    # Delivery (issue 5, docs/delivery.md).
    AMBIGUOUS = (
        "ambiguous",
        _("Provider timed out or failed after the request: reconciling"),
    )
    THROTTLED = "throttled", _("Provider asked us to slow down: retrying")
    UNDELIVERED = "undelivered", _("The carrier could not deliver it")
    CONTACT_UNUSABLE = (
        "contact_unusable",
        _("The phone number or email address was refused for good"),
    )
    # Issue 10: another campaign of the conflict group has the occasion.
    CONFLICT = "conflict", _("Another campaign of the conflict group has this occasion")


class ClickScanner(models.TextChoices):
    """Why a click on a tracked link is not a person's (recorded, not counted)."""

    HEAD = "head", _("HEAD request (a prefetch)")
    AGENT = "agent", _("Known scanner or bot")
    TOO_SOON = "too_soon", _("Within a second of delivery")


class CouponStatus(models.TextChoices):
    ISSUED = "issued", _("Issued")
    REDEEMED = "redeemed", _("Redeemed")


class TicketStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


class SurveyKind(models.TextChoices):
    SERVICE = "service", _("After service")
    FOLLOW_UP = "follow_up", _("Recovery follow-up")


class AnswerVia(models.TextChoices):
    WEB = "web", _("Survey page")
    SMS = "sms", _("SMS reply")


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")


class InboundKind(models.TextChoices):
    STOP = "stop", _("Opt-out")
    START = "start", _("Opt-in")
    HELP = "help", _("Help")
    SURVEY = "survey", _("Survey answer")
    OTHER = "other", _("Other reply")


# Waiting to be claimed by dispatch.
RETRYABLE = (MessageStatus.PLANNED, MessageStatus.DEFERRED)
# The provider took it ("sent-like").
SENT_LIKE = (MessageStatus.SENT, MessageStatus.DELIVERED)
# Taken by the provider, or being sent right now.
ON_ITS_WAY = (*SENT_LIKE, MessageStatus.SENDING)
# May have reached the customer (another worker's claim, an unknown outcome):
# counted against the marketing frequency cap.
MAYBE_SENT = (*ON_ITS_WAY, MessageStatus.UNKNOWN)
# Rows a provider receipt may still move (to delivered or failed).
SETTLEABLE = (*SENT_LIKE, MessageStatus.UNKNOWN)
# Rows still waiting for a receipt to say how they ended.
AWAITING_RECEIPT = (MessageStatus.SENT, MessageStatus.UNKNOWN)
# Rows the operations status page watches by when they last changed: failed,
# waiting after a refusal or for quiet hours, or in doubt.
TROUBLE = (MessageStatus.FAILED, MessageStatus.DEFERRED, MessageStatus.UNKNOWN)
# A ticket the helpdesk has finished with.
TICKET_DONE = (TicketStatus.RESOLVED, TicketStatus.CLOSED)
