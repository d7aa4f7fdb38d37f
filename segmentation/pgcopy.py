"""PostgreSQL's binary COPY format for fixed-width integer columns, to and from numpy.

A run moves a million rows out of the database and a million back. As COPY's
binary format, with every value NOT NULL and of a fixed width, every row has the
same size, so a whole table is one numpy structured array: no Python object per
value either way. NULLs are expressed by the caller as sentinel values.

Format: https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4
"""

import select
from collections.abc import Iterator, Sequence

import numpy as np

SIGNATURE = b"PGCOPY\n\xff\r\n\x00"
# Signature, flags (no OIDs), header extension length (none).
HEADER = SIGNATURE + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
TRAILER = b"\xff\xff"
# Integer types by their PostgreSQL names.
TYPES = {"int2": ">i2", "int4": ">i4", "int8": ">i8"}


class CopyFormatError(ValueError):
    """The data is not binary COPY of the expected NOT NULL integer columns."""


def row_dtype(types: Sequence[str]) -> np.dtype:
    """One row: the field count, then each field's length and big-endian value."""
    fields = [("count", ">i2")]
    for i, name in enumerate(types):
        fields += [(f"size{i}", ">i4"), (f"value{i}", TYPES[name])]
    return np.dtype(fields)


def decode(data: bytes | bytearray, types: Sequence[str]) -> list[np.ndarray]:
    """The columns (native int64) of a `COPY ... TO STDOUT (FORMAT binary)` output."""
    view = memoryview(data)
    if bytes(view[: len(SIGNATURE)]) != SIGNATURE or bytes(view[-2:]) != TRAILER:
        raise CopyFormatError("not binary COPY data (signature or trailer missing)")
    extension = int.from_bytes(view[15:19], "big")
    body = view[19 + extension : -2]
    dtype = row_dtype(types)
    if len(body) % dtype.itemsize:
        raise CopyFormatError("rows of unexpected size: a NULL or a wider type")
    rows = np.frombuffer(body, dtype=dtype)
    if (rows["count"] != len(types)).any():
        raise CopyFormatError(f"rows without {len(types)} fields")
    columns = []
    for i, name in enumerate(types):
        if (rows[f"size{i}"] != np.dtype(TYPES[name]).itemsize).any():
            raise CopyFormatError(f"field {i} is NULL or not {name}")
        columns.append(rows[f"value{i}"].astype(np.int64))
    return columns


def encode(
    columns: Sequence[np.ndarray], types: Sequence[str], *, chunk_rows: int = 100_000
) -> Iterator[bytes]:
    """`COPY ... FROM STDIN (FORMAT binary)` data for the columns, a chunk at a time."""
    dtype = row_dtype(types)
    n = len(columns[0]) if columns else 0
    yield HEADER
    for start in range(0, n, chunk_rows):
        part = slice(start, start + chunk_rows)
        rows = np.empty(len(columns[0][part]), dtype=dtype)
        rows["count"] = len(types)
        for i, (values, name) in enumerate(zip(columns, types, strict=True)):
            rows[f"size{i}"] = np.dtype(TYPES[name]).itemsize
            rows[f"value{i}"] = values[part]
        yield rows.tobytes()
    yield TRAILER


def read_all(copy) -> bytearray:
    """All the data of a psycopg `COPY ... TO STDOUT`, inside its `with` block.

    psycopg's own read() costs a generator and a wait per row (1.8 s of a
    million-row COPY whose server side takes 0.8 s). Here libpq's buffer is
    drained in a loop (get_copy_data without waiting); when it is empty, the
    loop waits for the socket and reads whatever arrived, many rows at once.
    """
    pgconn = copy.connection.pgconn
    data = bytearray()
    while True:
        size, block = pgconn.get_copy_data(1)
        if size > 0:
            data += block
        elif size == 0:  # nothing buffered: wait for the server
            select.select([pgconn.socket], [], [])
            pgconn.consume_input()
        else:
            _end(pgconn, size)
            return data


def _end(pgconn, size: int) -> None:
    """After the last row: take the COPY's final result (or its error)."""
    import psycopg
    from psycopg import errors, pq

    error = None
    while (result := pgconn.get_result()) is not None:
        if result.status != pq.ExecStatus.COMMAND_OK and error is None:
            error = errors.error_from_result(result, encoding="utf-8")
    if error is not None:
        raise error
    if size != -1:
        raise psycopg.OperationalError(pgconn.error_message.decode(errors="replace"))
