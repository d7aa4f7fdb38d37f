from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from api.services import api_token_create, api_token_revoke, api_token_rotate


class Command(BaseCommand):
    help = "Create an API token and print it once (only its hash is kept)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("name", help="who the token is for, e.g. shop or helpdesk")
        action = parser.add_mutually_exclusive_group()
        action.add_argument(
            "--rotate", action="store_true", help="give the token NAME a new secret"
        )
        action.add_argument(
            "--revoke", action="store_true", help="stop the token NAME from working"
        )

    def handle(self, *args, name: str, rotate: bool, revoke: bool, **options) -> None:
        try:
            if revoke:
                api_token_revoke(name=name)
                self.stdout.write(f"Token {name!r} revoked.")
                return
            service = api_token_rotate if rotate else api_token_create
            token, raw = service(name=name)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stderr.write(f"Token {token.name!r}: store it now, it is not shown again.")
        self.stdout.write(raw)
