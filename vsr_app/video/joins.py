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
(`Positions`). Only formats whose clock may start again (`clock_may_restart`) are read: a file up to EAGER_BYTES
through, a larger one where its sampled times go back (`_sampled`), for a seek; a pass whose video jumps back where
those joins do not say reads it through (`VideoShifts`).
"""

from __future__ import annotations

import itertools
import math
import os
import threading
from array import array
from bisect import bisect_right
from dataclasses import dataclass, field, replace
from fractions import Fraction

import av
import numpy as np

from vsr_app.files import file_stamp

RESTART = 0.1  # seconds an audio or video packet comes before its stream's latest where its recording starts again
# seconds a subtitle packet comes before every audio and video stream's latest where its recording starts again: as far
# as FFmpeg's dts_delta_threshold (subtitles are sent ahead of their time, but a muxer may write a sparse stream late)
SPARSE_RESTART = 10.0
# seconds MPEG's 33-bit 90 kHz clock runs before it wraps round. FFmpeg unwraps it, except in a stream whose first
# time was written wrapped (an encoder's negative start, 2**33 - 1902): a jump back of this, give or take WRAP_SLACK,
# is that wrap; any other is a recording starting again, however far (a part of 14 hours, a 24-hour recorder's)
CLOCK_WRAP = 2 ** 33 / 90_000
WRAP_SLACK = 3600.0
# bytes of a file whose joins a reader reads through at its first packet (about 1.5 s of demuxing); a larger one's are
# found by sampling (`_sampled`) at its first seek or its video's first jump back, and read through where a pass's
# video jumps back where they have no join (`VideoShifts`) or a caller asks for them unsampled (the carried streams)
EAGER_BYTES = 1 << 30
# byte positions a larger file's times are sampled at, evenly to TAIL_BYTES (or a spacing) before its end (under 1 ms
# each from the page cache): a join is where they go back. A part shorter than their spacing (30 MB, 28 s of broadcast
# video in a 7.6 GB recording) can go unseen where the next part's clock is ahead of the part's at the sample before.
PROBES = 256
TAIL_BYTES = 1 << 20
PROBE_PACKETS = 64  # packets read at most at a sample, for every audio and video stream's first decoding time
WINDOW_SECONDS = SPARSE_RESTART  # of packets read either side of a join found by sampling: as far as its rules look
HALVED_BYTES = 1 << 20  # how short halving makes a stretch of a file it looks in (`_sampled`, `position_before`)
# what demuxing a file for its joins may raise (at a byte position, or reading it through): PyAV's IndexError where
# the demuxer finds a stream it had not (FLV's, after a seek into a tag)
SAMPLING_ERRORS = (av.FFmpegError, OSError, IndexError)
CACHED_FILES = 8  # files whose joins are kept (each reader pass, seek and verification asks again)
# formats whose clock may start again though FFmpeg's demuxer lacks its ts_discont flag: FLV, as an RTMP dump across
# a reconnect (FFmpeg's `live_flv` has the flag, its `flv`, which opens a .flv, not)
UNFLAGGED_RESTARTS = frozenset({"flv"})


@dataclass(frozen=True)
class Joins:
    """The parts of a file after the first: `starts` their byte positions, `shifts` the seconds added to their times
    (to every stream alike); `exact` where every packet was read (`_scan`), not sampled (`_sampled`: a part shorter
    than the samples' spacing can go unseen)."""

    starts: tuple[int, ...] = ()
    shifts: tuple[float, ...] = ()
    exact: bool = field(default=True, compare=False)

    def shift_at(self, pos: int | None) -> float:
        """The seconds added to the times of the packet at byte `pos` (0 where it has none)."""
        part = bisect_right(self.starts, pos) if pos is not None and pos >= 0 else 0
        return self.shifts[part - 1] if part else 0.0

    def ticks_at(self, pos: int | None, time_base: Fraction) -> int:
        """`shift_at` in `time_base` ticks."""
        return round(self.shift_at(pos) / time_base)

    def join_between(self, after: int, upto: int) -> bool:
        """Whether a part begins after byte `after`, at or before byte `upto`."""
        return bisect_right(self.starts, upto) > bisect_right(self.starts, after)


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


def _jumps_back(time: float | np.ndarray, latest: float | np.ndarray, slack: float) -> np.ndarray:
    """Whether a packet at `time` (seconds; or each of an array's) begins a new recording: more than `slack` before
    the `latest` time it is judged by, and not by the clock's wrap (`CLOCK_WRAP`)."""
    return np.logical_and(time < latest - slack, abs(latest - time - CLOCK_WRAP) >= WRAP_SLACK)


def clock_may_restart(container: str) -> bool:
    """Whether a file in this FFmpeg format (`VideoInfo.container`) may start its clock again part-way, where
    recordings are joined end to end: FFmpeg's ts_discont formats (MPEG-TS and program streams, Ogg) and FLV."""
    name = container.split(",")[0]
    if name in UNFLAGGED_RESTARTS:
        return True
    try:
        flags = av.format.ContainerFormat(name, "r").flags
    except ValueError:  # no FFmpeg format: a folder of frames
        return False
    return av.format.Flags.ts_discont in av.format.Flags(flags)


def file_joins(path: str | os.PathLike, container_format: str | None = None, sampled: bool = False) -> Joins:
    """The joins of the file at `path`, read once (demuxing every stream, 1.5 s a GB of MPEG-TS) and kept for the
    next to ask while the file is unchanged; `sampled` (for a seek), a file's over EAGER_BYTES may be found by sampling
    (`_sampled`, 0.07 s for 1.3 GB; read through in their place when asked for without). A caller that has the file
    open passes its `container_format` (FFmpeg's name): one whose clock cannot restart (an MP4) is not opened again
    to find it out."""
    if container_format is not None and not clock_may_restart(container_format):
        return NO_JOINS
    key = _key(path)
    if key is None:
        return NO_JOINS  # gone: whoever opens it next says so (`cannot_read`)
    joins = _cache.get(key)
    if joins is None or not (sampled or joins.exact):
        joins = _sampled(path) if sampled and not read_at_once(path) else _scan(path)
        with _lock:
            if joins.exact or not getattr(_cache.get(key), "exact", False):  # another thread's full read stays
                _cache[key] = joins
            while len(_cache) > CACHED_FILES:
                del _cache[next(iter(_cache))]
    return joins


def known_joins(path: str | os.PathLike) -> Joins | None:
    """The joins of `path` where they were read before (`file_joins`), else None (not read here)."""
    return _cache.get(_key(path))


_cache: dict[tuple, Joins] = {}
_lock = threading.Lock()


def _key(path: str | os.PathLike) -> tuple | None:
    """The file's cache key: its real path and `file_stamp`; None where it cannot be found."""
    stamp = file_stamp(path)
    return None if stamp is None else (os.path.realpath(path), *stamp)


class _Packets:
    """The times of a file's audio, video and subtitle packets, in compact arrays (a 2-hour recording has ~700,000),
    and the indexes of its audio and video streams (`continuous`)."""

    def __init__(self) -> None:
        self.pos, self.stream = array("q"), array("q")
        self.time, self.start, self.end = array("d"), array("d"), array("d")  # seconds: decoded, shown, shown to
        self.continuous: set[int] = set()

    def add(self, packet: av.Packet, pos: int, time: float | None, step: float) -> None:
        """Add `packet`, timed, at byte `pos`, decoded at `time` (None: not said), shown for its duration or else
        `step` (`_Steps`)."""
        shown = float((packet.pts if packet.pts is not None else packet.dts) * packet.time_base)
        self.pos.append(pos)
        self.stream.append(packet.stream_index)
        self.time.append(math.nan if time is None else time)
        self.start.append(shown)
        self.end.append(shown + (float(packet.duration * packet.time_base) if packet.duration else step))


def _scan(path: str | os.PathLike) -> Joins:
    """Read the joins: the packets' times, where they jump back in byte order, and each part's start and end."""
    packets = _Packets()
    try:
        with av.open(str(path)) as container:
            if not clock_may_restart(container.format.name):
                return NO_JOINS
            _read(container, packets)
    except SAMPLING_ERRORS:
        pass  # a file cut short or damaged: its joins as far as it reads
    return _parts(packets)


def _read(container: av.container.InputContainer, packets: _Packets, until: float = math.inf) -> None:
    """Add the timed packets `container` demuxes from where it is, up to byte `until`, to `packets`."""
    positions, steps = Positions(), _Steps()
    for packet in container.demux():  # (all: a part may bring streams of its own)
        kind, time, pos = packet.stream.type, _decoded_at(packet), positions.of(packet)
        if pos is not None and pos > until:
            return
        if (kind not in ("audio", "video", "subtitle") or not packet.size or pos is None
                or (packet.pts is None and time is None) or not packet.time_base):
            continue
        if kind != "subtitle":
            packets.continuous.add(packet.stream_index)
        packets.add(packet, pos, time, steps.of(packet.stream_index, time) if kind != "subtitle" else 0.0)


@dataclass(frozen=True)
class _Sample:
    """Each audio and video stream's first packet demuxed from byte `pos` on: its (byte position, decoding time in
    seconds), by stream index."""

    pos: int
    times: dict[int, tuple[int, float]]


def _sample(container: av.container.InputContainer, pos: int) -> _Sample:
    """The file's times at byte `pos` (PROBE_PACKETS read at most)."""
    container.seek(pos, unsupported_byte_offset=True)
    wanted = len(container.streams.video) + len(container.streams.audio)
    times: dict[int, tuple[int, float]] = {}
    for packet in itertools.islice(container.demux(), PROBE_PACKETS):
        time = _decoded_at(packet)
        if packet.stream.type in ("audio", "video") and time is not None and packet.pos is not None and packet.pos >= 0:
            times.setdefault(packet.stream_index, (packet.pos, time))
            if len(times) == wanted:
                break
    return _Sample(pos, times)


def _goes_back(before: _Sample, after: _Sample) -> bool:
    """Whether a stream's time at `after` jumps back from its time at `before` (RESTART): a join lies between."""
    return any(_jumps_back(after.times[s][1], before.times[s][1], RESTART)
               for s in before.times.keys() & after.times.keys())


def _byte_rate(samples: list[_Sample]) -> float:
    """The file's bytes a second, the median of those between samples whose times go on (inf where none do)."""
    rates = [(b.pos - a.pos) / rise for a, b in zip(samples, samples[1:])
             for rise in [min((b.times[s][1] - a.times[s][1] for s in a.times.keys() & b.times.keys()), default=0)]
             if rise > 0]
    return float(np.median(rates)) if rates else math.inf


def _sampled(path: str | os.PathLike) -> Joins:
    """The joins of a file too large to read through (EAGER_BYTES): its times sampled at PROBES positions, each stretch
    between samples where they go back halved (HALVED_BYTES: every half, as one half that goes on may hold a second
    join), and the packets read where the halves go back and WINDOW_SECONDS either side (`_parts`), as `_scan` reads
    them. A file with no join reads only the samples (0.04-0.07 s for 1.3 GB: docs/RESULTS.md, "Session 48:
    seeking in a large joined MPEG-TS"); one that cannot be sampled is read through.
    Not `exact`: a part shorter than the samples' spacing can go unseen."""
    size = os.path.getsize(path)
    try:
        with av.open(str(path)) as container:
            if not clock_may_restart(container.format.name):
                return NO_JOINS
            at = np.linspace(0, size - min(TAIL_BYTES, size // PROBES), PROBES).astype(np.int64).tolist()
            samples = [sample for sample in (_sample(container, pos) for pos in at) if sample.times]
            margin = min(WINDOW_SECONDS * _byte_rate(samples), size)
            stretches = [(a, b) for a, b in zip(samples, samples[1:]) if _goes_back(a, b)]
            windows = []
            while stretches:  # (a half that goes back first: the packets read about its join may cover the other)
                before, after = stretches.pop()
                if any(first <= before.pos and after.pos <= last for first, last in windows):
                    continue
                if after.pos - before.pos > HALVED_BYTES:
                    middle = _sample(container, (before.pos + after.pos) // 2)
                    stretches += sorted([(before, middle), (middle, after)], key=lambda half: _goes_back(*half))
                elif _goes_back(before, after):
                    windows.append((before.pos - margin, after.pos + margin))
            packets = _Packets()
            for first, last in _merged(windows):
                container.seek(max(int(first), 0), unsupported_byte_offset=True)
                _read(container, packets, last)
    except SAMPLING_ERRORS:
        return _scan(path)
    return replace(_parts(packets), exact=False)


def _merged(windows: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The byte ranges `windows` cover, in order, those that overlap made one."""
    merged: list[tuple[float, float]] = []
    for first, last in sorted(windows):
        if merged and first <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged


def position_before(container: av.container.InputContainer, joins: Joins, stream: int, time: float) -> int:
    """A byte position of the file open in `container` (within HALVED_BYTES of the last such) whose `stream`'s next
    packet is decoded at or before `time` on the continued timeline (seconds, each part moved on by its shift in
    `joins`); 0 where none is. Found by halving: a stream's times grow with byte position within a part, and a part
    begins where the part before ends on that timeline."""
    low, high = 0, container.size
    while high - low > HALVED_BYTES:
        middle = (low + high) // 2
        found = _sample(container, middle).times.get(stream)
        if found is not None and found[1] + joins.shift_at(found[0]) <= time:
            low = middle
        else:
            high = middle
    return low


class _Steps:
    """How long an audio or video packet without a duration is shown: its stream's shortest step between decoding
    times so far. (The gap before it, taken before, may be a pause: a part's last subtitle, sparse, "lasted" as long as
    the silence before it and put the next part that much later. A subtitle without one ends where it starts.)"""

    def __init__(self) -> None:
        self._latest: dict[int, float] = {}
        self._shortest: dict[int, float] = {}

    def of(self, stream: int, time: float | None) -> float:
        """The step of the `stream`'s packet decoded at `time` (None: not said); 0 until the stream has made one."""
        previous = self._latest.get(stream)
        if time is not None:
            if previous is not None and previous < time:
                self._shortest[stream] = min(time - previous, self._shortest.get(stream, math.inf))
            self._latest[stream] = time
        return self._shortest.get(stream, 0.0)


def _decoded_at(packet: av.Packet) -> float | None:
    """Seconds: the packet's decoding time, which alone tells a join (as FFmpeg's): a presentation time goes back where
    frames are reordered. None where it has none."""
    return float(packet.dts * packet.time_base) if packet.dts is not None and packet.time_base else None


def _parts(packets: _Packets) -> Joins:
    """The joins of `packets`."""
    pos, times = np.frombuffer(packets.pos, dtype=np.int64), np.frombuffer(packets.time)
    order = np.argsort(pos, kind="stable")
    order = order[~np.isnan(times[order])]  # byte order, less packets without a decoding time (they tell no join)
    starts = _restarts(pos[order], np.frombuffer(packets.stream, dtype=np.int64)[order], times[order],
                       packets.continuous)
    del order
    if not starts:
        return NO_JOINS
    part = np.searchsorted(np.array(starts), pos, side="right")
    start, end = np.frombuffer(packets.start), np.frombuffer(packets.end)
    shifts, shift = [], 0.0
    for k in range(1, len(starts) + 1):
        shift += float(_unwrapped(end[part == k - 1]).max() - _unwrapped(start[part == k]).min())
        shifts.append(shift)
    return Joins(tuple(starts), tuple(shifts))


def _restarts(at: np.ndarray, streams: np.ndarray, times: np.ndarray, continuous: set[int]) -> list[int]:
    """The byte positions where a recording starts again, of packets in byte order (their positions `at`, stream
    indexes and decoding times): an audio or video packet that jumps back from its stream's latest in the part
    (`RESTART`), or a subtitle packet back from the latest of every audio and video stream in it (`SPARSE_RESTART`).
    Each stream's jumps are found at once (a day's recording has 8 million packets); only they and the subtitles
    that may restart are gone through in turn, to keep those judged by packets of the part they are in."""
    judged: list[tuple[int, int | np.ndarray]] = []  # (a packet that may restart, the packet or packets judging it)
    own = [indexes for stream in sorted(continuous) for indexes in [np.flatnonzero(streams == stream)] if len(indexes)]
    for indexes in own:
        back = np.flatnonzero(_jumps_back(times[indexes[1:]], times[indexes[:-1]], RESTART))
        judged += zip(indexes[back + 1].tolist(), indexes[back].tolist())
    sparse = np.flatnonzero(~np.isin(streams, list(continuous)))
    if own and len(sparse):
        # each audio and video stream's latest packet before each subtitle packet (-1: none yet)
        prior = np.stack([np.where(k > 0, indexes[k - 1], -1) for indexes in own
                          for k in [np.searchsorted(indexes, sparse)]])
        latest = np.where(prior >= 0, times[prior], -np.inf).max(axis=0)
        maybe = np.flatnonzero(times[sparse] < latest - SPARSE_RESTART)  # (the latest of some streams is not later)
        judged += zip(sparse[maybe].tolist(), prior[:, maybe].T)
    starts: list[int] = []
    part = 0  # the index of the packet the part begins at
    for index, by in sorted(judged, key=lambda pair: pair[0]):
        if isinstance(by, int):
            restarting = by >= part
        else:
            in_part = times[by[by >= part]]
            restarting = bool(len(in_part) and _jumps_back(times[index], in_part.min(), SPARSE_RESTART))
        if restarting:
            starts.append(int(at[index]))
            part = index
    return starts


def _unwrapped(times: np.ndarray) -> np.ndarray:
    """A part's times less those a wrap of the clock put far off the rest (`CLOCK_WRAP`): more than half of it from
    their median (a part of a day, its times spread evenly, is within 12 hours of it)."""
    return times[np.abs(times - np.median(times)) < CLOCK_WRAP / 2]


class VideoShifts:
    """The shift (`Joins.ticks_at`, in `time_base` ticks) of each of a file's video packets, read in decoding order
    from its start or a keyframe. A file up to EAGER_BYTES has its joins read (`file_joins`, once a file) at the first
    packet, whatever the video's own times do: read only where those jumped back or another reader had read them, a
    join only the sound told (a part's pictures starting after the part before's sound ended) moved the frames or not
    by what the process had done before, and a rerun in a new process took its own output for another length. A
    larger one's are `joins` where the caller has them (a seek's, sampled: a pass from a keyframe in a later part has
    no jump back to tell it), else those known, else from the video's first jump back (RESTART), as at every join of
    recordings that both have video: a long broadcast recording is not sampled before its first frame shows; a join
    before that only the sound tells is then not applied to its pictures (the carried sound is moved, and the two go
    apart by that gap). Sampled joins that have no join where the video jumps back (a part shorter than the samples'
    spacing: 504 of 1050 frames of a 20 s, 2 s, 20 s recording were mistimed) are read through then, and kept
    (`joins`). `container`: the file's FFmpeg format (`VideoInfo.container`), for `file_joins`."""

    def __init__(self, path: str | os.PathLike, time_base: Fraction, container: str, joins: Joins | None = None):
        self.path, self.time_base, self.container = path, time_base, container
        self.joins: Joins | None = joins or known_joins(path)
        self._eager = read_at_once(path)
        self._latest: tuple[float, int] | None = None  # the video's latest (decoding time, byte position or -1)
        self._positions = Positions()

    def ticks(self, packet: av.Packet) -> int:
        pos = self._positions.of(packet)
        if self.joins is None and self._eager:
            self.joins = file_joins(self.path, self.container)
        elif self.joins is None or not self.joins.exact:
            before = self._jumped_back_from(packet, pos)
            if before is not None:
                self.joins = self.joins or file_joins(self.path, self.container, sampled=True)
                if not self.joins.join_between(before, -1 if pos is None else pos):
                    self.joins = file_joins(self.path, self.container)
        return self.joins.ticks_at(pos, self.time_base) if self.joins is not None else 0

    def _jumped_back_from(self, packet: av.Packet, pos: int | None) -> int | None:
        """Where the video's time jumps back (RESTART) at `packet` (at byte `pos`), the byte position of the packet
        before it (-1: none); else None."""
        time = _decoded_at(packet)
        if time is None:
            return None
        latest, self._latest = self._latest, (time, -1 if pos is None else pos)
        return latest[1] if latest is not None and _jumps_back(time, latest[0], RESTART) else None


def read_at_once(path: str | os.PathLike) -> bool:
    """Whether a file is small enough (EAGER_BYTES) for its joins, or its frames, to be read through as it opens."""
    try:
        return os.path.getsize(path) <= EAGER_BYTES
    except OSError:
        return True  # gone: whoever opens it next says so
