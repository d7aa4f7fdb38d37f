"""What every benchmark script shares: where its databases live, how a child
process starts Django, the machine description. Not a benchmark (bench.sh skips
files starting with an underscore).

Databases are never the development one:
- PostgreSQL: `<BENCH_DB_PREFIX>_<name>` (prefix default `bench`) on the server of
  BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres). The
  tests give each checkout its own prefix, so two test runs never share one.
- SQLite: `<CARE_VAR_DIR or ./var>/bench/<name>.sqlite3`.
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BASE_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)
PREFIX = os.environ.get("BENCH_DB_PREFIX") or "bench"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def bench_dir() -> Path:
    var = Path(os.environ.get("CARE_VAR_DIR") or ROOT / "var")
    path = var / "bench"
    path.mkdir(parents=True, exist_ok=True)
    return path


def postgres_url(name: str) -> str:
    return urlunsplit(urlsplit(BASE_URL)._replace(path=f"/{PREFIX}_{name}"))


def sqlite_url(name: str) -> str:
    return f"sqlite:///{bench_dir() / f'{name}.sqlite3'}"


def database_url(vendor: str, name: str) -> str:
    return postgres_url(name) if vendor == "postgres" else sqlite_url(name)


def postgres_available() -> bool:
    import psycopg

    try:
        psycopg.connect(BASE_URL, connect_timeout=3).close()
    except psycopg.Error:
        return False
    return True


def fresh_database(url: str, *, keep: bool = False) -> bool:
    """Create the database of `url` (emptied unless `keep`); True when it is new."""
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        if keep and path.exists():
            return False
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return True
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(BASE_URL, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if exists and keep:
            return False
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return True


def django_setup(url: str | None = None) -> None:
    if url:
        os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def run_child(script: str, args: list[str], env: dict[str, str]) -> dict:
    """Run `script` again in a fresh process (its own memory figures) and
    return the JSON of its last line of standard output."""
    done = subprocess.run(
        [sys.executable, script, *args],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        check=True,
        cwd=ROOT,
    )
    return json.loads(done.stdout.decode().strip().splitlines()[-1])


def machine() -> dict:
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(
                (
                    line.split(":", 1)[1].strip()
                    for line in info
                    if "model name" in line
                ),
                cpu,
            )
    except OSError:
        pass
    pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    return {"nproc": os.cpu_count(), "cpu": cpu, "ram_gb": round(pages / 2**30, 1)}
