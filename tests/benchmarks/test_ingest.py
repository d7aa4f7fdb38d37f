"""The ingestion benchmark runs end to end at a tiny scale (SQLite only)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_ingest_benchmark_prints_one_line_of_figures(tmp_path):
    env = {**os.environ, "CARE_VAR_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [
            sys.executable,
            "benchmarks/ingest.py",
            "--customers",
            "50",
            "--event-batches",
            "1",
            "--puts",
            "5",
            "--batch-customers",
            "30",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    [line] = done.stdout.strip().splitlines()
    figures = json.loads(line)
    assert (figures["database"], figures["customers"]) == ("sqlite", 50)
    assert figures["seed_demo_s"] > 0 and figures["api_events_per_s"] > 0
    assert figures["api_customer_puts_per_s"] > 0
    assert figures["api_batch_customers_per_s"] > 0
    assert figures["floor_single_per_s"] > 0 and figures["floor_batch_per_s"] > 0
