"""Staff members and their roles: `add_staff` (and the demo's logins) go through here.

A role is one or more auth groups, kept with their permissions by migration
care 0010: care staff are in `care`; senior care in `care` and `senior` (the
senior queue is a group's queue); marketers in `marketer`; managers in
`managers`. docs/admin.md has what each can and cannot do.
"""

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from care.models import StaffProfile
from crm.validation import clean_phone

ROLES: dict[str, tuple[str, ...]] = {
    "care": ("care",),
    "senior": ("care", "senior"),
    "marketer": ("marketer",),
    "manager": ("managers",),
}
ROLE_GROUPS = frozenset(name for names in ROLES.values() for name in names)


class StaffError(ValueError):
    """Bad input for a staff member; the text is one line naming the problem."""


@dataclass(frozen=True)
class StaffResult:
    user: AbstractBaseUser
    created: bool
    # The password made up for a new user, to show once; "" otherwise.
    generated_password: str


def _clean(username: str, role: str, email: str, phone: str) -> tuple[str, str]:
    if role not in ROLES:
        raise StaffError(
            _("unknown role %(role)r: choose one of %(roles)s")
            % {"role": role, "roles": ", ".join(ROLES)}
        )
    try:
        get_user_model().username_validator(username)
        if email:
            validate_email(email)
        return email.strip(), clean_phone(
            phone, settings.PHONE_DEFAULT_REGION
        ) if phone else ""
    except ValidationError as exc:
        raise StaffError(" ".join(exc.messages)) from None


def _groups(role: str) -> list[Group]:
    groups = list(Group.objects.filter(name__in=ROLES[role]))
    if len(groups) != len(ROLES[role]):
        raise StaffError(_("the role's groups are missing: run manage.py migrate"))
    return groups


def _set_password(user: AbstractBaseUser, password: str) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise StaffError(" ".join(exc.messages)) from None
    user.set_password(password)


@transaction.atomic
def staff_add(
    *,
    username: str,
    role: str,
    email: str = "",
    phone: str = "",
    password: str | None = None,
) -> StaffResult:
    """Create or update a staff member in exactly one role (safe to run again).

    A new user without a given password gets a generated one; an existing
    user keeps theirs unless one is given. Email and phone are kept when not
    given; other (non-role) groups are left alone.
    """
    email, phone = _clean(username, role, email, phone)
    groups = _groups(role)
    user, created = get_user_model().objects.get_or_create(username=username)
    generated = ""
    if created and password is None:
        password = generated = secrets.token_urlsafe(12)
    if password is not None:
        _set_password(user, password)
    user.is_staff = user.is_active = True
    user.email = email or user.email
    user.save()
    user.groups.remove(*Group.objects.filter(name__in=ROLE_GROUPS - set(ROLES[role])))
    user.groups.add(*groups)
    profile, _ = StaffProfile.objects.get_or_create(user=user)
    if phone:
        profile.phone = phone
        profile.save()
    return StaffResult(user, created, generated)
