"""What a chaos run found: the outbox against the provider's record."""

from dataclasses import dataclass


@dataclass
class ChaosReport:
    messages: int  # rows in the outbox
    planned: int  # rows the run planned
    seconds: float
    kills: int
    window_kills: int
    faults: dict[str, int]
    statuses: dict[str, int]
    provider_messages: int  # messages the fake Twilio took
    duplicates: int  # recipients who received the message more than once
    sent_not_taken: int  # rows recorded sent that the provider never took
    unsettled: int  # rows still planned, deferred or sending at the end
    unknown: int  # rows left for a person (allowed, with a reason)
    unknown_taken: int  # ... of which the provider did take
    without_reason: int  # failed/skipped/unknown rows with no reason
    unrecorded: int  # taken by the provider, recorded as neither sent nor unknown
    window_sent: int  # messages killed in the window that ended sent
    window_total: int
    clean_exits: int
    workers_stopped: int
    provider_rate: float  # messages taken per second until 95% were taken
    claims: int  # claims reported by the workers that exited cleanly

    @property
    def sent(self) -> int:
        return self.statuses.get("sent", 0) + self.statuses.get("delivered", 0)

    @property
    def lost(self) -> int:
        """Neither taken by the provider nor ended with a reason: recorded sent but
        never taken, or never settled."""
        return self.sent_not_taken + self.unsettled

    @property
    def reconciles(self) -> bool:
        """Every row planned is in the outbox, and every message the provider took
        is recorded sent (or left unknown for a person)."""
        return (
            self.messages == self.planned
            and self.provider_messages == self.sent + self.unknown_taken
            and self.unrecorded == 0
        )

    @property
    def ok(self) -> bool:
        return (
            self.duplicates == 0
            and self.lost == 0
            and self.without_reason == 0
            and self.reconciles
            and self.window_sent == self.window_total
        )

    def lines(self) -> list[str]:
        faults = ", ".join(f"{k} {v}" for k, v in sorted(self.faults.items()))
        return [
            f"messages: {self.messages}",
            f"kills: {self.kills} (of which {self.window_kills} between acceptance "
            f"and the outcome write; {self.window_sent}/{self.window_total} of "
            "those messages ended sent)",
            f"faults by kind: {faults}",
            f"outbox: {dict(sorted(self.statuses.items()))}",
            f"provider took: {self.provider_messages}",
            f"duplicates: {self.duplicates}",
            f"lost: {self.lost} (recorded sent but never taken {self.sent_not_taken}, "
            f"never settled {self.unsettled})",
            f"unknown: {self.unknown} (taken by the provider: {self.unknown_taken})",
            f"counts reconcile: {'yes' if self.reconciles else 'NO'}; rows without "
            f"a reason: {self.without_reason}",
            f"throughput: {self.sent / self.seconds:.1f} messages/s "
            f"({self.sent} in {self.seconds:.1f} s, kills and recovery included)",
            f"provider rate: {self.provider_rate:.1f} messages/s until 95% were taken",
            f"workers stopped by SIGTERM at the end: {self.clean_exits}/"
            f"{self.workers_stopped} exited 0",
        ]
