"""Indexes for the admin at a million rows: each list's default order, exact
phone and email search, and (PostgreSQL) a trigram index for names.

The trigram index needs the pg_trgm extension (trusted since PostgreSQL 13: a
database owner may create it). Where it is missing or may not be created, the
migration goes on without it: name search then reads the whole table.
"""

import logging

import django.db.models.functions.text
from django.db import DatabaseError, migrations, models, transaction

TRIGRAM_INDEX = "crm_customer_name_trgm_idx"
log = logging.getLogger(__name__)


def add_name_trigrams(apps, schema_editor) -> None:
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError as exc:
        log.warning("pg_trgm unavailable, customer names not indexed: %s", exc)
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {TRIGRAM_INDEX} "
        "ON crm_customer USING gin (UPPER(name) gin_trgm_ops)"
    )


def drop_name_trigrams(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0003_order_rfm_index"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="browseevent",
            name="crm_browse_occurred_idx",
        ),
        migrations.RemoveIndex(
            model_name="order",
            name="crm_order_placed_idx",
        ),
        migrations.AlterField(
            model_name="asset",
            name="next_service_on",
            field=models.DateField(
                blank=True, editable=False, null=True, verbose_name="next service on"
            ),
        ),
        migrations.AlterField(
            model_name="customer",
            name="email",
            field=models.EmailField(blank=True, max_length=254, verbose_name="email"),
        ),
        migrations.AlterField(
            model_name="customer",
            name="phone",
            field=models.CharField(
                blank=True, help_text="E.164", max_length=20, verbose_name="phone"
            ),
        ),
        migrations.AddIndex(
            model_name="asset",
            index=models.Index(
                fields=["next_service_on", "id"], name="crm_asset_next_service_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="browseevent",
            index=models.Index(
                fields=["occurred_at", "id"], name="crm_browse_occurred_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="consent",
            index=models.Index(
                fields=["recorded_at", "id"], name="crm_consent_recorded_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["phone"], name="crm_customer_phone_idx"),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(
                django.db.models.functions.text.Upper("email"),
                name="crm_customer_email_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(fields=["placed_at", "id"], name="crm_order_placed_idx"),
        ),
        migrations.RunPython(add_name_trigrams, drop_name_trigrams, elidable=False),
    ]
