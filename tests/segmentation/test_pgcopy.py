import numpy as np
from django.db import connection
import pytest

from segmentation import pgcopy

TYPES = ["int8", "int4", "int2"]


def columns() -> list[np.ndarray]:
    return [
        np.array([1, 2**40, -7], dtype=np.int64),
        np.array([0, -1, 2**31 - 1], dtype=np.int64),
        np.array([5, 0, -1], dtype=np.int64),
    ]


def test_it_reads_back_what_it_writes():
    data = b"".join(pgcopy.encode(columns(), TYPES, chunk_rows=2))
    decoded = pgcopy.decode(data, TYPES)
    assert [c.tolist() for c in decoded] == [c.tolist() for c in columns()]


def test_it_writes_postgresql_binary_copy_byte_for_byte():
    # One row (42, 7) as int8, int2: what COPY ... TO STDOUT (FORMAT binary) sends.
    expected = (
        b"PGCOPY\n\xff\r\n\x00\x00\x00\x00\x00\x00\x00\x00\x00"
        b"\x00\x02"
        b"\x00\x00\x00\x08\x00\x00\x00\x00\x00\x00\x00\x2a"
        b"\x00\x00\x00\x02\x00\x07"
        b"\xff\xff"
    )
    data = [np.array([42]), np.array([7])]
    assert b"".join(pgcopy.encode(data, ["int8", "int2"])) == expected


def test_it_writes_an_empty_table():
    empty = [np.zeros(0, dtype=np.int64)] * 3
    data = b"".join(pgcopy.encode(empty, TYPES))
    assert [c.shape for c in pgcopy.decode(data, TYPES)] == [(0,)] * 3


def test_it_refuses_a_null_rather_than_misreading_the_rows():
    data = bytearray(b"".join(pgcopy.encode(columns(), TYPES)))
    # The first row's int2 field becomes NULL: length -1 and no value.
    first_int2 = 19 + 2 + (4 + 8) + (4 + 4)
    data[first_int2 : first_int2 + 6] = b"\xff\xff\xff\xff"
    with pytest.raises(pgcopy.CopyFormatError, match="NULL"):
        pgcopy.decode(data, TYPES)


def test_it_refuses_data_that_is_not_binary_copy():
    with pytest.raises(pgcopy.CopyFormatError, match="signature"):
        pgcopy.decode(b"1\t2\t3\n", TYPES)


def test_it_reads_a_whole_copy_out_of_postgresql_and_leaves_the_connection_usable(
    postgres_only,
):
    from segmentation.storage import _copy_out

    sql = "SELECT g::int8, (g * 2)::int8 FROM generate_series(1, 50000) g"
    ids, doubled = _copy_out(sql, [], ("int8", "int8"))
    assert ids.tolist() == list(range(1, 50001))
    assert (doubled == ids * 2).all()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


def test_it_raises_the_servers_error_in_the_middle_of_a_copy(postgres_only):
    from django.db import transaction

    from segmentation.storage import _copy_out

    failing = "SELECT (1 / (g - 30000))::int8 FROM generate_series(1, 50000) g"
    with pytest.raises(Exception, match="division by zero"), transaction.atomic():
        _copy_out(failing, [], ("int8",))
    with connection.cursor() as cursor:
        cursor.execute("SELECT 2")
        assert cursor.fetchone() == (2,)
