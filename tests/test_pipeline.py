"""File-to-file pipeline: sizes, counts, durations, timestamps, audio, tiling, scene cuts, cancel, progress."""

from __future__ import annotations

import threading
import time

import cv2
import numpy as np
import pytest
from torch import nn

from conftest import VFR_TIMES
from tiny_nets import TinyRecurrent
from videogen import make_video, stream_durations
from vsr_app.errors import Cancelled, VsrAppError
from vsr_app.inference import Upscaler
from vsr_app.models import LoadedModel, ModelInfo
from vsr_app.video.pipeline import (InterpolateStage, Item, PipelineSummary, UpscaleStage, flush_stages, process_video,
                                    run_stages)
from vsr_app.video.reader import VideoReader, probe
from vsr_app.video.scenecut import mark_cuts
from vsr_app.video.encoding import input_record, read_made_by


def frames_of(path):
    return list(VideoReader(path).frames())


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_upscale_keeps_count_duration_audio_and_makes_4x(small_video, tmp_path):
    out = tmp_path / "up.mp4"
    summary = process_video(small_video, out, upscale="bicubic", device="cpu")
    info_in, info_out = probe(small_video), probe(out)
    assert (info_out.width, info_out.height) == (4 * info_in.width, 4 * info_in.height)
    assert summary.frames_in == summary.frames_out == len(frames_of(out)) == 12
    assert info_out.duration == pytest.approx(info_in.duration, abs=1 / info_in.fps)
    assert [s.codec for s in info_out.audio] == ["aac"]
    assert stream_durations(out)["audio"] == pytest.approx(stream_durations(small_video)["audio"], abs=0.03)
    assert summary.output == str(out) and "12 -> 12 frames" in summary.line()
    assert leftovers(tmp_path) == []


def test_upscale_keeps_variable_frame_rate(vfr_video, tmp_path):
    summary = process_video(vfr_video, tmp_path / "up.mp4", upscale="bicubic", device="cpu")
    assert [f.time for f in frames_of(summary.output)] == pytest.approx(VFR_TIMES, abs=1e-6)
    # the input's length is its header's, not the span plus the mean interval (1.3 s here: the report said more)
    assert summary.input_duration == pytest.approx(probe(vfr_video).duration)
    assert summary.input_duration < VFR_TIMES[-1] + (VFR_TIMES[-1] - VFR_TIMES[0]) / (len(VFR_TIMES) - 1)


def test_interpolate_puts_frames_exactly_halfway(vfr_video, tmp_path):
    summary = process_video(vfr_video, tmp_path / "x2.mp4", interpolate="blend", device="cpu")
    times = [f.time for f in frames_of(summary.output)]
    mids = [(a + b) / 2 for a, b in zip(VFR_TIMES, VFR_TIMES[1:])]
    info = probe(vfr_video)
    last_copy = (VFR_TIMES[-1] + info.start_time + info.duration) / 2  # halfway through the last frame's own length
    expected = sorted(VFR_TIMES + mids + [last_copy])
    assert summary.frames_out == 2 * summary.frames_in == len(times) == 24
    assert times == pytest.approx(expected, abs=1e-6)


def test_interpolate_doubles_rate_and_keeps_duration_and_audio(small_video, tmp_path):
    out = process_video(small_video, tmp_path / "x2.mkv", interpolate="blend", device="cpu", codec="ffv1").output
    info_in, info_out = probe(small_video), probe(out)
    assert info_out.fps == pytest.approx(2 * info_in.fps)
    frames = frames_of(out)
    assert len(frames) == 24
    # Matroska shifts every stream by the AAC priming delay (~21 ms), so compare spans, not start times
    assert frames[-1].time - frames[0].time + 0.05 == pytest.approx(info_in.duration, abs=1e-3)
    assert stream_durations(out)["audio"] == pytest.approx(stream_durations(small_video)["audio"], abs=0.03)
    # blend midpoints are the average of their neighbours (lossless output: exact up to rounding)
    a, mid, b = (frames[i].image.astype(int) for i in (4, 5, 6))
    assert np.abs(mid - (a + b) / 2).max() <= 1
    assert np.array_equal(frames[-1].image, frames[-2].image)  # the last frame is repeated


def test_upscale_and_interpolate_chain(small_video, tmp_path):
    summary = process_video(small_video, tmp_path / "both.mp4", upscale="bicubic", interpolate="blend", device="cpu")
    assert summary.frames_out == 24 and summary.output_size == (256, 192)
    assert summary.models == ["blend", "bicubic"]
    # the output records what made it and from which version of the input, for batch reruns
    assert read_made_by(tmp_path / "both.mp4") == {"task": "interpolate+upscale", "models": ["blend", "bicubic"],
                                                   "weights": [None, None],
                                                   "codec": "libx264", "crf": 18, "preset": "veryfast",
                                                   "deinterlace": "auto", "input": input_record(small_video)}


@pytest.mark.parametrize("fixture", ["rotated_video", "ten_bit_video", "yuv444_video", "odd_video"])
def test_awkward_inputs_upscale_cleanly(fixture, request, tmp_path):
    src = request.getfixturevalue(fixture)
    info = probe(src)
    summary = process_video(src, tmp_path / "up.mp4", upscale="bicubic", device="cpu")
    out = probe(summary.output)
    assert (out.width, out.height) == (4 * info.width, 4 * info.height)
    assert out.rotation == 0 and summary.frames_out == summary.frames_in == len(frames_of(src))


def test_interpolating_an_odd_size_pads_it_to_even(odd_video, tmp_path):
    summary = process_video(odd_video, tmp_path / "x2.mp4", interpolate="blend", device="cpu")
    assert summary.output_size == (34, 20)
    assert any("padded" in n for n in summary.notes)


def tiny_recurrent() -> LoadedModel:
    return LoadedModel(ModelInfo("tiny-recurrent", "upscale", 4, 0, None), TinyRecurrent().eval())


@pytest.mark.parametrize("model", ["bicubic", "tiny"])
def test_tiled_output_equals_untiled(model, media_dir, tmp_path):
    src = make_video(media_dir / "tiling.mkv", frames=4, width=96, height=72, codec="ffv1")
    outputs = []
    for tile in (None, 32):
        loaded = tiny_recurrent() if model == "tiny" else model
        out = tmp_path / f"tile{tile}.mkv"
        process_video(src, out, upscale=loaded, device="cpu", codec="ffv1", tile=tile)
        outputs.append([f.image.astype(int) for f in frames_of(out)])
    for whole, tiled in zip(*outputs, strict=True):
        assert np.abs(whole - tiled).max() <= 1


class CountingRecurrent(TinyRecurrent):
    """TinyRecurrent that counts the frames it is given (`steps`)."""

    steps = 0

    def step(self, x, state):
        self.steps += 1
        return super().step(x, state)


def test_cancel_stops_at_once_and_leaves_no_file(media_dir, tmp_path):
    """After a cancel the model takes at most the frame it was being given (none of those queued behind it) and no
    progress is reported. Counted, not timed: "within 1 s" of wall clock could fail on a busy machine."""
    from vsr_app.video import pipeline

    src = make_video(media_dir / "long.mp4", frames=120, width=64, height=48)
    net = CountingRecurrent().eval()
    cancel = threading.Event()
    steps_at_cancel, reported_after = [], []

    def progress(info):
        if cancel.is_set():
            reported_after.append(info.done)
        elif info.done >= 5:
            cancel.set()
            steps_at_cancel.append(net.steps)

    out = tmp_path / "out.mp4"
    with pytest.raises(Cancelled):
        process_video(src, out, upscale=LoadedModel(ModelInfo("counting", "upscale", 4, 0, None), net),
                      device="cpu", progress=progress, cancel=cancel)
    pipeline._join_workers_at_exit()  # the workers have ended: every frame they were to give the model is counted
    assert steps_at_cancel[0] < 120 - 10 and net.steps - steps_at_cancel[0] <= 1 and reported_after == []
    assert not out.exists() and leftovers(tmp_path) == []


def test_a_stopped_job_leaves_no_folder_it_made_for_its_output(media_dir, tmp_path):
    """`-o new/place/out.mp4` on a job that failed or was stopped left new/place/ behind, empty; a folder that was
    there before, or that holds something else by then, stays."""
    src = make_video(media_dir / "long.mp4", frames=120, width=64, height=48)
    (tmp_path / "kept").mkdir()
    for out in (tmp_path / "new" / "place" / "out.mp4", tmp_path / "kept" / "out.mp4"):
        cancel = threading.Event()
        with pytest.raises(Cancelled):
            process_video(src, out, upscale="bicubic", device="cpu", cancel=cancel,
                          progress=lambda info: info.done >= 3 and cancel.set())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept"] and list((tmp_path / "kept").iterdir()) == []


class SlowRecurrent(TinyRecurrent):
    """A net whose every step takes 2 s, like the teacher on a large frame; `started` is set as one begins."""

    def __init__(self):
        super().__init__()
        self.started = threading.Event()

    def step(self, x, state):
        self.started.set()
        time.sleep(2.0)
        return super().step(x, state)


def test_exit_waits_for_a_network_call_still_in_flight_after_cancel(media_dir, tmp_path):
    """Cancel returns within JOIN_S while a step is still running; interpreter exit must then wait for it
    (exiting under a running torch call aborts the process instead of the CLI's exit 130)."""
    from vsr_app.video import pipeline

    src = make_video(media_dir / "slow.mp4", frames=6, width=32, height=24)
    cancel = threading.Event()
    net = SlowRecurrent().eval()
    slow = LoadedModel(ModelInfo("slow-recurrent", "upscale", 4, 0, None), net)
    threading.Thread(target=lambda: (net.started.wait(), cancel.set())).start()  # as the first 2-s step begins
    with pytest.raises(Cancelled):
        process_video(src, tmp_path / "out.mp4", upscale=slow, device="cpu", cancel=cancel)
    assert pipeline._unfinished_workers
    pipeline._join_workers_at_exit()
    assert not pipeline._unfinished_workers


class Pause(nn.Module):
    """Sleeps `seconds`; `runs` counts the calls that began."""

    def __init__(self, seconds: float):
        super().__init__()
        self.seconds = seconds
        self.runs = 0

    def forward(self, x):
        self.runs += 1
        time.sleep(self.seconds)
        return x


class LongCallRecurrent(TinyRecurrent):
    """A net whose every step is `calls` module calls of `seconds` each, as a teacher's chunk is many convs."""

    def __init__(self, calls: int, seconds: float):
        super().__init__()
        self.pauses = nn.ModuleList(Pause(seconds) for _ in range(calls))
        self.started = threading.Event()

    def step(self, x, state):
        self.started.set()
        for pause in self.pauses:
            x = pause(x)
        return super().step(x, state)

    def pauses_run(self) -> int:
        return sum(pause.runs for pause in self.pauses)


@pytest.mark.parametrize("calls, seconds", [(40, 0.05), (4, 1.0)], ids=["short modules", "modules past JOIN_S"])
def test_a_stop_ends_a_long_network_call_at_its_next_module(media_dir, tmp_path, calls, seconds):
    """A stop waited for the call in flight; one of over a minute outlived the wait at exit and the process aborted
    (SIGABRT, 134) instead of exiting 130. The hooks stay until the worker ends (a module can outlast the run's
    JOIN_S wait), then go: the model is used again after it. Counted, not timed: no module begins after the stop
    but one whose start raced it."""
    from vsr_app.video import pipeline

    src = make_video(media_dir / "long.mp4", frames=6, width=32, height=24)
    cancel = threading.Event()
    net = LongCallRecurrent(calls, seconds).eval()
    model = LoadedModel(ModelInfo("long-call", "upscale", 4, 0, None), net)
    run_at_stop = []

    def stop_as_a_step_begins():
        net.started.wait(30)
        cancel.set()
        run_at_stop.append(net.pauses_run())

    threading.Thread(target=stop_as_a_step_begins, daemon=True).start()
    with pytest.raises(Cancelled):
        process_video(src, tmp_path / "out.mp4", upscale=model, device="cpu", cancel=cancel)
    pipeline._join_workers_at_exit()
    assert not pipeline._unfinished_workers and not any(p._forward_pre_hooks for p in net.pauses)
    assert net.pauses_run() - run_at_stop[0] <= 1  # the module in flight, not the rest of the call
    for pause in net.pauses:
        pause.seconds = 0.0
    assert process_video(src, tmp_path / "again.mp4", upscale=model, device="cpu").frames_out == 6


def test_a_worker_that_never_starts_leaves_nothing_for_the_exit_to_wait_on(monkeypatch):
    """Its "finished" event was registered before the start: a start that failed left it unset, and the exit waited
    the whole minute."""
    from vsr_app.video import pipeline

    def refuse(self):
        raise RuntimeError("can't start new thread")

    workers = pipeline._Workers(None)
    monkeypatch.setattr(threading.Thread, "start", refuse)
    with pytest.raises(RuntimeError):
        workers.start("decode", lambda: None)
    assert not pipeline._unfinished_workers and all(event.is_set() for event in workers.finished)


def test_progress_is_monotonic_and_ends_complete(small_video, tmp_path):
    seen = []
    process_video(small_video, tmp_path / "up.mp4", upscale="bicubic", device="cpu", progress=seen.append)
    done = [i.done for i in seen]
    assert done == sorted(done) and done[-1] == 12
    assert [i.elapsed for i in seen] == sorted(i.elapsed for i in seen)
    assert seen[-1].total == 12 and seen[-1].eta == 0.0 and seen[-1].fraction == 1.0
    assert all(i.total is not None and i.done <= i.total for i in seen)


def test_existing_output_and_input_as_output_are_refused(small_video, tmp_path):
    existing = tmp_path / "exists.mp4"
    existing.write_bytes(b"keep")
    with pytest.raises(VsrAppError, match="already exists"):
        process_video(small_video, existing, upscale="bicubic", device="cpu")
    assert existing.read_bytes() == b"keep"
    with pytest.raises(VsrAppError, match="is the input"):
        process_video(small_video, small_video, upscale="bicubic", device="cpu", overwrite=True)


def test_a_failing_model_surfaces_its_error_and_leaves_no_file(small_video, tmp_path):
    class Broken(TinyRecurrent):
        def step(self, x, state):
            raise RuntimeError("model exploded")

    loaded = LoadedModel(ModelInfo("broken", "upscale", 4, 0, None), Broken().eval())
    out = tmp_path / "out.mp4"
    with pytest.raises(RuntimeError, match="model exploded"):
        process_video(small_video, out, upscale=loaded, device="cpu")
    assert not out.exists() and leftovers(tmp_path) == []


def test_wrong_model_kind_is_a_user_error(small_video, tmp_path):
    with pytest.raises(VsrAppError, match="interpolation"):
        process_video(small_video, tmp_path / "out.mp4", upscale="blend", device="cpu")
    assert list(tmp_path.iterdir()) == []


def test_scene_cuts_are_found_in_the_test_clip(scene_cuts_path):
    cuts = [f.index for f, cut in mark_cuts(VideoReader(scene_cuts_path).frames(), lambda f: f.image) if cut]
    assert cuts == [30, 76, 137, 187, 242]


def test_a_pair_without_neighbours_is_not_a_cut_and_an_end_pair_is_judged_by_its_one_neighbour():
    """A two-frame pan was taken for a cut (its middle frame repeated): a missing neighbour counted as no motion."""
    flat = np.zeros((8, 8, 3), np.uint8)
    bright = np.full((8, 8, 3), 40, np.uint8)  # a change motion can make (unrelated pictures' is a cut anyway)

    def cuts(images):
        return [cut for _, cut in mark_cuts(images, lambda image: image)]

    assert cuts([flat, bright]) == [False, False]
    assert cuts([flat, flat, bright]) == [False, False, True]  # a spike after a still pair
    assert cuts([flat, bright, flat]) == [False, False, False]  # high on both sides: motion, not a cut


class Recorder:
    """An interpolator that records the windows it is given and returns their mean."""

    def __init__(self, num_inputs):
        self.num_inputs = num_inputs
        self.windows = []

    def midpoint(self, frames):
        self.windows.append([int(f[0, 0, 0]) for f in frames])
        return np.mean(frames, axis=0).astype(np.uint8)


def flat(value):
    return np.full((4, 4, 3), value, np.uint8)


def run_interpolation(num_inputs, cuts=()):
    engine = Recorder(num_inputs)
    stage = InterpolateStage(engine, 0.1)
    items = [Item(i / 10, flat(i * 10), i in cuts) for i in range(6)]
    out = [o for item in items for o in stage.push(item)] + stage.flush()
    return engine, out


def test_four_frame_windows_repeat_the_nearest_frame_at_the_ends():
    engine, out = run_interpolation(4)
    assert engine.windows == [[0, 0, 10, 20], [0, 10, 20, 30], [10, 20, 30, 40], [20, 30, 40, 50], [30, 40, 50, 50]]
    assert [round(o.time, 3) for o in out] == [round(i * 0.05, 3) for i in range(12)]


def test_no_interpolation_across_a_scene_cut():
    engine, out = run_interpolation(4, cuts={3})
    # gap 2|3 is the cut: no model call, the midpoint repeats frame 2; windows stop at the cut on both sides
    assert engine.windows == [[0, 0, 10, 20], [0, 10, 20, 20], [30, 30, 40, 50], [30, 40, 50, 50]]
    assert np.array_equal(out[5].image, flat(20)) and out[5].time == pytest.approx(0.25)


class CountingUpscaler(Upscaler):
    """A recurrent upscaler whose output is the number of frames it has seen since its last reset."""

    scale = 1

    def __init__(self):
        self.seen = 0

    def push(self, frame):
        self.seen += 1
        return [flat(self.seen)]

    def flush(self):
        return []

    def reset(self):
        self.seen = 0

    def cut(self):
        self.reset()

    def flash(self):
        """Kept counting, as a recurrent student does at a flash."""


def test_an_upscaler_starts_a_new_shot_afresh():
    """Carried across a cut, a student's state left a ghost of the last shot for 3-5 frames and cost PSNR where the
    picture cut (docs/RESULTS.md, session 39): the engine is told of the cut, and a recurrent one starts afresh."""
    stage = UpscaleStage(CountingUpscaler())
    out = [o for i in range(6) for o in stage.push(Item(i / 10, flat(0), i == 3, i == 3))] + stage.flush()
    assert [int(o.image[0, 0, 0]) for o in out] == [1, 2, 3, 1, 2, 3]
    assert [o.cut for o in out] == [False, False, False, True, False, False]
    flash = UpscaleStage(CountingUpscaler())  # cuts at both edges of a one-frame shot, back to the same shot
    out = [o for i in range(6) for o in flash.push(Item(i / 10, flat(0), i in (3, 4)))] + flash.flush()
    assert [int(o.image[0, 0, 0]) for o in out] == [1, 2, 3, 4, 5, 6]


def test_every_engine_keeps_each_shot_to_itself():
    """A recurrent engine and a self-ensemble's members start afresh at a cut; the clip teacher, which looked 3 frames
    into the next shot (0.43 dB lost on the frame before a cut), runs each shot's part of its chunk apart, so
    neither shot's output depends on the other's pictures, and its chunk grid (what the Compare view matches an export
    by) stays."""
    from vsr_app import inference, models

    recurrent = inference.make_upscaler(models.load_model("vsr-x4-student", "cpu"), "cpu")
    ensemble = inference.make_upscaler(models.load_model("vsr-x4-student", "cpu"), "cpu", self_ensemble=True)
    for engine in (recurrent, ensemble):
        engine.push(flat(90)[:16, :16].copy())
        engine.cut()
    assert recurrent.states == {} and all(member.states == {} for _, member in ensemble.members)

    rng = np.random.default_rng(0)

    def shot(n):
        return [cv2.GaussianBlur(rng.integers(0, 256, (16, 16, 3), dtype=np.uint8), (0, 0), 1) for _ in range(n)]

    def teacher(*shots):
        engine = inference.make_upscaler(models.load_model("vsr-x4-teacher", "cpu"), "cpu")
        counts, out = [], []
        for i, frames in enumerate(shots):
            if i:
                engine.cut()
            for frame in frames:
                out += engine.push(frame)
                counts.append(len(out))
        return counts, out + engine.flush()

    first, second, other = shot(5), shot(7), shot(5)
    counts, both = teacher(first, second)
    assert counts == teacher(other, second)[0] == teacher(first + second)[0]  # the same grid, cut or not
    alone = teacher(first)[1]
    assert all(np.array_equal(a, b) for a, b in zip(both[:5], alone))
    assert all(np.array_equal(a, b) for a, b in zip(both[5:], teacher(other, second)[1][5:]))
    assert not all(np.array_equal(a, b) for a, b in zip(both[:5], teacher(first + second)[1][:5]))

    engine = inference.make_upscaler(models.load_model("vsr-x4-teacher", "cpu"), "cpu")
    runs = []
    enlarge = engine._enlarge
    engine._enlarge = lambda indices: runs.append((indices[0], indices[-1] + 1)) or enlarge(indices)
    for i, frame in enumerate(shot(9) + shot(7)):  # a cut at 9, in the first chunk's context only
        if i == 9:
            engine.cut()
        engine.push(frame)
    engine.flush()
    assert runs == [(0, 9), (5, 9), (9, 16)]  # the first chunk's frames 9-10 were context only: not run


@pytest.mark.parametrize("flash, runs", [
    (5, [[0, 1, 2, 3, 4, 6, 7, 8, 9, 10], [5], list(range(6, 16))]),
    # in the first chunk's context, its closing edge not told yet: the last frame told, at an edge, is taken for one
    (10, [list(range(10)), [5, 6, 7, 8, 9, 11, 12, 13, 14, 15], [10]]),
])
def test_the_teacher_runs_a_flash_alone_and_joins_its_shot_across_it(flash, runs):
    """Told nothing at a flash (a one-frame shot: two cut edges, no new shot at either), the bidirectional
    teacher carried the flash frame's features into the 3 frames each side of it (0.16-0.27 dB on Vid4) and theirs
    into it (docs/RESULTS.md, session 43). The export's stage tells it of each edge; a recurrent student keeps its
    state there (reset at both edges it lost 0.2-0.7 dB after the flash, session 39)."""
    from vsr_app import inference, models

    rng = np.random.default_rng(1)
    frames = [cv2.GaussianBlur(rng.integers(0, 256, (16, 16, 3), dtype=np.uint8), (0, 0), 1) for _ in range(16)]
    other = [*frames[:flash], np.full_like(frames[flash], 250), *frames[flash + 1:]]

    def teacher(video, edges):
        engine = inference.make_upscaler(models.load_model("vsr-x4-teacher", "cpu"), "cpu")
        made, enlarge = [], engine._enlarge
        engine._enlarge = lambda indices: made.append(list(indices)) or enlarge(indices)
        stage = UpscaleStage(engine)
        out = [o for i, f in enumerate(video) for o in stage.push(Item(i / 10, f, i in edges))] + stage.flush()
        return [o.image for o in out], made

    told, made = teacher(frames, (flash, flash + 1))
    assert made == runs
    assert np.array_equal(told[flash], teacher(frames[flash:flash + 1], ())[0][0])  # the flash alone
    elsewhere = teacher(other, (flash, flash + 1))[0]
    assert all(np.array_equal(a, b) for i, (a, b) in enumerate(zip(told, elsewhere)) if i != flash)
    untold = teacher(frames, ())[0]
    assert not all(np.array_equal(told[i], untold[i]) for i in range(flash - 3, flash + 4))

    student = inference.make_upscaler(models.load_model("vsr-x4-student", "cpu"), "cpu")
    student.push(frames[0])
    student.flash()
    assert student.states


def test_scene_cut_repeats_instead_of_blending_in_a_real_clip(scene_cuts_path, media_dir, tmp_path):
    # frames 26..33 of the test clip (cut between 29 and 30), shrunk and stored losslessly
    import cv2

    images = [cv2.resize(f.image, (160, 34), interpolation=cv2.INTER_AREA)
              for f in VideoReader(scene_cuts_path).frames() if 26 <= f.index <= 33]
    src = make_video(media_dir / "cut.mkv", images=images, codec="ffv1", fps=25)
    summary = process_video(src, tmp_path / "x2.mkv", interpolate="blend", device="cpu", codec="ffv1")
    assert summary.scene_cuts == 1 and "1 scene cut" in summary.line()
    upscaled = process_video(src, tmp_path / "x4.mkv", upscale="bicubic", device="cpu", codec="ffv1")
    assert upscaled.scene_cuts == 0 and "scene cut" not in upscaled.line()  # a cut changes nothing an upscale does
    out = [f.image for f in frames_of(summary.output)]
    assert np.array_equal(out[7], out[6])  # midpoint across the cut = the last frame before it
    assert not np.array_equal(out[5], out[4])  # elsewhere a real blend


def test_cancel_while_the_encoder_drains_leaves_no_file(small_video, tmp_path):
    # x264 holds frames back for look-ahead, so with 12 frames every frame is finished during the final drain
    cancel = threading.Event()
    out = tmp_path / "out.mp4"
    with pytest.raises(Cancelled):
        process_video(small_video, out, upscale="bicubic", device="cpu", cancel=cancel,
                      progress=lambda info: cancel.set())
    assert not out.exists() and leftovers(tmp_path) == []


def test_animation_on_twos_and_threes_has_no_cuts_but_a_cut_between_held_frames_is_found():
    """Every change of a pan animated on twos stood between two zero differences and was taken for a cut, so the
    doubled output stuttered; a held frame beside a change is now looked past."""
    rng = np.random.default_rng(0)
    # smoothed, as a picture's 64-px thumbnail is: a noise pattern 6 px on differs as much as unrelated pictures
    texture = cv2.GaussianBlur(rng.integers(0, 256, (48, 96, 3), dtype=np.uint8), (0, 0), 1)

    def cuts(images):
        return [i for i, (_, cut) in enumerate(mark_cuts(images, lambda image: image)) if cut]

    for hold in (2, 3):
        assert cuts([np.roll(texture, 6 * (i // hold), axis=1) for i in range(24)]) == []
    other = rng.integers(0, 256, (48, 96, 3), dtype=np.uint8)
    still_then_cut = [texture] * 6 + [other] * 6  # a held title card, then another shot
    assert cuts(still_then_cut) == [6]


def test_a_cancel_asked_while_a_model_loads_stops_before_the_next_one_loads(media_dir, tmp_path, monkeypatch):
    """An export of both steps went on to load its second model (seconds, for the teacher) and only then stopped."""
    from vsr_app import models

    src = make_video(media_dir / "both.mp4", frames=4)
    cancel, loads = threading.Event(), []
    real_load = models.load_model

    def load_then_cancel(name, device):
        loads.append(name)
        cancel.set()  # the user pressed Cancel while this model loaded
        return real_load(name, device)

    monkeypatch.setattr(models, "load_model", load_then_cancel)
    out = tmp_path / "new" / "out.mp4"
    with pytest.raises(Cancelled):
        process_video(src, out, interpolate="blend", upscale="bicubic", device="cpu", cancel=cancel)
    assert loads == ["blend"] and not (tmp_path / "new").exists()


def test_a_header_that_states_less_than_the_frames_span_is_not_said_to_make_a_longer_output(media_dir, tmp_path):
    """Two .ts files joined end to end: FFmpeg's duration covers the first; the right 4 s output was said to last
    twice its 2 s input (a DVD's .vob: ten times)."""
    parts = [make_video(media_dir / f"part{i}.ts", frames=20, fps=10) for i in (1, 2)]
    joined = tmp_path / "joined.ts"
    joined.write_bytes(b"".join(p.read_bytes() for p in parts))
    assert probe(joined).duration < 3  # what the header says
    summary = process_video(joined, tmp_path / "out.mkv", upscale="bicubic", device="cpu")
    assert summary.frames_out == 40 and summary.input_duration == pytest.approx(4.0, abs=0.05)
    assert not any(note.startswith("output lasts") for note in summary.notes), summary.notes


def test_a_slow_jobs_summary_gives_its_rate_not_zero():
    """A 4K -> 16K upscale, 12 frames in 241.5 s, ended "(0.0 fps)"."""
    summary = PipelineSummary(input="in.mp4", output="out.mp4", models=["m"], frames_in=12, frames_out=12,
                              input_size=(3840, 2160), output_size=(15360, 8640), input_duration=0.4,
                              output_duration=0.4, seconds=241.5, scene_cuts=0)
    assert summary.line().endswith("in 241.5 s (0.05 fps)")


def test_after_interpolation_a_flash_is_still_upscaled_alone_and_its_repeat_is_not_run_again():
    """x2 interpolation repeats the flash frame (no blend across its cuts): pushed to the clip teacher, the copy sat
    between the flash's edges, two frames apart then, and the flash was run as part of its shot, which costs the
    frames around it 0.15-0.27 dB (docs/RESULTS.md, "Session 43: the teacher at a flash")."""
    from vsr_app.inference import make_interpolator, make_upscaler
    from vsr_app.models import load_model

    runs = []

    class Identity(nn.Module):
        kind, scale = "clip", 1

        def forward(self, clip):
            runs.append(clip.shape[1])
            return clip

    identity = LoadedModel(ModelInfo("identity", "upscale", 1, 0, None), Identity())
    stages = [InterpolateStage(make_interpolator(load_model("blend", "cpu"), "cpu"), 0.1),
              UpscaleStage(make_upscaler(identity, "cpu", precision="fp32", chunk=8, context=3))]
    images = [np.full((8, 8, 3), 10 * (i + 1), np.uint8) for i in range(8)]
    images[4] = np.full((8, 8, 3), 250, np.uint8)  # a flash: a cut before it and after it, no new shot
    items = [Item(i / 10, image, cut=i in (4, 5)) for i, image in enumerate(images)]
    out = run_stages(stages, items) + flush_stages(stages)
    assert [item.time for item in out] == pytest.approx([i / 20 for i in range(16)])
    assert 1 in runs  # the flash, run alone (its shot joined across it)
    assert (out[8].image == 250).all() and (out[9].image == 250).all()  # the flash and its repeat
    assert out[9].image is out[8].image  # given the flash's output, not run again
