import csv
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from crm.models import Customer

pytestmark = pytest.mark.django_db
HEADER = "external_id,name,phone,email,birthday,time_zone,locale,sms_marketing,email_marketing\n"


def run(path: Path, *args: str) -> str:
    out = StringIO()
    call_command(
        "import_customers",
        str(path),
        "--no-progress",
        *args,
        stdout=out,
        stderr=StringIO(),
    )
    return out.getvalue()


@pytest.fixture
def csv_file(tmp_path):
    def write(body: str, header: str = HEADER) -> Path:
        path = tmp_path / "customers.csv"
        path.write_text(header + body, encoding="utf-8")
        return path

    return write


def test_it_creates_customers_with_consents(csv_file):
    path = csv_file(
        "C1,李雷,138 1234 5678,li@example.com,1992-02-29,Asia/Shanghai,zh_CN,yes,no\n"
    )
    assert "Created 1, updated 0, rejected 0." in run(path)
    customer = Customer.objects.get()
    assert (customer.name, customer.phone, customer.locale) == (
        "李雷",
        "+8613812345678",
        "zh-hans",
    )
    assert {(c.channel, c.granted, c.source) for c in customer.consents.all()} == {
        ("sms", True, "import:customers.csv"),
        ("email", False, "import:customers.csv"),
    }


def test_it_updates_on_a_second_run_without_new_consent_rows(csv_file):
    path = csv_file("C1,Li,,,,,en,yes,\n")
    run(path)
    assert "Created 0, updated 1, rejected 0." in run(path)
    assert Customer.objects.get().consents.count() == 1


def test_it_leaves_stored_values_alone_for_blank_cells(csv_file):
    Customer.objects.create(external_id="C1", email="keep@example.com")
    run(csv_file("C1,Li,,,,,,,\n"))
    assert Customer.objects.get().email == "keep@example.com"


def test_it_reports_each_rejected_row_with_its_line_and_reason(csv_file):
    path = csv_file(
        "C1,Li,,,,,,,\nC2,Bad,123,x@,1990-13-01,Mars/X,fr,maybe,\nC3,Ok,,,,,,,\n"
    )
    out = run(path)
    assert "Created 2, updated 0, rejected 1." in out
    line = next(text for text in out.splitlines() if "line 3" in text)
    for field in ("phone", "email", "birthday", "time_zone", "locale", "sms_marketing"):
        assert field in line
    assert not Customer.objects.filter(external_id="C2").exists()


def test_it_writes_the_rejected_rows_to_a_csv_file(csv_file, tmp_path):
    errors = tmp_path / "errors.csv"
    run(csv_file("C1,Li,12,,,,,,\n,NoId,,,,,,,\n"), "--errors", str(errors))
    rows = list(csv.reader(errors.open(encoding="utf-8")))
    assert rows[0] == ["line", "external_id", "reason"]
    assert [(r[0], r[1]) for r in rows[1:]] == [("2", "C1"), ("3", "")]


def test_it_rejects_a_row_with_more_cells_than_columns(csv_file):
    out = run(csv_file("C1,Li,,,,,,,,extra\n"))
    assert "rejected 1" in out and "More cells than columns" in out


def test_it_counts_lines_of_multiline_cells(csv_file):
    out = run(csv_file('C1,"two\nlines",,,,,,,\nC2,Bad,1,,,,,,\n'))
    assert "line 4 (C2)" in out


def test_it_reads_a_file_with_a_byte_order_mark(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_text("external_id,name\nC1,Li\n", encoding="utf-8-sig")
    assert "Created 1" in run(path)


def test_it_fails_in_one_line_for_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="Cannot read .*No such file"):
        run(tmp_path / "nope.csv")


def test_it_fails_for_a_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes("external_id,name\nC1,李雷\n".encode("gbk"))
    with pytest.raises(CommandError, match="not UTF-8"):
        run(path)


def test_it_fails_without_an_external_id_header(csv_file):
    with pytest.raises(CommandError, match="Missing header"):
        run(csv_file("1,2\n", header="id,name\n"))


def test_it_fails_for_an_empty_file(csv_file):
    with pytest.raises(CommandError, match="empty"):
        run(csv_file("", header=""))


def test_it_shows_progress_on_stderr(csv_file):
    err = StringIO()
    call_command(
        "import_customers",
        str(csv_file("C1,Li,,,,,,,\n")),
        stdout=StringIO(),
        stderr=err,
    )
    assert "Importing customers: 1/1" in err.getvalue()
