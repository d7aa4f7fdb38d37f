"""The forecast benchmark runs in its tiny mode: the demo's birthday campaign."""


def test_it_forecasts_the_birthday_playbook_on_a_tiny_shop(run_benchmark, postgres_too):
    database = "both" if postgres_too else "sqlite"
    figures = run_benchmark("forecast.py", "--tiny", "--database", database)
    for vendor in ["postgres", "sqlite"] if postgres_too else ["sqlite"]:
        for run in ("cold", "warm"):
            forecast = figures[vendor][run]
            assert forecast["lines"] > 0
            assert set(forecast["reasons"]) >= {"no_consent", "holdout", "conflict"}
        # Nothing was written: the warm run sees the same lines.
        assert figures[vendor]["warm"]["lines"] == figures[vendor]["cold"]["lines"]
        # The whole audience, above the tiny FORECAST_SAMPLE: a sample, scaled.
        everyone = figures[vendor]["whole_audience"]
        sample = everyone["sample"]
        assert sample["every"] > 1 and everyone["lines"] == sample["due"] < sample["of"]
        outcomes = everyone["sending"] + sum(
            n for reason, n in everyone["reasons"].items() if reason != "quiet_hours"
        )
        assert abs(outcomes - sample["of"]) <= len(everyone["reasons"]) + 14
