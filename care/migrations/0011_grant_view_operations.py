"""Managers see the operations status page, heartbeats and incidents.

The `managers` group is created when it does not exist yet (the roles
migration of issue 11 keeps it too; get_or_create either way). Permissions are
created here first: Django makes them only after all migrations ran.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "managers"
CODENAMES = ["view_operations", "view_heartbeat", "view_incident"]


def grant(apps, schema_editor):
    config = apps.get_app_config("care")
    # In a migration the app is a stand-in without models_module, which
    # create_permissions needs set (it is Django's own recipe).
    stand_in = getattr(config, "models_module", None) is None
    if stand_in:
        config.models_module = True
    create_permissions(config, apps=apps, verbosity=0)
    if stand_in:
        config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="care", codename__in=CODENAMES
        )
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=GROUP).first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="care", codename__in=CODENAMES
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("care", "0010_operations"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
