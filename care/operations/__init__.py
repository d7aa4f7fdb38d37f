"""Operations: is the product keeping its promises, and who hears when it is not.

heartbeat.py   every sweep, dispatch, reaper, RFM and alert run writes down when, how long, what
status.py      the queue, late surveys, overdue cases, failure rates (the admin status page)
alerts.py      incidents opened and closed from those figures; one email each way
health.py      /healthz (django-health-check's checks and view, with our own)
metrics.py     /metrics (prometheus-client, read from the database)
tallies.py     webhook requests counted by outcome

A layer-5 package (docs/architecture.md): it reads everything below it and
writes only its own rows (care/models/operations.py).
"""
