"""Outreach: campaigns and their lifecycle, triggers (who is due), planning into the outbox,
playbooks, results and offers."""
