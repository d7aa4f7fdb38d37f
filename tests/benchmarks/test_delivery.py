"""The delivery benchmark runs end to end in its tiny mode: the real Twilio
client against the fake server, then the in-memory backend."""


def test_it_sends_every_message_through_both_backends(run_benchmark, postgres_too):
    figures = run_benchmark(
        "delivery.py", "--tiny", *(["--postgres"] if postgres_too else [])
    )
    vendors = ["sqlite", "postgresql"] if postgres_too else ["sqlite"]
    assert [(r["vendor"], r["backend"], r["sent"]) for r in figures["runs"]] == [
        (vendor, backend, 30)
        for vendor in vendors
        for backend in ("TwilioBackend", "LocmemBackend")
    ]


def test_it_measures_dispatch_beside_a_plain_loop_at_each_latency(
    run_benchmark, postgres_too
):
    figures = run_benchmark(
        "delivery.py",
        "--tiny",
        "--latency-ms",
        "0,50",
        "--concurrency",
        "1,4",
        *(["--postgres"] if postgres_too else []),
    )
    rows = figures["latency"]
    assert [(r["latency_ms"], r["concurrency"]) for r in rows] == [
        (0, 1),
        (0, 4),
        (50, 1),
        (50, 4),
    ]
    assert all(r["sent"] == r["messages"] and r["plain_per_second"] for r in rows)
