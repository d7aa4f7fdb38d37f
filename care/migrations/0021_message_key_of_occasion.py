"""The idempotency key is always the occasion key, "/" and the channel, so the
occasion key's unique index makes it unique: its own unique index goes (one
index fewer for every planned row, issue 16).

Test sends (care.studio.test_send) wrote their key without the channel; those
rows are given the channel before the check is added."""

import django.db.models.functions.text
from django.db import migrations, models
from django.db.models.functions import Concat


def keys_of_occasions(apps, schema_editor):
    Message = apps.get_model("care", "Message")
    derived = Concat("occasion_key", models.Value("/"), "channel")
    Message.objects.exclude(key=derived).update(key=derived)


class Migration(migrations.Migration):
    dependencies = [
        ("care", "0020_message_fewer_indexes"),
        ("crm", "0006_merge_product_url_category"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="message",
            name="care_msg_key_unique",
        ),
        migrations.RunPython(keys_of_occasions, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="message",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "key",
                        django.db.models.functions.text.Concat(
                            "occasion_key", models.Value("/"), "channel"
                        ),
                    )
                ),
                name="care_msg_key_of_occasion",
            ),
        ),
    ]
