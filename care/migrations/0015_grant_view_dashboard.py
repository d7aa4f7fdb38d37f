"""Managers see the dashboard on the admin index (issue 12): the permission is
granted to the `managers` group, created when it does not exist yet (as 0011 does)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "managers"
CODENAMES = ["view_dashboard"]


def grant(apps, schema_editor):
    config = apps.get_app_config("care")
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
        *Permission.objects.filter(content_type__app_label="care", codename__in=CODENAMES)
    )


class Migration(migrations.Migration):
    dependencies = [("care", "0014_tracked_links_results")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
