"""The outbox: every outreach is a Message row before it is a send.

Writes Message rows (planned in bulk, or one direct row) with their
once-only keys, and reads them back for other interfaces.
"""
