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
