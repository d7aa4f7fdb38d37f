import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_benchmark_prints_one_json_line_of_kernel_figures():
    done = subprocess.run(
        [sys.executable, "benchmarks/rfm.py", "--database", "none", "--customers", "2000"],
        cwd=ROOT,
        capture_output=True,
        check=True,
        timeout=120,
    )
    lines = done.stdout.decode().strip().splitlines()
    figures = json.loads(lines[-1])
    assert len(lines) == 1
    assert [k["customers"] for k in figures["kernel"]] == [200, 2000]
    assert figures["machine"]["nproc"] >= 1


def test_the_benchmark_refuses_bad_arguments_in_one_line():
    done = subprocess.run(
        [sys.executable, "benchmarks/rfm.py", "--customers", "3"],
        cwd=ROOT,
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.decode().strip().splitlines()[-1].endswith(
        "--customers must be at least 10 and --orders-per-customer at least 1"
    )
