"""add_staff: a staff member in one role, a password shown once, safe to run twice."""

import io

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from care.models import StaffProfile

pytestmark = pytest.mark.usefixtures("roles")


def add_staff(*args, stdin: str | None = None) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    extra = {"stdin": io.StringIO(stdin)} if stdin is not None else {}
    call_command("add_staff", *args, stdout=out, stderr=err, **extra)
    return out.getvalue().strip(), err.getvalue().strip()


def test_it_creates_a_user_in_the_role_and_prints_a_password_that_works():
    password, note = add_staff(
        "lin",
        "--role",
        "senior",
        "--email",
        "lin@example.com",
        "--phone",
        "138 0013 8000",
    )
    user = authenticate(username="lin", password=password)
    assert user is not None and user.is_staff and not user.is_superuser
    assert sorted(user.groups.values_list("name", flat=True)) == ["care", "senior"]
    assert user.email == "lin@example.com"
    assert StaffProfile.objects.get(user=user).phone == "+8613800138000"
    assert "shown once" in note
    client = Client()
    assert client.login(username="lin", password=password)
    assert client.get(reverse("admin:care_recoverycase_mine")).status_code == 200


def test_a_second_run_changes_the_role_and_never_prints_a_password_again():
    password, _ = add_staff("lin", "--role", "care")
    again, note = add_staff("lin", "--role", "manager")
    user = authenticate(username="lin", password=password)
    assert again == "" and "updated" in note
    assert list(user.groups.values_list("name", flat=True)) == ["managers"]


def test_it_takes_the_password_from_standard_input():
    out, _ = add_staff(
        "mia", "--role", "marketer", "--password-stdin", stdin="a long passphrase 9\n"
    )
    assert out == ""
    assert authenticate(username="mia", password="a long passphrase 9") is not None


@pytest.mark.parametrize(
    ("args", "stdin", "reason"),
    [
        (["kim", "--role", "boss"], None, "unknown role 'boss'"),
        (["kim"], None, "usage: add_staff USERNAME --role ROLE"),
        (["kim", "--role", "care", "--email", "nope"], None, "valid email"),
        (["kim", "--role", "care", "--phone", "12"], None, "phone"),
        (["kim", "--role", "care", "--password-stdin"], "123\n", "too short"),
        (["kim", "--role", "care", "--password-stdin"], "", "no password"),
        (["bad name!", "--role", "care"], None, "username"),
    ],
)
def test_it_refuses_bad_arguments_with_one_line_and_writes_nothing(args, stdin, reason):
    with pytest.raises(CommandError) as refused:
        add_staff(*args, stdin=stdin)
    assert reason.lower() in str(refused.value).lower()
    assert "\n" not in str(refused.value)
    assert authenticate(username="kim", password="123") is None
    assert (
        not get_user_model().objects.filter(username__in=["kim", "bad name!"]).exists()
    )
