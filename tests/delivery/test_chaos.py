"""Dispatch processes killed at random, a faulty fake Twilio: none twice, none lost.

Needs PostgreSQL and Redis (the children share the test database and the
Redis broker/bucket): DATABASE_URL=postgres://... and REDIS_URL=redis://...;
`.ci/run` sets both. `make chaos` runs the same at 20,000 messages.
"""

import os

import pytest
from django.db import connection

from tests.chaos import ChaosConfig, ChaosRun, database_url


@pytest.fixture
def chaos_database(transactional_db) -> str:
    """The test database's URL for the dispatch processes; PostgreSQL and Redis only."""
    missing = []
    if connection.vendor != "postgresql":
        missing.append("DATABASE_URL=postgres://postgres@127.0.0.1:5432/test")
    if not os.environ.get("REDIS_URL"):
        missing.append("REDIS_URL=redis://127.0.0.1:6379/0")
    if missing:
        pytest.skip(
            "the chaos test needs PostgreSQL and Redis: set " + ", ".join(missing)
        )
    return database_url(connection.settings_dict)


def test_it_sends_each_message_once_while_workers_are_killed(chaos_database):
    run = ChaosRun(
        ChaosConfig(messages=2000, workers=3, kills=6, window_kills=2),
        db_url=chaos_database,
        redis_url=os.environ["REDIS_URL"],
    )
    report = run.run()
    print("\n" + "\n".join(report.lines()))
    assert report.duplicates == 0
    assert report.lost == 0
    assert report.reconciles
    assert report.without_reason == 0
    assert report.kills >= 8 and report.window_kills == 2
    assert report.window_sent == report.window_total == 2
    assert set(report.faults) >= {"throttle", "error_before", "error_after"}
    assert report.clean_exits == report.workers_stopped
