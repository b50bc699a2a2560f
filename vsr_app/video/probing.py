"""What a video file holds, read from its header and its first frame (`VideoInfo`), and the codec each stream holds.

Why a module of its own: a header alone misleads (an AVI counts its empty "drop" entries, an MP4 the frames its edit
list hides, a raw .h264 has FFmpeg's 25 fps default, a program stream leaves out the frames packed after its last
time), and the CLI, batch, inspector and writer all need the same corrected facts (`reader.probe` reads them).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Iterable

import av

from vsr_app.video.pictures import orientation_of
from vsr_app.video.tonemap import Hdr, hdr_of, wide_gamut_of


@dataclass(frozen=True)
class StreamInfo:
    """A non-video stream (audio or subtitle) the writer may carry over."""

    codec: str
    detail: str  # e.g. "48000 Hz stereo"
    language: str = ""  # as tagged ("deu"; "" where untagged or "und"), to tell a file's tracks apart
    title: str = ""  # as tagged ("Audiodeskription")


@dataclass(frozen=True)
class VideoInfo:
    """What is known about a video before decoding it all."""

    path: str
    container: str
    codec: str
    pix_fmt: str
    width: int  # displayed size (after rotation)
    height: int
    rotation: int  # degrees counter-clockwise applied to the coded picture (0, 90, 180, 270)
    fps: float  # average frame rate
    frame_rate: Fraction | None  # the same as a fraction, when the file states one
    time_base: Fraction  # unit of the stream's timestamps: writing with it keeps every timestamp exact
    start_time: float  # seconds, time of the first frame on the file's clock
    duration: float | None  # seconds, None when the file does not say
    frame_count: int | None  # from the container header; None when it does not say
    sample_aspect_ratio: Fraction | None  # pixel shape of the displayed picture; None means square
    audio: tuple[StreamInfo, ...]
    subtitles: tuple[StreamInfo, ...]
    mirrored: bool = False  # mirrored left to right after the rotation (the display matrix flips the picture)
    hdr: Hdr | None = None  # the first frame's HDR colour, tone-mapped to SDR as read; None for SDR
    wide_gamut: int | None = None  # the first frame's SDR primaries where wider than BT.709's (converted as read)

    @property
    def estimated_frames(self) -> int | None:
        """Frame count for progress bars: the header's count, else duration x fps (ten times the frames there are in
        a screen recording's .mkv, which `packet_times.with_counted_frames` samples and counts)."""
        if self.frame_count:
            return self.frame_count
        if self.duration:
            return max(1, round(self.duration * self.fps))
        return None


# Elementary streams without a container: they carry no timestamps, and FFmpeg's average rate is its 25 fps default.
RAW_STREAM_FORMATS = frozenset({"h264", "hevc", "vvc", "mpegvideo", "m4v"})


# MPEG program streams (.mpg, .vob) pack several frames into a packet whose time is the first frame's to start in it:
# after a seek FFmpeg gave that time to the end of the frame before, and the frames after it up to the next packet
# came half a frame late (frame k - 1 was taken for frame k). Their keyframes are found from the start, demuxing only,
# and the frames packed after the last time in the file are counted in their duration (`_packed_stream_duration`).
SEEK_MISTIMED_FORMATS = frozenset({"mpeg"})


def video_info(path: Path, container, stream, first: av.VideoFrame) -> VideoInfo:
    """What `container`'s header and the first frame decoded from its video `stream` say of the video."""
    rotation, mirrored = orientation_of(first)
    coded_w, coded_h = first.width, first.height
    width, height = (coded_h, coded_w) if rotation in (90, 270) else (coded_w, coded_h)
    rate = _frame_rate(stream, container.format.name)
    tb = stream.time_base
    if stream.start_time is not None and tb:
        start = float(stream.start_time * tb)
    else:  # not in the header (some Matroska files): the first frame's time
        start = float(first.pts * first.time_base) if first.pts is not None and first.time_base else 0.0
    duration = _duration(container, stream, start)
    if duration and rate and container.format.name in SEEK_MISTIMED_FORMATS:
        duration = _packed_stream_duration(container, stream, start, duration, rate)
    frame_count = _listed_frames(stream, container.format.name) or None
    if rate is None and frame_count and duration:
        rate = Fraction(frame_count / duration).limit_denominator(1001)
    fps = float(rate) if rate else 25.0
    sar = stream.sample_aspect_ratio
    if sar is not None and (sar <= 0 or sar == 1):
        sar = None
    elif sar is not None and rotation in (90, 270):
        sar = 1 / Fraction(sar)
    return VideoInfo(
        path=str(path), container=container.format.name, codec=codec_name(stream),
        pix_fmt=first.format.name, width=width, height=height, rotation=rotation, fps=fps, frame_rate=rate,
        time_base=Fraction(tb) if tb else Fraction(1, 90_000),
        start_time=start, duration=duration, frame_count=frame_count,
        sample_aspect_ratio=Fraction(sar) if sar else None,
        audio=tuple(_stream_info(s) for s in container.streams.audio),
        subtitles=tuple(_stream_info(s) for s in container.streams.subtitles), mirrored=mirrored,
        hdr=hdr_of(first), wide_gamut=wide_gamut_of(first),
    )


# The codec an MPEG audio frame holds, by the layer bits of its header (11: layer I, 10: II, 01: III)
MPEG_AUDIO_LAYERS = {3: "mp1", 2: "mp2", 1: "mp3"}


def codec_name(stream) -> str:
    """The codec of a stream as FFmpeg names the format ('mp3'), not the decoder that reads it ('mp3float')."""
    return stream.codec_context.codec.canonical_name if stream.codec_context is not None else "unknown"


def is_cover_art(stream) -> bool:
    """A still picture attached to the file (an album cover in an mp3 or m4a): a video stream, but not a video."""
    return av.stream.Disposition.attached_pic in stream.disposition


def found_codec(stream, packets: Iterable) -> str:
    """`codec_name`, but for MPEG audio the layer its first frame's header names (the first of the stream's `packets`
    that holds one; read for MPEG audio only): FFmpeg takes every MPEG audio stream of an MPEG-TS for MP3 until its
    parser has seen a few frames, which the opening of a file with no video does not wait for (a DVB radio capture's
    MP2 was "found: audio (mp3)"), nor sees of a stream that starts after what it reads (`late_streams`)."""
    name = codec_name(stream)
    if name != "mp3":
        return name
    try:
        header = next((bytes(packet)[:2] for packet in packets if packet.size >= 2), b"")
    except av.FFmpegError:
        return name
    layer = (header[1] >> 1) & 3 if len(header) == 2 and header[0] == 0xFF and header[1] >= 0xE0 else 0
    return MPEG_AUDIO_LAYERS.get(layer, name)


def _stream_info(stream) -> StreamInfo:
    ctx = stream.codec_context
    if stream.type == "audio" and ctx is not None:
        detail = f"{ctx.sample_rate} Hz {ctx.layout.name if ctx.layout else ''}".strip()
    else:
        detail = ""
    language = stream.metadata.get("language", "")
    return StreamInfo(codec_name(stream), detail, "" if language == "und" else language,
                      stream.metadata.get("title", ""))


def _frame_rate(stream, container_format: str) -> Fraction | None:
    """The stream's average rate; for a raw stream, the rate its codec header states (a 23.976 fps .h264 was read
    at 25 and came out 4% fast)."""
    stated = stream.codec_context.framerate if container_format in RAW_STREAM_FORMATS else None
    for rate in (stated, stream.average_rate, stream.guessed_rate, stream.base_rate):
        if rate and rate > 0:
            return Fraction(rate)
    return None


def _listed_frames(stream, container_format: str) -> int:
    """The frames the header counts that show (0 when it has none). An AVI's header counts the empty "drop" entries
    that a variable-frame-rate source leaves for its gaps, which hold no picture: there, the frames its index lists,
    when that index reaches the header's length (a cut file's rebuilt index does not, and keeps the header's count).
    An MP4/MOV header counts the frames its edit list hides: a phone's trimmed clip of 6 frames read "Frames 12", and
    its progress 0/12 before ending at 6/6. FFmpeg leaves some of them out of its index and marks the others: the
    index's entries less those marked are the frames shown (as packet_times.packet_span counts them; 0.05 s for
    216,000)."""
    count = stream.frames
    if not count:
        return 0
    entries = stream.index_entries
    if container_format == "avi":
        if len(entries) and entries[-1].timestamp >= count - 1:
            return sum(entry.size > 0 for entry in entries)
    elif container_format.startswith("mov") and len(entries):
        return len(entries) - sum(entry.is_discard for entry in entries)
    return count


def _duration(container, stream, start: float) -> float | None:
    """The video's own duration in seconds: its stream header's; else a Matroska track's DURATION tag (when its last
    frame ends, on the file's clock); else the file's, when the video is its only stream. The file's covers every
    stream (and in Matroska the time before the first frame too): a longer audio track or a start at 10 s made a
    complete output look short and the progress total wrong."""
    if stream.duration and stream.time_base:
        seconds = float(stream.duration * stream.time_base)
        if stream.start_time is None:  # FFmpeg then counts it from 0: the time before the first frame comes off
            seconds -= start
        return seconds if seconds > 0 else None
    try:
        hours, minutes, seconds = stream.metadata["DURATION"].split(":")
        end = int(hours) * 3600 + int(minutes) * 60 + float(seconds)
        return end - start if end > start else None
    except (KeyError, ValueError):
        pass
    if container.duration and len(container.streams) == 1 and container.format.name != "matroska,webm":
        return container.duration / av.time_base
    return None


PACKED_TAIL = 2.0  # seconds before FFmpeg's end of an MPEG program stream from which its last frames are demuxed


def _packed_stream_duration(container, stream, start: float, stated: float, rate: Fraction) -> float:
    """An MPEG program stream's duration to the end of its last frame. FFmpeg's (`stated`) ends one frame after the
    last time a packet header in the file's tail carries (half a frame for MPEG-1: one field), but a packet holds
    several frames and only the first to start in it has a time: those after it went uncounted, and a 2 s clip of 50
    frames opened as 47 until played to its end. Demuxed through FFmpeg's parser every frame has its time, from a seek
    PACKED_TAIL before that end (only the first frames after a seek can come half a frame late). `stated` stands where
    a frame has no time (H.264 in a program stream), the seek fails, or the end is further off than the tail (a
    timeline that starts again)."""
    tick = stream.time_base
    try:
        container.seek(round(max(start, start + stated - PACKED_TAIL) / tick), stream=stream, backward=True)
        times = [packet.pts for packet in container.demux(stream) if packet.size]
    except av.FFmpegError:
        return stated
    if not times or None in times:
        return stated
    found = float(max(times) * tick + 1 / rate) - start
    return found if abs(found - stated) < PACKED_TAIL else stated
