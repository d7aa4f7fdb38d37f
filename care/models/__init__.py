"""The care app's models: fields, Meta and __str__ only; choices and status sets in
choices.py, reusable reads in querysets.py. Models import no services."""

from care.models.campaigns import Campaign, MessageTemplate, Offer
from care.models.choices import (
    AWAITING_RECEIPT,
    MAYBE_SENT,
    ON_ITS_WAY,
    RETRYABLE,
    SENT_LIKE,
    SETTLEABLE,
    TICKET_DONE,
    TROUBLE,
    AnswerVia,
    CampaignStatus,
    CaseStatus,
    ClickScanner,
    CouponStatus,
    InboundKind,
    MessageStatus,
    Reason,
    SurveyKind,
    TicketStatus,
    TriggerKind,
)
from care.models.delivery import DeliveryEvent, InboundMessage
from care.models.links import Click, TrackedLink
from care.models.messages import Coupon, Message
from care.models.operations import (
    DURATION_BUCKETS,
    Heartbeat,
    Incident,
    IncidentKind,
    Job,
    WebhookTally,
)
from care.models.privacy import ErasureRecord
from care.models.recovery import Goodwill, RecoveryCase, RecoveryPolicy
from care.models.staff import StaffProfile
from care.models.surveys import Survey
from care.models.tickets import Ticket

__all__ = [
    "AWAITING_RECEIPT",
    "DURATION_BUCKETS",
    "MAYBE_SENT",
    "ON_ITS_WAY",
    "RETRYABLE",
    "SENT_LIKE",
    "SETTLEABLE",
    "TICKET_DONE",
    "TROUBLE",
    "AnswerVia",
    "Campaign",
    "CampaignStatus",
    "CaseStatus",
    "Click",
    "ClickScanner",
    "Coupon",
    "CouponStatus",
    "DeliveryEvent",
    "ErasureRecord",
    "Heartbeat",
    "Incident",
    "IncidentKind",
    "Job",
    "Goodwill",
    "InboundKind",
    "InboundMessage",
    "Message",
    "MessageStatus",
    "MessageTemplate",
    "Offer",
    "Reason",
    "RecoveryCase",
    "RecoveryPolicy",
    "StaffProfile",
    "Survey",
    "SurveyKind",
    "Ticket",
    "TicketStatus",
    "TrackedLink",
    "TriggerKind",
    "WebhookTally",
]
