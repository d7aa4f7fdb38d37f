"""The marketer's what-if tools: dry run, preview and test send.

Nothing here writes the outbox or reaches a customer. It sits above outreach
and delivery because it runs both: the sweep in dry-run mode, then the same
send-time decision and rendering as dispatch.
"""
