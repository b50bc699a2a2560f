"""Streaming video decode: RGB uint8 frames with their timestamps, as a person would see them played.

Why a module of its own: every consumer (CLI, batch, GUI player, training data) needs the same answers to
the awkward questions - which way up is a phone video (display matrix), what time does each frame belong
to in a variable-frame-rate file, how 10-bit or 4:4:4 YUV becomes RGB - and needs a readable error when a
file is not a video at all. Only PyAV is used.

Conventions:
- `DecodedFrame.time` is the presentation time in seconds, `pts * time_base`, on the file's own clock
  (not shifted to start at zero: the writer shifts every stream of an output alike). Times are strictly
  increasing, in whole ticks of the stream's time base (`FrameClock`): times that come out of order (H.264 with
  B-frames in AVI) are put back in order, a frame with a missing or repeated time is squeezed in before the next
  one (`placed_frames_note` says how many), and recordings joined end to end, whose clock starts again, go on after
  each other as every stream of the file does (`joins.py`); `frames(start)` takes `start` on that continued timeline.
- Rotation: the display matrix's rotation (multiples of 90 degrees, as written by phones) and mirroring (QuickTime's
  Flip Horizontal/Vertical) are applied to the pixels, as FFmpeg's autorotate does, and `VideoInfo.width/height`
  are the displayed (rotated) size.
- Size: a stream whose picture size changes part-way (a WebRTC recording, a TV capture) has every frame scaled
  to the first frame's size, as FFmpeg does; `size_change` says where it first changed.
- Colour: YUV is converted with the frame's own matrix (BT.601/709/2020) and range tags; untagged video by the
  size rule players use (`is_hd`: BT.709 for HD, else BT.601), HDR by BT.2100's (BT.2020). 10-bit and 4:4:4 sources
  go through the same conversion. HDR frames (tagged PQ or HLG, a phone's default) are decoded at 16 bits and
  tone-mapped to SDR BT.709 (`tonemap.py`), as an SDR display should show them; `VideoInfo.hdr` is the first frame's,
  and its PQ peak the stream's, which a frame that declares none is rolled off from. ICtCp is refused at opening.
  Wide-gamut SDR frames (BT.2020 or P3 primaries) are decoded at 16 bits and converted to BT.709's primaries.
- Interlaced: frames flagged interlaced are deinterlaced, a frame for each frame (`deinterlace.py`), so counts and
  times are as for progressive video; `interlaced_frames` counts them. `deinterlace=False` (`--deinterlace off`, for
  progressive video wrongly flagged) passes them through as decoded, their fields woven; `woven_frames` counts them.
- Damage: a packet that does not decode is skipped, however many come in a row (`decode_errors` counts them).
"""

from __future__ import annotations

import errno
import heapq
import itertools
import logging
import math
import os
from array import array
from collections import deque
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Iterable, Iterator

import av
import cv2
import numpy as np
from av.sidedata.sidedata import Type as SideDataType
from av.video.reformatter import ColorRange, Colorspace, Interpolation

from vsr_app.errors import NoVideoStream, VsrAppError
from vsr_app.progress import length_text
from vsr_app.video.deinterlace import Deinterlacer
from vsr_app.video.joins import (SAMPLING_ERRORS, Joins, VideoShifts, clock_may_restart, file_joins, position_before,
                                 read_at_once)
from vsr_app.video.tonemap import SOURCE_PEAK, Hdr, gamut_to_bt709, hdr_of, to_sdr, wide_gamut_of

log = logging.getLogger(__name__)

UNSPECIFIED_COLORSPACE = 2  # AVCOL_SPC_UNSPECIFIED: the file does not say which matrix its YUV uses
ICTCP = 14  # AVCOL_SPC_ICTCP: BT.2100's ICtCp, which swscale cannot convert
ICTCP_REFUSED = ("the video's colours are coded as ICtCp (BT.2100), which FFmpeg cannot convert to RGB; "
                 "re-encode it with the BT.2020 matrix")


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
        a screen recording's .mkv, which `verify.with_counted_frames` samples and counts)."""
        if self.frame_count:
            return self.frame_count
        if self.duration:
            return max(1, round(self.duration * self.fps))
        return None


@dataclass(frozen=True)
class DecodedFrame:
    """One displayed picture: `image` is HxWx3 uint8 RGB, `time` its presentation time in seconds."""

    index: int
    time: float
    image: np.ndarray


def _check_path(path: Path) -> None:
    if not path.exists():
        if path.is_symlink():  # "does not exist" of a file the user can see in the folder reads as a bug
            raise VsrAppError(f"'{path}' is a link to '{os.readlink(path)}', which does not exist")
        raise VsrAppError(f"'{path}' does not exist")
    if path.is_dir():
        raise VsrAppError(f"'{path}' is a folder, not a video file")
    if not path.is_file():  # opening a pipe with no writer would wait forever
        raise VsrAppError(f"'{path}' is not a regular file (a pipe, socket or device); vsr-app reads video files")
    if path.stat().st_size == 0:
        raise VsrAppError(f"'{path}' is empty (0 bytes); it is not a video")


# Frames held to put their times in order. AVI stores no presentation times: its frames carry decode-order times,
# out of order by as many B-frames as the encoder used (H.264 allows 16; x264's veryslow uses 8, its default 3).
# Other containers carry presentation times, and 4 covers a muxer's odd slip without holding frames for nothing.
AVI_REORDER_DEPTH = 16
REORDER_DEPTH = 4


class FrameClock:
    """Strictly increasing frame times (ticks) from the times frames carry, for the reader and, from the packets, for
    the viewer's seeks (`verify.frame_times`), so both number the frames alike.

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


def _own_ticks(timed: av.VideoFrame | av.Packet, tick: Fraction) -> int | None:
    """The presentation time a frame or packet carries, in whole `tick`s; None where it carries none."""
    return round(timed.pts * timed.time_base / tick) if timed.pts is not None and timed.time_base else None


def _with_shifts(packets: Iterator[av.Packet], shifts: VideoShifts) -> Iterator[av.Packet]:
    """`packets`, each carrying its part's shift in ticks (`VideoShifts`) to the frames decoded from it (FFmpeg's
    opaque, in a tuple of its own: PyAV files an opaque value by its id, which a cached small int shares)."""
    for packet in packets:
        packet.opaque = (shifts.ticks(packet),)
        yield packet


def _in_time_order(frames: Iterator[av.VideoFrame], tick: Fraction, clock: FrameClock
                   ) -> Iterator[tuple[av.VideoFrame, int]]:
    """Each frame with its time in ticks from `clock` (held until the clock has it), moved on by its part's shift
    (`_with_shifts`)."""
    held: deque[av.VideoFrame] = deque()
    for frame in frames:
        held.append(frame)
        shift = frame.opaque[0] if frame.opaque else 0
        for pts in clock.push(_own_ticks(frame, tick), shift):
            yield held.popleft(), pts
    for pts in clock.finish():
        yield held.popleft(), pts


def _deinterlaced(timed: Iterator[tuple[av.VideoFrame, int]], deinterlacer: Deinterlacer | _Woven
                  ) -> Iterator[tuple[av.VideoFrame, int]]:
    """The timed frames through `deinterlacer` (a frame out for each frame in, in order), each with its time: after
    the clock, so that its count is of the frames handed on, not of those the clock still holds."""
    times: deque[int] = deque()

    def frames() -> Iterator[av.VideoFrame]:
        for frame, pts in timed:
            times.append(pts)
            yield frame

    for frame in deinterlacer.run(frames()):
        yield frame, times.popleft()


TIME_SLACK = 1e-6  # seconds: a frame this little before a seek's time is the one asked for
# MPEG program streams (.mpg, .vob) pack several frames into a packet whose time is the first frame's to start in it:
# after a seek FFmpeg gave that time to the end of the frame before, and the frames after it up to the next packet
# came half a frame late (frame k - 1 was taken for frame k). Their keyframes are found from the start, demuxing only,
# and the frames packed after the last time in the file are counted in their duration (`_packed_stream_duration`).
SEEK_MISTIMED_FORMATS = frozenset({"mpeg"})
# seconds of frames decoded before a seek's time in video flagged interlaced: idet's verdict on a frame follows the
# frames before it (it holds until later frames outvote it) and bwdif reads the one before, so a pass begun at the
# keyframe gave other frames than playing on. A verdict held from further back than this still can.
DEINTERLACE_WARMUP = 1.0
FIRST_STEP_BACK = 1.0  # seconds: where a seek came to a keyframe after its time, the next one goes back this far, then
# twice as far each time (MPEG-TS seeks land between keyframes, and the decoder starts at the next one)


def _from_keyframe(packets: Iterator[av.Packet], start: float) -> tuple[bool, Iterator[av.Packet]]:
    """`packets` from the last keyframe shown at or before `start` (seconds) on, and whether one came (else from the
    first packet): read and held up to the first packet decoded after `start` or keyframe shown after it, as no later
    keyframe can be shown before (a frame is shown no earlier than it is decoded, and decoding times only grow; held
    to the next keyframe, a seek into a screen recording with one keyframe read the rest of the file first). A
    keyframe without a time ends the search (a raw stream has none)."""
    held: list[av.Packet] = []
    found = False
    for packet in packets:
        if packet.dts is not None and packet.dts * packet.time_base > start + TIME_SLACK:
            held.append(packet)
            break
        if packet.is_keyframe:
            if packet.pts is None or packet.pts * packet.time_base > start + TIME_SLACK:
                held.append(packet)
                break
            held, found = [], True
        held.append(packet)
    return found, itertools.chain(held, packets)


@dataclass(frozen=True)
class Keyframe:
    """A keyframe as a seek finds it in a video whose clock may start again: `time` (seconds) its own on the frames'
    continued timeline, `pos` and `pts` (the file's time) the packet a seek to its byte position must come to."""

    time: float
    pos: int
    pts: int


def continued_keyframes(packets: Iterator[av.Packet], info: VideoInfo, until: float,
                        joins: Joins | None = None) -> tuple[list[Keyframe], bool]:
    """The keyframes among the video's `packets` (from its start) up to the first packet decoded after `until`
    (seconds on the continued timeline), timed as the reader times the frames (`_continued`, by `joins` where the
    caller has them), and whether the packets ended before that one."""
    keyframes = []
    for decoded, keyframe in _continued(packets, info, joins):
        if decoded is not None and decoded > until:
            return keyframes, False
        if keyframe is not None:
            keyframes.append(keyframe)
    return keyframes, True


def first_keyframe_from(packets: Iterator[av.Packet], info: VideoInfo, pos: int, joins: Joins) -> Keyframe | None:
    """The first keyframe at byte `pos` or after it among the video's `packets` (read from `pos` or before it; the
    file's `joins`, so that a packet's shift is its byte position's), read no further; None where none comes."""
    return next((k for _, k in _continued(packets, info, joins) if k is not None and k.pos >= pos), None)


def _continued(packets: Iterator[av.Packet], info: VideoInfo,
               joins: Joins | None) -> Iterator[tuple[float | None, Keyframe | None]]:
    """Each of the video's `packets` with data, lazily: its decoding time on the continued timeline (seconds; None
    where it has none) and, where it is a keyframe with a time and a byte position, its Keyframe, timed as the reader
    times the frames (moved on by their part's shift, `VideoShifts`, by `joins` where the caller has them)."""
    tick = info.time_base
    shifts = VideoShifts(info.path, tick, info.container, joins)
    for packet in packets:
        if not packet.size:
            continue
        own, shift = _own_ticks(packet, tick), shifts.ticks(packet)
        decoded = float(packet.dts * packet.time_base + shift * tick) if packet.dts is not None else None
        keyframe = (Keyframe(float((own + shift) * tick), packet.pos, packet.pts)
                    if packet.is_keyframe and own is not None and packet.pos is not None and packet.pos >= 0 else None)
        yield decoded, keyframe


def _last_shown(keyframes: list[Keyframe], start: float) -> Keyframe | None:
    """The keyframe of `keyframes` last shown at or before `start` (seconds), else the first (None where none is)."""
    shown = (k for k in keyframes if k.time <= start + TIME_SLACK)
    return max(shown, key=lambda k: k.time, default=keyframes[0] if keyframes else None)


def _is_at(packet: av.Packet, keyframe: Keyframe) -> bool:
    """Whether `packet` is `keyframe`'s (an Ogg page holds several packets at one byte position)."""
    return packet.pos == keyframe.pos and packet.pts == keyframe.pts


def _open(path: Path) -> av.container.InputContainer:
    _check_path(path)
    try:
        return av.open(str(path), mode="r")
    except av.FFmpegError as exc:
        if exc.errno in (errno.EACCES, errno.EPERM):  # not a matter of its format: "not a video file" misled
            raise VsrAppError(f"cannot read '{path}': {exc.strerror} (its permissions)") from exc
        if _index_lost(path):
            raise _unfinished_recording(path) from exc
        raise VsrAppError(f"cannot read '{path}': it is not a video file FFmpeg can open "
                          f"({exc.strerror or exc})") from exc
    except OSError as exc:
        raise VsrAppError(f"cannot read '{path}': {exc.strerror or exc}") from exc


def _unfinished_recording(path) -> VsrAppError:
    return VsrAppError(f"cannot read '{path}': its index (the MP4 'moov' box) is missing or cut short, as in a "
                       "recording that was never finished (the camera or app stopped before closing the file); a "
                       "repair tool such as untrunc can rebuild it from a good recording of the same camera")


def _index_lost(path) -> bool:
    """Whether `path` is an MP4/MOV whose media data is there but not all of the 'moov' box that indexes it (none,
    or one cut off by the end of the file): FFmpeg says only "Invalid data found", or finds no streams, of such a
    file, which a recording stopped by a flat battery or a crash leaves."""
    boxes, end = {}, 0
    try:
        with open(path, "rb") as f:
            end = os.fstat(f.fileno()).st_size
            while header := f.read(8):
                if len(header) < 8:
                    break
                size, kind, start = int.from_bytes(header[:4], "big"), header[4:], f.tell() - 8
                if size == 1:  # a 64-bit size follows
                    size = int.from_bytes(f.read(8), "big")
                boxes[kind] = start + size if size >= 8 else end  # 0: the box runs to the end of the file
                if size < 8:
                    break
                f.seek(start + size)
    except OSError:
        return False
    if b"mdat" not in boxes or not (b"ftyp" in boxes or b"wide" in boxes):
        return False
    return b"moov" not in boxes or boxes[b"moov"] > end


def cannot_read(path: str | os.PathLike, exc: BaseException) -> VsrAppError:
    """The error for a media file that FFmpeg or the system could not read."""
    return VsrAppError(f"cannot read '{path}' ({getattr(exc, 'strerror', None) or exc})")


# The codec an MPEG audio frame holds, by the layer bits of its header (11: layer I, 10: II, 01: III)
MPEG_AUDIO_LAYERS = {3: "mp1", 2: "mp2", 1: "mp3"}


def codec_name(stream) -> str:
    """The codec of a stream as FFmpeg names the format ('mp3'), not the decoder that reads it ('mp3float')."""
    return stream.codec_context.codec.canonical_name if stream.codec_context is not None else "unknown"


def is_cover_art(stream) -> bool:
    """A still picture attached to the file (an album cover in an mp3 or m4a): a video stream, but not a video."""
    return av.stream.Disposition.attached_pic in stream.disposition


def video_stream(container, path: str | os.PathLike):
    """The file's video: the video stream FFmpeg picks as the best (as players show), or else the first, that is not
    cover art (NoVideoStream when there is none). The first alone was a still in a Matroska file whose first stream
    is an unflagged one-frame picture, and the video was dropped."""
    videos = [s for s in container.streams.video if not is_cover_art(s)]
    best = container.streams.best("video")
    stream = best if best in videos else next(iter(videos), None)
    if (stream is None or stream.codec_context is None) and _index_lost(path):  # no streams, or streams half-read
        raise _unfinished_recording(path)
    if stream is None:
        kinds = tuple("cover picture" if is_cover_art(s) else s.type for s in container.streams)
        found = ", ".join(f"{kind} ({found_codec(s, container.demux(s))})" for kind, s in zip(kinds, container.streams))
        raise NoVideoStream(f"'{path}' has no video stream (found: {found or 'no streams at all'})", kinds)
    if stream.codec_context is None:
        raise VsrAppError(f"'{path}': this FFmpeg build has no decoder for the video codec")
    stream.thread_type = "AUTO"  # frame + slice threads: decoding keeps pace with the network
    return stream


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


# Elementary streams without a container: they carry no timestamps, and FFmpeg's average rate is its 25 fps default.
RAW_STREAM_FORMATS = frozenset({"h264", "hevc", "vvc", "mpegvideo", "m4v"})


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
    index's entries less those marked are the frames shown (as verify.packet_span counts them; 0.05 s for 216,000)."""
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


def _orientation_of(frame) -> tuple[int, bool]:
    """How the coded picture is turned to be shown: degrees counter-clockwise (a multiple of 90, in [0, 360)), then
    whether it is mirrored left to right. Read from the display matrix as FFmpeg's autorotate reads it: the angle
    FFmpeg gives a mirroring matrix drops the mirror (QuickTime's Flip Horizontal reads as 180 degrees, and came out
    upside-down), so the signs of the matrix's entries decide."""
    try:
        degrees = frame.rotation
        matrix = next((bytes(data) for data in frame.side_data if data.type == SideDataType.DISPLAYMATRIX), None)
    except (AttributeError, ValueError):
        return 0, False
    turn = int(round((degrees or 0) / 90.0)) % 4 * 90
    if matrix is None or len(matrix) < 36:
        return turn, False
    a, _, _, c, d = np.frombuffer(matrix[:20], "<i4")  # [a b u; c d v; x y w]: x' = a x + c y, y' = b x + d y
    if turn == 0:
        return (180, True) if d < 0 else (0, False)  # a vertical flip
    if turn == 180:
        return {(True, True): (180, False), (True, False): (0, True), (False, True): (180, True)}.get(
            (bool(a < 0), bool(d < 0)), (0, False))
    return turn, bool(c < 0) if turn == 90 else bool(c > 0)


def is_hd(width: int, height: int) -> bool:
    """The size rule players apply to video without colour tags (mpv's: 1280 wide or more than 576 lines means
    BT.709, else BT.601): the reader decodes untagged video by it and the writer picks its matrix by it."""
    return width >= 1280 or height > 576


# swscale's default YUV -> RGB for 4:2:0 and 4:2:2 rounds down at 8 bits (0.5 of a level darker on average, up to
# 2.6 off in colours) and loses gain at 10 and 12 bits (a 10-bit white came out 253); accurate rounding with full
# chroma interpolation is exact to rounding at every depth (benchmarks/decode_levels.py)
RGB_FLAGS = Interpolation.BILINEAR | Interpolation.ACCURATE_RND | Interpolation.FULL_CHR_H_INT


# 16-bit RGB is planar (gbrp16le): swscale's packed rgb48le with RGB_FLAGS' full chroma interpolation mixes up green
# and blue from 4:2:0 (a 10-bit colour of R'G'B' 0.60, 0.20, 0.10 read 0.60, 0.00, 0.38)
def _white_16bit(frame) -> int:
    """The 16-bit RGB value swscale gives `frame`'s white, which is not 65535: 255 * 256 from limited range, as if
    it were 8 bits (a 10-bit white of 940 reads 65283), and full range (or RGB) its code shifted up to 16 bits (1023:
    65472); the signal read by it is exact to 0.3 of a 10-bit code."""
    fmt = frame.format
    if fmt.is_rgb or frame.color_range == ColorRange.JPEG or fmt.name.startswith("yuvj"):
        bits = max(component.bits for component in fmt.components)
        return (2 ** bits - 1) << (16 - bits)
    return 255 * 256


def _to_rgb(frame, orientation: tuple[int, bool], stream_peak: float) -> tuple[np.ndarray, bool]:
    """The frame as RGB (PQ tone-mapped from `stream_peak` where the frame declares no peak of its own), and whether
    it had a pixel that is not opaque (its alpha channel, which RGB drops). Each frame is looked at: a clip that fades
    out or a title that starts opaque went without a word, when only the first was (and GIF's decoder gives every GIF
    an alpha channel, so the pixel format alone said it of opaque ones)."""
    # FFmpeg decodes an untagged frame as BT.601 at any size: untagged HD (x264 without VUI, many cameras and screen
    # captures) came out with shifted reds and greens, and was then written tagged BT.709
    hdr, gamut = hdr_of(frame, stream_peak), wide_gamut_of(frame)
    deep = bool(hdr or gamut)  # decoded at 16 bits for the conversion to BT.709, which gives 8
    matrix = None
    if frame.colorspace == UNSPECIFIED_COLORSPACE:  # BT.2100 has one matrix (BT.2020) for HDR, not the size rule
        matrix = (Colorspace.BT2020 if hdr else Colorspace.ITU709 if is_hd(frame.width, frame.height)
                  else Colorspace.ITU601)
    transparent = False
    try:
        if any(component.is_alpha for component in frame.format.components):
            rgba = frame.to_ndarray(format="gbrap16le" if deep else "rgba", src_colorspace=matrix,
                                    interpolation=RGB_FLAGS)
            transparent = bool((rgba[..., 3] < (_white_16bit(frame) if deep else 255)).any())
            image = rgba[..., :3]
        else:
            image = frame.to_ndarray(format="gbrp16le" if deep else "rgb24", src_colorspace=matrix,
                                     interpolation=RGB_FLAGS)
    except OSError as exc:  # swscale refuses a matrix it lacks ("Operation not supported"), a traceback till then
        if frame.colorspace != ICTCP:
            raise
        raise VsrAppError(ICTCP_REFUSED) from exc
    if hdr:
        image = to_sdr(image, hdr, _white_16bit(frame))
    elif gamut:
        image = gamut_to_bt709(image, gamut, _white_16bit(frame))
    degrees, mirrored = orientation
    if degrees or mirrored:
        turned = np.rot90(image, k=degrees // 90)
        image = turned[:, ::-1] if mirrored else turned
    return np.ascontiguousarray(image), transparent


def _fit(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """A frame of another size scaled to `width`x`height` (area averaging when it shrinks, bicubic when it grows)."""
    shrinks = image.shape[0] * image.shape[1] > width * height
    return cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA if shrinks else cv2.INTER_CUBIC)


def probe(path: str | os.PathLike) -> VideoInfo:
    """Read the header and decode the first frame (to be sure the video decodes and to learn its rotation)."""
    return VideoReader(path).info


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


class _Woven:
    """In the Deinterlacer's place with `deinterlace` off: frames pass as decoded, fields woven, and `interlaced`
    counts those flagged interlaced, for the summary's note (bwdif softens progressive video wrongly flagged)."""

    def __init__(self) -> None:
        self.interlaced = 0

    def run(self, frames: Iterator[av.VideoFrame]) -> Iterator[av.VideoFrame]:
        for frame in frames:
            self.interlaced += bool(frame.interlaced_frame)
            yield frame


class VideoReader:
    """Decodes one video file frame by frame; `frames()` may be called repeatedly (each call re-reads).

    Opening raises VsrAppError with a readable message for missing, empty, non-video or undecodable files.
    The reader holds no open file: `__init__` reads the header and closes it, and each `frames()` iterator
    opens the file and closes it when it ends or is closed; close a `frames()` iterator you leave before its end.
    """

    def __init__(self, path: str | os.PathLike, deinterlace: bool = True):
        self.path = Path(path)
        self.deinterlace = deinterlace  # False: frames flagged interlaced are left as decoded (--deinterlace off)
        self.decode_errors = 0  # of the latest frames() pass: packets skipped because they failed to decode (damaged)
        self.transparent_frames = 0  # of the latest frames() pass: frames with a pixel that is not opaque
        self._deinterlacer: Deinterlacer | _Woven | None = None  # of the latest frames() pass
        # of the latest frames() pass: (DecodedFrame.index, width, height) of its first frame of another size
        self.size_change: tuple[int, int, int] | None = None
        self._clock: FrameClock | None = None  # of the latest frames() pass
        self._keyframes: list[Keyframe] = []  # `continued_keyframes` read so far, for seeks (`_keyframe_before`)
        self._keyframes_reach = 0.0  # seconds after the start they were read to (inf: to the end)
        # the file's joins as a seek or pass found them, kept for the next (`file_joins` keeps only CACHED_FILES')
        self._joins: Joins | None = None
        self._flagged_seen = False  # a frame decoded so far (at opening or in a pass) was flagged interlaced
        container = _open(self.path)
        try:
            self.info = self._read_info(container)
            self._clock_may_restart = clock_may_restart(container.format.name)  # (`_keyframe_before`)
        finally:
            container.close()
        self.time_jumps = TimeJumps(float(self.info.time_base))  # of the latest frames() pass

    @property
    def interlaced_frames(self) -> int:
        """Of the latest frames() pass: the frames it gave that were flagged interlaced, deinterlaced."""
        return self._flagged_interlaced() if self.deinterlace else 0

    @property
    def woven_frames(self) -> int:
        """Of the latest frames() pass with `deinterlace` off: the frames it gave that were flagged interlaced, left
        as decoded."""
        return 0 if self.deinterlace else self._flagged_interlaced()

    def _flagged_interlaced(self) -> int:
        return self._deinterlacer.interlaced if self._deinterlacer is not None else 0

    def times(self) -> list[float] | None:
        """Each frame's presentation time (seconds, file clock), from the packets (`verify.frame_times`: demuxing, no
        decoding); None where a packet has none. A `FrameFolder` gives its frames' times by the same name."""
        from vsr_app.video.verify import frame_times  # (verify imports this module)

        return frame_times(self.info)

    def size_change_note(self, first_frame: int) -> str | None:
        """Where the picture size first changed in the latest frames() pass and what became of the frames of another
        size, in words, its frame numbered from `first_frame` (1 for a person; eval's frames are named from 0) at the
        pass's first frame (a seek's pass counts from there); None where it did not change."""
        if self.size_change is None:
            return None
        index, width, height = self.size_change
        return (f"the picture size changes at frame {index + first_frame} (to {width}x{height}); frames of another "
                f"size were scaled to the first frame's {self.info.width}x{self.info.height}")

    def placed_frames_note(self) -> str | None:
        """Of the latest frames() pass: how many frames had no time of their own or repeated one (`FrameClock`), and
        how far they pushed the frames after them, in words; None where there were none, or where no frame had a time
        (a raw .h264 is timed by its rate, as it should be)."""
        clock = self._clock
        if clock is None or not clock.placed or not clock.timed:
            return None
        count = clock.placed
        said = (f"{count} frames had no time of their own (or repeated the one before)" if count > 1 else
                "1 frame had no time of its own (or repeated the one before)")
        if not clock.crowded:
            return f"{said}: {'each was' if count > 1 else 'it was'} placed between its neighbours"
        said += (": with no later time near, " +
                 ("they were placed a frame apart" if count > 1 else "it was placed a frame after the one before"))
        if 2 * clock.late < clock.step:  # under half a frame: the frames after them kept their own times
            return said
        behind = ": the picture runs that far behind the sound" if self.info.audio else ""
        return f"{said}, moving the later frames on by up to {float(clock.late * self.info.time_base):.2f} s{behind}"

    def __enter__(self) -> "VideoReader":  # the with-block `distill.sources.open_video`'s readers share: an OpenCV
        return self                         # one (scripts/device_round.py) releases its capture there

    def __exit__(self, *exc) -> None:  # nothing to release: each frames() pass opens and closes its own container
        return None

    def _read_info(self, container) -> VideoInfo:
        if container.format.name == "image2" or container.format.name.endswith("_pipe"):
            kind = container.format.name.removesuffix("_pipe")
            raise VsrAppError(f"'{self.path}' is a still image ({kind}), not a video")
        stream = video_stream(container, self.path)
        first = next(self._decode(self._packets(container, stream), stream), None)
        if first is None:
            raise VsrAppError(f"'{self.path}': no frame of the video stream could be decoded; "
                              "the file is damaged or truncated")
        if first.colorspace == ICTCP:  # refused here, not at its first picture, after its facts said it is shown
            raise VsrAppError(ICTCP_REFUSED)
        rotation, mirrored = _orientation_of(first)
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
            path=str(self.path), container=container.format.name, codec=codec_name(stream),
            pix_fmt=first.format.name, width=width, height=height, rotation=rotation, fps=fps, frame_rate=rate,
            time_base=Fraction(tb) if tb else Fraction(1, 90_000),
            start_time=start, duration=duration, frame_count=frame_count,
            sample_aspect_ratio=Fraction(sar) if sar else None,
            audio=tuple(_stream_info(s) for s in container.streams.audio),
            subtitles=tuple(_stream_info(s) for s in container.streams.subtitles), mirrored=mirrored,
            hdr=hdr_of(first), wide_gamut=wide_gamut_of(first),
        )

    def _packets(self, container, stream) -> Iterator[av.Packet]:
        """The video stream's packets, as far as a truncated file has them."""
        try:
            yield from container.demux(stream)
        except av.error.EOFError:
            return  # truncated file: keep what was read
        except av.FFmpegError as exc:
            raise self._read_failed(exc) from exc

    def _read_failed(self, exc: av.FFmpegError) -> VsrAppError:
        return VsrAppError(f"'{self.path}': reading the video failed ({exc.strerror or exc})")

    def _decode(self, packets: Iterator[av.Packet], stream) -> Iterator[av.VideoFrame]:
        """Raw decoded frames; damaged packets are skipped, however many in a row (counted in `decode_errors`): a
        half-downloaded file whose rest is zeros, or a damaged stretch with good video after it, keeps every frame
        that decodes, as players show them; a file where none does is refused by `_read_info`."""
        for packet in packets:
            try:
                frames = stream.decode(packet)
            except av.error.InvalidDataError as exc:
                self.decode_errors += 1
                log.debug("%s: skipped a damaged packet (%s)", self.path.name, exc)
                continue
            except av.FFmpegError as exc:
                raise self._read_failed(exc) from exc
            for frame in frames:
                self._flagged_seen = self._flagged_seen or frame.interlaced_frame
                yield frame

    def _opened_at(self, start: float | None) -> tuple[av.container.InputContainer, av.VideoStream,
                                                       Iterator[av.Packet]]:
        """The file opened, its video stream, and the packets to decode for its frames from `start` on: from a
        keyframe shown at or before `start`, so that the first frame given there is the one decoding from the start
        gives (MPEG-TS seeks land between keyframes, and from the next one the frames began up to a GOP late). A seek
        finds it, going further back while the keyframe it comes to is after `start`, or, in a format whose clock may
        start again, to its byte position (`_keyframe_before`); where seeks fail, reach the start or unsettle the
        frames' times (SEEK_MISTIMED_FORMATS), demuxing from the start does."""
        container = _open(self.path)
        try:
            stream = video_stream(container, self.path)
            if start is None or start <= self.info.start_time:
                return container, stream, self._packets(container, stream)
            keyframe = self._keyframe_before(start)
            if not (SEEK_MISTIMED_FORMATS | RAW_STREAM_FORMATS) & set(self.info.container.split(",")):
                packets = (self._seek_keyframe(container, stream, start) if keyframe is None
                           else self._seek_position(container, stream, keyframe))
                if packets is not None:
                    return container, stream, packets
                container.close()  # a failed seek leaves FFmpeg's reader at its end: demux the start afresh
                container = _open(self.path)
                stream = video_stream(container, self.path)
            packets = self._packets(container, stream)
            if keyframe is None:
                return container, stream, _from_keyframe(packets, start)[1]
            return container, stream, itertools.dropwhile(lambda p: not _is_at(p, keyframe), packets)
        except BaseException:
            container.close()
            raise

    def _keyframe_before(self, start: float) -> Keyframe | None:
        """In a format whose clock may start again, the keyframe to decode from for `start`: the one last shown at or
        before it on the frames' continued timeline (the first where none is). None in other formats, or where no
        keyframe has a byte position to seek to: the file's own times find the frames there. Recordings joined end to
        end repeat the file's times, and a seek by them gave a frame of the other recording at a time of the first, or
        nothing after the first one's end. The keyframes are read from the start (demuxing only: 0.5 s for 20,000
        packets of MPEG-TS, 2 s for 1 GB) as far as seeks ask, each time at least twice as far as before: seeking on
        through a long recording reads it about twice in all, and a seek near its start only the packets up to there.
        A file too large to read at once (`read_at_once`) is read from near `start` instead (`_keyframe_near`).
        Not in a raw stream (FFmpeg flags its `m4v`), whose packets have no times to read."""
        formats = set(self.info.container.split(","))
        if not self._clock_may_restart or RAW_STREAM_FORMATS & formats:
            return None
        if not (read_at_once(self.path) or SEEK_MISTIMED_FORMATS & formats):  # (those demux from the start anyway)
            keyframe = self._keyframe_near(start)
            if keyframe is not None:
                return keyframe
        reach = start - self.info.start_time
        if reach > self._keyframes_reach:
            self._keyframes_reach = max(reach, 2 * self._keyframes_reach)
            with _open(self.path) as container:
                packets = self._packets(container, video_stream(container, self.path))
                self._keyframes, ended = continued_keyframes(packets, self.info,
                                                             self.info.start_time + self._keyframes_reach, self._joins)
            if ended:
                self._keyframes_reach = math.inf
        return _last_shown(self._keyframes, start)

    def _keyframe_near(self, start: float) -> Keyframe | None:
        """`_keyframe_before` in a large file: read from a byte position whose video is decoded FIRST_STEP_BACK before
        `start` on the continued timeline (`joins.position_before`, with the file's joins sampled), then twice as far
        back each time while no keyframe shown by `start` comes (a long GOP): read from the start, the first seek near
        the end of a 7.6 GB recording took 7.4 s. None where the file cannot be read from a byte position (demuxed
        as it is, not by `_packets`: a demux error there is not the file's)."""
        joins = self._joins = self._joins or file_joins(self.path, self.info.container, sampled=True)
        back = FIRST_STEP_BACK
        while True:
            with _open(self.path) as container:
                stream = video_stream(container, self.path)
                try:
                    pos = position_before(container, joins, stream.index, start - back)
                    container.seek(pos, unsupported_byte_offset=True)
                    keyframes, _ = continued_keyframes(container.demux(stream), self.info, start, joins)
                except SAMPLING_ERRORS as exc:
                    log.debug("%s: cannot read from a byte position (%s); reading from the start", self.path.name, exc)
                    return None
            if pos == 0 or any(k.time <= start + TIME_SLACK for k in keyframes):
                return _last_shown(keyframes, start)
            back *= 2

    def _seek_position(self, container, stream, keyframe: Keyframe) -> Iterator[av.Packet] | None:
        """The packets from `keyframe` on, from a seek to its byte position; None where the seek fails or lands
        elsewhere."""
        try:
            container.seek(keyframe.pos, unsupported_byte_offset=True)
        except av.FFmpegError as exc:
            log.debug("%s: cannot seek to byte %d (%s); demuxing from the start", self.path.name, keyframe.pos, exc)
            return None
        packets = self._packets(container, stream)
        first = next(packets, None)
        return itertools.chain([first], packets) if first is not None and _is_at(first, keyframe) else None

    def _seek_keyframe(self, container, stream, start: float) -> Iterator[av.Packet] | None:
        """The packets from a keyframe shown at or before `start`, from a seek there or, where the keyframe it comes
        to is after `start`, ever further back (FIRST_STEP_BACK); None where a seek fails or would reach the start."""
        back = 0.0
        while start - back > self.info.start_time:
            try:
                container.seek(int((start - back) / stream.time_base), stream=stream, backward=True, any_frame=False)
            except av.FFmpegError as exc:
                log.debug("%s: cannot seek (%s); demuxing from the start", self.path.name, exc)
                return None
            found, packets = _from_keyframe(self._packets(container, stream), start)
            if found:
                return packets
            back = max(2 * back, FIRST_STEP_BACK)
        return None

    def _decoded_from(self, start: float | None) -> float | None:
        """Where a pass from `start` begins decoding: DEINTERLACE_WARMUP before it where frames flagged interlaced
        go through the deinterlacer, so that idet and bwdif have seen the frames before `start` as when playing on (an
        MPEG-2 seek to 2.94 s deinterlaced every frame after it, which idet passed through when playing)."""
        if start is None or not (self.deinterlace and self._flagged_seen):
            return start
        return start - DEINTERLACE_WARMUP

    def frames(self, start: float | None = None) -> Iterator[DecodedFrame]:
        """Yield displayed frames in order; with `start` (seconds, file clock) begin at the first frame at or after it,
        the frame that decoding from the start gives there (`_opened_at`).

        The file stays open only while the iterator runs; closing the generator closes it.
        """
        self.decode_errors = self.transparent_frames = 0
        self.size_change = None
        self.time_jumps = TimeJumps(float(self.info.time_base))
        deinterlacer = self._deinterlacer = Deinterlacer() if self.deinterlace else _Woven()
        container, stream, packets = self._opened_at(self._decoded_from(start))
        shifts = VideoShifts(self.path, self.info.time_base, self.info.container, self._joins)
        try:
            # whole ticks of the stream's time base: a time filled in by adding a float interval could land a
            # hair below the next real one and meet it once the writer rounded both (H.264 in AVI with B-frames)
            tick = self.info.time_base
            index = 0
            clock = self._clock = FrameClock.for_video(self.info)
            stream_peak = self.info.hdr.peak if self.info.hdr else SOURCE_PEAK  # for PQ frames declaring none
            stream.codec_context.flags |= av.codec.context.Flags.copy_opaque  # (`_with_shifts`)
            packets = _with_shifts(packets, shifts)
            timed = _in_time_order(self._decode(packets, stream), tick, clock)
            for frame, pts in _deinterlaced(timed, deinterlacer):
                time = float(pts * tick)
                if start is not None and time < start - TIME_SLACK:
                    deinterlacer.interlaced = 0  # the frames before `start` are not the pass's
                    continue
                self.time_jumps.add(time, pts in clock.part_starts)
                image, transparent = _to_rgb(frame, _orientation_of(frame), stream_peak)
                self.transparent_frames += transparent
                if image.shape[:2] != (self.info.height, self.info.width):
                    self.size_change = self.size_change or (index, image.shape[1], image.shape[0])
                    image = _fit(image, self.info.width, self.info.height)
                yield DecodedFrame(index, time, image)
                index += 1
        finally:
            container.close()
            self._joins = shifts.joins  # (read through where the pass found a join they lacked)
