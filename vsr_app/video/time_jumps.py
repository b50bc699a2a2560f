"""Where the frames of a video skip a stretch of time, found from their times as a pass reads them, in words.

Why a module of its own: it needs nothing of the decoding but the frames' times (the reader's `time_jumps` of its
latest pass), and evaluation uses the same allowance for times kept in whole milliseconds (`MILLISECOND_ROUNDING`).
"""

from __future__ import annotations

from array import array

import numpy as np

from vsr_app.progress import length_text

MILLISECOND_ROUNDING = 0.0011  # seconds: how far a steady rate's steps stray where times were kept in whole ms


class TimeJumps:
    """Where the frames of a video with a steady rate skip a stretch: frames lost to damage the demuxer read past
    without a decode error (Matroska resyncs at its next cluster: 10% of a file overwritten lost 0.5 s without a
    word), or a recording that paused. A rate that is not steady (a phone's, a screen recording's) says nothing.
    The rate is the frames' own (their median step; a short file's average counts the gap), give or take one tick
    of the stream's clock or a millisecond (Matroska's whole milliseconds step 33 and 34 ms at 30 fps, and so do
    MP4s muxed from such times)."""

    def __init__(self, tick: float):
        self.tick = tick
        self.times = array("d")
        self.joins: list[int] = []  # indexes in `times` of the first frames of recordings joined on

    def add(self, time: float, joined: bool = False) -> None:
        """`joined`: the frame is the first of a recording joined on (`FrameClock.part_starts`), held back from the
        one before while its sound plays out: no jump."""
        if joined:
            self.joins.append(len(self.times))
        self.times.append(time)

    def note(self) -> str:
        """What to tell of the joins and the jumps, "" for neither (nor of jumps at an unsteady rate)."""
        joined = self.joins and (f"{len(self.joins) + 1} recordings joined end to end (their clock starts again): "
                                 "each goes on where the one before ends")
        return "; ".join(filter(None, (joined, self._jumps_note())))

    def _jumps_note(self) -> str:
        if len(self.times) < 3:
            return ""
        times = np.frombuffer(self.times, dtype=np.float64)
        steps = np.diff(times)
        interval = float(np.median(steps))
        if interval <= 0:
            return ""
        steady = np.abs(steps - interval) <= max(0.02 * interval, 1.01 * self.tick, MILLISECOND_ROUNDING)
        jumps = np.setdiff1d(np.flatnonzero(steps > 2.5 * interval), np.array(self.joins, dtype=int) - 1)
        if not len(jumps) or steady.mean() < 0.9:
            return ""
        longest = jumps[np.argmax(steps[jumps])]
        times_said = f"{len(jumps)} times, the longest" if len(jumps) > 1 else "once,"
        return (f"the frames' times jump {times_said} by {length_text(steps[longest])} after "
                f"{length_text(times[longest])}: no frames there, as where a file is damaged or a recording paused")
