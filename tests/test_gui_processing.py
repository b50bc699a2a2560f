"""The viewer's frame service (no Qt): random access equals sequential decoding, streams warm up and continue,
outputs are cached within a byte budget, and both sides are measured against each other."""

from __future__ import annotations

import gc
import weakref
from dataclasses import replace

import cv2
import numpy as np
import pytest

import badfiles
from videogen import make_video
from vsr_app import models
from vsr_app.errors import Cancelled, VsrAppError
from vsr_app.inference import Upscaler
from vsr_app.gui import processing, source_frames
from vsr_app.gui.analysis import analyse
from vsr_app.gui.frame_cache import FrameCache
from vsr_app.gui.model_streams import UpscaleStream
from vsr_app.gui.processing import SOURCE, FrameService, KnownFailure, Request
from vsr_app.gui.source_frames import PastTheEnd, SourceFrames
from vsr_app.metrics import psnr_y
from vsr_app.nets.builtin import BicubicUpscale
from vsr_app.video.reader import VideoReader


def test_frame_cache_evicts_least_recently_used():
    cache = FrameCache(budget_bytes=3 * 100)
    for i in range(3):
        cache.put(("k", i), np.zeros(100, np.uint8))
    cache.get(("k", 0))  # touch 0: 1 is now the oldest
    cache.put(("k", 3), np.zeros(100, np.uint8))
    assert set(cache.items) == {("k", 0), ("k", 2), ("k", 3)} and cache.used == 300
    cache.drop(lambda key: key[1] >= 2)
    assert set(cache.items) == {("k", 0)} and cache.used == 100


def test_random_access_matches_sequential_decoding(small_video):
    sequential = [f.image for f in VideoReader(small_video).frames()]
    source = SourceFrames(VideoReader(small_video), FrameCache(1 << 30))
    for k in (7, 2, 11, 3, 4, 0, 10):  # jumps back, forward, by one
        np.testing.assert_array_equal(source.get(k), sequential[k])
    with pytest.raises(PastTheEnd):
        source.get(12)
    assert source.length == 12 and source.length_exact


@pytest.mark.parametrize("name, times", [
    ("vfr.mp4", [i / 10 for i in range(60)] + [6 + i / 30 for i in range(60)]),  # 10 frames/s, then 30: k / fps misses
    ("raw.h264", None),  # a raw stream: FFmpeg cannot seek it, and its frames carry no times
])
def test_random_access_far_away_matches_sequential_decoding(tmp_path, name, times):
    video = make_video(tmp_path / name, frames=120, times=times)
    sequential = list(VideoReader(video).frames())
    source = SourceFrames(VideoReader(video), FrameCache(1 << 30))
    for k in (100, 20, 119, 70, 0, 60):  # jumps past FORWARD_DECODE and back: seeks
        np.testing.assert_array_equal(source.get(k), sequential[k].image)
        assert source.time(k) == pytest.approx(sequential[k].time)
    with pytest.raises(PastTheEnd):
        source.get(120)
    assert source.length == 120 and source.length_exact


class CountingEngine(Upscaler):
    """A stateful x1 'upscaler': output k = input k + (frames seen since reset) so warm-up is visible."""

    scale = 1

    def __init__(self):
        self.reset()

    def reset(self):
        self.seen = 0
        self.pushed = []

    def cut(self):
        """Kept counting, as a clip engine does: the counts show warm-up, not shots (the test clip's colour
        cycle reads as cuts)."""

    def flash(self):
        """Kept counting, as at a cut."""

    def push(self, frame):
        self.seen += 1
        self.pushed.append(int(frame[-1, -1, 1]))  # the frame's own grey level
        return [np.full_like(frame, self.seen)]

    def flush(self):
        return []


def test_upscale_stream_warms_up_continues_and_restarts(small_video):
    cache = FrameCache(1 << 30)
    source = SourceFrames(VideoReader(small_video), cache)
    engine = CountingEngine()
    stream = UpscaleStream("count", "cpu", engine, source, cache)
    never = lambda: False  # noqa: E731
    assert stream.frame(10, lambda _: None, never)[0, 0, 0] == 9  # restarted at 10 - WARMUP(8) = 2: 9th frame
    assert stream.frame(11, lambda _: None, never)[0, 0, 0] == 10  # continued: one more frame pushed
    # 5 was made during the warm-up with 4 frames of history, not the 6 an export gives it: not kept, so it is
    # made again from frame 0 (an export's history), and the frames before it come with it
    assert stream.frame(5, lambda _: None, never)[0, 0, 0] == 6
    firsts = [int(source.get(i)[-1, -1, 1]) for i in range(6)]
    assert engine.pushed == firsts and engine.seen == 6
    assert stream.frame(1, lambda _: None, never)[0, 0, 0] == 2  # cached by that restart at 0
    assert stream.frame(11, lambda _: None, never)[0, 0, 0] == 10  # cached from before, not recomputed
    assert engine.seen == 6


def test_the_status_bar_says_in_plain_words_why_a_frame_takes_longer(small_video):
    """It said "vsr-x4-teacher: frame 21 (warming up 1/5)": jargon to a first-time user, and the teacher, which makes
    its chunk's frames in one call, stayed at 1/5 through all of it."""
    from vsr_app.inference import make_upscaler
    from vsr_app.models import load_model

    cache = FrameCache(1 << 30)
    source, said = SourceFrames(VideoReader(small_video), cache), []
    UpscaleStream("count", "cpu", CountingEngine(), source, cache).frame(10, said.append, lambda: False)
    memory = "frames before it first, to build up the model's memory"
    assert said == [f"count: frame 11 (reading the 8 {memory}: {i}/8)" for i in range(1, 9)] + ["count: frame 11"]
    said.clear()
    teacher = make_upscaler(load_model("vsr-x4-teacher", "cpu"), "cpu")
    UpscaleStream("vsr-x4-teacher", "cpu", teacher, source, cache).frame(10, said.append, lambda **_: False)
    assert set(said) == {"vsr-x4-teacher: frame 11 (made in one go with the frames around it)"}


def test_stepping_back_after_a_seek_restarts_once_per_eight_frames(tmp_path):
    """Warm-up frames are not kept, so the first step back after a seek restarts; it restarts far enough back
    that the next eight steps back are cached."""
    cache = FrameCache(1 << 30)
    source = SourceFrames(VideoReader(make_video(tmp_path / "long.mp4", frames=40)), cache)
    engine = CountingEngine()
    stream = UpscaleStream("count", "cpu", engine, source, cache)
    never = lambda: False  # noqa: E731
    assert stream.frame(30, lambda _: None, never)[0, 0, 0] == 9  # a seek: restarted at 30 - WARMUP = 22
    assert stream.frame(29, lambda _: None, never)[0, 0, 0] == 17  # a step back: restarted at 29 - 8 - 8 = 13
    seen = engine.seen
    for k in range(28, 20, -1):  # 21..28 have 8+ frames of history in that run: cached
        assert stream.frame(k, lambda _: None, never)[0, 0, 0] == k - 13 + 1
    assert engine.seen == seen


def test_small_cache_still_returns_the_frame(small_video):
    cache = FrameCache(1)  # holds one image at a time
    source = SourceFrames(VideoReader(small_video), cache)
    stream = UpscaleStream("count", "cpu", CountingEngine(), source, cache)
    assert stream.frame(3, lambda _: None, lambda: False)[0, 0, 0] == 4


def test_stop_request_leaves_stream_consistent(small_video):
    cache = FrameCache(1 << 30)
    source = SourceFrames(VideoReader(small_video), cache)
    engine = CountingEngine()
    stream = UpscaleStream("count", "cpu", engine, source, cache)
    calls = iter([False, False, True])
    assert stream.frame(9, lambda _: None, lambda: next(calls, True)) is None  # superseded after 2 frames
    assert engine.seen == 2
    assert stream.frame(9, lambda _: None, lambda: False)[0, 0, 0] == 9  # resumes: frames 1..9 seen once each
    assert engine.seen == 9


class FailsOnceEngine(CountingEngine):
    """Fails in its third push, after counting it (its state half-updated, as a net's can be), then works."""

    def __init__(self):
        super().__init__()
        self.failed = False

    def push(self, frame):
        outputs = super().push(frame)
        if self.seen == 3 and not self.failed:
            self.failed = True
            raise RuntimeError("a failure inside the model")
        return outputs


def test_after_a_model_error_the_stream_restarts_to_what_a_fresh_one_gives(small_video):
    """The stream kept its position after an error: the next request pushed the frame again into the state the
    failed call left (frame 9 seen as 10 frames of history), where a newer request stopping a call restarts it."""
    def stream_of(engine) -> UpscaleStream:
        cache = FrameCache(1 << 30)
        return UpscaleStream("count", "cpu", engine, SourceFrames(VideoReader(small_video), cache), cache)

    failing = stream_of(FailsOnceEngine())
    with pytest.raises(RuntimeError, match="inside the model"):
        failing.frame(9, lambda _: None, lambda: False)
    again = failing.frame(9, lambda _: None, lambda: False)
    assert np.array_equal(again, stream_of(CountingEngine()).frame(9, lambda _: None, lambda: False))


def test_render_measures_models_and_analyse_covers_every_position(small_video):
    service = FrameService(str(small_video))
    plain = service.render(Request(3, "upscale", (SOURCE, "bicubic")))
    assert plain.psnr is None and plain.canvas == (256, 192)
    mid = service.render(Request(4, "interpolate", ("blend", "opencv-flow")))
    assert mid.psnr == pytest.approx(psnr_y(*mid.images))
    assert service.render(Request(50, "upscale", (SOURCE, "bicubic"))).position == 11  # past the end: last
    results = analyse(str(small_video), "interpolate", ("blend", "blend"))
    assert [r[0] for r in results] == list(range(11)) and all(r[2] == 1.0 for r in results)
    with pytest.raises(VsrAppError):
        analyse(str(small_video), "upscale", (SOURCE, "bicubic"))


def test_the_teacher_compared_is_the_teacher_exported(small_video):
    """The viewer ran the bidirectional teacher in 4-frame chunks where an export and `eval` run 8: its frames, so
    every PSNR against it and the analysis CSV, were up to 0.4 dB off what the exported files give."""
    from vsr_app.inference import make_upscaler
    from vsr_app.models import load_model

    engine = make_upscaler(load_model("vsr-x4-teacher", "cpu"), "cpu")
    frames = [f.image for f in VideoReader(small_video).frames()]
    exported = [out for image in frames for out in engine.push(image)] + list(engine.flush())
    service, bicubic = FrameService(str(small_video)), []
    for k in range(len(frames)):
        teacher, other = service.render(Request(k, "upscale", ("vsr-x4-teacher", "bicubic"), "cpu")).images
        assert np.array_equal(teacher, exported[k]), k
        bicubic.append(other)
    measured = [psnr for _, psnr, *_ in analyse(str(small_video), "upscale", ("vsr-x4-teacher", "bicubic"), "cpu")]
    assert measured == [psnr_y(a, b) for a, b in zip(exported, bicubic)]

def test_a_teacher_frame_reached_by_a_seek_is_the_exported_one(tmp_path):
    """A seek started the teacher's chunk at the frame sought (less its context), off the export's 8-frame grid: the
    frames it showed, and every figure against them, differed from the export's (53-59 dB apart). Stepping back
    after a seek gets the export's frames too."""
    from vsr_app.inference import make_upscaler
    from vsr_app.models import load_model

    from vsr_app.video.scenecut import cuts_at, mark_cuts

    video = make_video(tmp_path / "seeks.mp4", frames=22, width=48, height=32)
    engine = make_upscaler(load_model("vsr-x4-teacher", "cpu"), "cpu")
    exported = []
    for image, verdict in mark_cuts([f.image for f in VideoReader(video).frames()], lambda x: x, cuts_at):
        engine.at_break(*verdict)  # as the export's UpscaleStage does (this clip's pattern jumps at frame 13)
        exported += engine.push(image)
    exported += engine.flush()
    service = FrameService(str(video))
    for k in (13, 12, 11, 4, 21, 9):  # seeks into a chunk's middle, its start, steps back across chunks, the end
        teacher = service.render(Request(k, "upscale", ("vsr-x4-teacher", SOURCE), "cpu")).images[0]
        assert np.array_equal(teacher, exported[k]), k


def test_a_newer_request_ends_a_teachers_call_midway_and_the_stream_stays_right(small_video):
    """An Open, a switch of model or closing the window waited for the whole teacher call (20 s at 320x240 on a CPU):
    a check inside the net ends it, and the next request restarts the stream to the same frames as before."""
    service = FrameService(str(small_video))
    request = Request(5, "upscale", ("vsr-x4-teacher", SOURCE), "cpu")
    checks = iter(range(10**6))
    assert service.render(request, should_stop=lambda **_: next(checks) > 40) is None  # 40 calls in: superseded
    assert next(checks) < 100  # it stopped inside the call, not after it
    assert not [key for key in service.cache.items if key[0] == "up"]  # nothing half-made was kept
    again = service.render(request).images[0]
    fresh = FrameService(str(small_video)).render(request).images[0]
    assert np.array_equal(again, fresh)


def test_playing_goes_on_with_the_call_that_makes_the_next_frame(qapp, small_video):
    """The player's next tick asks for the frame being prefetched: that stopped the call midway and restarted the
    stream from 8 frames back at every frame (playing 8x slower, and frames with less history than an export's). A
    request the call does not serve (another model) still stops it."""
    from vsr_app.gui.workers import FrameWorker

    worker = FrameWorker()  # not started: _render runs here
    worker.service = FrameService(str(small_video))
    choices = ("upscale", (SOURCE, "vsr-x4-student"), "cpu")
    worker._render(Request(3, *choices), emit=False)
    stream = worker.service.streams[("vsr-x4-student", "upscale", "cpu")]

    def asked_during_the_call(newer: Request) -> None:
        """`newer` arrives while the net computes (as the player's tick does), once."""
        def arrives(*_) -> None:  # (a pre-hook's return value would replace the module's inputs)
            hook.remove()
            worker.request(newer)

        first = next(m for m in stream.engine.net.modules() if not list(m.children()))  # the net runs by step()
        hook = first.register_forward_pre_hook(arrives)

    asked_during_the_call(Request(4, *choices))
    worker._render(Request(4, *choices), emit=False)  # the prefetch of the frame the tick asks for
    assert stream.next_in == 5 and worker.service.cache.get(("up", *choices[1][1:], "cpu", 4)) is not None
    worker._request = None
    asked_during_the_call(Request(5, "upscale", (SOURCE, "bicubic"), "cpu"))  # the user picked another model
    worker._render(Request(5, *choices), emit=False)
    assert stream.next_in is None  # stopped inside that call; the stream restarts when asked again
    worker.service.close()


def test_an_in_between_frame_stops_for_any_other_position(qapp, small_video):
    """Each in-between frame is a call of its own: finishing the one at 4 does nothing for a step to 7, which waited
    for it (a whole call of the VFI teacher on a CPU)."""
    from vsr_app.gui.workers import FrameWorker

    worker = FrameWorker()  # not started: _render runs here
    worker.service = FrameService(str(small_video))
    choices = ("interpolate", (SOURCE, "vfi-x2-student"), "cpu")
    worker._render(Request(1, *choices), emit=False)
    net = worker.service.streams[("vfi-x2-student", "interpolate", "cpu")].engine.net
    calls = []

    def arrives(*_) -> None:
        if not calls:
            worker.request(Request(7, *choices))
        calls.append(1)

    first = next(m for m in net.modules() if not list(m.children()))
    first.register_forward_pre_hook(arrives)
    worker._render(Request(4, *choices), emit=False)
    assert len(calls) == 1 and worker.service.cache.get(("mid", "vfi-x2-student", "cpu", 4)) is None
    worker.service.close()


def test_a_cancelled_analysis_ends_the_teachers_call_midway(small_video):
    """Cancel was looked at only between frames: with the teacher, after its whole call (many seconds on a CPU)."""
    class CancelInsideTheCall:
        checks = 0

        def is_set(self):
            self.checks += 1
            return self.checks > 40  # past the first few frames' pushes: inside the teacher's first call

    progressed = []
    with pytest.raises(Cancelled):
        analyse(str(small_video), "upscale", ("vsr-x4-teacher", "bicubic"), "cpu",
                progress=lambda *a: progressed.append(a), cancel=CancelInsideTheCall())
    assert progressed == []

def test_a_side_that_is_refused_is_said_before_the_other_sides_frame_is_made(small_video, monkeypatch):
    """A teacher too big for the memory was refused only after the student's frame was made (15 s at 2560x1440)."""
    service = FrameService(str(small_video))
    real = service._load_stream

    def refuse_the_teacher(name, *args):
        if name == "vsr-x4-teacher":
            raise VsrAppError("showing vsr-x4-teacher needs about 9.9 GB of memory")
        return real(name, *args)

    monkeypatch.setattr(service, "_load_stream", refuse_the_teacher)
    with pytest.raises(VsrAppError, match="needs about 9.9 GB"):
        service.render(Request(0, "upscale", ("bicubic", "vsr-x4-teacher"), "cpu"))
    assert not [key for key in service.cache.items if key[0] == "up"]  # bicubic's frame was never made

def test_a_comparison_that_cannot_fit_in_memory_is_refused_before_any_model_work(small_video, monkeypatch):
    """Opening a large video in Compare could use more memory than the machine has: the kernel then kills the app
    with no message. Now a model side that cannot fit says what it needs, before its weights load."""
    from vsr_app.video import limits

    service = FrameService(small_video)
    w, h = service.info.width, service.info.height
    student = limits.preview_memory(16 * w * h, False, service.cache.budget)
    monkeypatch.setattr(limits, "available_memory", lambda: student - 1)
    monkeypatch.setattr("vsr_app.models.load_model", lambda *a: pytest.fail("loaded before the check"))
    with pytest.raises(VsrAppError, match=rf"showing bicubic on {w}x{h} frames \(as {4 * w}x{4 * h}\) needs about "
                                          r"\d+ MB of memory, but only \d+ MB is free"):
        service.render(Request(0, "upscale", (SOURCE, "bicubic"), "cpu"))
    monkeypatch.undo()
    monkeypatch.setattr(limits, "available_memory", lambda: student - 1)
    assert service.render(Request(0, "interpolate", (SOURCE, "blend"), "cpu")) is not None  # x1: nothing to check
    monkeypatch.setattr(limits, "available_memory", lambda: student)
    service.forget_models()  # a refusal holds until models are reloaded
    assert service.render(Request(0, "upscale", (SOURCE, "bicubic"), "cpu")).images[1].shape == (4 * h, 4 * w, 3)
    service.close()


def test_an_interpolators_own_memory_counts_before_it_is_compared(small_video, monkeypatch):
    """Interpolators are not tiled: the VFI student's temporaries took 1,906 MiB at 1280x720 in Compare (RESULTS,
    "Refusing jobs that cannot fit: the models' own memory"). Refused before its weights load, with no advice to
    export, which needs them as well."""
    from vsr_app.models import bare_net, resolve
    from vsr_app.video import limits

    service = FrameService(small_video)
    w, h = service.info.width, service.info.height
    fixed, per_pixel = bare_net(resolve("vfi-x2-student")).working_memory
    need = limits.preview_memory(w * h, False, service.cache.budget, fixed + per_pixel * w * h)
    monkeypatch.setattr(limits, "available_memory", lambda: need - 1)
    monkeypatch.setattr("vsr_app.models.load_model", lambda *a: pytest.fail("loaded before the check"))
    with pytest.raises(VsrAppError, match=rf"showing vfi-x2-student on {w}x{h} frames needs about "
                                          r"\d+(\.\d)? [MG]B of memory, but only \d+(\.\d)? [MG]B is free; "
                                          r"compare on a smaller video or with a lighter model$"):
        service.render(Request(0, "interpolate", (SOURCE, "vfi-x2-student"), "cpu"))
    monkeypatch.undo()
    monkeypatch.setattr(limits, "available_memory", lambda: need)
    service.forget_models()  # a refusal holds until models are reloaded
    assert service.render(Request(0, "interpolate", (SOURCE, "vfi-x2-student"), "cpu")).images[1].shape == (h, w, 3)
    service.close()


def test_a_clip_model_needs_more_memory_to_compare_than_a_streaming_one():
    from vsr_app.video import limits

    gb = 2**30
    cache = 768 << 20  # the viewer's frame cache, filled while playing
    limits.check_preview_fits("student", 640, 360, 4, False, cache, available=2 * gb)  # measured 0.5 GB + cache
    with pytest.raises(VsrAppError, match=r"showing teacher on 640x360 frames \(as 2560x1440\) needs"):
        limits.check_preview_fits("teacher", 640, 360, 4, True, cache, available=3 * gb)  # measured 2.4 GB + cache
    limits.check_preview_fits("teacher", 640, 360, 4, True, cache, available=4 * gb)


def test_compare_repeats_the_frame_at_a_scene_cut_as_the_export_does(tmp_path):
    """The Compare view blended across cuts (a ghost the export never writes) and fed 4-frame models context from
    the other shot: it now decides cuts and windows with the export's code."""
    rng = np.random.default_rng(3)
    shots = [cv2.resize(rng.integers(0, 256, (6, 8, 3), dtype=np.uint8), (64, 48), interpolation=cv2.INTER_CUBIC)
             for _ in range(2)]  # smooth: a one-pixel pan changes a shot's thumbnail little
    images = [np.roll(shots[i // 6], i % 6, axis=1) for i in range(12)]  # a slow pan, a cut at frame 6
    video = make_video(tmp_path / "cut.mp4", images=images)
    decoded = [f.image for f in VideoReader(video).frames()]
    service = FrameService(video)
    at_cut = service.render(Request(5, "interpolate", (SOURCE, "blend"), "cpu"))
    np.testing.assert_array_equal(at_cut.images[1], decoded[5])
    inside = service.render(Request(2, "interpolate", (SOURCE, "blend"), "cpu"))
    assert not np.array_equal(inside.images[1], decoded[2])  # within a shot: a real in-between
    assert at_cut.at_break == "scene cut" and inside.at_break is None
    service.close()
    # the analysis marks the gap, whose 100 dB (both sides repeat frame 5) says nothing of the models
    assert [(k, at) for k, psnr, _, at in analyse(video, "interpolate", ("blend", "opencv-flow")) if at] == \
        [(5, "scene cut")]


@pytest.mark.parametrize("model", ["vsr-x4-student", "vsr-x4-teacher"])
def test_the_compared_upscaler_starts_a_new_shot_afresh_as_the_export_does(tmp_path, model):
    """An export's recurrent student forgets its state at a cut (a ghost of the last shot otherwise), and its teacher
    runs each shot apart: the Compare view must too, or it would not show what the export writes."""
    from vsr_app.video.pipeline import process_video

    rng = np.random.default_rng(3)
    shots = [cv2.resize(rng.integers(0, 256, (6, 8, 3), dtype=np.uint8), (64, 48), interpolation=cv2.INTER_CUBIC)
             for _ in range(2)]
    images = [np.roll(shots[min(i // 12, 1)], i % 12, axis=1) for i in range(30)]  # a slow pan, a cut at frame 12
    video = make_video(tmp_path / "cut.mkv", images=images, codec="ffv1")
    exported = process_video(video, tmp_path / "x4.mkv", upscale=model, device="cpu", codec="ffv1")
    written = [f.image for f in VideoReader(exported.output).frames()]
    service = FrameService(video)
    # a jump whose warm-up holds the cut, steps back across it, a jump before it, a step on
    for k in (16, 15, 12, 11, 25, 5, 6):
        shown = service.render(Request(k, "upscale", (SOURCE, model), "cpu")).images[1]
        # a frame after the cut, one with its whole history, or any of the teacher's (chunked): the export's exactly
        if k >= 12 or k < 12 - 8 or model == "vsr-x4-teacher":
            np.testing.assert_array_equal(shown, written[k], err_msg=str(k))
    service.close()


def test_the_compared_teacher_runs_a_flash_alone_as_the_export_does(tmp_path):
    """An export's teacher runs a flash frame (a one-frame shot: two cut edges, no new shot at either) alone and joins
    its shot across it: the Compare view must too, after a seek as well (a seek's chunk here starts at a flash)."""
    from vsr_app.inference import make_upscaler
    from vsr_app.video.pipeline import process_video

    rng = np.random.default_rng(5)
    shot = cv2.resize(rng.integers(0, 256, (6, 8, 3), dtype=np.uint8), (64, 48), interpolation=cv2.INTER_CUBIC)
    flashes = (10, 21)  # in the first chunk's look-ahead; the first frame of the fourth chunk's context
    images = [np.clip(np.roll(shot, i, axis=1).astype(np.int16) + 40 * (i in flashes), 0, 255).astype(np.uint8)
              for i in range(30)]  # a slow pan
    video = make_video(tmp_path / "flash.mkv", images=images, codec="ffv1")
    exported = process_video(video, tmp_path / "x4.mkv", upscale="vsr-x4-teacher", device="cpu", codec="ffv1")
    written = [f.image for f in VideoReader(exported.output).frames()]
    decoded = [f.image for f in VideoReader(video).frames()]
    engine = make_upscaler(models.load_model("vsr-x4-teacher", "cpu"), "cpu")
    for k in flashes:  # the flash frame is the teacher's on it alone
        engine.reset()
        np.testing.assert_array_equal(written[k], (engine.push(decoded[k]) + engine.flush())[0], err_msg=str(k))
    service = FrameService(video)
    for k in (24, 21, 22, 9, 10, 11, 16, 29):  # seeks: after a flash, onto one, steps back and on across them
        shown = service.render(Request(k, "upscale", (SOURCE, "vsr-x4-teacher"), "cpu")).images[1]
        np.testing.assert_array_equal(shown, written[k], err_msg=str(k))
    service.close()


def test_no_ssim_for_frames_smaller_than_its_window(tmp_path):
    """SSIM's 11x11 window does not fit in a 10x8 frame: the Compare view and the analysis said nan."""
    tiny = make_video(tmp_path / "tiny.mp4", width=10, height=8)
    service = FrameService(str(tiny))
    rendered = service.render(Request(2, "interpolate", ("blend", "blend")))
    assert rendered.psnr == 100.0 and rendered.ssim is None
    service.close()
    assert [r[1:] for r in analyse(str(tiny), "interpolate", ("blend", "blend"))] == [(100.0, None, None)] * 11


def test_a_model_that_failed_to_load_fails_again_at_once_until_models_are_forgotten(small_video, monkeypatch):
    """Every step loaded the refused model again (and the viewer showed another error box each time). The error kept
    holds no net: it was refused for want of memory."""
    nets = []

    def build():
        net = BicubicUpscale(4)
        nets.append(weakref.ref(net))
        return net

    def fits(name, *args, **kwargs):
        if name == "test-refused":
            raise VsrAppError("showing test-refused needs more memory")

    monkeypatch.setitem(models._BUILTINS, "test-refused", models.Builtin("test-refused", "upscale", 4, build, "big"))
    monkeypatch.setattr(processing, "check_preview_fits", fits)
    service = FrameService(str(small_video))
    request = Request(0, "upscale", (SOURCE, "test-refused"), "cpu")
    with pytest.raises(VsrAppError, match="more memory") as first:
        service.render(request)
    assert not isinstance(first.value, KnownFailure)
    gc.collect()
    assert len(nets) == 1 and nets[0]() is None
    for position in (1, 2):
        with pytest.raises(KnownFailure, match="more memory") as again:
            service.render(replace(request, position=position))
        assert again.value.cause is first.value
    assert len(nets) == 1
    assert service.render(Request(1, "upscale", (SOURCE, "bicubic"), "cpu")) is not None  # the other sides still work
    service.forget_models()  # models reloaded: tried again
    with pytest.raises(VsrAppError, match="more memory") as third:
        service.render(request)
    assert not isinstance(third.value, KnownFailure) and len(nets) == 2
    service.close()


def test_an_analysis_ends_at_the_last_frame_of_a_video_shorter_than_its_header_says(tmp_path):
    """A cut file's header promises more frames: the analysis measured the last frame twice ("16 / 15 frames")."""
    cut = badfiles.truncated_readable(tmp_path / "cut")
    decoded = sum(1 for _ in VideoReader(cut).frames())
    positions = [k for k, *_ in analyse(str(cut), "upscale", ("bicubic", "bicubic"))]
    assert positions == list(range(decoded))


def test_a_length_estimated_short_grows_as_the_video_is_played_to_its_real_end(tmp_path, monkeypatch):
    """A Matroska file states no frame count, and duration x frame rate can be short of its frames: a variable frame
    rate's said 7 of 12, and the viewer, the player and the analysis stopped at frame 7. A variable rate's packets are
    counted now (`with_counted_frames`), but not these: they come steadily 9% faster than the stated rate, within the
    slack the sampled rate is given. The estimate says 92 of 100, short by more than the frames a model's scene-cut
    check reads ahead (which find the end by themselves). (A video this short has its packets counted as it opens: as
    a long one, past TIMES_AT_OPEN, it opens at the estimate.)"""
    monkeypatch.setattr(source_frames, "TIMES_AT_OPEN", 0)
    times = [0.092 * i for i in range(100)]
    path = make_video(tmp_path / "fast.mkv", frames=100, width=32, height=24, fps=10, times=times)
    totals = []
    measured = analyse(str(path), "upscale", ("bicubic", "bicubic"), progress=lambda k, total, *_: totals.append(total))
    assert [k for k, *_ in measured] == list(range(100)) and totals[-1] == 100
    service = FrameService(str(path))
    try:
        # End: the packets' count, not one more frame a press
        estimate = service.positions("upscale")
        assert estimate == 92  # the length the timeline opens with
        shown = service.render(Request(estimate - 1, "upscale", (SOURCE, "bicubic")))
        assert shown.length == 100 and service.render(Request(99, "upscale", (SOURCE, "bicubic"))).position == 99
        service.render(Request(99, "upscale", (SOURCE, "bicubic")))
        assert service.positions("upscale") == 100 and service.source.length_exact
    finally:
        service.close()


def test_the_end_of_a_variable_frame_rate_video_shows_its_last_frame_and_no_more(tmp_path):
    """Looking past the last frame seeked by the frame rate, which lands before the real last frame of a sparse
    variable-frame-rate video: End made a frame 81 of 80, then showed frame 80 twice."""
    path = make_video(tmp_path / "sparse.mp4", frames=80, width=32, height=24, fps=10,
                      times=[0.25 * i for i in range(80)])
    last = list(VideoReader(path).frames())[-1].image
    service = FrameService(str(path))
    try:
        for position in (0, 79, 20, 79):  # open, End, a seek back, End again
            shown = service.render(Request(position, "upscale", (SOURCE, SOURCE)))
        assert shown.position == 79 and shown.length == 80 and np.array_equal(shown.images[0], last)
        assert service.positions("upscale") == 80 and service.source.length_exact
    finally:
        service.close()


def test_a_seek_that_finds_no_frame_decodes_from_the_start_instead_of_ending_the_video(tmp_path):
    """Two MPEG-TS files joined end to end: the second part's continued times are not in the file, so a seek there
    found nothing, and the viewer took frame 20 of 40 for the end of the video."""
    parts = [make_video(tmp_path / f"part{i}.ts", frames=20, fps=25) for i in (1, 2)]
    joined = tmp_path / "joined.ts"
    joined.write_bytes(b"".join(p.read_bytes() for p in parts))
    played = [f.image for f in VideoReader(joined).frames()]
    source = SourceFrames(VideoReader(joined), FrameCache(64 << 20))
    try:
        assert np.array_equal(source.get(30), played[30]) and not source.length_exact
    finally:
        source.close()


def test_a_failure_of_choices_already_left_is_not_put_in_a_dialog(qapp, small_video):
    """A teacher refused 15 s into a request the user had replaced (bicubic | student picked meanwhile) popped
    "Processing failed" about the teacher over the new choices; a failure of the current choices still does."""
    from vsr_app.gui.workers import FrameWorker

    worker = FrameWorker()  # not started: _render runs here, and its signals arrive at once
    worker.service = FrameService(str(small_video))
    dialogs, unavailable, titles = [], [], []
    worker.failed.connect(lambda title, message: (titles.append(title), dialogs.append(message)))
    worker.unavailable.connect(lambda request, reason: unavailable.append(reason))
    left = Request(0, "upscale", (SOURCE, "no-such-model"), "cpu")
    worker.request(Request(0, "upscale", (SOURCE, "bicubic"), "cpu"))  # the user's newer choice, not yet taken up
    worker._render(left, emit=True)
    assert dialogs == [] and unavailable == []
    worker._request = None  # the user comes back to the failing choice: the view says why, without a dialog
    worker._render(left, emit=True)
    assert dialogs == [] and len(unavailable) == 1 and "no-such-model" in unavailable[0]
    worker.service.close()
    worker.service, unavailable[:] = FrameService(str(small_video)), []
    worker._render(left, emit=True)  # a failure of the current choices: a dialog, and the view says it too
    assert len(dialogs) == 1 and "no-such-model" in dialogs[0] and unavailable == dialogs
    assert titles == ["Cannot show this comparison"]  # a refusal, not "Processing failed"
    worker.service.close()
