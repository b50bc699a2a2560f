"""Processed frames on demand for the viewer: any frame of any model's output, cached. No Qt here.

Why this exists: the CLI processes a video front to back, but a viewer jumps around. Streaming models
(recurrent upscalers) and clip models (bidirectional, need frames on both sides) can only give frame k after
seeing the frames before it, so a jump restarts the engine a few frames earlier (`model_streams.WARMUP`) while moving
forward one frame just continues the stream. What the engines emit on the way is cached, so playing and
stepping back are cheap -- except the warm-up frames themselves, which had less than `WARMUP` frames of history
(a researcher would score them as something far from what an export gives): a step back into them restarts
`model_streams.STEP_BACK` frames earlier still, so the next steps back are cached again. Every frame shown has at least
`WARMUP` frames of history (an export gives each all of it since the last new shot, where both start afresh; the
difference after 8, on Vid4, is at most 0.0014 dB for `vsr-x4-student` and `-fast`, 0.009 for `-bicubic`, 0.013
and 0.065 for the motion-aligned `-aligned` and `-aligned-bicubic`, whose state takes longer to settle:
benchmarks/seek_warmup.py, docs/RESULTS.md "Session 47: today's students self-ensembled"). A clip
engine restarts on the export's chunk grid, so its frames are the export's exactly. It drives `video.reader` and
`inference` (deciding scene cuts as the export does) and scores what they give: the sides against each other, or
against the truth with eval's checks and marks; it runs on the GUI's worker thread, and headless in the analyses.

Ground truth mode (`Request.truth`) scores models as `eval vsr` and `eval vfi` do: the video is the truth. In
Upscale each model is fed `eval_protocol.degrade_x4` of its frames (`DegradedFrames`) as one shot (no scene cuts looked
for, as eval looks for none); in Interpolate (`Request.held_out`) position k is frame 2k + 1, held out, each model fed
the even frames around it as eval vfi feeds them (`eval_protocol.vfi_context`, no cuts looked for either). Each side is
measured against the truth (`Rendered.truth_scores`, `analyse_truth`, which marks a held-out frame across a scene cut
as eval vfi marks it). Its streams and cached frames have keys of their own: an upscale of the raw frame is not one of
the degraded frame, nor is an in-between a held-out frame.

Its parts live beside it: the source frames (`source_frames`, `frame_cache`, `frame_times`, `source_cuts`), the
models' streams (`model_streams`) and the timeline's positions (`timeline`); `analysis` runs it over a whole video.
"""

from __future__ import annotations

import logging
import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, NamedTuple

import cv2
import numpy as np

from vsr_app.errors import VsrAppError
from vsr_app.eval_protocol import VFI_MIN_FRAMES, VSR_MIN_FRAMES, check_sequence, truth_size, vsr_min_side
from vsr_app.gui.frame_cache import FrameCache
from vsr_app.gui.frame_times import Gaps
from vsr_app.gui.model_streams import InterpolateStream, ModelStream, Progress, ShouldStop, UpscaleStream, never
from vsr_app.gui.source_cuts import source_cut
from vsr_app.gui.source_frames import (DegradedFrames, PastTheEnd, SourceFrames, decode_quietly, frame_exists,
                                       held_out_frame)
from vsr_app.gui.timeline import source_frame, timeline_length
from vsr_app.strip_scores import psnr_in_strips, ssim_in_strips
from vsr_app.metrics import LUMA_WEIGHTS, SSIM_WINDOW
from vsr_app.sequences import sequence_name
from vsr_app.video.frame_folder import open_frames
from vsr_app.video.limits import check_preview_fits
from vsr_app.video.scenecut import break_kind

log = logging.getLogger(__name__)

SOURCE = "source"  # the side name for the unprocessed video
TRUTH = "ground truth"  # the side name for the ground truth: the frame cropped to a multiple of 4 (`degrade_x4`), or
# in Interpolate the held-out frame

# a side whose model is expected to take longer than this (or is not timed yet) has the other shown before it: a quick
# one's half picture only flashed, and a screen reader heard it announced before the whole frame
EARLY_AFTER_S = 0.3
# a frame of more pixels a side has its picture shown before its figures (`Rendered.measuring`): measuring a pair took
# ~0.35 s a million pixels on a 2-core CPU, and an x4 upscale of a 4K frame (133 M) kept the picture back for minutes
EARLY_MEASURE_PIXELS = 1 << 20

# metrics.rgb_to_y's luma weights as OpenCV's transform takes them; its +16 offset cancels in a difference
LUMA_ROW = np.array([LUMA_WEIGHTS], np.float32)


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
    measuring: bool = False  # both sides, shown early: their figures are still being measured


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
        given the cheaper side alone (`Rendered.pending`) where the other still needs its model's work, and both
        sides before their figures (`Rendered.measuring`) where the frame is large (`EARLY_MEASURE_PIXELS`).

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
        scored = bool(streams) if request.truth else SOURCE not in request.sides and a.shape == b.shape
        if (early is not None and scored and not request.difference  # (the difference view shows none early)
                and max(a.shape[0] * a.shape[1], b.shape[0] * b.shape[1]) > EARLY_MEASURE_PIXELS):
            early(replace(rendered, measuring=True))
        if request.truth:
            progress("measuring PSNR / SSIM against the ground truth")
            truth = self._unprocessed(TRUTH, k, request)
            rendered.truth_scores = tuple(score(image, truth) if side in streams else None
                                          for side, image in zip(request.sides, images))
        elif scored:
            progress("measuring PSNR / SSIM")
            rendered.psnr = psnr_in_strips(a, b)
            if min(a.shape[:2]) >= SSIM_WINDOW:  # a smaller image has no full window: no SSIM, not nan
                rendered.ssim = ssim_in_strips(a, b)
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

        from vsr_app.devices import resolve_device
        from vsr_app.models import bare_net, count_params, load_model, resolve

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
    return Score(psnr_in_strips(output, truth),
                 ssim_in_strips(output, truth) if min(truth.shape[:2]) >= SSIM_WINDOW else None)
