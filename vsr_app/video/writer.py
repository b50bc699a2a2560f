"""Encode RGB frames to a playable file, carrying the source's audio and subtitles along, atomically.

Why it is careful: a video tool must never destroy the user's input, never leave a half-written file that
looks finished, and keep the sound in sync. So:
- the output is written to a hidden temporary file beside the target (same folder, same disk) and moved
  into place only after the encoder is flushed, the file closed and its frame count checked: hard-linked to
  the target (which fails if a file is there) and then unlinked, or renamed with `os.replace` when
  `overwrite` is given or the disk has no hard links (there after checking that the target is free); any
  error or `abort()` deletes the temporary file (where it is: in its folder a user renamed meanwhile too), and
  those killed writes left in the folder go (and are noted) as a write there starts (finished files a run could
  not put in place stay, noted too), those for the same target again once it completes (the temporary name holds
  the writer's process id, so a file another live run is writing is never taken for one);
- the target may not be the source (compared by real path / inode), and an existing target is refused
  unless `overwrite=True`; one that another run finished while this one was writing is not replaced
  either: this run's file is kept beside it under a free name and the write fails saying so;
- frames are stamped with the caller's timestamps (seconds on the source's clock), so variable frame rate
  survives and copied audio packets stay in sync; every stream's times shift by the source's start, so the
  output starts at 0 as FFmpeg's do; the last frame shows until the end `close()` is given (a slideshow's last
  slide keeps its seconds), else for as long as the frame before it did; a .mkv counts whole milliseconds, so a
  frame that would round onto the one before it takes the next free millisecond (noted);
- the container's `comment` tag records what made the file (`encoding.made_by`, and `input_record`: which version
  of the source) in its last line, after the source's comment, so a rerun of a batch can tell its own finished
  output from one made with other settings or from another version of the input;
- the source's audio, subtitles and tags come along (`carried.py`), each choice reported (`WriteResult.notes`).

Encoder settings live in `encoding.py`, output names and temporary files in `output_paths.py`.

Odd sizes: 4:2:0 and 4:2:2 need even dimensions, so an odd width or height is padded by repeating the
last column/row (never cropped, so no source pixel is lost; the output is at most 1 pixel larger).
"""

from __future__ import annotations

import errno
import json
import logging
import math
import os
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Callable, Sequence

import av
import numpy as np
from av.video.reformatter import ColorPrimaries, ColorRange, Colorspace, ColorTrc

from vsr_app.disk_full import OutOfRoom, out_of_room, why_not_written
from vsr_app.errors import VsrAppError
from vsr_app.video.carried import CarriedStreams
from vsr_app.video.disk_space import folder_gone
from vsr_app.video.encoding import (CONTAINER_FORMATS, MADE_BY_PREFIX, MADE_BY_TAG, CodecSpec,
                                    check_encoder_settings, encode_quality, input_record, made_by)
from vsr_app.video.output_paths import (check_output_path, delete_partial, first_free, hold_partial, make_folder,
                                        new_partial, partial_now, partial_replaced, release_partial,
                                        remove_left_partials, remove_made_folders, remove_stale_partials)
from vsr_app.video.limits import MATROSKA_TICK
from vsr_app.video.opening import video_stream
from vsr_app.video.packet_times import DTS_TIMED_FORMATS, packet_span
from vsr_app.video.pictures import is_hd
from vsr_app.video.probing import VideoInfo
from vsr_app.video.reader import RgbColour, size_rule_colour
from vsr_app.video.tags import SilentDrops, keeps_quicktime_keys, quicktime_names
from vsr_app.words import counted

log = logging.getLogger(__name__)

# AVColorSpace values (FFmpeg has no enum for them in PyAV).
_SPC_RGB, _SPC_BT709, _SPC_SMPTE170M = 0, 1, 6
# Primaries x265 refuses to tag (the job failed at its first frame) and x264 drops: EBU Tech 3213's (JEDEC P22)
UNTAGGABLE_PRIMARIES = frozenset({int(ColorPrimaries.EBU3213)})
# Said where a full-range source's black and white (0 and 255) are written at 16 and 235: a user comparing the files'
# YUV values, or a tool that ignores the range tag, would otherwise take the lifted black for a fault.
LEVELS_CONVERTED = ("full-range source written in limited range (16-235), as players expect: levels converted, "
                    "not clipped")
# x265 flushed after this many frames or fewer gives decode times from uninitialised memory (x265 issue #781, fixed
# upstream in 2026-08, after the build PyAV bundles): an MP4 of a 1-2 frame clip failed to write about one time in 20
# ("Not yet implemented in FFmpeg"), a Matroska one took them silently. Two frames cannot be reordered, so each
# packet's decode time is its presentation time, as the fixed x265 gives.
X265_UNTIMED_FRAMES = 2


def repair_decode_time(packet: av.Packet, encoder: str, frames: int) -> None:
    """Give a packet flushed from a whole stream of `frames` frames its decode time where `encoder` is x265 and the
    stream so short that x265 leaves it unset (X265_UNTIMED_FRAMES): its presentation time."""
    if encoder == "libx265" and frames <= X265_UNTIMED_FRAMES:
        packet.dts = packet.pts


READ_ONLY_ERRORS = (errno.EROFS, errno.EACCES, errno.EPERM)  # a folder (or disk) that takes no more writes


class _FlushFailed(Exception):
    """The finished file's flush to the disk failed for a reason of the disk's (its `__cause__`), not of permissions:
    it may be damaged, and is not kept as finished."""


def even_size(width: int, height: int, pix_fmt: str) -> tuple[int, int]:
    """Encoded size for a picture of `width`x`height`: rounded up to even where the chroma is subsampled."""
    fmt = av.VideoFormat(pix_fmt)
    sub_w = fmt.chroma_width(2) < 2
    sub_h = fmt.chroma_height(2) < 2
    return width + (width % 2 if sub_w else 0), height + (height % 2 if sub_h else 0)


def pad_to(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """Pad an HxWx3 image on the right/bottom by repeating its last column/row (no-op when already that size)."""
    h, w = image.shape[:2]
    if (w, h) == (width, height):
        return image
    return np.pad(image, ((0, height - h), (0, width - w), (0, 0)), mode="edge")


@dataclass
class WriteResult:
    """What ended up in the finished file."""

    path: str
    frames: int
    duration: float  # seconds from the first frame's start to the last frame's end
    width: int
    height: int
    codec: str
    size_bytes: int
    notes: list[str] = field(default_factory=list)  # e.g. "audio #1 aac copied", "subtitle #2 dropped: ..."


def _color_tags(spec: CodecSpec, width: int, height: int, colour: RgbColour | None = None
                ) -> tuple[int, int, int, int, Colorspace | None]:
    """(colorspace, primaries, trc, range, swscale matrix) for the output: the matrix BT.709 for HD, BT.601 for SD,
    RGB for RGB codecs; the primaries and transfer the frames' `colour` (the reader's), else those of that matrix.

    Following the same HD/SD rule players use for untagged video (`pictures.is_hd`) for the matrix means the colours
    are right even in players that ignore the tags. The primaries and transfer describe the RGB values, which keep the
    source's (the reader converts only HDR and wide gamuts, to BT.709): taken from the output's size, a BT.601 source
    upscaled to HD was said to be BT.709. YUV is written in the limited range players expect: a full-range source's
    levels are scaled into it, not clipped (its black and white 0/255 become 16/235 and read back as 0/255), and
    the notes say so (`LEVELS_CONVERTED`).
    """
    if av.VideoFormat(spec.pix_fmt).is_rgb:  # (FFV1 keeps a BT.601 source's primaries and transfer too)
        if colour is None:
            return _SPC_RGB, ColorPrimaries.BT709, ColorTrc.IEC61966_2_1, ColorRange.JPEG, None
        return _SPC_RGB, _taggable(colour.primaries), colour.transfer, ColorRange.JPEG, None
    colour = colour or size_rule_colour(width, height)
    primaries = _taggable(colour.primaries)
    if is_hd(width, height):
        return _SPC_BT709, primaries, colour.transfer, ColorRange.MPEG, Colorspace.ITU709
    return _SPC_SMPTE170M, primaries, colour.transfer, ColorRange.MPEG, Colorspace.ITU601


def _taggable(primaries: ColorPrimaries) -> ColorPrimaries:
    """`primaries`, or unspecified for those an encoder refuses or drops (`UNTAGGABLE_PRIMARIES`)."""
    return ColorPrimaries.UNSPECIFIED if primaries in UNTAGGABLE_PRIMARIES else primaries


def _full_range(stream) -> bool:
    """Whether `stream` is full-range YUV (yuvj420p, or tagged JPEG range: a phone's MJPEG, some screen recorders)."""
    pix_fmt = stream.codec_context.pix_fmt
    if not pix_fmt:
        return False
    fmt = av.VideoFormat(pix_fmt)
    full = fmt.name.startswith("yuvj") or stream.codec_context.color_range == ColorRange.JPEG
    return full and not (fmt.is_rgb or fmt.has_palette)


class VideoWriter:
    """Writes frames (HxWx3 uint8 RGB + time in seconds) to `path`; use as a context manager.

    On a clean exit the file is finished and renamed into place; on an exception (or `abort()`) nothing is
    left behind. `source` names the input video: its audio/subtitles and tags are carried over and it is never
    overwritten. With a `task` ('upscale', ...), it and the `models` (with their `weights` digests) are recorded in
    the file with the encoding settings, whether the frames were read with `deinterlace` on (`made_by`) and the
    source's `input_record`. `source_info`: the source as the reader of its frames opened it, so its first frame is not
    decoded again for the notes (`CarriedStreams`). `colour`: the primaries and transfer the frames are in (the
    reader's `colour`), which the output is tagged with; without it, those of the output's matrix. The video track is
    marked default, as MP4 and MOV mark it unasked: Matroska left it unmarked.
    """

    def __init__(self, path: str | os.PathLike, *, width: int, height: int, frame_rate: Fraction | float,
                 time_base: Fraction | None = None, codec: str = "libx264", crf: int | None = None,
                 preset: str | None = None, source: str | os.PathLike | None = None, overwrite: bool = False,
                 sample_aspect_ratio: Fraction | None = None, on_encoded: Callable[[int], None] | None = None,
                 task: str | None = None, models: Sequence[str] = (), weights: Sequence[str | None] = (),
                 deinterlace: bool = True, source_info: VideoInfo | None = None, colour: RgbColour | None = None):
        self.path = Path(path)
        self.source = Path(source) if source is not None else None
        self.spec = check_encoder_settings(codec, crf, preset)
        self.codec = codec  # as the user named it, for the notes
        suffix = self.path.suffix.lower()
        check_output_path(self.path, self.source, overwrite)
        if suffix not in self.spec.containers:
            raise VsrAppError(f"codec {codec} cannot go in a {suffix} file; use "
                              f"{' or '.join(sorted(self.spec.containers))}")
        self.width, self.height = width, height
        self.enc_width, self.enc_height = even_size(width, height, self.spec.pix_fmt)
        rate = Fraction(frame_rate).limit_denominator(1_000_000)
        self.time_base = time_base or Fraction(1, 180_000)
        self.frames = 0  # frames handed to the encoder
        self.video_bytes = 0  # of the encoded video packets so far
        self.on_encoded = on_encoded  # progress hook: called with the number of newly finished frames
        self.first_time: float | None = None
        self.last_time: float | None = None
        self.first_pts: int | None = None
        self.last_pts: int | None = None  # as written: maybe moved onto the container's clock (`_on_container_clock`)
        self.last_source_pts: int | None = None  # as the source gave it
        # Matroska counts whole milliseconds: frames closer than that are moved apart (counted for the note)
        self.container_tick = MATROSKA_TICK if CONTAINER_FORMATS[suffix] == "matroska" else None
        self.moved: list[int] = []  # how many ticks each moved frame was moved
        self.frame_interval = 1.0 / float(rate)
        self.first_dts: int | None = None  # of the first video packet muxed: where an MP4/MOV track's clock starts
        self.held = None  # the newest encoded packet, muxed one behind: it may be the last, whose duration close() sets
        self.shown_for: dict[int, int] = {}  # pts -> ticks until the next frame (or end_pts), until muxed
        self.end_pts: int | None = None  # when the last frame stops showing; set by close()
        self.notes: list[str] = []
        if (self.enc_width, self.enc_height) != (width, height):
            self.notes.append(f"odd size {width}x{height} padded to {self.enc_width}x{self.enc_height}")
        self.overwrite = overwrite
        self.made_folders = make_folder(self.path.parent)
        self.cleared = remove_left_partials(self.path.parent)  # any output's: a killed export's file is GBs maybe
        self.notes += self.cleared
        self.tmp = new_partial(self.path)
        self.container = None
        self.carried: CarriedStreams | None = None
        self.silent_drops: SilentDrops | None = None  # what of the source's the finished file is checked for
        self.start_ticks = 0  # the source's start in time_base units: the output's clock starts at 0 there
        self.result: WriteResult | None = None  # set by close()
        self.aborted = self.kept = False  # the temporary file deleted; or kept, finished, where it could not be placed
        try:
            hold_partial(self.tmp)  # locked while written: no cleaner in another container or on another host takes it
            # (Matroska keeps any tag: the source is opened for its keys only for .mov/.mp4)
            keys = suffix != ".mkv" and self.source is not None and keeps_quicktime_keys(self.source)
            self.container = av.open(str(self.tmp), mode="w", format=CONTAINER_FORMATS[suffix],
                                     options={"movflags": "+faststart" + ("+use_metadata_tags" if keys else "")}
                                     if suffix != ".mkv" else {})
            if partial_replaced(self.tmp):  # the folder replaced since: the encoder writes where no lock guards it
                raise folder_gone(self.path.parent, "the output was opened")
            self._add_video_stream(rate, crf, preset, sample_aspect_ratio, colour)
            if self.source is not None:
                self.carried = CarriedStreams(self.source, self.container, self.notes, self.spec.containers,
                                              source_info)
                self.silent_drops = self.carried.silent_drops
                if self.color_range == ColorRange.MPEG and _full_range(video_stream(self.carried.src, self.source)):
                    self.notes.append(LEVELS_CONVERTED)
                self.start_ticks = self.carried.ticks(self.time_base)
            if task is not None:  # after the source's tags: its comment is kept, the record is its last line
                record = made_by(task, models, codec, crf, preset, weights, deinterlace)
                if self.source is not None:
                    record["input"] = input_record(self.source)
                record = MADE_BY_PREFIX + json.dumps(record, sort_keys=True)
                comment = self.container.metadata.get(MADE_BY_TAG)
                self.container.metadata[MADE_BY_TAG] = f"{comment}\n{record}" if comment else record
            if keys:
                self.container.metadata.update(quicktime_names(self.container.metadata))
        except BaseException as exc:
            self.abort()
            if isinstance(exc, OSError):
                raise VsrAppError(f"cannot create '{self.path}': {exc.strerror or exc}") from exc
            raise

    def _add_video_stream(self, rate: Fraction, crf: int | None, preset: str | None,
                          sar: Fraction | None, colour: RgbColour | None) -> None:
        spec = self.spec
        stream = self.container.add_stream(spec.encoder, rate=rate)
        stream.disposition = av.stream.Disposition.default
        stream.width, stream.height = self.enc_width, self.enc_height
        stream.pix_fmt = spec.pix_fmt
        stream.time_base = self.time_base
        stream.codec_context.time_base = self.time_base
        if sar:
            stream.codec_context.sample_aspect_ratio = sar
            if self.container_tick is not None and sar != 1 and not spec.keeps_aspect_in_bitstream:
                # Matroska stores it from the stream's own field, which PyAV cannot set
                self.notes.append(f"pixel aspect {sar.numerator}:{sar.denominator} not kept: a .mkv file of "
                                  f"{self.codec} cannot store it here, so players show square pixels; prores in .mov, "
                                  "libx264 or libx265 keeps it")
        if spec.mp4_tag and self.container_tick is None:
            stream.codec_context.codec_tag = spec.mp4_tag
        colorspace, primaries, trc, crange, self.matrix = _color_tags(spec, self.enc_width, self.enc_height, colour)
        ctx = stream.codec_context
        ctx.colorspace, ctx.color_primaries, ctx.color_trc, ctx.color_range = (
            colorspace, int(primaries), int(trc), int(crange))
        self.color_range = crange
        options = dict(spec.options)
        crf, preset = encode_quality(spec, crf, preset)
        if crf is not None:
            options["crf"] = str(crf)
        if crf == 0 and spec.encoder == "libx264":  # x264's lossless mode
            self.notes.append("CRF 0 is lossless H.264 (its High 4:4:4 Predictive profile), which many players and "
                              "editors cannot open; CRF 1 or more plays wherever H.264 does")
        if preset is not None:
            options["preset"] = preset
        if spec.encoder == "libx265":
            options["x265-params"] = "log-level=error"
        stream.options = options
        self.stream = stream

    def __enter__(self) -> "VideoWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.abort()
        elif self.result is None:
            self.close()

    def write(self, image: np.ndarray, time: float) -> None:
        """Encode one frame shown at `time` seconds (source clock); times must increase."""
        if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
            raise ValueError(f"expected HxWx3 uint8 RGB, got {image.dtype} {image.shape}")
        if image.shape[:2] != (self.height, self.width):
            raise ValueError(f"frame is {image.shape[1]}x{image.shape[0]}, writer expects {self.width}x{self.height}")
        pts = self._ticks(time)
        if self.last_source_pts is not None and pts <= self.last_source_pts:
            raise ValueError(f"frame time {time:.6f}s does not come after the previous frame")
        self.last_source_pts = pts
        pts = self._on_container_clock(pts)
        if self.last_pts is not None:
            self.shown_for[self.last_pts] = pts - self.last_pts
        frame = av.VideoFrame.from_ndarray(pad_to(image, self.enc_width, self.enc_height), format="rgb24")
        frame = frame.reformat(format=self.spec.pix_fmt, dst_colorspace=self.matrix, dst_color_range=self.color_range)
        # tagged as the stream is: ProRes writes the frame's primaries and transfer (reformat leaves them unspecified)
        ctx = self.stream.codec_context
        frame.color_primaries, frame.color_trc = ctx.color_primaries, ctx.color_trc
        frame.pts = pts
        frame.time_base = self.time_base
        try:
            if self.carried is not None:
                self.carried.mux_until(time)
            self._mux_video(self.stream.encode(frame))
        except (av.FFmpegError, OSError) as exc:
            raise _write_error(self.path, exc, self._reached()) from exc
        if self.first_time is None:
            self.first_time, self.first_pts = time, pts
        if self.last_time is not None:
            self.frame_interval = time - self.last_time
        self.last_time, self.last_pts = time, pts
        self.frames += 1

    def _on_container_clock(self, pts: int) -> int:
        """`pts`, or the first of the container's ticks after the previous frame's where it would round onto that
        one: a variable-frame-rate source's frames under 2 ms apart (and interpolation's midpoints between them) were
        written into .mkv with one timestamp for two frames."""
        if self.container_tick is None or self.last_pts is None:
            return pts
        last = _nearest(self.last_pts * self.time_base / self.container_tick)
        if _nearest(pts * self.time_base / self.container_tick) > last:
            return pts
        moved = math.ceil((last + 1) * self.container_tick / self.time_base)
        self.moved.append(moved - pts)
        return moved

    def _ticks(self, time: float) -> int:
        """`time` (seconds, source clock) in ticks of the output's clock."""
        return round(time / self.time_base) - self.start_ticks

    def _reached(self) -> int:
        """How large the file got: its size on the disk, where a size limit stopped it (the bytes made are more by
        the muxer's buffer: a batch said an earlier output stopped at 259 KB under a 100 KiB `ulimit -f`)."""
        try:
            return self.tmp.stat().st_size
        except OSError:
            return self.bytes_made

    @property
    def bytes_made(self) -> int:
        """How much the output has grown by: its video and carried streams' packets, counted as they are made (the
        file grows in the muxer's buffered steps, 256 KB or a Matroska cluster's 5 s, too coarse to project from)."""
        return self.video_bytes + (self.carried.bytes if self.carried is not None else 0)

    def _mux_video(self, packets: list) -> None:
        """Mux encoded packets one behind the encoder: the newest is held back, as it may be the last one."""
        for packet in packets:
            self.video_bytes += packet.size
            if self.held is not None:
                self._mux_packet(self.held)
            self.held = packet
        if packets and self.on_encoded is not None:
            self.on_encoded(len(packets))

    def _mux_packet(self, packet, last: bool = False) -> None:
        """Mux one video packet, lasting until the next frame shown (the last frame until `end_pts`): a track ends
        where pts + duration reach furthest, and the muxer gives a packet without a duration one interval of the
        stream's rate, the source's average: a mostly still screen recording's last frames ran its 61 s to 62.8 s.
        An MP4/MOV track also ends by the `last` packet muxed (its dts + duration, from the first dts); with
        reordered (B-)frames that packet is not the last frame shown, so it is stretched until the track reaches
        `end_pts` too. (The next frame is written by now where the encoder gives one packet per frame, as x264, x265,
        FFV1 and ProRes do: the packet is muxed one behind it. One that gives several from a call, a reference frame's
        before the B-frames shown earlier (nvenc, svt-av1), may hand over a frame's packet first: its duration is left
        to the muxer.)"""
        if self.end_pts is not None:  # closing: `frames` is the whole stream's
            repair_decode_time(packet, self.spec.encoder, self.frames)
        if self.first_dts is None:
            self.first_dts = packet.dts
        shown_for = self.shown_for.pop(packet.pts, None)
        if shown_for is not None:
            packet.duration = shown_for
        if last and self.container.format.name in DTS_TIMED_FORMATS:
            packet.duration = max(packet.duration, self.end_pts - self.first_pts - (packet.dts - self.first_dts))
        self.container.mux(packet)

    def close(self, end: float | None = None) -> WriteResult:
        """Flush, check and rename the file into place; returns what was written. `end` (seconds, source clock) is
        when the last frame stops showing: the source's own end, so a long last frame (a slideshow's last slide)
        keeps its length; by default the last frame shows as long as the one before it."""
        if self.container is None:
            raise RuntimeError("writer already closed")
        try:
            if self.frames == 0:
                raise VsrAppError("no frames were written; the output was not created")
            end = self.last_time + self.frame_interval if end is None else end
            self.end_pts = self._ticks(end)
            if self.end_pts <= self.last_source_pts:
                raise ValueError(f"end {end:.6f}s does not come after the last frame")
            if self.moved:
                self.end_pts = max(self.end_pts, self.last_pts + math.ceil(self.container_tick / self.time_base))
                self.notes.append(f"{counted(len(self.moved), 'frame')} shown up to "
                                  f"{float(max(self.moved) * self.time_base) * 1000:.1f} ms late: a .mkv file counts "
                                  f"whole milliseconds, and they were closer together")
            self.shown_for[self.last_pts] = self.end_pts - self.last_pts
            for packet in self.stream.codec_context.encode_lazy(None):  # one at a time: progress keeps moving
                packet.stream = self.stream
                self._mux_video([packet])
            self._mux_packet(self.held, last=True)
            self.held = None
            if self.carried is not None:
                self.carried.mux_until(None)
                self.notes += self.carried.closing_notes()
                self.carried.close()
                self.carried = None
            self.container.close()
            self.container = None
            held = packet_span(self.tmp).frames
            if held != self.frames:
                raise VsrAppError(f"the encoded file holds {held} frames but {self.frames} were written; "
                                  "the output was discarded")
            if self.silent_drops is not None:
                self.notes += self.silent_drops.notes(self.tmp)
        except (av.FFmpegError, OSError, VsrAppError) as exc:
            reached, moved = self._reached(), partial_now(self.tmp) != self.tmp  # (while its folder is held)
            self.abort()
            if moved:  # MP4's last pass and the frame count open the file by its path: "No such file or directory"
                raise folder_gone(self.path.parent, "the video was finished") from exc
            if isinstance(exc, VsrAppError):
                raise
            raise _write_error(self.path, exc, reached) from exc
        except BaseException:
            self.abort()
            raise
        try:
            self._sync()
            self._move_into_place()
        except _FlushFailed as failed:  # the disk failed the flush (EIO, a late full disk): the file may be damaged
            self.abort()
            raise _write_error(self.path, failed.__cause__, self.bytes_made) from failed.__cause__
        except OSError as exc:
            raise self._kept_unplaced(exc) from exc
        except BaseException:
            self.abort()
            raise
        remove_stale_partials(self.path)
        self.result = WriteResult(str(self.path), self.frames, end - self.first_time, self.enc_width, self.enc_height,
                                  self.spec.encoder, self.path.stat().st_size, self.notes)
        return self.result

    def _sync(self) -> None:
        """Flush the finished file to the disk before it is renamed, so a power cut cannot leave an empty file at the
        target. Through a read-only descriptor where the file can no longer be opened for writing (not on Windows):
        its folder remounted read-only as it finished, a finished, checked output was reported as a failed write."""
        try:
            fd = os.open(self.tmp, os.O_RDWR)
        except OSError as exc:
            if os.name == "nt" or exc.errno not in READ_ONLY_ERRORS:
                raise
            fd = os.open(self.tmp, os.O_RDONLY)  # (only then: an SMB share refuses a flush through one)
        try:
            os.fsync(fd)
        except OSError as exc:
            if exc.errno not in READ_ONLY_ERRORS:  # not the folder's permissions: the disk's
                raise _FlushFailed() from exc
            raise
        finally:
            os.close(fd)

    def _move_into_place(self) -> None:
        """Rename the finished temporary file to the target. A target that appeared while this run was writing
        (another run of the same output finished first) is replaced only with `overwrite`; otherwise this
        run's file is kept under a free name and the write fails, so neither result is lost."""
        if self.overwrite:
            os.replace(self.tmp, self.path)
        elif not self._claim_target():
            kept = first_free(self.path.parent, self.path.stem, lambda n: f" ({n + 1}){self.path.suffix}")
            os.replace(self.tmp, kept)
            raise VsrAppError(f"'{self.path}' appeared while this run was writing and was not overwritten; "
                              f"this run's output is kept as '{kept}'")
        release_partial(self.tmp)

    def _kept_unplaced(self, exc: OSError) -> VsrAppError:
        """The finished, checked file could not be flushed or renamed into place (its folder made read-only, or
        moved as it finished): it is kept where it is, not deleted with hours of work in it, and the error says
        where: in a moved folder, where that is now (`partial_now`). Other writes into the folder leave it
        (`remove_left_partials`); one to this name replaces it where the folder stayed."""
        self.kept = True
        try:
            now = partial_now(self.tmp)  # (while its folder is held)
        finally:  # kept: abort lets go of nothing
            release_partial(self.tmp)
        self._say_cleared()
        finished = f"the video is finished but could not be put at '{self.path}'"
        if now == self.tmp:
            return VsrAppError(f"{finished} ({exc.strerror or exc}); it is kept as the hidden file '{self.tmp}': "
                               f"rename it to '{self.path.name}' once the folder can be written (a batch run again "
                               "puts it there itself; a new export to that name replaces it)")
        where = (f"was moved to '{now.parent}' as it finished; it is kept there as the hidden file '{now}'" if now else
                 f"was moved or renamed as it finished; it is kept in it as the hidden file '{self.tmp.name}'")
        return VsrAppError(f"{finished}: its folder {where}: rename it to '{self.path.name}' yourself")

    def _say_cleared(self) -> None:
        """Say what `remove_left_partials` removed and kept as this write started, where it ends without a finished
        output: the notes that said so are shown only with one, and a stopped write's went unsaid."""
        for line in self.cleared:
            log.warning("%s", line)

    def _claim_target(self) -> bool:
        """Put the finished file at the target unless a file is there (then False). A hard link fails on an
        existing target, so another run cannot slip in between a check and the rename; on a disk without hard
        links (FAT, some network shares) it is check, then rename."""
        try:
            os.link(self.tmp, self.path)
        except FileExistsError:
            return False
        except OSError:
            if self.path.exists():
                return False
            os.replace(self.tmp, self.path)
            return True
        try:
            self.tmp.unlink()
        except OSError as exc:  # the output is in place: the second name goes with the next write of it
            log.warning("could not delete the temporary file %s: %s", self.tmp, exc)
        return True

    def abort(self) -> None:
        """Stop and delete the temporary file (once: a second call does nothing); the target is left as it was. A
        finished file that could not be put in place is kept (`_kept_unplaced`)."""
        if self.aborted or self.kept:
            return
        self.aborted = True
        self._say_cleared()
        for closable in (self.carried, self.container):
            if closable is not None:
                try:
                    closable.close()
                except Exception:  # already failing; the temp file is removed below either way
                    log.debug("close during abort failed", exc_info=True)
        self.carried = self.container = None
        try:
            delete_partial(self.tmp)  # in the output folder as it is now: a user may have renamed it (`folder_gone`)
        except OSError as exc:  # the error that made us abort is the one to report
            log.warning("could not delete the temporary file %s: %s", self.tmp, exc)
        release_partial(self.tmp)
        remove_made_folders(self.made_folders)


def _nearest(ticks: Fraction) -> int:
    """`ticks` rounded as FFmpeg rescales timestamps (halves away from zero; Python's round() takes halves to even)."""
    return math.floor(ticks + Fraction(1, 2))


def _write_error(path: Path, exc: BaseException, written: int) -> VsrAppError:
    """The error to raise for `exc`; one for want of room is `OutOfRoom`, with the `written` bytes it reached."""
    if (number := out_of_room(exc)) is not None:
        return OutOfRoom(f"{why_not_written(exc)} while writing '{path}'", written, number == errno.EFBIG)
    message = getattr(exc, "strerror", None) or str(exc)
    return VsrAppError(f"writing '{path}' failed: {message}")
