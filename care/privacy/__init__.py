"""Data-subject requests (PIPL / GDPR): export and erase one customer (docs/privacy.md)."""

from care.privacy.erase import ErasureBlocked, customer_erase, erasure_lookup
from care.privacy.export import customer_export
from care.privacy.scope import CUSTOMER_LINKS, subject_hash

__all__ = [
    "CUSTOMER_LINKS",
    "ErasureBlocked",
    "customer_erase",
    "customer_export",
    "erasure_lookup",
    "subject_hash",
]
