"""The chaos test's processes: `dispatch --loop` children and their environment."""

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.chaos.run import ChaosConfig

ROOT = Path(__file__).resolve().parents[2]
PAUSED = re.compile(r"care-test: paused after send of message (\d+)")
FROM_NUMBER = "+15005550006"
AUTH_TOKEN = "chaos-auth-token"


def database_url(settings_dict: dict) -> str:
    """The URL of a PostgreSQL database Django is connected to (for the children)."""
    user = settings_dict.get("USER") or "postgres"
    password = settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{password}" if password else user
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{auth}@{host}:{port}/{settings_dict['NAME']}"


def worker_env(
    *, db_url: str, redis_url: str, twilio_url: str, config: "ChaosConfig", **extra
) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "REDIS_URL": redis_url,
        "DEBUG": "0",
        "SECRET_KEY": "chaos-" + "x" * 60,
        "SITE_URL": "https://care.example.com",
        "SMS_BACKEND": "care.delivery.channels.twilio_sms.TwilioBackend",
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM_NUMBER": FROM_NUMBER,
        "TWILIO_API_BASE_URL": twilio_url,
        "TWILIO_TIMEOUT": str(config.client_timeout),
        "TWILIO_RECONCILE_AFTER": str(config.reconcile_after),
        "CARE_DISPATCH_LEASE_SECONDS": str(config.lease_seconds),
        "CARE_DISPATCH_RECONCILE_EVERY": "1",
        "CARE_DISPATCH_POLL": "0.2",
        "CARE_QUIET_HOURS": "",
        "SMS_RATE_PER_SECOND": str(config.rate),
        "SMS_RATE_WINDOW_SECONDS": "1",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }
    env.update({k: str(v) for k, v in extra.items()})
    return env


class Worker:
    """One `manage.py dispatch --loop` process, its stderr read by a thread."""

    def __init__(
        self, env: dict[str, str], *, name: str, batch_size: int, events: queue.Queue
    ) -> None:
        self.name = name
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "dispatch", "--loop", "--name", name]
            + ["--batch-size", str(batch_size)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.log: list[str] = []
        self.out: list[str] = []
        self.events = events
        threading.Thread(target=self._read_err, daemon=True).start()
        threading.Thread(target=self._read_out, daemon=True).start()

    @property
    def pid(self) -> int:
        return self.process.pid

    def _read_err(self) -> None:
        for line in self.process.stderr:
            self.log.append(line.rstrip())
            if os.environ.get("CHAOS_ECHO"):
                sys.stderr.write(f"[{self.name} {time.monotonic():.1f}] {line}")
            if match := PAUSED.search(line):
                self.events.put((self, int(match.group(1))))

    def _read_out(self) -> None:
        for line in self.process.stdout:
            self.out.append(line.rstrip())

    def kill(self) -> None:
        os.kill(self.pid, signal.SIGKILL)
        self.process.wait()

    def alive(self) -> bool:
        return self.process.poll() is None
