"""The delivery benchmark runs end to end at a tiny scale (SQLite only)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_delivery_benchmark_runs(tmp_path):
    env = {**os.environ, "CARE_VAR_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "benchmarks/delivery.py", "--messages", "30"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    runs = json.loads(done.stdout.strip().splitlines()[-1])["runs"]
    assert [(r["backend"], r["sent"]) for r in runs] == [
        ("TwilioBackend", 30),
        ("LocmemBackend", 30),
    ]
