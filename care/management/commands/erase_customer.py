"""Erase one customer's personal data for good (a PIPL / GDPR erasure request)."""

import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.context import acting_as, command_actor, login_name
from care.privacy import ErasureBlocked, customer_erase, erasure_lookup
from crm.models import Customer


class Command(BaseCommand):
    help = (
        "Delete the customer and everything about them, keeping only an erasure "
        "record (docs/privacy.md). Asks for confirmation unless --yes."
    )
    stealth_options = ("stdin",)

    def add_arguments(self, parser) -> None:
        parser.add_argument("external_id")
        parser.add_argument(
            "--yes",
            "--noinput",
            "--no-input",
            action="store_true",
            dest="yes",
            help="do not ask for confirmation",
        )
        parser.add_argument(
            "--requested-by",
            default="",
            help="who asked for the erasure (kept on record)",
        )

    def handle(self, *args, external_id: str, yes: bool, requested_by: str, **options):
        customer = Customer.objects.filter(external_id=external_id).first()
        if customer is None:
            self._already_or_unknown(external_id)
            return
        if not yes:
            self._confirm(external_id, options.get("stdin") or sys.stdin)
        try:
            with acting_as(command_actor("erase_customer")):
                record = customer_erase(
                    customer=customer, requested_by=requested_by or _default_requester()
                )
        except ErasureBlocked as exc:
            raise CommandError(str(exc)) from None
        removed = ", ".join(f"{label} {n}" for label, n in record.counts.items())
        self.stdout.write(
            _("erased customer '%(id)s' (record %(pk)s): %(removed)s")
            % {"id": external_id, "pk": record.pk, "removed": removed}
        )

    def _already_or_unknown(self, external_id: str) -> None:
        record = erasure_lookup(external_id=external_id)
        if record is None:
            raise CommandError(
                _("no customer with external id '%(id)s'") % {"id": external_id}
            )
        self.stdout.write(
            _("customer '%(id)s' already erased on %(when)s (record %(pk)s)")
            % {
                "id": external_id,
                "when": timezone.localtime(record.erased_at).isoformat(
                    timespec="seconds"
                ),
                "pk": record.pk,
            }
        )

    def _confirm(self, external_id: str, stdin) -> None:
        if not stdin.isatty():
            raise CommandError(
                _("refusing to erase without confirmation: not a terminal; pass --yes"),
                returncode=2,
            )
        self.stdout.write(
            _("This deletes customer '%(id)s' and all their data for good.")
            % {"id": external_id}
        )
        self.stdout.write(_("Type the external id again to confirm: "), ending="")
        self.stdout.flush()
        if stdin.readline().strip() != external_id:
            raise CommandError(_("erasure cancelled: the id typed did not match"))


def _default_requester() -> str:
    return f"{login_name()} (erase_customer)"
