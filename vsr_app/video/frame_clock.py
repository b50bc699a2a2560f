"""Frame times in whole ticks of the stream's clock, strictly increasing, from the times frames or packets carry.

Why a module of its own: the reader times the frames it decodes, and `packet_times.frame_times` the packets
the viewer's seeks count, by the same clock, so that frame k is the same frame either way.
"""

from __future__ import annotations

import heapq
from collections import deque
from fractions import Fraction
from typing import Iterator

import av

from vsr_app.video.joins import VideoShifts
from vsr_app.video.probing import VideoInfo


# Frames held to put their times in order. AVI stores no presentation times: its frames carry decode-order times,
# out of order by as many B-frames as the encoder used (H.264 allows 16; x264's veryslow uses 8, its default 3).
# Other containers carry presentation times, and 4 covers a muxer's odd slip without holding frames for nothing.
AVI_REORDER_DEPTH = 16
REORDER_DEPTH = 4


class FrameClock:
    """Strictly increasing frame times (ticks) from the times frames carry, for the reader and, from the packets, for
    the viewer's seeks (`packet_times.frame_times`), so both number the frames alike.

    - Out of order (H.264 with B-frames in AVI carries decode-order times: 1, 3, 2, 5, 4...): each frame takes the
      smallest time among the next few held (`depth`).
    - Missing or repeated: squeezed in before the next known time (halfway, at most one nominal `step` on). Where
      more come in a row than are held, no later time is known: each goes one `step` on, and the frames after them
      go on with them, out of sync with the audio until the times leave room. The first frame without one gets `first`.
    - Joined recordings (`cat a.ts b.ts`, a DVD's cells): each frame comes with its part's shift (`joins.py`), added
      to its own time, so that its part goes on after the one before in step with the file's other streams.

    `placed` counts the missing and repeated, `crowded` says some went a step on, `late` (ticks) is the most a frame
    with a new time of its own was moved on: the reader's note says them, as the output's picture runs that much
    behind its sound."""

    def __init__(self, step: int, first: int, depth: int = REORDER_DEPTH):
        self.step, self.first, self.depth = step, first, depth
        self._held: deque[int | None] = deque()  # the held frames' own times, in order
        self._known: list[int] = []  # a heap of the held frames' times
        self._previous: int | None = None  # the time given last
        self._latest_own: int | None = None  # the latest of the times given that were a frame's own
        self._shift: int | None = None  # of the latest frame taken in with a time
        self.part_starts: list[int] = []  # the times of the first frames of recordings joined on (their shift changed)
        self.placed = 0  # frames whose time was missing, or not after the one before: given one
        self.late = 0  # ticks: the most a frame with a new time of its own was moved on by those placed before it
        self.crowded = False  # a frame placed with no later time known: it went a whole `step` on

    def push(self, own: int | None, shift: int = 0) -> list[int]:
        """Take in the next frame's own time and the ticks its part is moved on by; the times now known of the frames
        taken in before (one at most)."""
        if own is not None:
            own += shift
            if self._shift is not None and shift != self._shift:
                self.part_starts.append(own)
            self._shift = shift
            heapq.heappush(self._known, own)
        self._held.append(own)
        return [self._next()] if len(self._held) > self.depth else []

    def finish(self) -> list[int]:
        """The times of the frames still held."""
        return [self._next() for _ in range(len(self._held))]

    def _next(self) -> int:
        own = heapq.heappop(self._known) if self._held.popleft() is not None else None
        previous = self._previous
        if own is None or (self._latest_own is not None and own <= self._latest_own):
            self.placed += 1
            own = None
        if previous is None:
            pts = self.first if own is None else own
        elif own is None or own <= previous:
            later = [t for t in self._known if t > previous]
            pts = previous + (max(1, min(self.step, (min(later) - previous) // 2)) if later else self.step)
            self.crowded |= not later
        else:
            pts = own
        if own is not None:
            self._latest_own = own
            self.late = max(self.late, pts - own)
        self._previous = pts
        return pts

    @property
    def timed(self) -> bool:
        """Whether a frame given out had a time of its own (a raw .h264's have none: its rate times them)."""
        return self._latest_own is not None

    @classmethod
    def for_video(cls, info: VideoInfo) -> FrameClock:
        """The clock for `info`'s frames, in ticks of its time base: a nominal interval of one frame at its rate."""
        depth = AVI_REORDER_DEPTH if "avi" in info.container.split(",") else REORDER_DEPTH
        step = max(1, round(1 / (info.fps * info.time_base)))
        return cls(step, first=round(info.start_time / info.time_base), depth=depth)


def own_ticks(timed: av.VideoFrame | av.Packet, tick: Fraction) -> int | None:
    """The presentation time a frame or packet carries, in whole `tick`s; None where it carries none."""
    return round(timed.pts * timed.time_base / tick) if timed.pts is not None and timed.time_base else None


def with_shifts(packets: Iterator[av.Packet], shifts: VideoShifts) -> Iterator[av.Packet]:
    """`packets`, each carrying its part's shift in ticks (`VideoShifts`) to the frames decoded from it (FFmpeg's
    opaque, in a tuple of its own: PyAV files an opaque value by its id, which a cached small int shares)."""
    for packet in packets:
        packet.opaque = (shifts.ticks(packet),)
        yield packet


def in_time_order(frames: Iterator[av.VideoFrame], tick: Fraction, clock: FrameClock
                   ) -> Iterator[tuple[av.VideoFrame, int]]:
    """Each frame with its time in ticks from `clock` (held until the clock has it), moved on by its part's shift
    (`with_shifts`)."""
    held: deque[av.VideoFrame] = deque()
    for frame in frames:
        held.append(frame)
        shift = frame.opaque[0] if frame.opaque else 0
        for pts in clock.push(own_ticks(frame, tick), shift):
            yield held.popleft(), pts
    for pts in clock.finish():
        yield held.popleft(), pts
