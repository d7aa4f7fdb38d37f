"""The survey-latency benchmark in its tiny mode: the real scheduler and a
dispatch process, a marketing backlog, and every survey out within the hour."""


def test_every_survey_goes_out_within_the_hour_behind_a_campaign(
    run_benchmark, postgres_too
):
    figures = run_benchmark(
        "latency.py", "--tiny", *(["--postgres"] if postgres_too else [])
    )
    assert figures["surveys_sent"] == figures["surveys"] == 5
    assert figures["within_60_min"] == 1.0
    assert figures["marketing_sent"] == figures["marketing"] == 200
