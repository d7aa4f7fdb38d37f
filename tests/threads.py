"""Run a function in several threads at once, each with its own database connection."""

import threading
from collections.abc import Callable

from django.db import connection


def in_threads(target: Callable, count: int) -> list:
    """Start `count` threads together; return their results, or fail on any error."""
    results, errors = [], []
    start = threading.Barrier(count)

    def run() -> None:
        try:
            start.wait()
            results.append(target())
        except Exception as exc:  # surfaced below, the thread must not die silently
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return results
