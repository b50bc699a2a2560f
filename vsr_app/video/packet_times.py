"""Frame counts and times of any video, from its packets (demuxing only, no decoding): each frame's time, the rate
they space, a count the header does not give, their span, and where the last frame stops showing; and how long each
kind of stream lasts (`stream_durations`).

Why a module of its own: the reader, the pipeline, the writer and the viewer ask these of any file, not only output
verification (`verify.py`); it uses no reader, so the reader can use it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from itertools import islice
from typing import Iterator

import av

from vsr_app.video.frame_clock import REORDER_DEPTH, FrameClock
from vsr_app.video.joins import VideoShifts, clock_may_restart, read_at_once
from vsr_app.video.opening import cannot_read, video_stream
from vsr_app.video.probing import VideoInfo


# Containers whose track ends no later than its last packet in decode order: its dts plus duration, counted from the
# first packet's dts (measured, FFmpeg 8: the MP4/MOV muxer times a track by dts). With reordered frames, the
# packet that ends last by pts may run past that end: a file's span is then the earlier of the two - unless a frame
# starts after the dts end (seen in variable-frame-rate MP4s from FFmpeg), where players still show it to its pts end.
DTS_TIMED_FORMATS = frozenset({"mp4", "mov"})


@dataclass(frozen=True)
class PacketSpan:
    """Video packets of a file, less those its edit list hides: how many, and the time from the first one's start to
    the last one's end (None for both when no packet has a timestamp: a raw .h264 stream)."""

    frames: int
    start: float | None
    end: float | None

    @property
    def duration(self) -> float:
        return (self.end or 0.0) - (self.start or 0.0)


def _shown_packets(container: av.container.InputContainer, stream: av.VideoStream) -> Iterator[av.Packet]:
    """The stream's packets that carry a shown frame: not an end marker, not a frame an edit list hides."""
    return (packet for packet in container.demux(stream) if packet.size and not packet.is_discard)


def frame_times(info: VideoInfo) -> list[float] | None:
    """Presentation times (seconds, file clock) of the video's frames in display order, from its packets (demuxing
    only: ~30 us a frame), timed as the reader times the decoded frames (`FrameClock`: in order, repeats squeezed in,
    joined recordings continued, `VideoShifts`); None when a packet has none (a raw .h264 stream). What a viewer needs
    to find frame k of a variable-frame-rate video, where k / fps lands on another frame."""
    tick = info.time_base
    clock = FrameClock.for_video(info)
    shifts = VideoShifts(info.path, tick, info.container)
    ticks: list[int] = []
    try:
        with av.open(info.path) as container:
            stream = video_stream(container, info.path)
            for packet in _shown_packets(container, stream):
                if packet.pts is None or packet.time_base is None:
                    return None
                ticks += clock.push(round(packet.pts * packet.time_base / tick), shifts.ticks(packet))
    except (av.FFmpegError, OSError) as exc:
        raise cannot_read(info.path, exc) from exc
    return [float(t * tick) for t in ticks + clock.finish()]


def packet_rate(info: VideoInfo) -> float | None:
    """Frames a second as the packets' times space them on average, or None where they cannot say. (Not the median
    interval: a 600 fps .mkv's times, rounded to whole milliseconds, are mostly 2 ms apart.)"""
    times = frame_times(info)
    return (len(times) - 1) / (times[-1] - times[0]) if times and times[-1] > times[0] else None


# A stated rate is sampled where the header counts no frames: SAMPLE_WINDOWS runs of SAMPLE_PACKETS packets spread
# over the video, each after a seek (Matroska's index makes one cheap whatever the length). Counting every packet
# cost 3-6 s for a 2-hour 1080p MKV (14-29 us a frame; a 10-minute one 0.45 s, 2.6 s with a cold disk cache).
SAMPLE_WINDOWS = 8
SAMPLE_PACKETS = 64
RATE_SLACK = 0.1  # a sampled rate this close to the stated one: duration x rate stands
COUNT_LIMIT = 50_000  # packets counted at most (~1 s); past it the count is the sampled (or stated) rate x duration


def with_counted_frames(info: VideoInfo) -> VideoInfo:
    """`info`, with a frame count from its packets where the header states none and duration x rate may be wrong.

    With no duration either (a browser's WebM screen recording, MKV written to a stream, raw .h264) a timeline one frame
    long cannot be played, stepped or analysed, and an export or batch of them showed no percentage or time left: the
    packets are counted, and timed. With a duration (Matroska, MPEG-TS), a variable rate's duration x rate can be ten
    times the frames there are (a screen recording's pauses: 244 said, 22 there), so the rate is sampled
    (`sampled_rate`), and where it strays from the stated one the packets are counted, up to COUNT_LIMIT: past it the
    count is the sampled rate x duration (the stated one's where sampling failed). In a format whose clock may start
    again (`clock_may_restart`) they are counted whatever the sample says, in a file up to 1 GB (`read_at_once`; a
    larger one's first seek lengthens the viewer's timeline): recordings joined end to end (`cat a.ts
    b.ts`) have each part at the stated rate and a header's duration of one part, and 2 x 1000 frames opened as 1000
    (the viewer's timeline, the CLI's progress at 100% through the second half). Demuxing only (no decoding);
    decoding still corrects the count when it reaches the real end.
    """
    if info.frame_count:
        return info
    if not info.duration:
        span = packet_span(info.path)
        return replace(info, frame_count=span.frames or None, duration=span.duration if span.end is not None else None)
    rate = sampled_rate(info)
    restart = clock_may_restart(info.container) and read_at_once(info.path)  # a 7.6 GB one took 5 s, to 50,000
    if rate is not None and abs(rate - info.fps) <= RATE_SLACK * info.fps and not restart:
        return info
    counted = counted_frames(info.path, COUNT_LIMIT)
    if counted is not None:
        return replace(info, frame_count=counted or None)
    return info if rate is None else replace(info, frame_count=round(rate * info.duration))


def counted_frames(path: str | os.PathLike, limit: int) -> int | None:
    """How many frames the video packets of `path` show, demuxing only; None past `limit` of them (14-29 us each:
    a 2-hour film's all took 3-6 s)."""
    try:
        with av.open(str(path)) as container:
            shown = _shown_packets(container, video_stream(container, path))
            count = sum(1 for _ in islice(shown, limit + 1))
    except (av.FFmpegError, OSError) as exc:
        raise cannot_read(path, exc) from exc
    return count if count <= limit else None


def sampled_rate(info: VideoInfo) -> float | None:
    """Frames a second over SAMPLE_WINDOWS runs of packets spread evenly over the video (a seek to each, demuxing
    only: 0.03-0.14 s for 10-minute and 2-hour 1080p MKVs); None where they cannot say (no duration to spread them
    over, no times, a seek that fails)."""
    if not info.duration:
        return None
    steps, seconds = 0, 0.0
    try:
        with av.open(info.path) as container:
            stream = video_stream(container, info.path)
            for k in range(SAMPLE_WINDOWS):
                if k:
                    at = info.start_time + info.duration * k / SAMPLE_WINDOWS
                    container.seek(round(at / stream.time_base), stream=stream, backward=True, any_frame=False)
                timed = (p for p in _shown_packets(container, stream) if p.pts is not None and p.time_base)
                times = sorted(float(p.pts * p.time_base) for p in islice(timed, SAMPLE_PACKETS))
                # a frame shown among the last few may be decoded after the run (B-frames): those are left out
                times = times[:max(0, len(times) - REORDER_DEPTH)]
                if len(times) > 1:
                    steps, seconds = steps + len(times) - 1, seconds + times[-1] - times[0]
    except (av.FFmpegError, OSError):
        return None  # counted instead, which says what is wrong with the file if something is
    return steps / seconds if seconds > 0 else None


def packet_span(path: str | os.PathLike) -> PacketSpan:
    """Count the video packets of `path` and find their time span (seconds), demuxing only; recordings joined end to
    end timed on, as the reader times their frames (`VideoShifts`): by their own times a rerun found the output of two
    3 s parts, 6 s long, not to match its input."""
    try:
        with av.open(str(path)) as container:
            stream = video_stream(container, path)
            shifts = VideoShifts(path, stream.time_base, container.format.name)
            dts_timed = DTS_TIMED_FORMATS & set(container.format.name.split(","))
            count, start, end, last_start, first_dts, dts_end = 0, None, None, None, None, None
            for packet in _shown_packets(container, stream):
                count += 1
                if packet.pts is None or packet.time_base is None:
                    continue
                shift = shifts.ticks(packet)
                t0 = float((packet.pts + shift) * packet.time_base)
                length = float((packet.duration or 0) * packet.time_base)
                start = t0 if start is None else min(start, t0)
                last_start = t0 if last_start is None else max(last_start, t0)
                end = t0 + length if end is None else max(end, t0 + length)
                if dts_timed and packet.dts is not None:
                    dts = float((packet.dts + shift) * packet.time_base)
                    first_dts = dts if first_dts is None else first_dts
                    dts_end = dts + length
    except (av.FFmpegError, OSError) as exc:
        raise cannot_read(path, exc) from exc
    if dts_end is not None and start + dts_end - first_dts > last_start:
        end = min(end, start + dts_end - first_dts)
    return PacketSpan(count, start, end)


def source_end(src: str | os.PathLike, info: VideoInfo, last: float, previous: float | None) -> float | None:
    """When the source's last frame (shown at `last` s, after one at `previous`) stops showing, where the file says:
    its video's duration after its start (`VideoInfo.duration`). None when it does not say, or no later than `last`.

    A file cut short keeps the header of the whole, which would hold its last decoded frame over the missing part:
    so a last frame longer than the one before it is held only as far as the file's packets reach."""
    if not info.duration:
        return None
    end = info.start_time + info.duration
    if end - last > (last - previous if previous is not None else 1 / info.fps):
        end = min(end, packet_span(src).end or end)
    return end if end - last >= info.time_base else None


def stream_durations(path: str | os.PathLike) -> dict[str, float]:
    """Seconds covered by the packets of each stream type ("video", "audio": first pts to last pts + duration):
    whether an output's audio still lasts as long as its video (no loss, no drift). In the app, not the tests'
    helpers, so that a benchmark (memory_flat.py) measures it as the tests do without importing the test folder.
    Packets an edit list hides are counted, unlike `_shown_packets`: an MP4's AAC priming is hidden, a Matroska's
    is not, and an .mkv output of an .mp4 then read 37 ms longer."""
    spans: dict[str, tuple[float, float]] = {}
    with av.open(str(path)) as container:
        for packet in container.demux():
            if packet.pts is None or packet.size == 0:
                continue
            start = float(packet.pts * packet.time_base)
            end = start + float((packet.duration or 0) * packet.time_base)
            lo, hi = spans.get(packet.stream.type, (start, end))
            spans[packet.stream.type] = min(lo, start), max(hi, end)
    return {kind: hi - lo for kind, (lo, hi) in spans.items()}
