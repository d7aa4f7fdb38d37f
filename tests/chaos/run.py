"""The chaos harness: real dispatch processes, a faulty fake Twilio, SIGKILL at random.

Used by tests/delivery/test_chaos.py (about a minute, in CI) and by
scripts/chaos.py (`make chaos`: 20,000 messages, 20+ kills, BENCHMARKS.md).

The parent plans N due service SMS (one customer, one recipient each), starts
the fake Twilio server in-process with random faults (429 with Retry-After,
500 before and after accepting, an answer slower than the client's timeout
after accepting) and W `manage.py dispatch --loop` processes against the same
database and Redis. It SIGKILLs workers at random moments, and some
deliberately in the window between the provider's acceptance and the outcome
write (CARE_TEST_PAUSE_AFTER_SEND makes a worker announce that window on
stderr), restarting each (only processes it started, by pid). When every row
is final it stops the workers with SIGTERM and compares the fake's record with
the outbox.
"""

import datetime as dt
import queue
import random
import re
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from tests.chaos.processes import Worker, worker_env
from tests.chaos.report import ChaosReport
from tests.fake_twilio import FakeTwilio, Faults

UNSETTLED = ("planned", "deferred", "sending")


@dataclass
class ChaosConfig:
    messages: int = 2000
    workers: int = 3
    kills: int = 6  # SIGKILLs at random moments
    # SIGKILLs between the provider's acceptance and the outcome write.
    window_kills: int = 2
    faults: Faults = field(
        default_factory=lambda: Faults(
            throttle=0.05,
            error_before=0.02,
            error_after=0.03,
            slow_after=0.02,
            retry_after=1,
            slow_seconds=0.8,
            seed=14,
        )
    )
    batch_size: int = 50
    client_timeout: float = 0.5
    lease_seconds: int = 8
    reconcile_after: int = 2
    rate: float = 0.0  # SMS_RATE_PER_SECOND (0: no limit)
    seed: int = 14
    deadline: float = 240.0  # seconds before the run gives up waiting


def plan_messages(count: int, now: dt.datetime) -> None:
    """A live service SMS campaign, "chaos", and `count` due messages (one each)."""
    from benchmarks._fixtures import due_service_sms, service_sms_campaign
    from crm.models import Customer

    campaign = service_sms_campaign(
        slug="chaos",
        trigger="maintenance",
        body="{{ customer.name }}: your service is due.",
    )
    customers = Customer.objects.bulk_create(
        [
            Customer(external_id=f"CH{i}", name=f"Chaos {i}", phone=f"+1555{i:07d}")
            for i in range(count)
        ],
        batch_size=5000,
    )
    due_service_sms(campaign=campaign, customer_ids=[c.pk for c in customers], now=now)


class ChaosRun:
    def __init__(
        self,
        config: ChaosConfig,
        *,
        db_url: str,
        redis_url: str,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.config = config
        self.progress = progress
        self.db_url = db_url
        self.redis_url = redis_url
        self.rng = random.Random(config.seed)
        self.events: queue.Queue = queue.Queue()
        self.workers: list[Worker] = []
        self.started = 0
        self.kills = 0
        self.window_kills = 0
        self.window_messages: list[int] = []
        self.fake: FakeTwilio | None = None

    # --- processes ---------------------------------------------------------
    def _spawn(self) -> Worker:
        self.started += 1
        extra = {}
        if self.window_kills < self.config.window_kills:
            # Announce (and linger in) the window after one accepted send,
            # until the deliberate kills are done.
            nth = self.rng.randint(1, max(1, self.config.batch_size * 2))
            extra["CARE_TEST_PAUSE_AFTER_SEND"] = f"{nth}:2"
        env = worker_env(
            db_url=self.db_url,
            redis_url=self.redis_url,
            twilio_url=self.fake.url,
            config=self.config,
            **extra,
        )
        worker = Worker(
            env,
            name=f"chaos-{self.started}",
            batch_size=self.config.batch_size,
            events=self.events,
        )
        self.workers.append(worker)
        return worker

    def _replace(self, worker: Worker) -> None:
        worker.kill()
        self.workers.remove(worker)
        self.kills += 1
        self._spawn()

    def _kill_in_window(self) -> None:
        try:
            worker, message_id = self.events.get_nowait()
        except queue.Empty:
            return
        if self.window_kills >= self.config.window_kills or not worker.alive():
            return
        self.window_kills += 1
        self.window_messages.append(message_id)
        self._replace(worker)

    # --- the run -------------------------------------------------------------
    def run(self) -> ChaosReport:
        from django.utils import timezone

        plan_messages(self.config.messages, timezone.now())
        self.fake = FakeTwilio(faults=self.config.faults).start()
        try:
            return self._run()
        finally:
            for worker in self.workers:
                if worker.alive():
                    worker.kill()
            self.fake.stop()

    def _run(self) -> ChaosReport:
        begin = time.monotonic()
        for _ in range(self.config.workers):
            self._spawn()
        kills_at = self._kill_points()
        next_note = begin
        while self._open() and time.monotonic() - begin < self.config.deadline:
            if self.progress and time.monotonic() >= next_note:
                next_note += 5
                self._note(time.monotonic() - begin)
            self._kill_in_window()
            if kills_at and len(self.fake.messages) >= kills_at[0]:
                kills_at.pop(0)
                self._replace(self.rng.choice(self.workers))
            time.sleep(0.05)
        seconds = time.monotonic() - begin
        clean = self._stop_all()
        return self._report(seconds, clean)

    def _kill_points(self) -> list[int]:
        """When to kill at random: after so many messages taken, over 90% of the run.

        By progress rather than by the clock, so that every kill lands while
        the workers are sending, however fast this machine is.
        """
        kills, span = self.config.kills, self.config.messages * 0.9
        return sorted(int(span * (n + self.rng.random()) / kills) for n in range(kills))

    def _note(self, elapsed: float) -> None:
        from care.models import Message

        statuses = Counter(
            Message.objects.filter(campaign__slug="chaos").values_list(
                "status", flat=True
            )
        )
        self.progress(
            f"{elapsed:6.1f} s  kills {self.kills}  provider took "
            f"{len(self.fake.messages)}  outbox {dict(sorted(statuses.items()))}"
        )

    def _open(self) -> bool:
        """Rows not final yet (unknown rows are still being reconciled)."""
        from care.models import Message

        return Message.objects.filter(
            campaign__slug="chaos", status__in=(*UNSETTLED, "unknown")
        ).exists()

    def _stop_all(self) -> int:
        for worker in self.workers:
            worker.process.send_signal(signal.SIGTERM)
        clean = 0
        for worker in self.workers:
            try:
                clean += worker.process.wait(timeout=20) == 0
            except subprocess.TimeoutExpired:
                worker.kill()
        return clean

    def _report(self, seconds: float, clean: int) -> ChaosReport:
        from care.models import Message

        rows = list(
            Message.objects.filter(campaign__slug="chaos").values_list(
                "pk", "customer__phone", "status", "reason", "provider_id"
            )
        )
        taken = Counter(m["to"] for m in self.fake.messages.values())
        to_of_sid = {sid: m["to"] for sid, m in self.fake.messages.items()}
        statuses = Counter(status for _, _, status, _, _ in rows)
        sent_like = ("sent", "delivered")
        window = set(self.window_messages)

        def count(test) -> int:
            return sum(1 for row in rows if test(*row))

        return ChaosReport(
            messages=len(rows),
            planned=self.config.messages,
            seconds=seconds,
            kills=self.kills,
            window_kills=self.window_kills,
            faults=dict(self.fake.fault_counts),
            statuses=dict(statuses),
            provider_messages=len(self.fake.messages),
            duplicates=sum(1 for n in taken.values() if n > 1),
            sent_not_taken=count(
                lambda pk, to, status, reason, sid: (
                    status in sent_like and to_of_sid.get(sid) != to
                )
            ),
            unsettled=sum(statuses[s] for s in UNSETTLED),
            unknown=statuses["unknown"],
            unknown_taken=count(
                lambda pk, to, status, reason, sid: status == "unknown" and taken[to]
            ),
            without_reason=count(
                lambda pk, to, status, reason, sid: (
                    status in ("failed", "skipped", "unknown") and not reason
                )
            ),
            unrecorded=count(
                lambda pk, to, status, reason, sid: (
                    taken[to] and status not in (*sent_like, "unknown")
                )
            ),
            window_sent=count(
                lambda pk, to, status, reason, sid: pk in window and status in sent_like
            ),
            window_total=len(window),
            clean_exits=clean,
            workers_stopped=len(self.workers),
            provider_rate=self._provider_rate(0.95),
            claims=sum(self._claims(worker) for worker in self.workers),
        )

    def _provider_rate(self, share: float) -> float:
        """Messages the provider took per second, from the first to `share` of them."""
        times = sorted(m["_created"] for m in self.fake.messages.values())
        if len(times) < 2:
            return 0.0
        last = times[max(1, int(len(times) * share) - 1)]
        seconds = (last - times[0]).total_seconds()
        return (int(len(times) * share) - 1) / seconds if seconds else 0.0

    @staticmethod
    def _claims(worker: Worker) -> int:
        for line in worker.out:
            if match := re.match(r"claims: (\d+)", line):
                return int(match.group(1))
        return 0
