"""Scores keep the time of the last order instead of the days since it.

Days since the last order change every night for everyone, so a nightly run
rewrote every row. A fingerprint of the written values lets the next run find
the rows that change without reading them back. The time of the last order changes only with a new order:
the run now rewrites only the rows it changes (segmentation/storage.py), and
recency is computed against the latest run's as_of (CustomerRfm.recency_days).
Existing rows get the time back from their own as_of; the next run corrects
it to the exact time (and rewrites those rows once).

With a few percent of rows changing a night, pages no longer need to keep 55%
free for a heap-only rewrite of every row (0004): 10% is room enough for the
changed ones, and the run's read of the previous scores reads half the pages.
"""

from django.db import migrations, models

_BACKFILL = {
    "postgresql": "UPDATE segmentation_customerrfm "
    "SET last_order_at = scored_at - recency_days * interval '1 day' "
    "WHERE recency_days IS NOT NULL",
    "sqlite": "UPDATE segmentation_customerrfm "
    "SET last_order_at = datetime(scored_at, '-' || recency_days || ' days') "
    "WHERE recency_days IS NOT NULL",
}


def _fillfactor(percent: int):
    def alter(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f"ALTER TABLE segmentation_customerrfm SET (fillfactor = {percent})"
            )

    return alter


def backfill(apps, schema_editor):
    statement = _BACKFILL.get(schema_editor.connection.vendor)
    if statement:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("segmentation", "0004_customerrfm_heap_only_updates")]

    operations = [
        migrations.AddField(
            model_name="customerrfm",
            name="last_order_at",
            field=models.DateTimeField(
                blank=True, null=True, verbose_name="last order"
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
        migrations.RemoveField(model_name="customerrfm", name="recency_days"),
        migrations.AddField(
            model_name="customerrfm",
            name="fingerprint",
            field=models.BigIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(_fillfactor(90), _fillfactor(45), elidable=True),
    ]
