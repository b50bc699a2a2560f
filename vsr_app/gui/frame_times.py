"""What a video's frame times say that its header does not: each frame's time as far as known, a variable frame rate,
and long gaps. No Qt here."""

from __future__ import annotations

from bisect import bisect, insort
from dataclasses import dataclass

import numpy as np

from vsr_app.video.keyframes import TIME_SLACK

UNEVEN = 1.5  # frame times whose longest gap is over this many times the shortest are a variable frame rate
# seconds: a step between frames this long or longer is a gap (a recording paused, two recordings an hour apart), not
# a rate: left out of it (an hour's said "0.0 fps on average"), and playback holds a frame no longer (`player.Player`).
# FFmpeg's own threshold for a discontinuity in MPEG-TS: at 3 s a screen recording's idle stretches read "with 47
# gaps", and its 10 s still played for 3; a shorter pause is held as long as the video holds it, as mpv and ffplay do
GAP = 10.0


def uneven_rate(times: list[float] | None, tick: float, start: float = 0.0,
                restarts: tuple[float, ...] = ()) -> float | None:
    """Frames a second on average where `times` are uneven (a variable frame rate: a phone's, a screen recorder's
    that writes a frame only on a change), else None: the longest gap over UNEVEN times the shortest, beyond the
    rounding to the clock's `tick` (Matroska's whole milliseconds step 1 and 2 ms at 600 fps). A header's rate says
    neither: an average (15.17 fps for 30 fps with a 3 s pause) or the recorder's nominal one (30 for 22 frames in
    8 s). Steps of GAP or more are left out (`long_gaps` tells of them: an hour's jump made 25 fps "0.0 fps on
    average"), and so are the steps into a joined recording (`frame_steps`)."""
    steps = frame_steps(times, start, restarts)
    steps = steps[steps < GAP]
    if len(steps) < 2 or steps.max() <= UNEVEN * steps.min() + 2 * tick:
        return None
    return len(steps) / steps.sum()


@dataclass(frozen=True)
class Gaps:
    """Where no frames are for GAP or longer: how many such gaps, the longest's length and where it begins (seconds
    from the first frame, one interval after the frame before it), and the frames' own rate without them."""

    count: int
    longest: float
    at: float
    fps: float


def long_gaps(times: list[float] | None, start: float, restarts: tuple[float, ...] = ()) -> Gaps | None:
    """The gaps among the frame `times` (seconds on the file's clock, whose first frame is at `start`), None where
    there are none (or no steps but gaps to tell a rate by)."""
    steps = frame_steps(times, start, restarts)
    gaps, rate = np.flatnonzero(steps >= GAP), steps[steps < GAP]
    if not len(gaps) or not len(rate):
        return None
    interval = float(rate.mean())
    longest = gaps[np.argmax(steps[gaps])]
    return Gaps(len(gaps), float(steps[longest]) - interval, times[longest] + interval - start, 1 / interval)


def frame_steps(times: list[float] | None, start: float = 0.0, restarts: tuple[float, ...] = ()) -> np.ndarray:
    """The steps from each frame to the next (seconds), NaN (no rate, no gap) into the first frame of each recording
    of a file joined end to end (`restarts`, seconds from `start`, `clock_restarts`): the picture holds there while
    the part before's sound ends, and 25 fps parts read "variable, 24.9 fps on average"."""
    steps = np.diff(times) if times and len(times) > 1 else np.zeros(0)
    into = np.searchsorted(times, [start + t - TIME_SLACK for t in restarts]) - 1 if len(steps) else np.zeros(0, int)
    steps[into[(into >= 0) & (into < len(steps))]] = np.nan
    return steps


class FrameTimes:
    """Seconds from the start of a video's frames, as far as they are known (`learn`: what a rendered frame carries,
    the decoded times near it and the packets' times where read); another frame's is taken from the nearest known one
    before it at the average rate, and never past the next known one. Frame k's k / average rate put a screen
    recording's frames before its 3 s pause at twice their time: each step forward read 1.91 s, then 0.97 s once the
    frame came."""

    def __init__(self, fps: float, start: float):
        self.fps, self.start = fps, start  # `start`: the first frame's time on the file's clock
        self.known: dict[int, float] = {}
        self.order: list[int] = []  # the known frames, in order
        self.packets: list[float] | None = None  # on the file's clock

    def learn(self, times: dict[int, float], packets: list[float] | None) -> None:
        self.packets = packets or self.packets
        for k, seconds in times.items():
            if k not in self.known:
                insort(self.order, k)
            self.known[k] = seconds

    def __call__(self, k: int) -> float:
        if k in self.known:
            return self.known[k]
        if self.packets and 0 <= k < len(self.packets):
            return self.packets[k] - self.start
        i = bisect(self.order, k)
        before = self.order[i - 1] if i else None
        guess = k / self.fps if before is None else self.known[before] + (k - before) / self.fps
        return min(guess, self.known[self.order[i]]) if i < len(self.order) else guess
