"""Processed frames on demand for the viewer: any frame of any model's output, cached. No Qt here.

Why this exists: the CLI processes a video front to back, but a viewer jumps around. Streaming models
(recurrent upscalers) and clip models (bidirectional, need frames on both sides) can only give frame k after
seeing the frames before it, so a jump restarts the engine a few frames earlier (`WARMUP`) while moving
forward one frame just continues the stream. What the engines emit on the way is cached, so playing and
stepping back are cheap -- except the warm-up frames themselves, which had less than `WARMUP` frames of history
(a researcher would score them as something far from what an export gives): a step back into them restarts
`STEP_BACK` frames earlier still, so the next steps back are cached again. Every frame shown has at least
`WARMUP` frames of history (an export gives each all of it since the last new shot, where both start afresh; the
difference after 8, on Vid4, is at most 0.0014 dB for `vsr-x4-student` and `-fast`, 0.009 for `-bicubic`, 0.013
and 0.065 for the motion-aligned `-aligned` and `-aligned-bicubic`, whose state takes longer to settle:
benchmarks/seek_warmup.py, docs/RESULTS.md "Session 47: today's students self-ensembled"). A clip
engine restarts on the export's chunk grid, so its frames are the export's exactly. It drives `video.reader` and
`inference` (deciding scene cuts as the export does) and scores what they give: the sides against each other, or
against the truth with eval's checks and marks; it runs on the GUI's worker thread, and headless in the analyses.

Ground truth mode (`Request.truth`) scores models as `eval vsr` and `eval vfi` do: the video is the truth. In
Upscale each model is fed `evaluate.degrade_x4` of its frames (`DegradedFrames`) as one shot (no scene cuts looked
for, as eval looks for none); in Interpolate (`Request.held_out`) position k is frame 2k + 1, held out, each model fed
the even frames around it as eval vfi feeds them (`evaluate.vfi_context`, no cuts looked for either). Each side is
measured against the truth (`Rendered.truth_scores`, `analyse_truth`, which marks a held-out frame across a scene cut
as eval vfi marks it). Its streams and cached frames have keys of their own: an upscale of the raw frame is not one of
the degraded frame, nor is an in-between a held-out frame.
"""

from __future__ import annotations

import contextlib
import logging
import time
import traceback
from collections import OrderedDict, deque
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterator, NamedTuple, TypeVar

import cv2
import numpy as np

from vsr_app.errors import Cancelled, VsrAppError
from vsr_app.evaluate import (VFI_MIN_FRAMES, VSR_MIN_FRAMES, check_sequence, degrade_x4, sequence_name,
                              truth_size, vfi_context, vfi_scene_cuts, vsr_min_side)
from vsr_app.metrics import LUMA_WEIGHTS, SSIM_WINDOW, psnr_y, ssim_y
from vsr_app.video.frame_folder import FrameFolder, open_frames
from vsr_app.video.limits import check_preview_fits
from vsr_app.video.reader import RAW_STREAM_FORMATS, TIME_SLACK, VideoInfo, VideoReader
from vsr_app.video.restarts import clock_restarts
from vsr_app.video.scenecut import (CONTEXT, break_kind, breaks_at, cuts_at, differences, gap_window, thumbnail,
                                   time_gaps)
from vsr_app.video.verify import with_counted_frames

log = logging.getLogger(__name__)

SOURCE = "source"  # the side name for the unprocessed video
TRUTH = "ground truth"  # the side name for the ground truth: the frame cropped to a multiple of 4 (`degrade_x4`), or
# in Interpolate the held-out frame
WARMUP = 8  # frames a restarted recurrent stream sees before the requested one, to build up its state
FORWARD_DECODE = 48  # a jump forward by at most this many frames decodes through instead of seeking
CONTINUE_GAP = 8  # a request at most this far past a stream's position continues it instead of restarting
STEP_BACK = 8  # a step back before the cached frames restarts this many frames earlier than a seek would
TIMES_AT_OPEN = 5_000  # a video of at most this many frames has its packets' times read as it opens (demuxing: ~0.2 s)
NEAR = 8  # a rendered frame carries the times of the source frames this many either side of it, where known
UNEVEN = 1.5  # frame times whose longest gap is over this many times the shortest are a variable frame rate
# seconds: a step between frames this long or longer is a gap (a recording paused, two recordings an hour apart), not
# a rate: left out of it (an hour's said "0.0 fps on average"), and playback holds a frame no longer (`player.Player`).
# FFmpeg's own threshold for a discontinuity in MPEG-TS: at 3 s a screen recording's idle stretches read "with 47
# gaps", and its 10 s still played for 3; a shorter pause is held as long as the video holds it, as mpv and ffplay do
GAP = 10.0

# metrics.rgb_to_y's luma weights as OpenCV's transform takes them; its +16 offset cancels in a difference
LUMA_ROW = np.array([LUMA_WEIGHTS], np.float32)

Progress = Callable[[str], None]
Verdict = TypeVar("Verdict")  # what a scene-cut decision says of a frame
# Whether the work asked for is no longer wanted: called between steps, and inside a net's call with `serves`, which
# tells of a newer position whether finishing the call helps reach it: only work it does not help stops it
ShouldStop = Callable[..., bool]


def never(**_) -> bool:
    return False


class PastTheEnd(Exception):
    """A frame asked for past the end of the video: the timeline's end, not a failure. Not an IndexError, which a
    coding error inside a model raises too: that one was taken for the end, shown as "too few frames", and an analysis
    stopped early without a word."""


class KnownFailure(VsrAppError):
    """A side whose model already failed to load for this task and device: said again at once, without loading it
    again (every step retried the load and popped another error box). `cause` is the first error."""

    def __init__(self, cause: BaseException):
        super().__init__(str(cause))
        self.cause = cause


def luma_difference(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """|Y(a) - Y(b)| as float32, the smaller image enlarged (nearest) to the larger one's size.

    The costly half of the difference map (~0.15 s for a 5120x2880 pair), so it is made once per frame pair on
    the worker thread; the view applies gain and colours on the GUI thread.
    """
    if a.shape != b.shape:
        h, w = max(a.shape[0], b.shape[0]), max(a.shape[1], b.shape[1])
        a, b = (cv2.resize(x, (w, h), interpolation=cv2.INTER_NEAREST) if x.shape[:2] != (h, w) else x
                for x in (a, b))
    return np.abs(cv2.transform(cv2.subtract(a, b, dtype=cv2.CV_32F), LUMA_ROW))


class FrameCache:
    """Least-recently-used images, bounded by their total size in bytes."""

    def __init__(self, budget_bytes: int):
        self.budget = budget_bytes
        self.used = 0
        self.items: OrderedDict[tuple, np.ndarray] = OrderedDict()

    def get(self, key: tuple) -> np.ndarray | None:
        image = self.items.get(key)
        if image is not None:
            self.items.move_to_end(key)
        return image

    def put(self, key: tuple, image: np.ndarray) -> None:
        if key in self.items:
            self.used -= self.items.pop(key).nbytes
        self.items[key] = image
        self.used += image.nbytes
        while self.used > self.budget and len(self.items) > 1:
            self.used -= self.items.popitem(last=False)[1].nbytes

    def drop(self, unwanted: Callable[[tuple], bool]) -> None:
        for key in [key for key in self.items if unwanted(key)]:
            self.used -= self.items.pop(key).nbytes


class SourceFrames:
    """Random access to the decoded frames of one video; cheap when moving forward, seeks otherwise."""

    def __init__(self, reader: VideoReader | FrameFolder, cache: FrameCache):
        self.reader = reader
        self.info: VideoInfo = with_counted_frames(reader.info)
        self.cache = cache
        self.length = self.info.estimated_frames or 1  # corrected when decoding reaches the real end
        self.length_exact = False
        self.times: dict[int, float] = {}
        # read as a short video opens, else on the first seek (None after: the packets have none); never changed after
        self._packet_times: list[float] | None = None
        self._packets_read = False
        self._frames = None
        self._next = 0
        self._seeked = False  # the frames come from a seek, and none has come yet
        self.variable_fps: float | None = None  # `uneven_rate` of the packets' times, once they are read
        self.gaps: Gaps | None = None  # `long_gaps` in the packets' times, once they are read
        self.restarts: tuple[float, ...] = ()  # `clock_restarts`, once the packets' times are read
        self.deinterlaced = False  # a frame decoded so far was deinterlaced (the reader's bwdif), not shown as woven
        if (self.info.estimated_frames or 0) <= TIMES_AT_OPEN:  # the viewer then times every frame from the start
            try:
                self.packet_times()  # (which counts the packets)
            except VsrAppError:  # the video still opens; a seek says what is wrong with its packets
                pass

    def get(self, k: int) -> np.ndarray:
        """Frame k as HxWx3 uint8 RGB; PastTheEnd past the end of the video."""
        if k < 0 or (self.length_exact and k >= self.length):
            raise PastTheEnd(k)
        image = self.cache.get(("src", k))
        if image is not None:
            return image
        if self._frames is None or not self._next <= k <= self._next + FORWARD_DECODE:
            self._open_at(k)
        while self._next <= k:
            try:
                frame = next(self._frames, None)
            except BaseException:
                self._frames = None  # a failed decode is not the end of the video: the next request starts over
                raise
            if frame is None and self._seeked:  # the seek found nothing: decode from the start instead
                self._frames, self._next, self._seeked = self.reader.frames(), 0, False
                continue
            if frame is None:
                self._frames = None
                self.length, self.length_exact = self._next, True
                raise PastTheEnd(k)
            self._seeked = False
            self.cache.put(("src", self._next), frame.image)
            self.times[self._next] = frame.time
            self.deinterlaced = self.deinterlaced or self.reader.interlaced_frames > 0
            self._next += 1
            if self._next > self.length:
                self.length = self._next
        return self.cache.get(("src", k))

    def time(self, k: int) -> float:
        """Presentation time of frame k (seconds, file clock): `known_time`, else from the frame rate."""
        known = self.known_time(k)
        return self.info.start_time + k / self.info.fps if known is None else known

    def known_time(self, k: int) -> float | None:
        """Presentation time of frame k (seconds, file clock) where known: decoded, else from the packets' times when
        they have been read; else None."""
        if k in self.times:
            return self.times[k]
        if self._packet_times and 0 <= k < len(self._packet_times):
            return self._packet_times[k]
        return None

    def times_near(self, k: int) -> dict[int, float]:
        """The known times of frames k - NEAR to k + NEAR, in seconds from the start: what the viewer learns with a
        frame (its clock and playback run on another thread, and guessed k / average rate for a frame not shown)."""
        return {i: t - self.info.start_time for i in range(max(0, k - NEAR), k + NEAR + 1)
                if (t := self.known_time(i)) is not None}

    def _open_at(self, k: int) -> None:
        if self._frames is not None:
            self._frames.close()
        self._next, start = self._seek_point(k)
        self._frames = self.reader.frames(start=start)
        self._seeked = start is not None

    @property
    def packet_times_read(self) -> list[float] | None:
        """The packets' times where they have been read, without reading them."""
        return self._packet_times

    def packet_times(self) -> list[float] | None:
        """Each frame's packet time, read once (a demux, no decoding; None for packets without times). Their count
        is taken where it is more than the length known, an estimate from duration x frame rate (a Matroska file states
        no count, and a variable frame rate's can be short by half; recordings joined end to end state one part's
        duration): the end was found one frame at a time, and the slider reached the second part only after going to
        the end, also where a seek had read the times. Decoding still finds the real end where packets do not decode."""
        if not self._packets_read:
            times = self._packet_times = self.reader.times()
            self._packets_read = True
            if times and not self.length_exact and len(times) > self.length:
                self.length = len(times)
            self.restarts = self._clock_restarts()
            start = self.info.start_time
            self.variable_fps = uneven_rate(times, float(self.info.time_base), start, self.restarts)
            self.gaps = long_gaps(times, start, self.restarts)
        return self._packet_times

    def _clock_restarts(self) -> tuple[float, ...]:
        """`clock_restarts`, or none where the video's packets do not read a second time: the frame rate and the gaps
        are still found (they were left unknown, the failure unsaid), and playing is not refused for it."""
        try:
            return clock_restarts(self.info)
        except (VsrAppError, OSError) as exc:
            log.warning("%s: where its clock starts again is not known: %s", self.info.path, exc)
            return ()

    def _seek_point(self, k: int) -> tuple[int, float | None]:
        """The frame to decode from for frame k, and where to seek for it: halfway between its packet time and the
        one before, so rounding cannot skip it, and exact when the frame rate varies (k / fps lands on another frame
        there). Past the last packet, from the last one: decoding finds the real end (a time from the frame rate
        landed before it on a variable frame rate, numbering it one too far: a frame that is not there). None: decode
        from the first frame, for a raw stream (.h264: FFmpeg cannot seek it) or packets without times. The packets
        are read on the first seek only: a video played from its start never needs them."""
        if k == 0 or RAW_STREAM_FORMATS & set(self.info.container.split(",")):
            return 0, None
        times = self.packet_times()
        k = min(k, len(times) - 1) if times else 0
        return (k, (times[k - 1] + times[k]) / 2) if k else (0, None)

    def close(self) -> None:
        if self._frames is not None:
            self._frames.close()
            self._frames = None


class DegradedFrames:
    """The source as `eval vsr`'s input and truth: each frame's `evaluate.degrade_x4` (the frame cropped to a multiple
    of 4, and its MATLAB-style x4 downscale), kept in the frame cache under keys of their own."""

    def __init__(self, source: SourceFrames, cache: FrameCache):
        self.source, self.cache = source, cache

    def get(self, k: int) -> np.ndarray:
        """The x4-smaller input of frame k; PastTheEnd past the end of the video."""
        return self._pair(k)[1]

    def truth(self, k: int) -> np.ndarray:
        """Frame k cropped to a multiple of 4: what the models' outputs are scored against."""
        return self._pair(k)[0]

    def _pair(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        truth, small = self.cache.get(("truth", k)), self.cache.get(("degraded", k))
        if truth is None or small is None:
            truth, small = degrade_x4(self.source.get(k))
            self.cache.put(("truth", k), truth)
            self.cache.put(("degraded", k), small)
        return truth, small


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


class Superseded(Exception):
    """Raised from inside a net's forward when the frame it computes is no longer wanted (`StopsMidCall`)."""


class StopsMidCall:
    """Lets a newer request end a net call midway: a teacher's call takes many seconds on a CPU (about 20 s for a
    320x240 chunk), and an Open, a switch of model or closing the window waited for all of it. A check before each
    module's forward (`should_stop(serves=...)`) raises Superseded; the stream then drops the engine's state, which
    is half-updated. Only work the call does not help may stop it: playing asks for the frame being made next, and
    stopping for that restarted the stream at every frame. The viewer's engines have nets of their own (load_model
    does not share them), so an export never sees these checks."""

    def __init__(self, engine):
        from torch import nn

        self.should_stop: ShouldStop = never
        self.serves: Callable[[int], bool] = lambda position: False  # set by the stream before each call
        net = getattr(engine, "net", None)
        if isinstance(net, nn.Module):
            for module in net.modules():
                module.register_forward_pre_hook(self._check)

    def _check(self, *_) -> None:
        if self.should_stop(serves=self.serves):
            raise Superseded()


# a side whose model is expected to take longer than this (or is not timed yet) has the other shown before it: a quick
# one's half picture only flashed, and a screen reader heard it announced before the whole frame
EARLY_AFTER_S = 0.3


class Pace:
    """A stream's seconds a frame so far, for the viewer to say how long a slow side will take: no guess before its
    first call is timed (on a loaded 2-core CPU the teacher's first chunk at 704x576 took 171 s, another time over
    300 s; the same call on a GPU takes a second)."""

    def __init__(self):
        self.seconds, self.frames = 0.0, 0

    def add(self, seconds: float, frames: int) -> None:
        self.seconds += seconds
        self.frames += frames

    def estimate(self, frames: int) -> float | None:
        """Seconds to make `frames` more frames at the pace so far; None before one was made."""
        return self.seconds / self.frames * frames if self.frames else None


class ModelStream:
    """What a model's stream of frames has whatever the task: its cache key, its pace and its model's size."""

    key: tuple
    cache: FrameCache

    def __init__(self):
        self.pace = Pace()
        self.params = 0  # the model's size (`FrameService._load_stream`): a frame's cheaper side is made first

    def ready(self, k: int) -> bool:
        """Whether frame k is made already (cached)."""
        return self.cache.get((*self.key, k)) is not None


class UpscaleStream(ModelStream):
    """One upscaling engine's output over the whole video, addressable by frame index. `one_shot`: fed `eval vsr`'s
    input (`DegradedFrames`), the engine is told of no scene cuts, as eval's is not."""

    def __init__(self, name: str, device: str, engine, source: SourceFrames | DegradedFrames, cache: FrameCache,
                 one_shot: bool = False):
        self.name, self.engine, self.source, self.cache, self.one_shot = name, engine, source, cache, one_shot
        self.stops = StopsMidCall(engine)
        self.stops.serves = self._continues_to  # a call helps a position the stream goes on to from where it ends
        self.key = ("up-truth" if one_shot else "up", name, device)  # outputs of eval's input are cached apart
        self.scale = int(engine.scale)
        self.next_in: int | None = None  # next source frame to push; None: the engine holds no stream
        self.next_out = 0  # index of the next output frame the engine will emit
        self.cached_from = 0  # outputs before this one are warm-up frames with too little history to keep
        ModelStream.__init__(self)

    def frame(self, k: int, progress: Progress, should_stop: ShouldStop) -> np.ndarray | None:
        """Output frame k, or None when `should_stop()` turned true first (the stream stays consistent)."""
        result = self.cache.get((*self.key, k))
        if result is not None:
            return result
        self.stops.should_stop = should_stop
        if not self._continues_to(k):
            self._restart(k)
        first = self.next_out
        while result is None:
            if should_stop():
                return None
            progress(f"{self.name}: frame {k + 1}" + (f" (warming up {self.next_out - first + 1}/{k - first + 1})"
                                                         if k > first else ""))
            try:
                started = time.monotonic()
                outputs = self._advance()
                self.pace.add(time.monotonic() - started, len(outputs))
            except BaseException as exc:  # a newer request stopped it midway, or it failed: its state may be
                self.next_in = None  # half-updated, and the next frame asked restarts it
                if isinstance(exc, Superseded):
                    return None
                raise
            for out in outputs:
                if self.next_out == k:
                    result = out  # held here: a small cache may already have evicted it again
                if self.next_out >= self.cached_from:  # a warm-up frame differs from what an export gives
                    self.cache.put((*self.key, self.next_out), out)
                self.next_out += 1
            if self.next_in is None and result is None:
                raise PastTheEnd(k)
        return result

    def _restart(self, k: int) -> None:
        """Start the engine again before frame k. A clip engine starts on the export's chunk grid, its context frames
        before the chunk, so every frame it gives is the export's; a recurrent one `WARMUP` frames before k."""
        if self.chunk is not None:
            self.next_out = self.cached_from = self._first_out(k)
            self.next_in = max(0, self.next_out - self.engine.context)
            self.engine.reset(lead_in=self.next_out - self.next_in)
            return
        self.engine.reset()
        self.next_in = self.next_out = self._first_out(k)
        self.cached_from = self.next_out + WARMUP if self.next_out else 0
        # the frames before the first one pushed, which finding a cut at it reads, decoded now, in order: asked for
        # after it, they cost every jump a second seek (0.4 s at 720p)
        if not self.one_shot:
            source_thumbnails(self.source, self.cache, max(0, self.next_in - 1 - CONTEXT), self.next_in)

    @property
    def chunk(self) -> int | None:
        """The frames a clip engine makes a call; None for a recurrent one."""
        return getattr(self.engine, "chunk", None)

    def _first_out(self, k: int) -> int:
        """The first output of a restart for frame k: its chunk's first frame, or WARMUP frames before k (stepping back,
        the next frame cached, STEP_BACK more, so the next steps back are cached too)."""
        if self.chunk is not None:
            return k - k % self.chunk
        back = STEP_BACK if self.cache.get((*self.key, k + 1)) is not None else 0
        return max(0, k - WARMUP - back)

    def due(self, k: int) -> tuple[int, int]:
        """The first and last output frame the stream makes to give frame k: from where it stands or restarts, to k or
        the end of k's chunk, which a clip engine makes in one call."""
        first = self.next_out if self._continues_to(k) else self._first_out(k)
        return first, k if self.chunk is None else k - k % self.chunk + self.chunk - 1

    def _continues_to(self, k: int) -> bool:
        """Whether frame k is reached by going on with the stream (at most CONTINUE_GAP past it), not by a restart."""
        return self.next_in is not None and self.next_out <= k <= self.next_in + CONTINUE_GAP

    def _advance(self) -> list[np.ndarray]:
        """Push the next source frame (at the end, flush): the outputs the engine gives for it; told of a scene cut
        or a flash's edge before it, as an export's engine is (`UpscaleStage.push`)."""
        try:
            frame = self.source.get(self.next_in)
        except PastTheEnd:
            self.next_in = None
            return self.engine.flush()
        if self.next_in > 0 and not self.one_shot:
            self.engine.at_break(*source_cut(self.source, self.cache, self.next_in, cuts_at))
        outputs = self.engine.push(frame)
        self.next_in += 1
        return outputs


class InterpolateStream(ModelStream):
    """One interpolation engine's frames: position k is the in-between halfway between k and k+1 or, `held_out`
    (ground truth mode), frame 2k + 1 predicted as `eval vfi` predicts it, from the frames eval feeds it."""

    def __init__(self, name: str, device: str, engine, source: SourceFrames, cache: FrameCache,
                 held_out: bool = False):
        self.name, self.engine, self.source, self.cache, self.held_out = name, engine, source, cache, held_out
        self.stops = StopsMidCall(engine)
        self.key = ("mid-truth" if held_out else "mid", name, device)  # a held-out frame is not an in-between
        self.scale = 1
        ModelStream.__init__(self)

    def frame(self, k: int, progress: Progress, should_stop: ShouldStop) -> np.ndarray | None:
        key = (*self.key, k)
        image = self.cache.get(key)
        if image is not None or should_stop():
            return image
        progress(f"{self.name}: {timeline_name(timeline_x(k, 'interpolate', self.held_out))}")
        window, repeated = self._eval_inputs(k) if self.held_out else self._export_inputs(k)
        self.stops.should_stop = should_stop
        self.stops.serves = lambda p: p == k  # each frame is a call of its own
        try:
            started = time.monotonic()
            image = repeated if window is None else self.engine.midpoint(window)
            self.pace.add(time.monotonic() - started, 1)
        except Superseded:
            return None
        self.cache.put(key, image)
        return image

    def due(self, k: int) -> tuple[int, int]:
        """Each position is a call of its own."""
        return k, k

    def _export_inputs(self, k: int) -> tuple[list[np.ndarray] | None, np.ndarray]:
        """The frames the export's engine is given for the gap after frame k (`scenecut.gap_window`), and frame k, which
        the export repeats where the gap is at a scene cut, flash or pause (the window is None there)."""
        self.source.get(k + 1)  # PastTheEnd at the last frame: nothing follows it
        # the frames the export's cut detection sees around this gap (CONTEXT pairs beyond the ones that matter)
        first = max(0, k - 1 - CONTEXT)
        thumbs = source_thumbnails(self.source, self.cache, first, k + 3 + CONTEXT)
        diffs, gaps = differences(thumbs), source_gaps(self.source, first, len(thumbs))
        at = {i: self.source.get(i) if first <= i < first + len(thumbs) else None for i in (k - 1, k, k + 1, k + 2)}
        return gap_window(at[k - 1], at[k], at[k + 1], at[k + 2],
                          tuple(breaks_at(diffs, i - first, gaps) for i in (k, k + 1, k + 2)),
                          self.engine.num_inputs), at[k]

    def _eval_inputs(self, k: int) -> tuple[list[np.ndarray], None]:
        """The frames `eval vfi` feeds the model for held-out frame 2k + 1 (`evaluate.vfi_context`). Eval clamps them to
        the sequence's last even frame: the one 3 past it where that exists, else the one after it."""
        held_out = held_out_frame(self.source, k)
        beyond = self.engine.num_inputs > 2 and frame_exists(self.source, held_out + 3)
        count = held_out + (4 if beyond else 2)  # frames enough for vfi_context to clamp where eval's does
        return [self.source.get(i) for i in vfi_context(held_out, count, self.engine.num_inputs)], None


def held_out_frame(source: SourceFrames, k: int) -> int:
    """The frame position k holds out in interpolation's ground truth mode, 2k + 1; PastTheEnd where no frame follows
    it (eval vfi scores no last frame: nothing after it to predict it from)."""
    held_out = source_frame(k, "interpolate", truth=True)
    source.get(held_out + 1)
    return held_out


def frame_exists(source: SourceFrames, k: int) -> bool:
    """Whether source frame k is there (decoding it); a frame that fails to decode says so."""
    try:
        source.get(k)
    except PastTheEnd:
        return False
    return True


def decode_quietly(source: SourceFrames, k: int) -> None:
    """Decode source frame k for what decoding it tells (its time, the real length); the end, or a frame that does
    not decode, is left to whoever asks for that frame, which says so."""
    try:
        source.get(k)
    except (PastTheEnd, VsrAppError):
        pass


def source_thumbnails(source: SourceFrames, cache: FrameCache, first: int, stop: int) -> list[np.ndarray]:
    """Cut-detection thumbnails of source frames first..stop-1 (fewer at the end of the video), kept in the frame
    cache: each step needs 2 * CONTEXT + 4 of them, all but one the previous step's."""
    thumbs = []
    for i in range(first, stop):
        thumb = cache.get(("thumb", i))
        if thumb is None:
            try:
                thumb = thumbnail(source.get(i))
            except PastTheEnd:
                break
            cache.put(("thumb", i), thumb)
        thumbs.append(thumb)
    return thumbs


def source_gaps(source: SourceFrames, first: int, count: int) -> list[float | None]:
    """The time gaps (`scenecut.time_gaps`) of source frames first..first+count-1, as the export's cut detection
    reads them from the frames' times (each known once the frame was decoded)."""
    return time_gaps([source.times.get(i) for i in range(first, first + count)])


def source_cut(source: SourceFrames, cache: FrameCache, k: int,
               decide: Callable[[list, int, list], Verdict]) -> Verdict:
    """`decide` (`break_kind`: what breaks the picture before source frame k; `cuts_at`: a cut there and whether
    another shot goes on from it) on the frames around k, as an export finds it (CONTEXT pairs each side)."""
    first = max(0, k - 1 - CONTEXT)
    thumbs = source_thumbnails(source, cache, first, k + 1 + CONTEXT)
    return decide(differences(thumbs), k - first, source_gaps(source, first, len(thumbs)))


@dataclass(frozen=True)
class Request:
    """What the viewer wants to show: `position` in source frames, two sides (SOURCE or a model name)."""

    position: int
    task: str  # "upscale" | "interpolate"
    sides: tuple[str, str]
    device: str = "auto"
    difference: bool = False  # also measure the sides' luma difference, for the difference map
    truth: bool = False  # ground truth mode: the video is the truth, the models get eval's input (`held_out`)

    @property
    def held_out(self) -> bool:
        """Interpolation's ground truth mode: position k is frame 2k + 1, held out, predicted from the frames either
        side as `eval vfi` predicts it (Upscale's feeds the models the truth x4 downscaled)."""
        return self.truth and self.task == "interpolate"

    def same_choices(self, other: Request) -> bool:
        """Whether `other` asks for what this asks at any position, the difference map aside: the same frames (a
        comparison of fields listed by hand missed `truth` when it came)."""
        return replace(self, position=0, difference=False) == replace(other, position=0, difference=False)


def timeline_length(frames: int, task: str, truth: bool = False) -> int:
    """How many positions a timeline of `frames` frames has: frames, or gaps between frames for interpolation, or in
    its ground truth mode the frames held out (each odd frame with a frame after it, as `eval vfi` scores them)."""
    if task != "interpolate":
        return frames
    return max(1, (frames - 1) // 2 if truth else frames - 1)


def source_frame(position: int, task: str, truth: bool = False) -> int:
    """The source frame a timeline position stands for: the frame itself (Upscale), the frame before the gap
    (Interpolate), or in interpolation's ground truth mode the frame held out, 2k + 1."""
    return 2 * position + 1 if truth and task == "interpolate" else position


def position_of(frame: int, task: str, truth: bool = False) -> int:
    """The position that stands for source frame `frame` (`source_frame`'s inverse), or in interpolation's ground
    truth mode for the held-out frame at it or just after it: of in-between k's frames, k and k + 1, the one held
    out (the held-out frame at or before k, taken before, was not one of them for an even k)."""
    return frame // 2 if truth and task == "interpolate" else frame


def last_frame_needed(position: int, task: str, truth: bool = False) -> int:
    """The last source frame `position` needs: its own (Upscale), or the one after its gap or held-out frame."""
    return source_frame(position, task, truth) + (task == "interpolate")


def timeline_x(position: int, task: str, truth: bool = False) -> float:
    """Where a position sits on the timeline, in frames from 1 as the player counts them: an in-between halfway."""
    return source_frame(position, task, truth) + (1.5 if task == "interpolate" and not truth else 1)


def timeline_name(x: float) -> str:
    """A point of the timeline (`timeline_x`) in words, as the player, the analysis and its progress all say it:
    'frame 3', or 'in-between 2½' halfway between frames 2 and 3 (the analysis said 'frame 9.5')."""
    whole = int(x)
    return f"frame {whole}" if x == whole else f"in-between {whole}\u00bd"


class Score(NamedTuple):
    """A side's Y-PSNR (dB) and Y-SSIM against the ground truth (ssim None for images smaller than SSIM_WINDOW)."""

    psnr: float
    ssim: float | None


class Pending(NamedTuple):
    """The side of a Rendered still being made, shown before it (`FrameService.render`'s `early`)."""

    side: int  # 0 left, 1 right
    model: str
    frames: tuple[int, int]  # the first and last position its model makes before this one is ready (`due`)
    seconds: float | None  # how long that takes at the model's pace so far (`Pace`); None before its first call


@dataclass
class Rendered:
    """The two images of a comparison; `canvas` is the common display size (width, height) both map onto."""

    request: Request
    position: int  # the position shown: the request's, or the last one when it asked past the end
    images: tuple[np.ndarray | None, np.ndarray | None]  # None: the side `pending` names
    canvas: tuple[int, int]
    time: float  # seconds from the video's start to the moment shown (decoded timestamps: right for VFR too)
    length: int
    frames: int  # the video's frames known (`length` counts positions: in Interpolate in-betweens or held-out frames)
    duration: float  # seconds from the start to the end of the last frame known to exist
    psnr: float | None = None
    ssim: float | None = None  # None also for images smaller than SSIM_WINDOW
    difference: np.ndarray | None = None  # luma_difference of the images, when the request asked for it
    at_break: str | None = None  # interpolate: the `break_kind` in this gap, where every model repeats its first frame
    times: dict[int, float] = field(default_factory=dict)  # `SourceFrames.times_near` the source frame shown
    packet_times: list[float] | None = None  # the source's packets' times (file clock) where read; shared, unchanged
    variable_fps: float | None = None  # the video's average rate where its frame times are uneven (`uneven_rate`)
    gaps: Gaps | None = None  # where its frames stop for GAP or longer (`long_gaps`)
    restarts: tuple[float, ...] = ()  # where its clock starts again, for recordings joined end to end
    deinterlaced: bool = False  # `SourceFrames.deinterlaced`, for the inspector's fact
    truth_scores: tuple[Score | None, Score | None] = (None, None)  # ground truth mode: each model side's
    pending: Pending | None = None  # a side still being made: this is the other side alone, shown early


class FrameService:
    """Opens one video and renders comparisons of it; engines are created lazily, per device."""

    def __init__(self, path: str, cache_bytes: int = 768 << 20):
        self.reader = open_frames(path)  # a video file, or a folder of frames
        self.cache = FrameCache(cache_bytes)
        self.source = SourceFrames(self.reader, self.cache)
        self.degraded = DegradedFrames(self.source, self.cache)
        self.info = self.source.info
        # by (model, task, device), and TRUTH after them in ground truth mode
        self.streams: dict[tuple[str, ...], UpscaleStream | InterpolateStream] = {}
        self.failures: dict[tuple[str, ...], BaseException] = {}  # loads that failed, until forget_models

    @property
    def length(self) -> int:
        return self.source.length

    def positions(self, task: str, truth: bool = False) -> int:
        """How many positions the timeline has, of the frames known (`timeline_length`)."""
        return timeline_length(self.length, task, truth)

    def render(self, request: Request, progress: Progress = lambda _: None,
               should_stop: ShouldStop = never, early: Callable[[Rendered], None] | None = None) -> Rendered | None:
        """Both sides at `request.position`, with Y-PSNR/SSIM between them when both are model outputs; `early` is
        given the cheaper side alone (`Rendered.pending`) where the other still needs its model's work.

        A position past the real end (headers can overstate the length) shows the last one instead; at the end of a
        length not known to be exact (an estimate can be short) the next frame is looked for, and the Rendered's
        `length` says what was found.
        """
        def positions() -> int:
            return self.positions(request.task, request.truth)

        if not self.source.length_exact and request.position >= positions() - 1:
            self.source.packet_times()  # their count, where the length is an estimate
        while True:
            k = min(max(request.position, 0), positions() - 1)
            try:
                rendered = self._render_at(k, request, progress, should_stop, early)
            except PastTheEnd:
                if not self.source.length_exact or k < positions():
                    raise
                continue
            if rendered is not None and k == positions() - 1 and not self.source.length_exact:
                self._look_past_the_end(positions)  # after: the decoder goes on from the frame just shown, no seek
                rendered = replace(rendered, length=positions(), frames=self.length)
            return rendered

    def _look_past_the_end(self, positions: Callable[[], int]) -> None:
        """Decode the frames after the last one known until the timeline has one more position (a held-out frame
        needs two), or the real end is found: a length estimated from duration x frame rate (a Matroska file states
        no count) can be short for a variable frame rate, and the timeline, the player and the analysis would stop
        there."""
        known = positions()
        while not self.source.length_exact and positions() == known:
            try:
                self.source.get(self.source.length)
            except PastTheEnd:
                pass
            except VsrAppError as exc:  # unreadable past there: as good as the end, and not tried again every render
                log.debug("%s: reading past frame %d failed (%s); taken as the end", self.info.path,
                          self.source.length, exc)
                self.source.length_exact = True

    def _render_at(self, k: int, request: Request, progress: Progress, should_stop: ShouldStop,
                   early: Callable[[Rendered], None] | None = None) -> Rendered | None:
        if request.truth:
            self._check_truth_mode(request.task)
        # both sides' models first: a side refused (too big for the memory, a load that fails) is said at once, not
        # after the other side's frame, which can take a teacher many seconds
        streams = {side: self._stream(side, request.task, request.device, request.truth, progress)
                   for side in request.sides if side not in (SOURCE, TRUTH)}
        images: list[np.ndarray | None] = [None, None]
        scales = [streams[side].scale if side in streams else 1 for side in request.sides]

        def cost(i: int) -> int:  # what is at hand first, then the smaller model: a teacher left kept both waiting
            stream = streams.get(request.sides[i])
            return -1 if stream is None or stream.ready(k) else stream.params

        # (only for a frame shown early: an analysis reads its sides in order, each source frame decoded once)
        order = sorted(range(2), key=cost) if early is not None else [0, 1]
        for i in order:
            side = request.sides[i]
            if i == order[1] and early is not None and side in streams and not streams[side].ready(k):
                if should_stop():  # a newer request's: its early picture would be an old position's
                    return None
                pending = self._pending(i, request, streams[side], k)
                if streams[side].params and (pending.seconds is None or pending.seconds > EARLY_AFTER_S):
                    early(self._compose(k, request, images, scales, pending))
            images[i] = (streams[side].frame(k, progress, should_stop) if side in streams else
                         self._unprocessed(side, k, request))
            if images[i] is None:
                return None
        if should_stop():  # measuring takes a while on large frames; the figures are not wanted any more
            return None
        self._time_next(source_frame(k + 1, request.task, request.truth))
        rendered = self._compose(k, request, images, scales)
        a, b = images
        if request.truth:
            progress("measuring PSNR / SSIM against the ground truth")
            truth = self._unprocessed(TRUTH, k, request)
            rendered.truth_scores = tuple(score(image, truth) if side in streams else None
                                          for side, image in zip(request.sides, images))
        elif SOURCE not in request.sides and a.shape == b.shape:
            progress("measuring PSNR / SSIM")
            rendered.psnr = psnr_y(a, b)
            if min(a.shape[:2]) >= SSIM_WINDOW:  # a smaller image has no full window: no SSIM, not nan
                rendered.ssim = ssim_y(a, b)
        if request.difference:
            progress("measuring the difference")
            rendered.difference = luma_difference(a, b)
        return rendered

    def _pending(self, i: int, request: Request, stream: ModelStream, k: int) -> Pending:
        """What side i's model still does for position k, and how long that takes at its pace so far."""
        first, last = stream.due(k)
        last = min(last, self.positions(request.task, request.truth) - 1)
        return Pending(i, request.sides[i], (first, last), stream.pace.estimate(last - first + 1))

    def _compose(self, k: int, request: Request, images: list[np.ndarray | None], scales: list[int],
                  pending: Pending | None = None) -> Rendered:
        """The sides at position k with what the view and the inspector say of that moment; no figures yet."""
        shown = source_frame(k, request.task, request.truth)
        scale = max(scales)
        h, w = self.info.height, self.info.width
        if request.truth and not request.held_out:  # the truth's size: the frame cropped to a multiple of 4
            scale, (w, h) = 1, truth_size(w, h)
        moment = self.source.time(shown)
        in_between = request.task == "interpolate" and not request.held_out
        if in_between:  # position k is the frame between k and k + 1
            moment = (moment + self.source.time(k + 1)) / 2
        duration = self.source.time(self.length - 1) + 1 / self.info.fps - self.info.start_time
        return Rendered(request, k, (images[0], images[1]), (w * scale, h * scale), moment - self.info.start_time,
                        self.positions(request.task, request.truth), self.length, duration,
                        at_break=source_cut(self.source, self.cache, k + 1, break_kind) if in_between else None,
                        times=self.source.times_near(shown), packet_times=self.source.packet_times_read,
                        variable_fps=self.source.variable_fps, gaps=self.source.gaps,
                        restarts=self.source.restarts, deinterlaced=self.source.deinterlaced, pending=pending)

    def _check_truth_mode(self, task: str) -> None:
        """Refuse what ground truth mode cannot score as `eval vsr` or `eval vfi` does, in eval's words: frames too
        small for it (a 6x5 folder was scored on a 1x1 input, its figures said to be as eval vsr scores them), and for
        interpolation fewer than a held-out frame and the two either side."""
        name, sizes = sequence_name(Path(self.info.path)), {(self.info.width, self.info.height)}
        if task == "upscale":
            check_sequence(name, None, sizes, VSR_MIN_FRAMES, vsr_min_side())
        else:
            check_sequence(name, self.length, sizes, VFI_MIN_FRAMES, SSIM_WINDOW)

    def _time_next(self, k: int) -> None:
        """Decode source frame k, the one after the frame shown, where its time is not known (no packets' times read,
        and the sides did not need it: a first frame, two Source sides): a step and playback to it go by it
        (`Rendered.times`), where the viewer guessed."""
        if self.source.known_time(k) is None:
            decode_quietly(self.source, k)

    def _shown(self, k: int) -> int:
        """The source frame shown for frame k: itself, or where the header overstated the length the real last."""
        return k if frame_exists(self.source, k) else self.source.length - 1

    def _unprocessed(self, side: str, k: int, request: Request) -> np.ndarray:
        """A side no model makes: the source frame (in ground truth mode eval vsr's x4-smaller input of it, in
        interpolation's the frame before the held-out one, as Interpolate's Source shows the frame before the gap),
        or the truth (the frame cropped as eval vsr crops it, or the held-out frame)."""
        if request.held_out:
            held_out = held_out_frame(self.source, k)
            return self.source.get(held_out if side == TRUTH else held_out - 1)
        if side == TRUTH:
            return self.degraded.truth(self._shown(k))
        return self.degraded.get(self._shown(k)) if request.truth else self.source.get(self._shown(k))

    def _stream(self, name: str, task: str, device: str, truth: bool, progress: Progress):
        """The side's stream, its engine loaded on first use; a load that failed raises KnownFailure from then on."""
        key = (name, task, device, *[TRUTH] * truth)
        if key in self.failures:
            raise KnownFailure(self.failures[key])
        if key not in self.streams:
            try:
                self.streams[key] = self._load_stream(name, task, device, truth, progress)
            except Exception as exc:
                traceback.clear_frames(exc.__traceback__)  # kept: its message and trace, not the net it was loading
                self.failures[key] = exc
                raise
        return self.streams[key]

    def _load_stream(self, name: str, task: str, device: str, truth: bool, progress: Progress):
        from vsr_app.inference import make_interpolator, make_upscaler, net_working_bytes
        from torch import nn

        from vsr_app.models import bare_net, count_params, load_model, resolve, resolve_device

        info = resolve(name)
        if info.task != task:
            raise VsrAppError(f"model '{name}' does {info.task}, not {task}")
        if truth and task == "upscale" and info.scale != 4:
            raise VsrAppError(f"model '{name}' enlarges x{info.scale}; ground truth mode scores x4 upscalers, as "
                              f"eval vsr does")
        net = bare_net(info)
        clip = getattr(net, "kind", None) == "clip"
        # before the weights load: a refused side costs nothing each time it is asked. An interpolator's own
        # temporaries come on top (the VFI student: 1.8 GB at 1280x720, docs/RESULTS.md)
        engine = 0 if task == "upscale" else net_working_bytes(net, self.info.width * self.info.height,
                                                                 resolve_device(device))
        enlarges = info.scale if task == "upscale" else 1  # an interpolator's x2 is the frame rate
        fed = (self.info.width, self.info.height)
        if truth and task == "upscale":
            fed = (self.info.width // 4, self.info.height // 4)
        check_preview_fits(name, *fed, enlarges, clip, self.cache.budget, engine_bytes=engine)
        progress(f"loading {name}")
        loaded = load_model(name, device)
        if task == "upscale":  # a clip engine in the export's chunks: 4 (a faster first frame after a seek) made
            # other frames than the export and `eval`, every figure against the teacher up to 0.4 dB off theirs
            stream = UpscaleStream(name, device, make_upscaler(loaded, device), self.degraded if truth else self.source,
                                   self.cache, one_shot=truth)
        else:
            stream = InterpolateStream(name, device, make_interpolator(loaded, device), self.source, self.cache,
                                       held_out=truth)
        stream.params = count_params(net) if isinstance(net, nn.Module) else 0  # a built-in's card says 0
        return stream

    def forget_models(self) -> None:
        """Drop engines, their cached outputs and the loads that failed (after models were retrained or reloaded, or
        the device changed)."""
        self.streams.clear()
        self.failures.clear()
        self.cache.drop(lambda key: key[0] != "src")

    def close(self) -> None:
        self.source.close()


def score(output: np.ndarray, truth: np.ndarray) -> Score:
    """`output`'s Y-PSNR/SSIM against `truth`, as `eval vsr` and `eval vfi` measure each frame."""
    return Score(psnr_y(output, truth), ssim_y(output, truth) if min(truth.shape[:2]) >= SSIM_WINDOW else None)


def analyse(path: str, task: str, sides: tuple[str, str], device: str = "auto",
            progress: Callable[[int, int, float | None, float | None, str | None], None] | None = None,
            cancel=None) -> list[tuple]:
    """Y-PSNR/SSIM between the two sides at every position, front to back: [(position, psnr, ssim, at_break), ...]
    (ssim None for frames smaller than SSIM_WINDOW, as in `FrameService.render`; at_break the `break_kind` of an
    in-between at a scene cut, flash or pause, where both sides repeat the same frame, no model having run: its 100 dB
    says nothing of the models).

    `progress(position, total, psnr, ssim, at_break)` is called after each position; `cancel.is_set()` stops the run
    (raising Cancelled). Uses its own engines, so it can run beside the viewer's worker.
    """
    if SOURCE in sides:
        raise VsrAppError("pick two models to analyse: the source has no processed frames to compare")
    return _analyse_all(path, Request(0, task, sides, device), lambda r: (r.psnr, r.ssim, r.at_break), progress,
                        cancel)


def analyse_truth(path: str, task: str, sides: tuple[str, str], device: str = "auto",
                  progress: Callable[..., None] | None = None, cancel=None) -> list[tuple]:
    """Ground truth mode's analysis: each model side's Y-PSNR/SSIM against the truth at every position, front to back,
    [(position, (score of each model side, in order)), ...], in Interpolate each ending with whether a scene cut lies
    across the held-out frame, as eval vfi marks it. Upscale runs from frame 0 on, each frame with all of its history,
    as `eval vsr` runs (a frame the viewer shows after a seek had WARMUP frames of it); Interpolate predicts each
    held-out frame from its own inputs, as `eval vfi` does: the numbers are eval's. `progress(position, total, scores,
    frames)` (`frames`: the video's frames known so far; of an even number eval vfi scores no last frame) as each
    position is scored, and in Interpolate `progress(CutVerdict(position, scene_cut))` once the verdict is known, a few
    positions later (`_analyse_held_out`); `cancel` as in `analyse`."""
    if all(side in (SOURCE, TRUTH) for side in sides):
        raise VsrAppError("pick a model to score against the ground truth")
    first = Request(0, task, sides, device, truth=True)
    if first.held_out:
        return _analyse_held_out(path, first, _model_scores, progress, cancel)
    return _analyse_all(path, first, _model_scores, progress, cancel, tell_frames=True)


def _model_scores(rendered: Rendered) -> tuple[tuple[Score, ...]]:
    """Ground truth mode's figures of a position: the score of each model side, in order."""
    return (tuple(s for s in rendered.truth_scores if s is not None),)


def _analyse_all(path: str, first: Request, figures: Callable[[Rendered], tuple], progress: Callable | None, cancel,
                 tell_frames: bool = False) -> list[tuple]:
    """[(position, *figures(rendered)), ...] of every position, front to back (`_render_all`); `progress(position,
    total, *figures)` after each, the video's frames known so far after them where `tell_frames`."""
    rows = []
    with _analysis_service(path) as service:
        for rendered, total, frames in _render_all(service, first, cancel):
            measured = figures(rendered)
            rows.append((rendered.position, *measured))
            if progress is not None:
                progress(rendered.position, total, *((*measured, frames) if tell_frames else measured))
    return rows


class CutVerdict(NamedTuple):
    """An analysis of held-out frames' second kind of progress: whether a scene cut lies across the frame of
    `position`, whose scores were told before. The verdict reads CONTEXT fed frames past the frame, so it comes that
    many positions later: told with the verdict, each frame's scores waited for four more model calls (a teacher's
    take many seconds each on a CPU, and its first frame's plot stayed empty that long)."""

    position: int
    scene_cut: bool


def _analyse_held_out(path: str, first: Request, figures: Callable[[Rendered], tuple], progress: Callable | None,
                      cancel) -> list[tuple]:
    """`_analyse_all` of interpolation's held-out frames, each row ending with whether a scene cut lies across the
    frame, as eval vfi marks it: `evaluate.vfi_scene_cuts` of the frames the analysis decodes (a second reader decoded
    the whole video again beside it), told in a `CutVerdict` after the position's scores; a failure or a cancel is
    raised once every position scored has its verdict told."""
    rows = []
    with _analysis_service(path) as service:
        reached = HeldOutFrames(service, first, figures, cancel, progress)
        with contextlib.closing(vfi_scene_cuts(reached)) as cuts:
            for cut in cuts:
                if not reached.scored:
                    break  # frames past the last position scored (read to judge it after a failure): no scores
                position, measured = reached.scored.popleft()
                rows.append((position, *measured, cut))
                if progress is not None:
                    progress(CutVerdict(position, cut))
    if reached.failure is not None:
        raise reached.failure
    return rows


class HeldOutFrames:
    """Every frame of the video in order, (image, time as eval reads it: none for a folder's frames), as an analysis of
    held-out frames reaches them, each position told to `progress` (position, total, figures, frames) and put in
    `scored`, (position, figures), before its frames. Where the analysis fails or is cancelled (`failure`), the frames
    its last positions' scene cuts read are decoded without the models, so that those positions get eval's verdict
    (the frames either side, CONTEXT fed frames past)."""

    def __init__(self, service: FrameService, first: Request, figures: Callable[[Rendered], tuple], cancel,
                 progress: Callable | None = None):
        self.service, self.first, self.figures, self.cancel, self.progress = service, first, figures, cancel, progress
        self.scored: deque[tuple] = deque()
        self.failure: Exception | None = None
        self.timed = not isinstance(service.reader, FrameFolder)
        self.next = 0

    def __iter__(self) -> Iterator[tuple[np.ndarray, float | None]]:
        try:
            for rendered, total, frames in _render_all(self.service, self.first, self.cancel):
                measured = self.figures(rendered)
                self.scored.append((rendered.position, measured))
                if self.progress is not None:
                    self.progress(rendered.position, total, *measured, frames)
                # the frames the next position needs, just decoded (`_look_for_the_next`), while still in the cache
                yield from self._up_to(last_frame_needed(rendered.position + 1, self.first.task, self.first.truth))
        except Exception as exc:  # (Cancelled too)
            self.failure = exc
            if self.scored:  # position p's verdict is at fed frame p + 1 (frame 2p + 2), and reads CONTEXT past it
                yield from self._up_to(2 * (self.scored[-1][0] + 1 + CONTEXT))

    def _up_to(self, last: int) -> Iterator[tuple[np.ndarray, float | None]]:
        """The frames from `next` to `last`, fewer at the video's end or at a frame that does not decode (the render
        that needs it says so)."""
        while self.next <= last:
            try:
                image = self.service.source.get(self.next)
            except (PastTheEnd, VsrAppError):
                return
            yield image, self.service.source.times.get(self.next) if self.timed else None
            self.next += 1


def _analysis_service(path: str) -> contextlib.closing[FrameService]:
    """An analysis's own FrameService (its engines apart from the viewer's worker's), closed after it; a small cache:
    it goes front to back."""
    return contextlib.closing(FrameService(path, cache_bytes=64 << 20))


def _render_all(service: FrameService, first: Request, cancel) -> Iterator[tuple[Rendered, int, int]]:
    """Every position's Rendered for `first`'s choices, front to back, with the positions and the video's frames known
    so far; `cancel.is_set()` ends it (also a model call midway: a teacher's takes many seconds on a CPU), raising
    Cancelled."""
    cancelled = never if cancel is None else lambda **_: cancel.is_set()
    k = 0
    while k < service.positions(first.task, first.truth):
        try:
            rendered = service.render(replace(first, position=k), should_stop=cancelled)
        except PastTheEnd:
            break
        if rendered is None:
            raise Cancelled()
        if rendered.position != k:  # the video ended before k (its header said it was longer): the last again
            break
        _look_for_the_next(service, replace(first, position=k + 1))
        yield rendered, service.positions(first.task, first.truth), service.length
        k += 1


def _look_for_the_next(service: FrameService, request: Request) -> None:
    """Decode the last frame `request`'s position needs, where the length is not known to be exact: a header that
    overstates it is found out before the position before is reported, with the real count (the run stopped at the
    end without reporting again, and an 8-frame video stated as 10 was said to leave frame 10 unscored, as 9 none).
    A frame that fails to decode is left to that position's render, which says so."""
    if not service.source.length_exact:
        decode_quietly(service.source, last_frame_needed(request.position, request.task, request.truth))
