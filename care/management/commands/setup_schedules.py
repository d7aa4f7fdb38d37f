"""Install the periodic jobs of config/schedules.py (safe to run again)."""

from django.core.management.base import BaseCommand

from care.schedules import schedules_install


class Command(BaseCommand):
    help = "Create or update the django-q2 schedules declared in config/schedules.py; remove stale ones."

    def handle(self, *args, **options) -> None:
        result = schedules_install()
        for label, names in (
            ("created", result.created),
            ("updated", result.updated),
            ("removed", result.removed),
        ):
            for name in names:
                self.stdout.write(f"{label}: {name}")
        if not (result.created or result.updated or result.removed):
            self.stdout.write("Schedules already up to date.")
