"""The dashboard benchmark runs in its tiny mode: the index as a manager, with its figures."""


def test_it_times_the_dashboard_on_a_tiny_demo(run_benchmark, postgres_too):
    database = "both" if postgres_too else "sqlite"
    figures = run_benchmark("dashboard.py", "--tiny", "--repeat", "1", "--database", database)
    for vendor in ["postgres", "sqlite"] if postgres_too else ["sqlite"]:
        run = figures[vendor]
        assert run["customers"] == 300 and run["messages"] > 100
        for part in ("dashboard_build", "admin_index"):
            assert run[part]["seconds"] > 0 and 0 < run[part]["queries"] < 60
