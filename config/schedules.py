"""Every periodic job, declared in one place and installed by `setup_schedules`.

Each entry maps onto a django_q.models.Schedule row, matched by `name`:
schedule_type "C" is cron (the `cron` field), "I" is every `minutes` minutes.
"""

SCHEDULES: list[dict] = [
    {
        "name": "rfm-nightly",
        "func": "segmentation.tasks.rfm_score_task",
        "schedule_type": "C",
        # 02:30 (django-q2 reads cron in TIME_ZONE), after the shop's nightly order import.
        "cron": "30 2 * * *",
        "kwargs": {},
    },
]
