"""Every benchmark runs in its tiny mode in the test suite, through the same
data-building code as a full run: on SQLite always, on PostgreSQL too when
DATABASE_URL points at one. So a schema change that breaks a benchmark fails
here, not on the next `make bench`."""

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _postgres_server() -> tuple[str, str] | None:
    """(maintenance URL, database name prefix) of DATABASE_URL's server."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return None
    parts = urlsplit(url)
    prefix = f"{parts.path.lstrip('/') or 'test'}_bench"
    return urlunsplit(parts._replace(path="/postgres")), prefix


@pytest.fixture
def postgres_too() -> bool:
    return _postgres_server() is not None


@pytest.fixture
def run_benchmark(tmp_path) -> Callable[..., dict]:
    """Run benchmarks/<script> with arguments; return its JSON line.

    PostgreSQL databases get this checkout's own prefix (<DATABASE_URL's
    name>_bench_...) and are dropped afterwards; SQLite files go to tmp_path.
    """
    server = _postgres_server()
    env = {**os.environ, "CARE_VAR_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    if server:
        env["BENCH_POSTGRES_URL"], env["BENCH_DB_PREFIX"] = server

    def run(script: str, *args: str) -> dict:
        done = subprocess.run(
            [sys.executable, f"benchmarks/{script}", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        lines = done.stdout.strip().splitlines()
        assert len(lines) == 1, done.stdout[-3000:]
        return json.loads(lines[0])

    yield run
    if server:
        _drop_databases(*server)


def _drop_databases(url: str, prefix: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        names = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s",
            [prefix.replace("_", r"\_") + r"\_%"],
        ).fetchall()
        for (name,) in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
