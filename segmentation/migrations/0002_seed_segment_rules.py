"""Seed the usual eleven-segment R x FM table (docs/segmentation.md)."""

from django.db import migrations

# (priority, segment, r_min, r_max, fm_min, fm_max); the first match wins.
RULES = [
    (10, "champions", 5, 5, 4, 5),
    (20, "loyal", 3, 4, 4, 5),
    (30, "potential_loyalist", 4, 5, 2, 3),
    (40, "new_customers", 5, 5, 1, 1),
    (50, "promising", 4, 4, 1, 1),
    (60, "need_attention", 3, 3, 3, 3),
    (70, "about_to_sleep", 3, 3, 1, 2),
    (80, "cant_lose_them", 1, 2, 5, 5),
    (90, "at_risk", 1, 2, 3, 4),
    (100, "lost", 1, 1, 1, 1),
    (110, "hibernating", 1, 2, 1, 2),
]


def seed(apps, schema_editor):
    SegmentRule = apps.get_model("segmentation", "SegmentRule")
    if SegmentRule.objects.exists():
        return
    SegmentRule.objects.bulk_create(
        SegmentRule(
            priority=priority, segment=segment, r_min=r_min, r_max=r_max,
            fm_min=fm_min, fm_max=fm_max,
        )
        for priority, segment, r_min, r_max, fm_min, fm_max in RULES
    )


class Migration(migrations.Migration):
    dependencies = [("segmentation", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
