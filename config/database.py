from pathlib import Path
from typing import Any

import dj_database_url

# A web server and a worker writing at once fail with "database is locked"
# under Django's SQLite defaults: WAL lets readers run beside the writer, and
# IMMEDIATE takes the write lock when a transaction starts, so the busy timeout
# (rather than a failed lock upgrade mid-transaction) decides who waits.
SQLITE_INIT = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"


def database_config(url: str, conn_max_age: int = 0) -> dict[str, Any]:
    config = dj_database_url.parse(url, conn_max_age=conn_max_age)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        Path(config["NAME"]).parent.mkdir(parents=True, exist_ok=True)
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": SQLITE_INIT,
        }
        # The test database is a file beside the real one, not pytest-django's
        # in-memory default: a django-q2 cluster started by a test (another
        # process) must open the same database.
        name = Path(config["NAME"])
        config["TEST"] = {"NAME": str(name.with_name(f"test-{name.name}"))}
    return config
