"""Whole-video analyses: the sides' figures at every position, front to back, against each other or in ground truth
mode against the truth, on engines of their own beside the viewer's. No Qt here."""

from __future__ import annotations

import contextlib
from collections import deque
from dataclasses import replace
from typing import Callable, Iterator, NamedTuple

import numpy as np

from vsr_app.errors import Cancelled, VsrAppError
from vsr_app.eval_protocol import vfi_scene_cuts
from vsr_app.gui.model_streams import never
from vsr_app.gui.processing import SOURCE, TRUTH, FrameService, Rendered, Request, Score
from vsr_app.gui.source_frames import PastTheEnd, decode_quietly
from vsr_app.gui.timeline import last_frame_needed
from vsr_app.video.frame_folder import FrameFolder
from vsr_app.video.scenecut import CONTEXT


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
    frame, as eval vfi marks it: `eval_protocol.vfi_scene_cuts` of the frames the analysis decodes (a second reader
    decoded the whole video again beside it), told in a `CutVerdict` after the position's scores; a failure or a
    cancel is raised once every position scored has its verdict told."""
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
