"""Create the standard campaigns with default copy in zh-hans and en (safe to run again)."""

from django.core.management.base import BaseCommand

from audit.context import acting_as, command_actor
from care.outreach.playbooks import playbooks_install


class Command(BaseCommand):
    help = "Create the standard campaigns (playbooks); --activate starts those still in draft."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--activate",
            action="store_true",
            help="activate drafts without a second approval (demo and first set-up)",
        )

    def handle(self, *args, activate: bool, **options) -> None:
        with acting_as(command_actor("install_playbooks")):
            result = playbooks_install(activate=activate)
        self.stdout.write(
            f"Playbooks: {len(result.created)} created, "
            f"{len(result.unchanged)} already there, {len(result.activated)} activated."
        )
