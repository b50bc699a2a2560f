"""Progress reporting for long operations, independent of any UI.

`ProgressMeter` turns "n frames done" into `ProgressInfo` (throughput and ETA on a monotonic clock,
rate-limited so a UI is not flooded); any callable taking a `ProgressInfo` can listen - the GUI's worker
signal, the batch queue, or `TerminalProgress`, which draws a one-line bar on a terminal and prints
plain periodic lines when the output is a file or pipe (logs stay readable).
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import time
import unicodedata
from collections import deque
from dataclasses import dataclass
from typing import Callable, TextIO

from vsr_app.files import shown_name

FEWEST_MARKS = 8  # a progress bar shorter than this says too little to keep
NAME_START = 12  # the columns of a name's start that a cut name keeps at least, with its extension
BATCH_INDEX = re.compile(r"\[\d+/\d+\] ")  # a batch's stage starts with its file's index: "[2/5] sub/clip.mp4"
RATE_WINDOW_S = 10.0  # throughput is measured over the last this-many seconds: reacts, but does not jitter


@dataclass(frozen=True)
class ProgressInfo:
    """A snapshot of a running operation. `total`/`eta` are None when the length is unknown."""

    done: int  # items made (frames through the model), those still `waiting` included
    total: int | None
    fps: float  # recent items (frames) made per second
    elapsed: float  # seconds since the start
    eta: float | None  # seconds left
    stage: str = ""
    # of `done`, the items not finished yet (frames an encoder holds in its look-ahead): said, as the output file
    # has only the others so far
    waiting: int = 0
    # a standing warning about the run (its output will not fit on the disk: video.disk_space), shown until it clears
    warning: str = ""
    ended: bool = False  # the final report (`finish`): all made, also of nothing (a batch whose every file was skipped)

    @property
    def waiting_note(self) -> str:
        """" (12 still in the encoder)" while frames wait there, else nothing: what every progress display adds to its
        count ("12 more made" read as 12 more files in a batch's line)."""
        return f" ({self.waiting} still in the encoder)" if self.waiting else ""

    @property
    def fraction(self) -> float | None:
        if self.ended:  # all of it, also of nothing
            return 1.0
        if not self.total:
            return None
        return min(1.0, self.done / self.total)


ProgressCallback = Callable[[ProgressInfo], None]


class ProgressMeter:
    """Counts items made and finished, and reports to `callback` at most every `interval` seconds (and at the end).

    The count, its rate and the time left go by the items made: an encoder finishes a frame only after it has filled
    its look-ahead (x264: 14 frames at veryfast, 46 at medium), so a 4K upscale at 55 s a frame, counted by the frames
    finished, read 0% with no time left for its first ten minutes. The count never decreases; when the true length
    turns out larger than the estimate, `total` grows to match.
    """

    def __init__(self, total: int | None, callback: ProgressCallback | None, stage: str = "",
                 interval: float = 0.1, clock: Callable[[], float] = time.monotonic):
        self.total = total
        self.callback = callback
        self.stage = stage
        self.interval = interval
        self.clock = clock
        self.start = clock()
        self.done = 0  # items finished (frames out of the encoder)
        self.made = 0  # items made (`made_one`), finished or not
        self.samples: deque[tuple[float, int]] = deque([(self.start, 0)])  # (time, items made)
        self.last_report = float("-inf")
        self.warning = ""  # ProgressInfo.warning, set by whoever watches the run

    @property
    def made_count(self) -> int:
        """Items made: counted by `made_one`, or by `advance` where each is finished as it is made (a meter that is
        not told of them, or an encoder that hands a frame back before `made_one` counts it)."""
        return max(self.made, self.done)

    def info(self) -> ProgressInfo:
        now = self.clock()
        while len(self.samples) > 2 and now - self.samples[1][0] > RATE_WINDOW_S:
            self.samples.popleft()
        t0, n0 = self.samples[0]
        made = self.made_count
        fps = (made - n0) / (now - t0) if now > t0 and len(self.samples) > 1 else 0.0
        total = max(self.total, made) if self.total is not None else None
        # all made: what is left (the encoder's look-ahead, the file's closing) is not measured (at a model's 55 s a
        # frame it would say minutes for seconds), and zero is `finish`'s, at the end (a batch's last file's frames in
        # the encoder went unsaid at 100%, "ETA 0:00")
        eta = (total - made) / fps if total is not None and fps > 0 and made < total else None
        return ProgressInfo(made, total, fps, now - self.start, eta, self.stage, made - self.done, self.warning)

    def made_one(self) -> None:
        """One more item made that `advance` will count as finished later (an encoder finishes frames after it has
        held its look-ahead); reports at the usual pace, so the time elapsed goes on meanwhile."""
        self.made += 1
        self._sample()
        self.tick()

    def advance(self, count: int = 1) -> None:
        """`count` more items finished."""
        self.done += count
        self._sample()
        self.tick()

    def _sample(self) -> None:
        """Note the items made by now, for the rate. It is measured from the first one: start-up latency (model load)
        would otherwise make the first ETAs far too long."""
        made, (_, counted) = self.made_count, self.samples[-1]
        if made == counted:
            return
        if counted == 0:
            self.samples = deque([(self.clock(), made)])
        else:
            self.samples.append((self.clock(), made))

    def tick(self) -> None:
        """Report if `interval` has passed since the last report: at most that often, however often asked."""
        if self.clock() - self.last_report >= self.interval:
            self.report()

    def report(self) -> None:
        """Send the current state now (e.g. at the start, so a bar appears before the first item is done)."""
        self.last_report = self.clock()
        if self.callback is not None:
            self.callback(self.info())

    def finish(self) -> ProgressInfo:
        """Final report: the items finished, all of them now, ETA zero."""
        self.total = self.done
        elapsed = self.clock() - self.start
        info = ProgressInfo(self.done, self.done, self.done / elapsed if elapsed > 0 else 0.0, elapsed, 0.0,
                            self.stage, ended=True)
        if self.callback is not None:
            self.callback(info)
        return info


def fps_text(fps: float) -> str:
    """A rate to read: one decimal, two below 1 (a 4K -> 16K job read 0.0 fps); "--" before a frame is done, where
    "0.00" read as a stalled job."""
    if fps <= 0:
        return "--"
    return f"{fps:.1f}" if fps >= 1 else f"{fps:.2f}"


def format_duration(seconds: float | None) -> str:
    """'1:02:03', '2:03' or '--:--' when unknown."""
    if seconds is None or seconds != seconds or seconds == float("inf"):
        return "--:--"
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def length_text(seconds: float) -> str:
    """'2.97 s' under a minute, `format_duration`'s '59:57' or '1:00:03' from a minute on: a summary said "3602.99 s
    of video" and a note "jump once, by 3597.03 s", which a person has to divide to read."""
    return f"{seconds:.2f} s" if round(seconds, 2) < 60 else format_duration(seconds)


class TerminalProgress:
    """A progress listener for the CLI: a redrawn bar on a terminal, a plain line every `plain_every` s otherwise."""

    def __init__(self, stream: TextIO | None = None, label: str = "", width: int = 28, plain_every: float = 5.0,
                 show_stage: bool = False):
        self.stream = stream if stream is not None else sys.stderr
        self.label = label
        self.width = width
        self.show_stage = show_stage  # name what is in work (a batch's file): a log shows which one is slow
        self.plain_every = plain_every
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.last_plain = float("-inf")
        self.last_plain_count: tuple[int, int | None] | None = None  # (done, total) of the last plain line
        self.drawn = False
        self.warned = ""  # the warning standing at the last report: printed once, on a line of its own

    def line(self, info: ProgressInfo, columns: int | None = None) -> str:
        """The progress line; in at most `columns` terminal columns, given: the bar narrows, then goes, then the time
        elapsed goes, then " frames (N still in the encoder)" shortens to " (N encoding)", then the frame rate goes,
        then those words after the count where the stage's name would be cut too short, then the name is cut in its
        middle (`cut_middle`, down to `shortest_cut`) or goes, then the line's end. The rate goes before the name is
        cut: cut to fit beside it at 60 columns, a batch's "[1/2] good_ref.mp4" read "[1/2]\u2026f.mp4"."""
        frac = info.fraction
        prefix = f"{self.label} " if self.label else ""
        # a file name may hold a newline or a tab (legal on Linux), which would break the one line
        stage = shown_name(info.stage) if self.show_stage else ""
        count = f"{frac * 100:5.1f}% {info.done}/{info.total}" if frac is not None else f"{info.done}"
        rate, fps = f" frames{info.waiting_note}", f"  {fps_text(info.fps):>5} fps"
        elapsed = f"  elapsed {format_duration(info.elapsed)}"
        eta = f"  ETA {format_duration(info.eta)}"
        if info.ended and not info.done and stage:
            # ended having made nothing (a batch whose every output was there): "0/0 frames -- fps" said nothing of
            # it; its stage says why (the summary below says the time)
            count, stage, rate, fps, elapsed, eta = f"{frac * 100:5.1f}% {stage}", "", "", "", "", ""
        width = self.width if frac is not None else 0

        def over() -> int:
            """How many columns too wide the line is."""
            if columns is None:
                return 0
            parts = (prefix, f"{stage}: " if stage else "", count, rate, fps, elapsed, eta)
            return sum(map(text_width, parts)) + (width + 3 if width else 0) - columns

        if over() > 0 and width:
            width = max(FEWEST_MARKS, width - over())
        if over() > 0:
            width = 0
        if over() > 0:
            elapsed = ""
        if over() > 0 and info.waiting and rate:  # the file in work matters more than the encoder's queue's words
            rate = f" ({info.waiting} encoding)"
        if over() > 0 and stage:
            fps = ""
        if stage and text_width(stage) - over() < shortest_cut(stage) <= text_width(stage) - over() + len(rate):
            rate = ""  # "66/120" says the frames, and the name then fits
        if over() > 0 and stage:
            kept = text_width(stage) - over()
            stage = cut_middle(stage, kept) if kept >= shortest_cut(stage) else ""
        filled = int((frac or 0) * width)
        bar = f"[{'#' * filled}{'-' * (width - filled)}] " if width else ""
        text = prefix + (f"{stage}: " if stage else "") + bar + count + rate + fps + elapsed + eta
        return _cut_end(text, columns) if columns is not None else text

    def __call__(self, info: ProgressInfo) -> None:
        # once as it appears, not again as its figures change; and its end, unless the run's: a warning left on the
        # screen reads as still true
        cleared = self.warned and not info.warning and not info.ended
        if (info.warning and not self.warned) or cleared:
            text = f"warning: {info.warning}" if info.warning else "the warning above no longer holds"
            self._write(("\r\x1b[2K" if self.drawn else "") + text + "\n")
            self.drawn = False
        self.warned = info.warning
        if self.tty:
            # one column short of the terminal: a line that wraps is cleared only on its last row at the next draw,
            # which left a stale line on the screen at every redraw in an 80-column terminal
            self._write("\r\x1b[2K" + self.line(info, self._columns() - 1))
            self.drawn = True
        elif (info.elapsed - self.last_plain >= self.plain_every
              or (info.ended and (info.done, info.total) != self.last_plain_count)):
            self.last_plain, self.last_plain_count = info.elapsed, (info.done, info.total)
            self._write(self.line(info) + "\n")

    def _columns(self) -> int:
        """The terminal's width: the stream's own, else $COLUMNS, else 80 (a terminal whose size was never set, as
        `docker run -t` gives, says 0)."""
        try:
            columns = os.get_terminal_size(self.stream.fileno()).columns
        except (AttributeError, ValueError, OSError):
            columns = 0
        return columns if columns > 0 else shutil.get_terminal_size().columns

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


def text_width(text: str) -> int:
    """The terminal columns `text` takes: two for a wide character (CJK, most emoji), none for a combining mark."""
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _cut_end(text: str, columns: int) -> str:
    """The longest start of `text` that takes at most `columns` columns."""
    used = 0
    for end, c in enumerate(text):
        used += text_width(c)
        if used > columns:
            return text[:end]
    return text


def cut_middle(text: str, columns: int) -> str:
    """`text` in at most `columns` columns, its middle replaced by an ellipsis: a file name keeps its start and its
    end, each half of what fits, yet at least NAME_START columns of its start and its extension (given the
    `shortest_cut` columns); a batch's "[2/5] " is kept whole, as it is no part of the name."""
    if text_width(text) <= columns:
        return text
    index, name = _index_and_name(text)
    room = columns - text_width(index) - 1
    tail_columns = max(text_width(os.path.splitext(name)[1]), min(room // 2, room - NAME_START))
    head = _cut_end(name, room - tail_columns)
    tail = _cut_end(name[::-1], tail_columns)[::-1]
    return index + head + "\u2026" + tail


def shortest_cut(text: str) -> int:
    """The fewest columns `cut_middle` cuts `text` to: fewer would no longer tell which file it is."""
    index, name = _index_and_name(text)
    least = text_width(index) + text_width(_cut_end(name, NAME_START)) + 1 + text_width(os.path.splitext(name)[1])
    return min(least, text_width(text))


def _index_and_name(text: str) -> tuple[str, str]:
    """A batch's stage as its file's index ("[2/5] ", '' where there is none) and the name after it."""
    index = found[0] if (found := BATCH_INDEX.match(text)) else ""
    return index, text[len(index):]
