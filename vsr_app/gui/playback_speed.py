"""How fast playback goes against real time, measured from the frames it showed. Playback never outruns processing
(`player.Player`), so a slow model plays in slow motion: a user saw a 2 s clip play at 9% of real time with nothing
saying so. No Qt here."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from math import floor, log10

WINDOW = 3.0  # seconds of frames shown the speed is measured over: recent enough to follow a change of model
LEAST = 1.0  # seconds measured before a speed is given: the first frames' few steps would make it jump about


class PlaybackSpeed:
    """Video seconds played per second of the clock, over the frames shown in the last WINDOW seconds and the one
    before them (a model slower than a frame per WINDOW is still measured, frame to frame). `held(k)` is how long
    playback holds position k, so a long gap, held no longer than `frame_times.GAP`, counts as what was held."""

    def __init__(self, held: Callable[[int], float], clock: Callable[[], float] = time.monotonic):
        self.held = held
        self.clock = clock
        self.shown_at: deque[tuple[float, int]] = deque()  # (clock, position) of each frame shown, in order

    def restart(self) -> None:
        """Playback starts afresh (play pressed, another timeline): what went before says nothing of it."""
        self.shown_at.clear()

    def shown(self, position: int) -> None:
        """Position's frame reached the screen in playback. One that is not the next position (a seek while playing)
        starts the measure again from it; the same one again (a view changed) is not a step."""
        now = self.clock()
        if self.shown_at and position == self.shown_at[-1][1]:
            return
        if self.shown_at and position != self.shown_at[-1][1] + 1:
            self.shown_at.clear()
        self.shown_at.append((now, position))
        while len(self.shown_at) > 2 and self.shown_at[1][0] <= now - WINDOW:
            self.shown_at.popleft()

    def measured(self) -> float | None:
        """The speed (1.0: real time), or None until LEAST seconds are measured (or where the frames shown last no
        time: one timestamp over and over)."""
        if len(self.shown_at) < 2:
            return None
        (start, first), (end, last) = self.shown_at[0], self.shown_at[-1]
        played = sum(self.held(k) for k in range(first, last))
        return played / (end - start) if end - start >= LEAST and played > 0 else None


def speed_text(speed: float) -> str:
    """'0.09', '0.6': one significant figure, written out (a teacher on a CPU plays at 0.0002, not '2e-04')."""
    rounded = float(f"{speed:.1g}")  # rounded first: 0.096 is "0.1", not "0.10"
    return f"{rounded:.{max(1, -floor(log10(rounded)))}f}"
