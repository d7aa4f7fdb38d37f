"""The outreach benchmark runs in its tiny mode: the synthetic shop, a sweep and
a re-run of every trigger kind, and a dispatch."""


def test_it_sweeps_every_trigger_and_dispatches_a_tiny_shop(
    run_benchmark, postgres_too
):
    database = "both" if postgres_too else "sqlite"
    figures = run_benchmark("outreach.py", "--tiny", "--database", database)
    for vendor in ["postgres", "sqlite"] if postgres_too else ["sqlite"]:
        sweeps = figures[vendor]["sweeps"]
        assert set(sweeps) == {
            "birthday",
            "maintenance",
            "abandoned_browse",
            "survey",
            "win_back",
            "new_product",
            "dated",
            "dated_all",
        }
        for trigger, sweep in sweeps.items():
            assert sweep["first"]["rows"] > 0, trigger
            # A re-run plans nothing new.
            assert sweep["rerun"]["rows"] == sweep["first"]["rows"], trigger
            # The results page's report adds every planned message up, in one
            # query (in a transaction; on PostgreSQL with JIT off: 4 with those).
            report = sweep["report"]
            assert report["messages"] == sweep["first"]["rows"], trigger
            assert report["queries"] == (4 if vendor == "postgres" else 3), trigger
    sent = sorted((run["vendor"], run["sent"]) for run in figures["dispatch"])
    vendors = ["postgresql", "sqlite"] if postgres_too else ["sqlite"]
    assert sent == [(vendor, 30) for vendor in vendors]
