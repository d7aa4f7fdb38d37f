import json
from io import StringIO

import pytest
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError
from django.db import connections

from care.privacy import customer_export

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def keep_connection(monkeypatch):
    """run_from_argv closes connections when done; the test's transaction needs its own."""
    monkeypatch.setattr(connections, "close_all", lambda: None)


def last_line(stderr: str) -> str:
    """The error line (system check warnings of the environment may come first)."""
    assert "Traceback" not in stderr
    return stderr.strip().splitlines()[-1]

SECTIONS = {
    "profile", "consents", "orders", "browse_events", "assets", "tickets", "rfm",
    "segment_history", "messages", "delivery_events", "inbound_messages", "coupons",
    "surveys", "recovery_cases",
}


def export(*args: str) -> str:
    out = StringIO()
    call_command("export_customer", *args, stdout=out)
    return out.getvalue()


def test_it_fills_every_section_for_a_rich_customer(rich):
    data = customer_export(customer=rich)
    assert SECTIONS <= set(data)
    empty = [name for name in SECTIONS if not data[name]]
    assert empty == []


def test_it_exports_orders_with_lines_and_decimals_as_strings(rich):
    order = customer_export(customer=rich)["orders"][0]
    assert order["total"] == "199.90"
    assert order["lines"][0]["unit_price"] == "199.90"
    assert order["lines"][0]["sku"]


def test_it_keeps_consent_sources_and_times_as_evidence(rich):
    consents = customer_export(customer=rich)["consents"]
    assert len(consents) == 2
    assert all(c["source"] and "granted" in c for c in consents)
    assert consents[0]["recorded_at"].startswith("2026-11-23T")


def test_it_exports_the_rendered_message_with_campaign_and_provider_id(rich):
    message = customer_export(customer=rich)["messages"][0]
    assert "王小明" in message["body"]
    assert message["provider_id"]
    assert message["status"] == "sent"
    assert message["sent_at"].startswith("2026-11-23T")
    assert set(message["campaign"]) == {"slug", "name"}


def test_it_includes_unmatched_receipts_and_replies_from_their_phone(rich):
    data = customer_export(customer=rich)
    assert len(data["delivery_events"]) == 2
    assert {m["body"] for m in data["inbound_messages"]} == {"谢谢", "TD"}


def test_it_includes_survey_answers_and_recovery_cases_with_goodwill(rich):
    data = customer_export(customer=rich)
    assert data["surveys"][0]["comment"] == "太慢了"
    case = data["recovery_cases"][0]
    assert case["notes"] == "客户很生气"
    assert "proposed_by_id" not in case["goodwill"]


def test_the_command_prints_valid_json_with_chinese_intact(rich):
    output = export("VIP-1")
    assert "王小明" in output
    assert json.loads(output)["profile"]["external_id"] == "VIP-1"


def test_the_command_prints_one_line_with_indent_zero(rich):
    assert export("VIP-1", "--indent", "0").strip().count("\n") == 0


def test_an_unknown_id_is_a_command_error_naming_it():
    with pytest.raises(CommandError, match="no customer with external id 'NOPE'"):
        export("NOPE")


def test_an_unknown_id_exits_1_with_one_line_and_no_traceback(capsys):
    with pytest.raises(SystemExit) as exited:
        execute_from_command_line(["manage.py", "export_customer", "NOPE"])
    assert exited.value.code == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "Traceback" not in captured.err
    assert last_line(captured.err) == "CommandError: no customer with external id 'NOPE'"


def test_it_is_safe_to_run_twice(rich):
    first, second = json.loads(export("VIP-1")), json.loads(export("VIP-1"))
    assert first == second
