"""Every periodic job, declared in one place and installed by `manage.py setup_schedules`.

Each entry: name (unique, the key for update_or_create), func (dotted path of a
thin task), schedule_type ("I" every `minutes`, "C" cron), minutes or cron, and
optional args (tuple) / kwargs (dict).
A task only says "look now": the database rows are the truth, so a run that
is skipped, repeated or late does no harm (catch_up is off: a cluster stopped
for an hour runs a missed sweep once, not sixty times). Every task writes a
heartbeat under the entry's name (care/operations/heartbeat.py, which knows
each one's interval).

Sending is not scheduled here: `manage.py dispatch --loop` processes send,
independently of django-q2's worker queue (docs/architecture.md).
"""

SCHEDULES: list[dict] = [
    {
        "name": "care-sweep",
        "func": "care.tasks.campaigns_sweep_task",
        "schedule_type": "I",
        "minutes": 1,
    },
    {
        # The reaper and the reconciliation; every dispatch loop runs them too.
        "name": "care-reconcile",
        "func": "care.tasks.messages_reconcile_task",
        "schedule_type": "I",
        "minutes": 1,
    },
    {
        # Also run by /healthz and by `dispatch`, at most once a minute in all:
        # "scheduler late" must be raised by something other than the scheduler.
        "name": "care-alerts",
        "func": "care.tasks.alerts_evaluate_task",
        "schedule_type": "I",
        "minutes": 1,
    },
    {
        "name": "rfm-nightly",
        # care's wrapper of segmentation's run: the same run, with a heartbeat.
        "func": "care.tasks.rfm_score_task",
        "schedule_type": "C",
        # 02:30 (django-q2 reads cron in TIME_ZONE), after the shop's nightly order import.
        "cron": "30 2 * * *",
        "kwargs": {},
    },
]

# Schedules whose func lives under these packages are ours: setup_schedules
# removes the ones no longer declared above.
OWNED_PREFIXES = ("care.", "segmentation.", "crm.", "api.")
