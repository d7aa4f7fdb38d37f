"""Every periodic job, declared in one place and installed by `manage.py setup_schedules`.

Each entry: name (unique, the key for update_or_create), func (dotted path of a
thin task), schedule_type ("I" every `minutes`, "C" cron), and minutes or cron.
A task only says "look now": the database rows are the truth, so a run that
is skipped, repeated or late does no harm.
"""

SCHEDULES: list[dict] = [
    {
        "name": "care: sweep triggers",
        "func": "care.tasks.campaigns_sweep_task",
        "schedule_type": "I",
        "minutes": 1,
    },
    {
        "name": "care: dispatch outbox",
        "func": "care.tasks.messages_dispatch_task",
        "schedule_type": "I",
        "minutes": 1,
    },
    {
        "name": "segmentation: nightly RFM",
        "func": "segmentation.tasks.rfm_score_task",
        "schedule_type": "C",
        "cron": "30 2 * * *",
    },
]

# Schedules whose func lives under these packages are ours: setup_schedules
# removes the ones no longer declared above.
OWNED_PREFIXES = ("care.", "segmentation.", "crm.", "api.")
