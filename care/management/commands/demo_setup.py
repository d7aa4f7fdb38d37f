"""Prepare the local demo (`make run`): logins (a superuser, one per role) and the
demo data, once."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils import timezone

from care.demo import (
    care_demo_logins,
    care_demo_outreach,
    care_demo_seed,
    care_demo_staff,
)
from crm.models import Customer
from segmentation.models import CustomerRfm

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
        self._care_history()
        call_command("setup_schedules", stdout=self.stdout, stderr=self.stderr)
        call_command(
            "install_playbooks", "--activate", stdout=self.stdout, stderr=self.stderr
        )
        outreach = care_demo_outreach(now=timezone.now())
        if outreach.messages:
            self.stdout.write(
                f"Outreach history: {outreach.messages} messages, {outreach.clicks} "
                f"clicks, {outreach.orders} orders after them (campaign results)."
            )
        # Plan and send once now, so the admin shows messages before the
        # scheduler's first minute has passed.
        call_command("run_triggers", stdout=self.stdout, stderr=self.stderr)
        call_command("dispatch", stdout=self.stdout, stderr=self.stderr)
        self._logins()

    def _logins(self) -> None:
        self.stdout.write("Demo logins (local only, docs/demo.md):")
        self.stdout.write(f"  {DEMO_USERNAME} / {DEMO_PASSWORD}  superuser")
        for username, password, role in care_demo_logins():
            self.stdout.write(f"  {username} / {password}  {role}")

    def _care_history(self) -> None:
        # Past surveys, answers and recovery cases, so the care reports show figures.
        care_demo_staff(get_user_model().objects.get(username=DEMO_USERNAME))
        # Segments first: a low score from a Champion goes to the senior queue.
        if not CustomerRfm.objects.exists():
            call_command("rfm_score", stdout=self.stdout, stderr=self.stderr)
        result = care_demo_seed(
            now=timezone.now(), quiet_hours=settings.CARE_QUIET_HOURS
        )
        self.stdout.write(
            f"Care history: {result.surveys} surveys, {result.answered} answered, "
            f"{result.cases} recovery cases."
        )
