"""Each model's frames over the whole video for the viewer, by position: an engine's stream, continued going forward
and restarted a few frames back on a jump (`WARMUP`), which a newer request can stop midway. No Qt here."""

from __future__ import annotations

import time
from typing import Callable

import numpy as np

from vsr_app.eval_protocol import vfi_context
from vsr_app.gui.frame_cache import FrameCache
from vsr_app.gui.source_cuts import source_cut, source_gaps, source_thumbnails
from vsr_app.gui.source_frames import DegradedFrames, PastTheEnd, SourceFrames, frame_exists, held_out_frame
from vsr_app.gui.timeline import timeline_name, timeline_x
from vsr_app.video.scenecut import CONTEXT, breaks_at, cuts_at, differences, gap_window
from vsr_app.words import counted

WARMUP = 8  # frames a restarted recurrent stream sees before the requested one, to build up its state
CONTINUE_GAP = 8  # a request at most this far past a stream's position continues it instead of restarting
STEP_BACK = 8  # a step back before the cached frames restarts this many frames earlier than a seek would

Progress = Callable[[str], None]
# Whether the work asked for is no longer wanted: called between steps, and inside a net's call with `serves`, which
# tells of a newer position whether finishing the call helps reach it: only work it does not help stops it
ShouldStop = Callable[..., bool]


def never(**_) -> bool:
    return False


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
            progress(f"{self.name}: frame {k + 1}{self._why_waiting(k, first)}")
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

    def _why_waiting(self, k: int, first: int) -> str:
        """Why frame k takes more than one frame's time, in a first-time user's words ("warming up 1/5" was jargon,
        and stayed at 1/5 through a clip model's whole chunk): a clip model makes the frames of its chunk together,
        in one net call; a recurrent one makes the frames from `first` on one by one, each building its memory."""
        if self.chunk is not None:
            return " (made in one go with the frames around it)"
        before = k - first
        if self.next_out == k:
            return ""
        return (f" (reading the {counted(before, 'frame')} before it first, to build up the model's memory: "
                f"{self.next_out - first + 1}/{before})")

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
        """The frames `eval vfi` feeds the model for held-out frame 2k + 1 (`eval_protocol.vfi_context`). Eval clamps
        them to the sequence's last even frame: the one 3 past it where that exists, else the one after it."""
        held_out = held_out_frame(self.source, k)
        beyond = self.engine.num_inputs > 2 and frame_exists(self.source, held_out + 3)
        count = held_out + (4 if beyond else 2)  # frames enough for vfi_context to clamp where eval's does
        return [self.source.get(i) for i in vfi_context(held_out, count, self.engine.num_inputs)], None
