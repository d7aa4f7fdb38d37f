"""Prepare the local demo (`make run`): an admin login and the demo data, once."""

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

from crm.models import Customer

DEMO_USERNAME = "admin"
DEMO_PASSWORD = "admin"


class Command(BaseCommand):
    help = "Create the demo superuser and load the demo data set on first run (idempotent)."

    def handle(self, *args, **options) -> None:
        User = get_user_model()
        if not User.objects.filter(username=DEMO_USERNAME).exists():
            User.objects.create_superuser(
                DEMO_USERNAME, "admin@localhost", DEMO_PASSWORD
            )
            self.stdout.write(f"Created the demo superuser {DEMO_USERNAME!r}.")
        if not Customer.objects.exists():
            call_command("seed_demo", stdout=self.stdout, stderr=self.stderr)
        else:
            self.stdout.write("Demo data already loaded; leaving it as it is.")
        call_command("setup_schedules", stdout=self.stdout, stderr=self.stderr)
        call_command(
            "install_playbooks", "--activate", stdout=self.stdout, stderr=self.stderr
        )
        # Plan and send once now, so the admin shows messages before the
        # scheduler's first minute has passed.
        call_command("run_triggers", stdout=self.stdout, stderr=self.stderr)
        call_command("dispatch", stdout=self.stdout, stderr=self.stderr)
