"""Every link to a customer, and what export and erasure do with it.

tests/privacy/test_coverage.py fails when a model gains a foreign key to
crm.Customer that is not listed here: a new kind of personal data must be
exported and erased on purpose, never by accident.
"""

from audit.services import subject_hash

# "<app_label>.<Model>.<field>": how erasure removes the rows.
#   cascade: deleted with the customer (on_delete=CASCADE);
#   delete:  deleted explicitly first, because on_delete would keep the row.
CUSTOMER_LINKS: dict[str, str] = {
    "crm.Consent.customer": "cascade",
    "crm.Order.customer": "cascade",
    "crm.BrowseEvent.customer": "cascade",
    "crm.Asset.customer": "cascade",
    "care.Ticket.customer": "cascade",
    "care.Message.customer": "cascade",
    "care.Coupon.customer": "cascade",
    "care.Survey.customer": "cascade",
    "care.RecoveryCase.customer": "cascade",
    "care.InboundMessage.customer": "delete",
    "segmentation.CustomerRfm.customer": "cascade",
    "segmentation.SegmentTransition.customer": "cascade",
}

# Reached through the rows above (order lines, delivery receipts, goodwill).
INDIRECT = ("crm.OrderLine", "care.DeliveryEvent", "care.Goodwill")

__all__ = ["CUSTOMER_LINKS", "INDIRECT", "subject_hash"]
