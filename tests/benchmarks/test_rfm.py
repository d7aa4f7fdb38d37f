"""The RFM benchmark: its kernel figures, its argument checks, and its tiny
mode (synthetic data built in SQL, a first run, a re-run, the bare aggregate)."""

import subprocess
import sys

from tests.benchmarks.conftest import ROOT


def test_it_prints_one_json_line_of_kernel_figures(run_benchmark):
    figures = run_benchmark("rfm.py", "--database", "none", "--customers", "2000")
    assert [k["customers"] for k in figures["kernel"]] == [200, 2000]
    assert figures["machine"]["nproc"] >= 1


def test_it_refuses_bad_arguments_in_one_line():
    done = subprocess.run(
        [sys.executable, "benchmarks/rfm.py", "--customers", "3"],
        cwd=ROOT,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert (
        done.stderr.decode()
        .strip()
        .splitlines()[-1]
        .endswith(
            "--customers must be at least 10 and --orders-per-customer at least 1"
        )
    )


def test_it_builds_scores_and_rescores_a_tiny_shop(run_benchmark, postgres_too):
    database = "both" if postgres_too else "sqlite"
    figures = run_benchmark("rfm.py", "--tiny", "--database", database)
    vendors = ["postgres", "sqlite"] if postgres_too else ["sqlite"]
    for vendor in vendors:
        [size] = figures[vendor]
        assert (size["customers"], size["orders"]) == (200, 2000)
        assert size["run"]["transitions"] == 200  # everyone's first label
        assert size["run"]["scored"] + size["run"]["labelled"] == 200
        assert size["rerun"]["transitions"] < 200
        assert set(size["rerun"]["stages_s"]) == {
            "aggregate",
            "score",
            "cluster",
            "write",
        }
        assert len(size["bare_aggregate_s"]) == 2
