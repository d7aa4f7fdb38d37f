"""Delivery: dispatch (claim, decide, render, send, record), channels, receipts,
reconciliation, inbound SMS, webhooks and unsubscribe."""
