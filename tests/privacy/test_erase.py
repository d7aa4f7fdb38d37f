import datetime as dt
import io
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError
from django.db import connections
from django.utils import timezone

from care.delivery.channels.sms import LocmemBackend
from care.delivery.dispatch import messages_claim, messages_dispatch
from care.models import Coupon, DeliveryEvent, ErasureRecord, InboundMessage, Message
from care.privacy import ErasureBlocked, customer_erase, subject_hash
from crm.models import Customer, OrderLine
from tests.factories import (
    CustomerFactory,
    MessageFactory,
    OfferFactory,
    campaign_with_templates,
    consent,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def keep_connection(monkeypatch):
    """run_from_argv closes connections when done; the test's transaction needs its own."""
    monkeypatch.setattr(connections, "close_all", lambda: None)


def last_line(stderr: str) -> str:
    """The error line (system check warnings of the environment may come first)."""
    assert "Traceback" not in stderr
    return stderr.strip().splitlines()[-1]


def erase(*args: str, **kwargs) -> str:
    out = StringIO()
    call_command("erase_customer", *args, stdout=out, **kwargs)
    return out.getvalue()


def test_it_removes_every_row_about_the_person(rich):
    phone = rich.phone
    erase("VIP-1", "--yes")
    assert not Customer.objects.filter(external_id="VIP-1").exists()
    for label in [
        "crm.Consent", "crm.Order", "crm.BrowseEvent", "crm.Asset", "care.Ticket",
        "care.Message", "care.Coupon", "care.Survey", "care.RecoveryCase",
        "care.Goodwill", "segmentation.CustomerRfm", "segmentation.SegmentTransition",
    ]:
        assert not apps.get_model(label).objects.exists(), label
    assert not OrderLine.objects.exists()
    assert not DeliveryEvent.objects.exists()  # also the receipt that came unmatched
    assert not InboundMessage.objects.filter(from_number=phone).exists()


def test_it_keeps_other_customers_data(rich):
    other = CustomerFactory(external_id="OTHER")
    consent(other)
    erase("VIP-1", "--yes")
    assert Customer.objects.get(external_id="OTHER").consents.count() == 1


def test_it_records_the_erasure_with_a_hash_and_counts_but_no_personal_data(rich):
    erase("VIP-1", "--yes", "--requested-by", "DPO ticket 42")
    record = ErasureRecord.objects.get()
    assert record.subject_hash == subject_hash("VIP-1")
    assert record.requested_by == "DPO ticket 42"
    assert record.counts["crm.Customer"] == 1
    assert record.counts["care.InboundMessage"] == 2
    assert "VIP-1" not in str(record.counts) and "王小明" not in str(record.counts)


def test_it_removes_admin_history_naming_the_customer(rich, django_user_model):
    staff = django_user_model.objects.create_user("staff")
    LogEntry.objects.create(
        user=staff, content_type=ContentType.objects.get_for_model(Customer),
        object_id=str(rich.pk), object_repr=str(rich), action_flag=CHANGE,
        change_message="changed phone",
    )
    erase("VIP-1", "--yes")
    assert not LogEntry.objects.filter(object_repr__contains="王小明").exists()


def test_a_second_erase_says_already_erased_and_succeeds(rich):
    erase("VIP-1", "--yes")
    output = erase("VIP-1", "--yes")
    assert "customer 'VIP-1' already erased on 2026-11-23T" in output
    assert ErasureRecord.objects.count() == 1


def test_an_unknown_id_is_an_error_naming_it():
    with pytest.raises(CommandError, match="no customer with external id 'NOPE'"):
        erase("NOPE", "--yes")


def test_export_after_erasure_says_when_it_was_erased(rich):
    erase("VIP-1", "--yes")
    with pytest.raises(CommandError, match=r"no customer .*'VIP-1' \(erased on"):
        call_command("export_customer", "VIP-1", stdout=StringIO())


def test_it_refuses_without_yes_when_not_interactive(rich):
    with pytest.raises(CommandError, match="not a terminal; pass --yes") as caught:
        erase("VIP-1", stdin=io.StringIO(""))
    assert caught.value.returncode == 2
    assert Customer.objects.filter(external_id="VIP-1").exists()


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_it_erases_after_the_id_is_typed_again_at_a_terminal(rich):
    erase("VIP-1", stdin=FakeTerminal("VIP-1\n"))
    assert not Customer.objects.filter(external_id="VIP-1").exists()


def test_it_cancels_when_the_typed_id_does_not_match(rich):
    with pytest.raises(CommandError, match="cancelled"):
        erase("VIP-1", stdin=FakeTerminal("yes\n"))
    assert Customer.objects.filter(external_id="VIP-1").exists()


def test_the_command_exits_2_with_one_line_when_stdin_is_not_a_tty(
    rich, capsys, monkeypatch
):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    with pytest.raises(SystemExit) as exited:
        execute_from_command_line(["manage.py", "erase_customer", "VIP-1"])
    assert exited.value.code == 2
    error = last_line(capsys.readouterr().err)
    assert error == (
        "CommandError: refusing to erase without confirmation: not a terminal; pass --yes"
    )


def test_the_command_exits_1_with_one_line_for_an_unknown_id(capsys):
    with pytest.raises(SystemExit) as exited:
        execute_from_command_line(["manage.py", "erase_customer", "NOPE", "--yes"])
    assert exited.value.code == 1
    assert last_line(capsys.readouterr().err) == (
        "CommandError: no customer with external id 'NOPE'"
    )


def test_a_planned_message_of_an_erased_customer_is_never_dispatched(sms_outbox):
    customer = CustomerFactory(external_id="GONE")
    consent(customer)
    MessageFactory(campaign=campaign_with_templates(), customer=customer)
    customer_erase(customer=customer, requested_by="test")
    assert messages_dispatch().counts == {}
    assert sms_outbox == []


def test_a_message_claimed_by_a_live_worker_blocks_the_erasure(sms_outbox):
    customer = CustomerFactory(external_id="BUSY")
    consent(customer)
    MessageFactory(campaign=campaign_with_templates(), customer=customer)
    messages_claim(now=timezone.now(), limit=10)
    with pytest.raises(ErasureBlocked, match="being sent right now"):
        customer_erase(customer=customer, requested_by="test")
    assert Customer.objects.filter(external_id="BUSY").exists()


class ErasingBackend(LocmemBackend):
    """Erases the recipient while their SMS is in flight (a worker thought dead)."""

    def send(self, message) -> str:
        Message.objects.filter(pk=message.pk).update(
            claimed_at=timezone.now() - dt.timedelta(hours=1)
        )
        customer_erase(customer=message.customer, requested_by="test")
        return super().send(message)


def test_a_batch_whose_customer_is_erased_mid_send_finishes_without_a_coupon(settings):
    settings.SMS_BACKEND = "tests.privacy.test_erase.ErasingBackend"
    # Inline: this backend writes to the database, which pool threads never do.
    settings.DISPATCH_CONCURRENCY = 1
    customer = CustomerFactory(external_id="MID")
    consent(customer)
    campaign = campaign_with_templates(offer=OfferFactory())
    MessageFactory(campaign=campaign, customer=customer)
    result = messages_dispatch()
    assert result.counts == {"sent": 1}
    assert not Message.objects.exists()
    assert not Coupon.objects.exists()
