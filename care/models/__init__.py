from care.models.campaigns import (
    Campaign,
    CampaignStatus,
    MessageTemplate,
    Offer,
    TriggerKind,
)
from care.models.delivery import DeliveryEvent, InboundKind, InboundMessage
from care.models.messages import (
    RETRYABLE,
    SENT_LIKE,
    Coupon,
    CouponStatus,
    Message,
    MessageStatus,
    Reason,
)
from care.models.privacy import ErasureRecord
from care.models.recovery import CaseStatus, Goodwill, RecoveryCase, RecoveryPolicy
from care.models.surveys import AnswerVia, Survey, SurveyKind
from care.models.tickets import Ticket, TicketStatus

__all__ = [
    "AnswerVia",
    "CaseStatus",
    "Goodwill",
    "RecoveryCase",
    "RecoveryPolicy",
    "Survey",
    "SurveyKind",
    "RETRYABLE",
    "SENT_LIKE",
    "Campaign",
    "CampaignStatus",
    "Coupon",
    "CouponStatus",
    "DeliveryEvent",
    "ErasureRecord",
    "InboundKind",
    "InboundMessage",
    "Message",
    "MessageStatus",
    "MessageTemplate",
    "Offer",
    "Reason",
    "Ticket",
    "TicketStatus",
    "TriggerKind",
]
