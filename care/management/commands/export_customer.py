"""Print everything held about one customer as JSON (a PIPL / GDPR access request)."""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.context import acting_as, command_actor
from care.privacy import customer_export, erasure_lookup
from crm.models import Customer


class Command(BaseCommand):
    help = "Print everything held about the customer as JSON on standard output."

    def add_arguments(self, parser) -> None:
        parser.add_argument("external_id")
        parser.add_argument(
            "--indent", type=int, default=2, help="spaces per level; 0 for one line"
        )

    def handle(self, *args, external_id: str, indent: int, **options) -> None:
        if indent < 0:
            raise CommandError(_("--indent must be 0 or more."))
        customer = Customer.objects.filter(external_id=external_id).first()
        if customer is None:
            raise CommandError(missing_message(external_id))
        with acting_as(command_actor("export_customer")):
            data = customer_export(customer=customer)
        self.stdout.write(
            json.dumps(data, ensure_ascii=False, indent=indent or None, sort_keys=False)
        )


def missing_message(external_id: str) -> str:
    message = _("no customer with external id '%(id)s'") % {"id": external_id}
    record = erasure_lookup(external_id=external_id)
    if record is not None:
        message += " " + _("(erased on %(when)s)") % {
            "when": timezone.localtime(record.erased_at).isoformat(timespec="seconds")
        }
    return message
