from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from api.services import api_token_create, api_token_rotate


class Command(BaseCommand):
    help = "Create an API token for an integrator and print it once (only its hash is kept)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("name", help="who the token is for, e.g. shop or helpdesk")
        parser.add_argument(
            "--rotate", action="store_true", help="replace the secret of the existing token NAME"
        )

    def handle(self, *args, name: str, rotate: bool, **options) -> None:
        try:
            token, raw = (api_token_rotate if rotate else api_token_create)(name=name)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stderr.write(f"Token {token.name!r}: store it now, it will not be shown again.")
        self.stdout.write(raw)
