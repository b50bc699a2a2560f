"""What a video's frame times say that its header does not: a variable frame rate, and long gaps. No Qt here."""

from __future__ import annotations

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
