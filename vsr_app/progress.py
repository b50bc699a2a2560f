"""Progress reporting for long operations, independent of any UI.

`ProgressMeter` turns "n frames done" into `ProgressInfo` (throughput and ETA on a monotonic clock,
rate-limited so a UI is not flooded); any callable taking a `ProgressInfo` can listen - the GUI's worker
signal, the batch queue, or `TerminalProgress`, which draws a one-line bar on a terminal and prints
plain periodic lines when the output is a file or pipe (logs stay readable).
"""

from __future__ import annotations

import sys
import time
from collections import deque
from dataclasses import dataclass
from typing import Callable, TextIO

RATE_WINDOW_S = 10.0  # throughput is measured over the last this-many seconds: reacts, but does not jitter


@dataclass(frozen=True)
class ProgressInfo:
    """A snapshot of a running operation. `total`/`eta` are None when the length is unknown."""

    done: int
    total: int | None
    fps: float  # recent items (frames) per second
    elapsed: float  # seconds since the start
    eta: float | None  # seconds left
    stage: str = ""

    @property
    def fraction(self) -> float | None:
        if self.eta == 0.0:  # at the end: all of it, also of nothing (a batch whose every file was skipped)
            return 1.0
        if not self.total:
            return None
        return min(1.0, self.done / self.total)


ProgressCallback = Callable[[ProgressInfo], None]


class ProgressMeter:
    """Counts finished items and reports to `callback` at most every `interval` seconds (and at the end).

    `done` never decreases; when the true length turns out larger than the estimate, `total` grows to match.
    """

    def __init__(self, total: int | None, callback: ProgressCallback | None, stage: str = "",
                 interval: float = 0.1, clock: Callable[[], float] = time.monotonic):
        self.total = total
        self.callback = callback
        self.stage = stage
        self.interval = interval
        self.clock = clock
        self.start = clock()
        self.done = 0
        self.samples: deque[tuple[float, int]] = deque([(self.start, 0)])
        self.last_report = float("-inf")

    def info(self) -> ProgressInfo:
        now = self.clock()
        while len(self.samples) > 2 and now - self.samples[1][0] > RATE_WINDOW_S:
            self.samples.popleft()
        t0, n0 = self.samples[0]
        fps = (self.done - n0) / (now - t0) if now > t0 and len(self.samples) > 1 else 0.0
        total = max(self.total, self.done) if self.total is not None else None
        eta = (total - self.done) / fps if total is not None and fps > 0 else None
        return ProgressInfo(self.done, total, fps, now - self.start, eta, self.stage)

    def advance(self, count: int = 1) -> None:
        first = self.done == 0
        self.done += count
        now = self.clock()
        if first:
            # Rate is measured from the first finished item: start-up latency (model load, encoder look-ahead)
            # would otherwise make the first ETAs far too long.
            self.samples = deque([(now, self.done)])
        else:
            self.samples.append((now, self.done))
        if now - self.last_report >= self.interval:
            self.report()

    def report(self) -> None:
        """Send the current state now (e.g. at the start, so a bar appears before the first item is done)."""
        self.last_report = self.clock()
        if self.callback is not None:
            self.callback(self.info())

    def finish(self) -> ProgressInfo:
        """Final report: total becomes the real count, ETA zero."""
        self.total = self.done
        info = self.info()
        info = ProgressInfo(info.done, info.done, self.done / info.elapsed if info.elapsed > 0 else 0.0,
                            info.elapsed, 0.0, info.stage)
        if self.callback is not None:
            self.callback(info)
        return info


def format_duration(seconds: float | None) -> str:
    """'1:02:03', '2:03' or '--:--' when unknown."""
    if seconds is None or seconds != seconds or seconds == float("inf"):
        return "--:--"
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class TerminalProgress:
    """A progress listener for the CLI: a redrawn bar on a terminal, a plain line every `plain_every` s otherwise."""

    def __init__(self, stream: TextIO | None = None, label: str = "", width: int = 28, plain_every: float = 5.0):
        self.stream = stream if stream is not None else sys.stderr
        self.label = label
        self.width = width
        self.plain_every = plain_every
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.last_plain = float("-inf")
        self.last_plain_count: tuple[int, int | None] | None = None  # (done, total) of the last plain line
        self.drawn = False

    def line(self, info: ProgressInfo) -> str:
        frac = info.fraction
        if frac is not None:
            filled = int(frac * self.width)
            bar = "#" * filled + "-" * (self.width - filled)
            head = f"[{bar}] {frac * 100:5.1f}% {info.done}/{info.total}"
        else:
            head = f"{info.done}"
        prefix = f"{self.label} " if self.label else ""
        return (f"{prefix}{head} frames  {info.fps:5.1f} fps  elapsed {format_duration(info.elapsed)}"
                f"  ETA {format_duration(info.eta)}")

    def __call__(self, info: ProgressInfo) -> None:
        if self.tty:
            self._write("\r\x1b[2K" + self.line(info))
            self.drawn = True
        elif (info.elapsed - self.last_plain >= self.plain_every
              or (info.eta == 0.0 and (info.done, info.total) != self.last_plain_count)):
            self.last_plain, self.last_plain_count = info.elapsed, (info.done, info.total)
            self._write(self.line(info) + "\n")

    def close(self, summary: str | None = None) -> None:
        """End the bar's line and print the one-line summary (if any)."""
        if self.tty and self.drawn:
            self._write("\n")
            self.drawn = False
        if summary:
            self._write(summary + "\n")

    def _write(self, text: str) -> None:
        """Write and flush; once the stream cannot be written (the reader gone, `2>&1 | head`; a log on a full disk),
        stay silent: progress is worth no failed job."""
        if self.stream is None:
            return
        try:
            self.stream.write(text)
            self.stream.flush()
        except OSError:
            self.stream = None
