"""A small progress display for long commands (seed_demo, rfm_score, imports).

Writes a single updating line to a stream (stderr by default) at most every
`interval` seconds, and a final line with the rate when done.
"""

import sys
import time
from typing import TextIO


class Progress:
    def __init__(
        self,
        label: str,
        total: int | None,
        *,
        stream: TextIO | None = None,
        interval: float = 0.5,
        enabled: bool = True,
    ) -> None:
        self.label = label
        self.total = total
        self.done = 0
        self.stream = stream or sys.stderr
        self.interval = interval
        self.enabled = enabled
        self._started = time.monotonic()
        self._last_shown = 0.0
        # A log file or a pipe gets the final line only, not a line per update.
        self.live = bool(getattr(self.stream, "isatty", lambda: False)())

    def advance(self, count: int = 1) -> None:
        self.done += count
        now = time.monotonic()
        if self.enabled and self.live and now - self._last_shown >= self.interval:
            self._last_shown = now
            self._show(end="\r")

    def finish(self) -> float:
        """Show the final line and return the elapsed seconds."""
        elapsed = time.monotonic() - self._started
        if self.enabled:
            self._show(end="\n")
        return elapsed

    def _show(self, *, end: str) -> None:
        elapsed = max(time.monotonic() - self._started, 1e-9)
        rate = self.done / elapsed
        if self.total:
            share = 100 * self.done / self.total
            text = f"{self.label}: {self.done:,}/{self.total:,} ({share:5.1f}%)"
        else:
            text = f"{self.label}: {self.done:,}"
        self.stream.write(f"{text}  {rate:,.0f}/s  {elapsed:,.1f}s{end}")
        self.stream.flush()
