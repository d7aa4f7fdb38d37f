"""The audit trail: who viewed, exported or erased a customer's data, who changed
consent, and who moved a campaign or a goodwill coupon; when and from where.

A tiny app at the bottom of the stack (it imports nothing of ours), so crm,
care and api can all write to it. Entries hold no personal data: a customer is
named by the hash of their external id (the same hash as care's erasure
records), so the trail survives an erasure. See docs/privacy.md.
"""
