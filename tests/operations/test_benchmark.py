"""The operations benchmark runs end to end at a tiny scale (SQLite only)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_operations_benchmark_runs(tmp_path):
    env = {**os.environ, "CARE_VAR_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "benchmarks/operations.py", "--messages", "200"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    (run,) = json.loads(done.stdout.strip().splitlines()[-1])["runs"]
    assert run["messages"] == 200 and run["status_page"]["queries"] > 0
    assert set(run) >= {"status_page", "index_panel", "metrics", "healthz_reads"}
