"""The care admin, one module per group of pages (like crm/admin/).

Each module registers its ModelAdmins and its sections of the customer page on
import; Django's admin autodiscovery imports this package, which imports them.
A new page goes into the module of its group, or a new module listed here.
"""

from care.admin import (  # noqa: F401  (each registers itself on import)
    campaigns,  # campaigns and offers
    cases,  # the "my cases" page
    delivery,  # SMS replies and delivery events
    messages,  # the message log, coupons, the customer's messages
    operations,  # the operations status page, heartbeats, incidents
    privacy,  # erasure records, the customer's export / erase links
    reports,  # the care reports page
    staff,  # users with their staff profile (the test send's phone)
    story,  # the customer page's survey and recovery sections
    surveys,  # surveys, recovery cases, goodwill
    tickets,  # tickets and the customer page's tickets section
)
