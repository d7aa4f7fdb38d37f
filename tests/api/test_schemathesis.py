"""schemathesis against a live server: the schema and the API agree.

A bounded run (every phase: examples, coverage, fuzzing, and stateful tests
that follow the schema's links) with every check. It fails on a server error,
an answer that breaks the schema, a schema-valid request refused, or a
schema-breaking request accepted. Runs on the suite's database (SQLite, or
PostgreSQL when DATABASE_URL is set). The rules no schema can state are
satisfied by tests/api/schemathesis_hooks.py.
"""

import os
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest

from api.services import api_token_create
from tests.api.schemathesis_hooks import CUSTOMER, PRODUCT
from tests.factories import CustomerFactory, ProductFactory

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
# A few hundred generated requests per phase (the coverage phase, which walks
# every field's boundaries, about 1,300): about a minute on a quiet machine.
MAX_EXAMPLES = os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "10")
SEED = os.environ.get("SCHEMATHESIS_SEED", "20261130")


@pytest.mark.django_db(transaction=True)
def test_it_passes_every_schemathesis_check_against_a_live_server(
    live_server, tmp_path
):
    _token, raw = api_token_create(name="schemathesis")
    CustomerFactory(external_id=CUSTOMER)
    ProductFactory(sku=PRODUCT, price=Decimal("10.00"))
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(HERE / "schemathesis.toml"),
        "run",
        f"{live_server.url}/api/v1/openapi.json",
        "--checks",
        "all",
        "--header",
        f"Authorization: Bearer {raw}",
        # The test server keeps connections alive and answers in two writes;
        # with Nagle's algorithm each reuse waits 40 ms for nothing.
        "--header",
        "Connection: close",
        "--max-examples",
        MAX_EXAMPLES,
        "--seed",
        SEED,
        "--workers",
        "1",
        "--generation-database",
        "none",
        "--no-color",
    ]
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "SCHEMATHESIS_HOOKS": "tests.api.schemathesis_hooks",
    }
    started = time.monotonic()
    done = subprocess.run(
        command,
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    elapsed = time.monotonic() - started
    print(f"schemathesis: {elapsed:.1f} s", done.stdout[-3000:], sep="\n")
    assert done.returncode == 0, done.stdout[-20000:] + done.stderr[-5000:]
    assert " passed" in done.stdout and "Stateful" in done.stdout
