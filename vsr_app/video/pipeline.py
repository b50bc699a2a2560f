"""File-to-file processing: decode -> (interpolate) -> (upscale) -> encode, the job behind `vsr-app upscale`,
`vsr-app interpolate`, batch and the GUI's export.

Why threads and small queues: decoding (FFmpeg), the network (torch) and encoding (x264) all release the
GIL, so running them on three threads overlaps their work, and bounded queues between them keep memory
flat however long the video is. The calling thread encodes and reports progress; it notices a cancel or
a worker's error within 0.1 s, deletes the temporary output and returns.

Frame-rate doubling (`interpolate`): between input frames i and i+1 (times t_i, t_i+1) one frame is made
for (t_i + t_i+1) / 2 - exactly the midpoint, so variable frame rate stays variable. A 4-input model gets
frames [i-1, i, i+1, i+2], the nearest frame repeated at the ends of the video and of each shot. Across
a scene cut nothing is warped: the midpoint repeats frame i. After the last frame one copy of it is
added halfway through the last frame's own duration, so N input frames give 2N output frames and the duration
is unchanged. When both steps run, interpolation comes first: it is 16x cheaper at the input size, and the recurrent
upscaler then sees smaller motion between frames.

The last frame's own duration: it shows until the source's end (`packet_times.source_end`: where the file says its video
ends, as far as its packets reach), else for as long as the frame before it. A slideshow's last slide can stay up for
seconds, which a guess from the frames before it would cut to a fraction of one.
"""

from __future__ import annotations

import atexit
import os
import queue
import threading
import time
from collections import Counter, deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, NamedTuple

import numpy as np

from vsr_app.errors import Cancelled, VsrAppError
from vsr_app.files import FileStamp, file_stamp
from vsr_app.progress import ProgressCallback, ProgressMeter, fps_text, length_text
from vsr_app.video.probing import VideoInfo
from vsr_app.video.reader import VideoReader
from vsr_app.video.disk_space import GrowthWatch, size_texts
from vsr_app.video.scenecut import PAUSE_SECONDS, break_counts, gap_window, kind_of, mark_cuts, verdicts_at
from vsr_app.video.limits import check_job_fits, check_timestamps_fit
from vsr_app.video.encoding import check_encoder_settings, codec_spec
from vsr_app.video.output_paths import check_destination
from vsr_app.video.packet_times import packet_rate, source_end, with_counted_frames
from vsr_app.video.writer import VideoWriter, WriteResult
from vsr_app.words import counted

QUEUE_FRAMES = 4  # frames waiting between two threads; enough to smooth out jitter, small enough for 4K
POLL_S = 0.1  # how often blocked threads look at the cancel flag
JOIN_S = 0.5  # longest wait for the worker threads when a run ends
EXIT_JOIN_S = 60.0  # longest wait at interpreter exit for a network call still running on a worker
_END = object()  # end-of-stream marker on the queues
DEINTERLACE_OFF = "--deinterlace off"  # as the note on woven frames names it; the GUI names its box (gui.wording.for_gui)
# each worker's "finished" event, set by the worker itself as it ends: a join cut short by Ctrl-C marks a thread
# stopped in Python 3.11 (bpo-45274) while it still runs torch, and the exit then did not wait for it
_unfinished_workers: set[threading.Event] = set()


def _wait_for_workers(events, deadline: float) -> None:
    for finished in list(events):
        finished.wait(timeout=max(0.0, deadline - time.monotonic()))


@atexit.register
def _join_workers_at_exit() -> None:
    """Let a network call still in flight on a worker end before the interpreter exits: tearing torch's thread
    pool down under it aborts the process ('terminate called without an active exception', SIGABRT) instead of the
    clean exit 130 a Ctrl-C promises. A stopped worker ends at its net's next module (`_stop_hooks`); a second
    Ctrl-C while waiting leaves at once through os._exit, which skips that teardown (the output is gone by then)."""
    try:
        _wait_for_workers(_unfinished_workers, time.monotonic() + EXIT_JOIN_S)
    except KeyboardInterrupt:
        os._exit(130)


class Item(NamedTuple):
    """A frame on its way through the stages."""

    time: float  # presentation time, seconds on the source's clock
    image: np.ndarray  # HxWx3 uint8 RGB
    cut: bool  # a cut lies before this frame: a new shot, or either edge of a flash
    new_shot: bool = False  # ... another shot goes on from it, no flash's edge (scenecut.cuts_at)
    pause: bool = False  # the source held the frame before this one (scenecut.pause_at)
    repeat: bool = False  # the frame before it again (interpolation at a break): a later stage repeats its output

    @property
    def breaks(self) -> bool:
        """Whether an interpolator must not blend into this frame from the one before: a cut or a pause."""
        return self.cut or self.pause


class UpscaleStage:
    """Feeds an `Upscaler` engine, pairing its (possibly delayed) outputs with their input times.

    At a scene cut the engine is told (`Upscaler.at_break`: `cut` at a new shot, `flash` at a flash's edges): a
    recurrent student starts the new shot afresh (and keeps its state at a flash), the clip teacher runs each shot
    apart (and the flash frame alone, its shot joined across it). Session 31 kept the student's state,
    measured on a clip half of whose picture does not cut; where the picture does cut, the state cost PSNR and left a
    ghost of the last shot (docs/RESULTS.md, "Session 39: the recurrent state at scene cuts"). The Compare view finds
    the same cuts and does the same.
    """

    def __init__(self, upscaler):
        self.engine = upscaler
        self.scale = int(upscaler.scale)
        self.waiting: deque[Item] = deque()  # the frames whose outputs are still to come, images dropped
        self.last: np.ndarray | None = None  # the latest output, which a repeated frame repeats

    def push(self, item: Item) -> list[Item]:
        """A repeated frame (interpolation's at a cut, a flash or a pause) is not run again but given the output of
        the frame it repeats: run, it sat between a flash's edges, and the clip teacher took the flash for part of
        its shot (`ClipUpscaler.flash`: a flash frame is run alone only between adjacent edges)."""
        self.waiting.append(item._replace(image=None))
        if item.repeat:
            return self._pair([])
        self.engine.at_break(item.cut, item.new_shot)
        return self._pair(self.engine.push(item.image))

    def flush(self, end: float | None = None) -> list[Item]:
        """The frames the engine still holds; `end` is not needed: upscaling keeps every frame's time."""
        return self._pair(self.engine.flush())

    def _pair(self, images: list[np.ndarray]) -> list[Item]:
        """The waiting frames that now have an output, in order: the engine's `images`, a repeat the latest again."""
        out, images = [], iter(images)
        while self.waiting:
            image = self.last if self.waiting[0].repeat else next(images, None)  # (a repeat follows its frame)
            if image is None:
                break
            self.last = image
            out.append(self.waiting.popleft()._replace(image=image))
        return out


class InterpolateStage:
    """Doubles the frame rate with an `Interpolator` engine (see the module docstring for the rules)."""

    scale = 1

    def __init__(self, interpolator, nominal_interval: float):
        self.engine = interpolator
        self.inputs = int(interpolator.num_inputs)
        if self.inputs not in (2, 4):
            raise VsrAppError(f"interpolation models must take 2 or 4 frames, this one takes {self.inputs}")
        self.nominal_interval = nominal_interval  # used only for a one-frame video
        self.buf: list[Item] = []  # buf[self.cur] is the next frame to emit; buf[self.cur - 1] its predecessor
        self.cur = 0

    def push(self, item: Item) -> list[Item]:
        self.buf.append(item)
        out = []
        while len(self.buf) - self.cur >= 3:  # frame a, frame b and the one after b are known
            out += self._gap()
        return out

    def flush(self, end: float | None = None) -> list[Item]:
        """The remaining frames, the last one followed by its copy halfway to `end` (when the last frame stops
        showing; default: as long after it as the frame before it came)."""
        out = []
        while len(self.buf) - self.cur >= 2:
            out += self._gap()
        if len(self.buf) > self.cur:
            last = self.buf[self.cur]
            if end is None:
                end = last.time + (last.time - self.buf[self.cur - 1].time if self.cur > 0 else self.nominal_interval)
            out += [last, Item((last.time + end) / 2, last.image, False, repeat=True)]
        self.buf, self.cur = [], 0
        return out

    def _gap(self) -> list[Item]:
        """Emit frame a = buf[cur] and the midpoint between it and b = buf[cur + 1]."""
        a, b = self.buf[self.cur], self.buf[self.cur + 1]
        prev = self.buf[self.cur - 1] if self.cur > 0 else None
        nxt = self.buf[self.cur + 2] if len(self.buf) > self.cur + 2 else None
        frames = gap_window(prev, a, b, nxt, (a.breaks, b.breaks, nxt is not None and nxt.breaks), self.inputs)
        middle = a.image if frames is None else self.engine.midpoint([f.image for f in frames])  # a cut: repeat a
        self.cur += 1
        if self.cur > 1:  # keep one frame before `cur` for the next window
            del self.buf[:self.cur - 1]
            self.cur = 1
        return [a, Item((a.time + b.time) / 2, middle, False, repeat=frames is None)]


def run_stages(stages: list, items: Iterable[Item]) -> list[Item]:
    """Push items through the stages in order and return what comes out of the last one."""
    for stage in stages:
        items = [out for item in items for out in stage.push(item)]
    return list(items)


def flush_stages(stages: list, end: float | None = None) -> list[Item]:
    """Flush every stage in order, feeding what an earlier stage releases into the later ones first; `end` is when
    the last frame stops showing (None: unknown)."""
    pending: list[Item] = []
    for stage in stages:
        pending = [out for item in pending for out in stage.push(item)] + stage.flush(end)
    return pending


@dataclass
class PipelineSummary:
    """What a run did; `line()` is the CLI's one-line summary, and batch copies the fields into its report."""

    input: str
    output: str
    models: list[str]
    frames_in: int
    frames_out: int
    input_size: tuple[int, int]  # width, height
    output_size: tuple[int, int]
    input_duration: float
    output_duration: float
    seconds: float  # wall-clock time of the whole run
    scene_cuts: int  # interpolation's breaks, where it repeated a frame: new shots ...
    flashes: int = 0  # ... one-frame shots and flashes (two breaks each) ...
    pauses: int = 0  # ... and pictures the source held (`scenecut.pause_at`)
    notes: list[str] = field(default_factory=list)
    precisions: list[str] = field(default_factory=list)  # each model's, in `models` order (bf16, fp16 or fp32)

    @property
    def fps(self) -> float:
        return self.frames_out / self.seconds if self.seconds > 0 else 0.0

    def line(self) -> str:
        (wi, hi), (wo, ho) = self.input_size, self.output_size
        rate = fps_text(self.fps)
        text = (f"wrote {self.output}: {self.frames_in} -> {counted(self.frames_out, 'frame')}, "
                f"{wi}x{hi} -> {wo}x{ho}, "
                f"{length_text(self.output_duration)} of video in {self.seconds:.1f} s ({rate} fps)")
        if repeats := breaks_text(self.scene_cuts, self.flashes, self.pauses):
            text += f", {repeats}"
        return text + "".join(f"; {n}" for n in self.notes)


def breaks_text(cuts: int | None, flashes: int | None = 0, pauses: int | None = 0) -> str:
    """'1 scene cut, 1 flash, 2 pauses' (the ones there are; '' for none): where interpolation repeated a frame, as a
    summary says them, and a batch's line. A flash was two cuts in the count (a tester's clip of one flash said '2
    scene cuts'); a pause across a cut is said as the pause."""
    parts = [(cuts, "scene cut", "scene cuts"), (flashes, "flash", "flashes"), (pauses, "pause", "pauses")]
    return ", ".join(counted(n, one, many) for n, one, many in parts if n)


def _resolve_model(model: Any, device: str, cancel=None):
    """The model, loaded; a cancel asked meanwhile stops the job here, before the next model loads or any frame is
    read (a load cannot be cut short: an export of both steps waited for the second one too)."""
    from vsr_app.models import LoadedModel, load_model

    loaded = model if isinstance(model, LoadedModel) else load_model(str(model), device)
    if cancel is not None and cancel.is_set():
        raise Cancelled()
    return loaded


class _Workers:
    """Runs the decode and inference threads and carries their first error back to the calling thread."""

    def __init__(self, cancel):
        self.cancel = cancel
        self.stop = threading.Event()
        self.error: BaseException | None = None
        self.threads: list[threading.Thread] = []
        self.finished: list[threading.Event] = []

    def start(self, name: str, fn: Callable[[], None]) -> None:
        finished = threading.Event()

        def run():
            try:
                fn()
            except BaseException as exc:  # handed to the calling thread, which re-raises it
                if self.error is None:
                    self.error = exc
                self.stop.set()
            finally:
                finished.set()
                _unfinished_workers.discard(finished)

        thread = threading.Thread(target=run, name=f"vsr-{name}", daemon=True)
        self.threads.append(thread)
        self.finished.append(finished)
        _unfinished_workers.add(finished)
        try:
            thread.start()
        except BaseException:  # never started ("can't start new thread", a Ctrl-C here): nothing to wait for
            finished.set()
            _unfinished_workers.discard(finished)
            raise

    def stopping(self) -> bool:
        return self.stop.is_set() or (self.cancel is not None and self.cancel.is_set())

    def check(self) -> None:
        """Raise the workers' error, or Cancelled when the user asked to stop."""
        if self.error is not None:
            raise self.error
        if self.cancel is not None and self.cancel.is_set():
            self.stop.set()
            raise Cancelled()

    def put(self, q: queue.Queue, item) -> bool:
        """Blocking put that gives up (False) once the run is stopping."""
        while not self.stop.is_set():
            try:
                q.put(item, timeout=POLL_S)
                return True
            except queue.Full:
                continue
        return False

    def get(self, q: queue.Queue, on_main: bool = False):
        """Blocking get; None once the run is stopping (workers) or raises (calling thread)."""
        while True:
            if on_main:
                self.check()
            elif self.stopping():
                return None
            try:
                return q.get(timeout=POLL_S)
            except queue.Empty:
                continue

    def shutdown(self) -> None:
        """Stop the workers; waits at most JOIN_S in all so a cancel returns promptly. A net call still in flight
        ends at its next module on its own daemon thread, which then exits without touching the (gone) output."""
        self.stop.set()
        _wait_for_workers(self.finished, time.monotonic() + JOIN_S)


def _stop_hooks(stages: list, workers: _Workers) -> list:
    """Hooks that end a net call on the run's worker threads at its next module once the run stops (Ctrl-C, SIGTERM,
    Cancel, a failed stage), raising Cancelled there: a teacher's call of over a minute outlived the wait at the
    interpreter's exit, and the process aborted (SIGABRT, exit 134) instead of exiting 130. The worker that runs
    the nets adds them and removes them as it ends (a batch uses its model again), not the run, which may return
    while that worker is still in a call."""
    from vsr_app.inference import engine_nets

    def check(*_) -> None:
        if threading.current_thread() in workers.threads and workers.stopping():
            raise Cancelled()

    return [module.register_forward_pre_hook(check)
            for stage in stages for net in engine_nets(stage.engine) for module in net.modules()]


def _how_many(count: int, frames: int, all_of_them: str) -> str:
    """`count` of the `frames` frames for a note: "3 frames", or `all_of_them` where that is all."""
    return all_of_them if count >= frames else counted(count, "frame")


@dataclass
class _Chain:
    """The stages a job runs, in order, and what the output's tags and the summary say about their models."""

    stages: list = field(default_factory=list)
    tasks: list[str] = field(default_factory=list)
    models: list[str] = field(default_factory=list)  # as the summary and the output's `made_by` tag name them
    weights: list[str | None] = field(default_factory=list)
    notes: list[str | None] = field(default_factory=list)  # each model's own note for the summary, if it has one

    def add(self, stage, task: str, label: str, loaded) -> None:
        self.stages.append(stage)
        self.tasks.append(task)
        self.models.append(label)
        self.weights.append(loaded.weights_digest)
        self.notes.append(loaded.note)


def _load_chain(interpolate: Any, upscale: Any, device: str, tile: int | None, self_ensemble: bool, fps: float,
                cancel) -> _Chain:
    """Load the models into their stages, interpolation first (the module docstring says why)."""
    from vsr_app.inference import make_interpolator, make_upscaler, upscaler_label

    chain = _Chain()
    if interpolate is not None:
        loaded = _resolve_model(interpolate, device, cancel)
        chain.add(InterpolateStage(make_interpolator(loaded, device), 1.0 / fps), "interpolate", loaded.name, loaded)
    if upscale is not None:
        loaded = _resolve_model(upscale, device, cancel)
        chain.add(UpscaleStage(make_upscaler(loaded, device, self_ensemble=self_ensemble,
                                             **({"tile": tile} if tile else {}))),
                  "upscale", upscaler_label(loaded.name, self_ensemble), loaded)
    return chain


@dataclass
class _Decoded:
    """What the decode thread has seen: its frames' count and times, and interpolation's breaks among them. `end`
    (when the last frame stops showing) is known once the last frame is."""

    frames_in: int = 0
    first: float | None = None
    previous: float | None = None
    last: float | None = None
    end: float | None = None
    breaks: Counter[str] = field(default_factory=Counter)  # of each `scenecut.kind_of`


def _decode(reader: VideoReader, src: Path, info: VideoInfo, workers: _Workers, decoded: queue.Queue,
            seen: _Decoded) -> None:
    """The decode thread: every frame, its cuts marked, onto `decoded`, then _END (nothing more once the run stops)."""
    frames = reader.frames()
    try:
        for frame, (cut, new_shot, pause) in mark_cuts(frames, lambda f: f.image, verdicts_at, lambda f: f.time):
            seen.frames_in += 1
            seen.first = frame.time if seen.first is None else seen.first
            seen.previous, seen.last = seen.last, frame.time
            if kind := kind_of(cut, new_shot, pause):
                seen.breaks[kind] += 1
            if not workers.put(decoded, Item(frame.time, frame.image, cut, new_shot, pause)):
                return
        if seen.last is not None:
            seen.end = source_end(src, info, seen.last, seen.previous)
        workers.put(decoded, _END)
    finally:
        frames.close()


def _infer(stages: list, workers: _Workers, decoded: queue.Queue, inferred: queue.Queue, seen: _Decoded) -> None:
    """The inference thread: runs what comes from `decoded` through the stages onto `inferred`, flushing them at
    _END, which it passes on (nothing more once the run stops)."""
    hooks = _stop_hooks(stages, workers)
    try:
        while True:
            item = workers.get(decoded)
            if item is None:
                return
            outs = flush_stages(stages, seen.end) if item is _END else run_stages(stages, [item])
            for out in outs:
                if not workers.put(inferred, out):
                    return
            if item is _END:
                workers.put(inferred, _END)
                return
    finally:
        for hook in hooks:
            hook.remove()


def _encode_all(workers: _Workers, threads: dict[str, Callable[[], None]], writer: VideoWriter,
                meter: ProgressMeter, inferred: queue.Queue, seen: _Decoded, factor: int) -> WriteResult:
    """On the calling thread: start the worker `threads`, encode what comes from `inferred` and finish the output
    file (`writer.close`'s result); whatever stops it, the workers are stopped (the caller's `with` of the writer
    removes the output)."""
    written = 0
    meter.report()
    try:
        for name, fn in threads.items():
            workers.start(name, fn)
        while (item := workers.get(inferred, on_main=True)) is not _END:
            writer.write(item.image, item.time)
            written += 1
            # progress counts the frames made, those the encoder still holds said apart: counted as it finished
            # them, a 4K upscale (55 s a frame) stood at 0% with no time left while x264 filled its look-ahead
            meter.made_one()
        workers.check()
        if written != seen.frames_in * factor:
            raise RuntimeError(f"pipeline produced {written} frames from {seen.frames_in} (expected "
                               f"{seen.frames_in * factor})")
        return writer.close(seen.end)
    finally:
        workers.shutdown()


def _input_duration(info: VideoInfo, seen: _Decoded) -> tuple[float, float]:
    """The input's duration and its mean frame interval."""
    frames_in = seen.frames_in
    interval = (seen.last - seen.first) / (frames_in - 1) if frames_in > 1 else 1.0 / info.fps
    # what the frames span when the header states less: FFmpeg's estimate for MPEG program streams (a DVD's .vob) and
    # for files joined end to end (two .ts) stopped short, and a right output was said to last 2-10x its input. Only
    # then: the last frame's own length is the header's to say (a variable rate's mean interval overstated it)
    span = seen.last - seen.first
    return (info.duration if info.duration and info.duration > span else span + interval), interval


def _input_notes(reader: VideoReader, info: VideoInfo, seen: _Decoded, pauses: int, result: WriteResult,
                 input_duration: float, interval: float) -> list[str]:
    """The summary's notes on what the input turned out to be (its header wrong, frames damaged, interlaced,
    transparent, resized, paused) and on an output whose duration differs from the input's."""
    notes = []
    frames_in = seen.frames_in
    promised = info.frame_count and abs(info.frame_count - frames_in) > 1
    if promised:
        notes.append(f"the file header promised {info.frame_count} frames but {frames_in} could be decoded")
    if reader.decode_errors:
        notes.append(f"{counted(reader.decode_errors, 'damaged packet')} skipped")
    if concealed := reader.concealed_where(first_frame=1):  # (the frames of its group of pictures decode from them)
        where, them = concealed
        notes.append(f"the decoder concealed damage in {where}: {them} and the frames after, up to the next keyframe "
                     "(with B-frames, some just before too), may show grey or smeared blocks")
    # only where no count says what was lost: a phone's or a screen recording's MP4 (its count whole) skips by design
    if not info.frame_count and (jumps := reader.time_jumps.note()):
        notes.append(jumps)
    if placed := reader.placed_frames_note():
        notes.append(placed)
    if count := reader.interlaced_frames:
        notes.append(f"interlaced: {_how_many(count, frames_in, 'the video')} deinterlaced (bwdif) before processing")
    if count := reader.woven_frames:
        notes.append(f"{counted(count, 'frame')} flagged interlaced {'was' if count == 1 else 'were'} not "
                     f"deinterlaced ({DEINTERLACE_OFF})")
    if count := reader.transparent_frames:
        notes.append(f"transparency: {_how_many(count, frames_in, 'every frame')} had pixels that are not opaque; the "
                     "alpha channel is dropped and the output is opaque")
    if frames_in == 1 and result.frames > 1:  # "1 -> 2 frames" read as if one had been made (a still GIF)
        notes.append("a single frame has nothing to interpolate between: it is repeated")
    if pauses:  # counted in the line (`breaks_text`); said what they are once
        notes.append(f"at a pause (the source held its picture {PAUSE_SECONDS:g} s or more, as a screen recorder "
                     f"writes a frame only on a change) the frame before is repeated, not blended across")
    if size_changed := reader.size_change_note(first_frame=1):
        notes.append(size_changed)
    if abs(result.duration - input_duration) > 1.5 * interval:
        short = result.duration < input_duration and not promised  # said once: the note above says it
        # a file cut without its first keyframe decodes from the next one: its start is missing, not its end
        late = seen.first - info.start_time
        why = (f"the video's first {late:.3f} s cannot be decoded (a file cut or damaged at its start)"
               if late > 1.5 * interval else "the video stops before the end its header states (a cut or damaged file)")
        notes.append(f"output lasts {result.duration:.3f} s, input {input_duration:.3f} s"
                     + (f": {why}" if short else ""))
    return notes


@contextmanager
def _said_if_changed(src: Path, opened: FileStamp | None) -> Iterator[None]:
    """A read of `src` that fails after it changed since it was opened (`opened`: its `file_stamp` then) says so:
    a source cut short or rewritten while it was read (a download or a copy still going on) failed as "cannot read
    'x.mp4' (Invalid data found when processing input)", as if the file were damaged."""
    try:
        yield
    except VsrAppError as exc:
        now = file_stamp(src)
        # a cancel, a full disk, ...: of their own kind, each what it says whatever the source did
        if type(exc) is not VsrAppError or opened is None or now is None or now == opened:
            raise
        was, is_now = size_texts(opened[0], now[0])
        sizes = f"it was {was}, now {is_now}" if now[0] != opened[0] else f"still {was}, but rewritten"
        raise VsrAppError(f"'{src}' changed while it was read ({sizes}): {exc}") from exc


def process_video(src: str | os.PathLike, dst: str | os.PathLike, *, upscale: Any = None, interpolate: Any = None,
                  device: str = "auto", codec: str = "libx264", crf: int | None = None, preset: str | None = None,
                  overwrite: bool = False, tile: int | None = None, self_ensemble: bool = False,
                  deinterlace: bool = True, progress: ProgressCallback | None = None, cancel=None) -> PipelineSummary:
    """Process `src` into `dst` with an upscaling and/or interpolation model (names, paths or LoadedModels).

    `progress` receives ProgressInfo about output frames; `cancel.is_set()` stops the run within about
    0.1 s (plus the network call in flight), raising Cancelled and leaving no output file. Errors a user
    can cause raise VsrAppError; the output is renamed into place only after it has been checked. `self_ensemble`
    upscales every flip and transpose of each frame and averages them (8x the time; inference.SelfEnsembleUpscaler).
    `deinterlace` False (`--deinterlace off`) leaves frames flagged interlaced as decoded (`VideoReader`).
    """
    from vsr_app.inference import run_settings

    if upscale is None and interpolate is None:
        raise ValueError("process_video needs an upscale and/or an interpolate model")
    if self_ensemble and upscale is None:
        raise ValueError("self_ensemble applies to the upscale model, and there is none")
    started = time.monotonic()
    src, dst = Path(src), Path(dst)
    check_destination(dst, src, overwrite)  # fail fast, before decoding or loading anything
    check_encoder_settings(codec, crf, preset)
    opened = file_stamp(src)
    reader = VideoReader(src, deinterlace=deinterlace)
    info = reader.info
    factor = 2 if interpolate is not None else 1
    rate = (info.frame_rate or info.fps) * factor
    check_timestamps_fit(rate, dst.suffix, codec,  # before any model loads
                         measured=lambda: (packet_rate(info) or 0) * factor)
    chain = _load_chain(interpolate, upscale, device, tile, self_ensemble, info.fps, cancel)
    stages = chain.stages
    scale = stages[-1].scale
    out_w, out_h = info.width * scale, info.height * scale
    # the stages run one after the other on the inference thread: their temporaries never coexist
    check_job_fits(info.width, info.height, out_w, out_h, codec_spec(codec).encoder,
                   engine_bytes=max(stage.engine.working_bytes(info.width, info.height) for stage in stages),
                   preset=preset)
    # a browser's WebM states no length: its packets are counted
    source_frames = with_counted_frames(info).estimated_frames
    expected = source_frames * factor if source_frames else None
    meter = ProgressMeter(expected, progress, stage=" + ".join(chain.models))
    workers = _Workers(cancel)

    def encoded(count: int) -> None:
        """The encoder finished `count` more frames; a cancel is honoured even while it drains at the end."""
        meter.warning = space.look(meter.done + count)
        meter.advance(count)
        workers.check()

    # whatever ends the run before the file is finished (a stop at the first progress report too) aborts the writer:
    # the folders it made go, and the source it carries audio from is closed
    # (a source that changed while it was read says so, the writer's failure to carry its sound included)
    with _said_if_changed(src, opened), VideoWriter(
            dst, width=out_w, height=out_h, frame_rate=rate, time_base=info.time_base / factor, codec=codec, crf=crf,
            preset=preset, source=src, overwrite=overwrite, sample_aspect_ratio=info.sample_aspect_ratio,
            on_encoded=encoded, task="+".join(chain.tasks), models=chain.models, weights=chain.weights,
            deinterlace=deinterlace, source_info=info, colour=reader.colour) as writer:
        space = GrowthWatch(lambda: writer.bytes_made, expected, dst.parent, partial=writer.tmp)
        decoded = queue.Queue(QUEUE_FRAMES)
        inferred = queue.Queue(QUEUE_FRAMES)
        seen = _Decoded()
        threads = {"decode": partial(_decode, reader, src, info, workers, decoded, seen),
                   "infer": partial(_infer, stages, workers, decoded, inferred, seen)}
        result = _encode_all(workers, threads, writer, meter, inferred, seen, factor)
    meter.finish()

    input_duration, interval = _input_duration(info, seen)
    scene_cuts, flashes, pauses = break_counts(seen.breaks) if interpolate is not None else (0, 0, 0)
    notes = (list(result.notes) + [note for note in chain.notes if note]
             + _input_notes(reader, info, seen, pauses, result, input_duration, interval))
    return PipelineSummary(
        input=str(src), output=result.path, models=chain.models, frames_in=seen.frames_in, frames_out=result.frames,
        input_size=(info.width, info.height), output_size=(result.width, result.height),
        input_duration=input_duration, output_duration=result.duration, seconds=time.monotonic() - started,
        # counted for interpolation, whose in-betweens they change; an upscale only starts each shot afresh
        scene_cuts=scene_cuts, flashes=flashes, pauses=pauses, notes=notes,
        precisions=[run_settings(stage.engine)["precision"] for stage in stages])
