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
  `VideoReader.colour` says which primaries and transfer the RGB frames are in, for the writer to tag its output with.
- Interlaced: from the first frame flagged interlaced, those FFmpeg's idet finds interlaced are deinterlaced, a
  frame for each frame (`deinterlace.py`), so counts and times are as for progressive video; `interlaced_frames`
  counts them. `deinterlace=False` (`--deinterlace off`, for progressive video wrongly flagged) passes them through
  as decoded, their fields woven; `woven_frames` counts them.
- Damage: a packet that does not decode is skipped, however many come in a row (`decode_errors` counts them). A
  frame the decoder made over damage it concealed (FFmpeg's error concealment fills what it could not decode from
  the frames around: grey or smeared blocks) raises nothing and is kept, as players show it; `concealed` says
  which, and `showing_concealed` which frames show it (each marked frame, the B-frames shown just before it and the
  frames after it up to the next keyframe: `concealed_groups.py`), for training to leave out.

The reader drives the modules that do each part: `opening.py` (the file and its video stream, or a refusal in words),
`probing.py` (`VideoInfo`), `frame_clock.py` (the frames' times), `keyframes.py` (where a seek decodes from),
`pictures.py` (RGB as shown), `time_jumps.py` (the note of the stretches the frames skip) and `concealed_groups.py`
(the frames that show concealed damage).
"""

from __future__ import annotations

import itertools
import logging
import math
import os
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import av
import numpy as np
from av.video.reformatter import ColorPrimaries, ColorTrc

from vsr_app.errors import VsrAppError
from vsr_app.video.concealed_groups import ConcealedGroups
from vsr_app.video.deinterlace import Deinterlacer
from vsr_app.video.frame_clock import FrameClock, in_time_order, with_shifts
from vsr_app.video.joins import (SAMPLING_ERRORS, Joins, VideoShifts, clock_may_restart, file_joins, position_before,
                                 read_at_once)
from vsr_app.video.keyframes import TIME_SLACK, Keyframe, continued_keyframes, from_keyframe, is_at, last_shown
from vsr_app.video.opening import open_container, video_stream
from vsr_app.video.packet_times import frame_times
from vsr_app.video.pictures import ICTCP, ICTCP_REFUSED, fit, is_hd, orientation_of, to_rgb
from vsr_app.video.probing import RAW_STREAM_FORMATS, SEEK_MISTIMED_FORMATS, VideoInfo, video_info
from vsr_app.video.time_jumps import TimeJumps
from vsr_app.video.tonemap import SOURCE_PEAK, hdr_of, wide_gamut_of

log = logging.getLogger(__name__)

# seconds of frames decoded before a seek's time in video flagged interlaced: idet's verdict on a frame follows the
# frames before it (it holds until later frames outvote it) and bwdif reads the one before, so a pass begun at the
# keyframe gave other frames than playing on. A verdict held from further back than this still can.
DEINTERLACE_WARMUP = 1.0
FIRST_STEP_BACK = 1.0  # seconds: where a seek came to a keyframe after its time, the next one goes back this far, then
# twice as far each time (MPEG-TS seeks land between keyframes, and the decoder starts at the next one)


@dataclass(frozen=True)
class DecodedFrame:
    """One displayed picture: `image` is HxWx3 uint8 RGB, `time` its presentation time in seconds."""

    index: int
    time: float
    image: np.ndarray


# tags that name primaries or a transfer (not unspecified, nor a reserved number)
STATED_PRIMARIES = frozenset(int(p) for p in ColorPrimaries) - {int(ColorPrimaries.UNSPECIFIED)}
STATED_TRANSFERS = frozenset(int(t) for t in ColorTrc) - {int(ColorTrc.UNSPECIFIED)}


@dataclass(frozen=True)
class RgbColour:
    """The primaries and transfer (FFmpeg's numbers) the decoded RGB frames are in: a colour matrix only codes them as
    YUV, and they describe the RGB values, which keep the source's unless the reader converted them."""

    primaries: int
    transfer: int


def rgb_colour(frame: av.VideoFrame) -> RgbColour:
    """What `to_rgb` gives `frame`'s RGB in: BT.709 where it tone-maps or gamut-converts it to BT.709; else the
    frame's own tags, and where it has none, the size rule's, as for an untagged matrix (`size_rule_colour`). Tagged
    by the output's size instead, a BT.709 source interpolated at 320x180 said SMPTE 170M, one tagged BT.601 upscaled
    to HD said BT.709, its pixels unconverted."""
    if hdr_of(frame) or wide_gamut_of(frame):
        return RgbColour(int(ColorPrimaries.BT709), int(ColorTrc.BT709))
    guessed = size_rule_colour(frame.width, frame.height)
    primaries, transfer = frame.color_primaries, frame.color_trc
    return RgbColour(primaries if primaries in STATED_PRIMARIES else guessed.primaries,
                     transfer if transfer in STATED_TRANSFERS else guessed.transfer)


def size_rule_colour(width: int, height: int) -> RgbColour:
    """The primaries and transfer that go with the matrix the size rule (`is_hd`) takes: BT.709's for HD, else
    BT.601's (SMPTE 170M)."""
    name = "BT709" if is_hd(width, height) else "SMPTE170M"
    return RgbColour(int(ColorPrimaries[name]), int(ColorTrc[name]))


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


class _Woven:
    """In the Deinterlacer's place with `deinterlace` off: frames pass as decoded, fields woven, and `interlaced`
    counts those flagged interlaced, for the summary's note (bwdif softens progressive video wrongly flagged)."""

    def __init__(self) -> None:
        self.interlaced = 0

    def run(self, frames: Iterator[av.VideoFrame]) -> Iterator[av.VideoFrame]:
        for frame in frames:
            self.interlaced += bool(frame.interlaced_frame)
            yield frame


def probe(path: str | os.PathLike) -> VideoInfo:
    """Read the header and decode the first frame (to be sure the video decodes and to learn its rotation)."""
    return VideoReader(path).info


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
        # of the latest frames() pass: the frames marked corrupt and those that show their damage (`concealed`,
        # `showing_concealed`)
        self._concealed_groups = ConcealedGroups()
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
        container = open_container(self.path)
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
        """Each frame's presentation time (seconds, file clock), from the packets (`packet_times.frame_times`:
        demuxing, no decoding); None where a packet has none. A `FrameFolder` gives its frames' times by the same
        name."""
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

    @property
    def concealed(self) -> tuple[int, int | None]:
        """Of the latest frames() pass: (count, DecodedFrame.index of the first) of the frames the decoder marked
        corrupt (it concealed damage in them, or made them before the pictures recovered from a missing reference),
        (0, None) where none was."""
        marked = self._concealed_groups.marked
        return len(marked), (marked[0] if marked else None)

    @property
    def showing_concealed(self) -> list[int]:
        """Of the latest frames() pass: DecodedFrame.index of each frame that shows damage the decoder concealed: each
        frame marked corrupt (only that one is), the B-frames shown just before it and the frames after it up to the
        next keyframe (`concealed_groups.py`), for training to leave out."""
        return self._concealed_groups.frames

    def concealed_where(self, first_frame: int) -> tuple[str, str] | None:
        """Which frames of the latest frames() pass the decoder concealed damage in, in words ("frame 10", "3 frames
        (from frame 10)"), numbered from `first_frame` as `size_change_note` numbers them, and the pronoun for them;
        None where it concealed none. The pipeline and eval each say what follows from it."""
        count, first = self.concealed
        if not count:
            return None
        if count == 1:
            return f"frame {first + first_frame}", "it"
        return f"{count} frames (from frame {first + first_frame})", "they"

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
        self.colour = rgb_colour(first)  # the first frame's, as `VideoInfo.hdr` is
        return video_info(self.path, container, stream, first)

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
        container = open_container(self.path)
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
                container = open_container(self.path)
                stream = video_stream(container, self.path)
            packets = self._packets(container, stream)
            if keyframe is None:
                return container, stream, from_keyframe(packets, start)[1]
            return container, stream, itertools.dropwhile(lambda p: not is_at(p, keyframe), packets)
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
            with open_container(self.path) as container:
                packets = self._packets(container, video_stream(container, self.path))
                self._keyframes, ended = continued_keyframes(packets, self.info,
                                                             self.info.start_time + self._keyframes_reach, self._joins)
            if ended:
                self._keyframes_reach = math.inf
        return last_shown(self._keyframes, start)

    def _keyframe_near(self, start: float) -> Keyframe | None:
        """`_keyframe_before` in a large file: read from a byte position whose video is decoded FIRST_STEP_BACK before
        `start` on the continued timeline (`joins.position_before`, with the file's joins sampled), then twice as far
        back each time while no keyframe shown by `start` comes (a long GOP): read from the start, the first seek near
        the end of a 7.6 GB recording took 7.4 s. None where the file cannot be read from a byte position (demuxed
        as it is, not by `_packets`: a demux error there is not the file's)."""
        joins = self._joins = self._joins or file_joins(self.path, self.info.container, sampled=True)
        back = FIRST_STEP_BACK
        while True:
            with open_container(self.path) as container:
                stream = video_stream(container, self.path)
                try:
                    pos = position_before(container, joins, stream.index, start - back)
                    container.seek(pos, unsupported_byte_offset=True)
                    keyframes, _ = continued_keyframes(container.demux(stream), self.info, start, joins)
                except SAMPLING_ERRORS as exc:
                    log.debug("%s: cannot read from a byte position (%s); reading from the start", self.path.name, exc)
                    return None
            if pos == 0 or any(k.time <= start + TIME_SLACK for k in keyframes):
                return last_shown(keyframes, start)
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
        return itertools.chain([first], packets) if first is not None and is_at(first, keyframe) else None

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
            found, packets = from_keyframe(self._packets(container, stream), start)
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
        concealed_groups = self._concealed_groups = ConcealedGroups()
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
            stream.codec_context.flags |= av.codec.context.Flags.copy_opaque  # (`with_shifts`)
            packets = with_shifts(packets, shifts)
            timed = in_time_order(self._decode(packets, stream), tick, clock)
            for frame, pts in _deinterlaced(timed, deinterlacer):
                time = float(pts * tick)
                if start is not None and time < start - TIME_SLACK:
                    deinterlacer.interlaced = 0  # the frames before `start` are not the pass's
                    continue
                self.time_jumps.add(time, pts in clock.part_starts)
                image, transparent = to_rgb(frame, orientation_of(frame), stream_peak)
                self.transparent_frames += transparent
                # FFmpeg's decode_error_flags (PyAV's `is_corrupt`): concealed damage raised nothing, and frames
                # 30-44 of a file with 16 bytes flipped came out with grey blocks and no note. (Set where error
                # concealment runs: H.264's is off with slice threads alone, on with `video_stream`'s AUTO.)
                # FFmpeg 8.1's HEVC and VP9 decoders set neither over damaged slice data, whatever err_detect says.
                concealed_groups.add(index, frame)
                if image.shape[:2] != (self.info.height, self.info.width):
                    self.size_change = self.size_change or (index, image.shape[1], image.shape[0])
                    image = fit(image, self.info.width, self.info.height)
                yield DecodedFrame(index, time, image)
                index += 1
        finally:
            container.close()
            self._joins = shifts.joins  # (read through where the pass found a join they lacked)
