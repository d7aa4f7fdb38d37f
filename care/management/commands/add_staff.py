"""Add a staff member in a role, or change their role (safe to run twice)."""

import sys

from django.core.management.base import BaseCommand, CommandError

from care.service.staff import ROLES, StaffError, staff_add


class Command(BaseCommand):
    help = (
        "Create or update a staff user in one role (care, senior, marketer, manager). "
        "A new user's password is generated and printed once, unless "
        "--password-stdin gives one."
    )
    stealth_options = ("stdin",)

    def add_arguments(self, parser) -> None:
        parser.add_argument("username", nargs="?", default="")
        parser.add_argument("--role", default="", help=", ".join(ROLES))
        parser.add_argument("--email", default="", help="for test sends and resets")
        parser.add_argument("--phone", default="", help="for test SMS (E.164 or local)")
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            help="read the password from the first line of standard input",
        )

    def handle(self, *args, username: str, role: str, **options) -> None:
        if not username or not role:
            raise CommandError("usage: add_staff USERNAME --role ROLE")
        password = self._password(options) if options["password_stdin"] else None
        try:
            result = staff_add(
                username=username,
                role=role,
                email=options["email"],
                phone=options["phone"],
                password=password,
            )
        except StaffError as exc:
            raise CommandError(str(exc)) from None
        verb = "created" if result.created else "updated"
        self.stderr.write(f"Staff user {username!r} {verb}, role {role}.")
        if result.generated_password:
            self.stderr.write("Password (shown once, store it now):")
            self.stdout.write(result.generated_password)

    def _password(self, options: dict) -> str:
        line = (options.get("stdin") or sys.stdin).readline().rstrip("\r\n")
        if not line:
            raise CommandError("--password-stdin: standard input has no password")
        return line
