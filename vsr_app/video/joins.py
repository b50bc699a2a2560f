"""Recordings joined end to end (`cat a.ts b.ts`, a camcorder's clips, a DVD's cells): where each part of the file
begins and how far its times are moved on, one definition for the reader's frames and the carried audio and subtitles.

Why one shift a part for every stream: each recording's clock starts again, and its streams are in step with each
other on that clock. Continued each after its own last packet, the video, each audio track and the subtitles moved
by different amounts (a part's sound running on past its pictures put the next part's pictures ahead of their sound,
and subtitles, sparse, were not moved at all). As FFmpeg's ts_discont handling moves every stream alike, a part's
times all move by one shift: from the earliest start of any stream in it to the latest end of any in the part before
(the picture holds at the join while the first part's sound plays out).

A part begins at the first packet, in byte order, that jumps back: an audio or video packet `RESTART` seconds before
its own stream's latest in the part (FFmpeg's rule), or any packet (a subtitle) `SPARSE_RESTART` before the latest of
every audio and video stream in it. Byte order, not the demuxer's: MPEG-TS hands out a stream's last packet of a part
only when its next one begins, after other streams' first packets of the next part. A packet's part is then found by
its byte position alone (`Joins.ticks_at`), the same for every reader of the file; a packet without one (the later
frames FFmpeg's parser cuts from one MPEG program stream packet) is where its stream's latest with one is
(`Positions`). Only formats whose clock may start again (FFmpeg's ts_discont: MPEG-TS and program streams, Ogg) are
read.
"""

from __future__ import annotations

import math
import os
import threading
from array import array
from bisect import bisect_right
from dataclasses import dataclass
from fractions import Fraction

import av
import numpy as np

RESTART = 0.1  # seconds an audio or video packet comes before its stream's latest where its recording starts again
# seconds a subtitle packet comes before every audio and video stream's latest where its recording starts again: as far
# as FFmpeg's dts_delta_threshold (subtitles are sent ahead of their time, but a muxer may write a sparse stream late)
SPARSE_RESTART = 10.0
# seconds, half of MPEG's 33-bit 90 kHz clock: a jump back further is that clock wrapping round, which FFmpeg unwraps
# except in a stream whose first time was written wrapped (an encoder's negative start, 2**33 - 1902)
CLOCK_WRAP = 2 ** 32 / 90_000
CACHED_FILES = 8  # files whose joins are kept (each reader pass, seek and verification asks again)


@dataclass(frozen=True)
class Joins:
    """The parts of a file after the first: `starts` their byte positions, `shifts` the seconds added to their times
    (to every stream alike)."""

    starts: tuple[int, ...] = ()
    shifts: tuple[float, ...] = ()

    def ticks_at(self, pos: int | None, time_base: Fraction) -> int:
        """What is added to the times (in `time_base` ticks) of the packet at byte `pos` (0 where it has none)."""
        part = bisect_right(self.starts, pos) if pos is not None and pos >= 0 else 0
        return round(self.shifts[part - 1] / time_base) if part else 0


NO_JOINS = Joins()


class Positions:
    """Each packet's byte position, for `Joins.ticks_at`: its own, else its stream's latest packet's with one."""

    def __init__(self) -> None:
        self._latest: dict[int, int] = {}

    def of(self, packet: av.Packet) -> int | None:
        if packet.pos is None or packet.pos < 0:
            return self._latest.get(packet.stream_index)
        self._latest[packet.stream_index] = packet.pos
        return packet.pos


def restarts(time: float, latest: float | None, slack: float) -> bool:
    """Whether a packet at `time` (seconds) begins a new recording: more than `slack` before the `latest` time it is
    judged by (and less than CLOCK_WRAP)."""
    return latest is not None and latest - CLOCK_WRAP < time < latest - slack


def file_joins(path: str | os.PathLike) -> Joins:
    """The joins of the file at `path`, read once (demuxing every stream: 1.5 s a GB of MPEG-TS) and kept for the
    next to ask while the file is unchanged."""
    key = _key(path)
    joins = _cache.get(key)
    if joins is None:
        joins = _scan(path)
        with _lock:
            _cache[key] = joins
            while len(_cache) > CACHED_FILES:
                del _cache[next(iter(_cache))]
    return joins


def known_joins(path: str | os.PathLike) -> Joins | None:
    """The joins of `path` where they were read before (`file_joins`), else None (not read here)."""
    return _cache.get(_key(path))


_cache: dict[tuple, Joins] = {}
_lock = threading.Lock()


def _key(path: str | os.PathLike) -> tuple:
    stat = os.stat(path)
    return os.path.realpath(path), stat.st_size, stat.st_mtime_ns


class _Packets:
    """The times of a file's audio, video and subtitle packets, in compact arrays (a 2-hour recording has ~700,000)."""

    def __init__(self) -> None:
        self.pos, self.stream = array("q"), array("q")
        self.time, self.start, self.end = array("d"), array("d"), array("d")  # seconds: decoded, shown, shown to

    def add(self, packet: av.Packet, pos: int, time: float | None, step: float) -> None:
        """Add `packet`, timed, at byte `pos`, decoded at `time` (None: not said), shown for its duration or else
        `step`."""
        shown = float((packet.pts if packet.pts is not None else packet.dts) * packet.time_base)
        self.pos.append(pos)
        self.stream.append(packet.stream_index)
        self.time.append(math.nan if time is None else time)
        self.start.append(shown)
        self.end.append(shown + (float(packet.duration * packet.time_base) if packet.duration else step))


def _scan(path: str | os.PathLike) -> Joins:
    """Read the joins: the packets' times, where they jump back in byte order, and each part's start and end."""
    packets, continuous, positions = _Packets(), set(), Positions()
    latest: dict[int, float] = {}  # each stream's latest decoding time: a packet without a duration lasts to its next
    try:
        with av.open(str(path)) as container:
            if av.format.Flags.ts_discont not in av.format.Flags(container.format.flags):
                return NO_JOINS
            for packet in container.demux():  # (all: a part may bring streams of its own)
                kind, time, pos = packet.stream.type, _decoded_at(packet), positions.of(packet)
                if (kind not in ("audio", "video", "subtitle") or not packet.size or pos is None
                        or (packet.pts is None and time is None) or not packet.time_base):
                    continue
                if kind != "subtitle":
                    continuous.add(packet.stream_index)
                previous = latest.get(packet.stream_index)
                step = time - previous if time is not None and previous is not None and previous < time else 0.0
                packets.add(packet, pos, time, step)
                if time is not None:
                    latest[packet.stream_index] = time
    except (av.FFmpegError, OSError):
        pass  # a file cut short or damaged: its joins as far as it reads
    return _parts(packets, continuous)


def _decoded_at(packet: av.Packet) -> float | None:
    """Seconds: the packet's decoding time, which alone tells a join (as FFmpeg's): a presentation time goes back where
    frames are reordered. None where it has none."""
    return float(packet.dts * packet.time_base) if packet.dts is not None and packet.time_base else None


def _parts(packets: _Packets, continuous: set[int]) -> Joins:
    """The joins of `packets`, whose streams of indexes `continuous` are audio and video."""
    pos = np.frombuffer(packets.pos, dtype=np.int64)
    order = np.argsort(pos, kind="stable")
    starts: list[int] = []
    latest: dict[int, float] = {}  # each audio and video stream's latest decoding time in the part
    streams, times = np.frombuffer(packets.stream, dtype=np.int64)[order], np.frombuffer(packets.time)[order]
    for at, stream, time in zip(pos[order].tolist(), streams.tolist(), times.tolist()):
        if math.isnan(time):
            continue
        if stream in continuous:
            if restarts(time, latest.get(stream), RESTART):
                starts.append(at)
                latest = {}
            latest[stream] = time
        elif latest and restarts(time, min(latest.values()), SPARSE_RESTART):
            starts.append(at)
            latest = {}
    if not starts:
        return NO_JOINS
    part = np.searchsorted(np.array(starts), pos, side="right")
    start, end = np.frombuffer(packets.start), np.frombuffer(packets.end)
    shifts, shift = [], 0.0
    for k in range(1, len(starts) + 1):
        shift += float(_unwrapped(end[part == k - 1]).max() - _unwrapped(start[part == k]).min())
        shifts.append(shift)
    return Joins(tuple(starts), tuple(shifts))


def _unwrapped(times: np.ndarray) -> np.ndarray:
    """A part's times less those a wrap of the clock put far off the rest (`CLOCK_WRAP`)."""
    return times[np.abs(times - np.median(times)) < CLOCK_WRAP]


class VideoShifts:
    """The shift (`Joins.ticks_at`, in `time_base` ticks) of each of a file's video packets, read in decoding order
    from its start or a keyframe, reading the file's joins only once they are needed: where they were read before, or
    where the video's own times jump back (`RESTART`), as at every join of recordings that both have video. A long
    recording is not read through before its first frame is shown."""

    def __init__(self, path: str | os.PathLike, time_base: Fraction):
        self.path, self.time_base = path, time_base
        self.joins = known_joins(path)
        self._latest: float | None = None  # the video's latest decoding time, while its joins are not read
        self._positions = Positions()

    def ticks(self, packet: av.Packet) -> int:
        pos = self._positions.of(packet)
        if self.joins is None:
            time = _decoded_at(packet)
            if time is None:
                return 0
            latest, self._latest = self._latest, time
            if not restarts(time, latest, RESTART):
                return 0
            self.joins = file_joins(self.path)
        return self.joins.ticks_at(pos, self.time_base)
