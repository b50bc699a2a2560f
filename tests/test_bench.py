"""`vsr-app bench`: the JSON contract on a tiny input and the warm-up/counting rules (no timing assertions)."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from vsr_app import bench
from vsr_app.bench import measure_interpolator, measure_upscaler, parse_size, pipeline_length, sample_frames
from vsr_app.cli import main
from vsr_app.errors import VsrAppError
from vsr_app.devices import default_precision
from vsr_app.inference import make_interpolator
from vsr_app.models import build_arch, load_model, save_model
from vsr_app.resources import models_dir

CONTRACT_KEYS = {"params": int, "fps_model": float, "fps_pipeline": float, "peak_rss_mb": float}


class DelayedUpscaler:
    """Holds `delay` frames back like a clip engine, so warm-up must wait for the first output."""

    scale = 1

    def __init__(self, delay: int):
        self.delay, self.held = delay, []

    def push(self, frame):
        self.held.append(frame)
        return [self.held.pop(0)] if len(self.held) > self.delay else []

    def flush(self):
        out, self.held = self.held, []
        return out


def test_parse_size_reads_h_by_w_and_rejects_nonsense():
    assert parse_size("180x320") == (180, 320)
    for bad in ("320", "axb", "8x8"):
        with pytest.raises(VsrAppError):
            parse_size(bad)
    with pytest.raises(VsrAppError, match="even"):  # 4:2:0 would pad 31x33 to 32x34 and time that instead
        parse_size("31x33")


def test_sample_frames_have_requested_size_and_count_and_move():
    frames = sample_frames((36, 64), 60)  # longer than the 50-frame sample: played back and forth
    assert len(frames) == 60 and all(f.shape == (36, 64, 3) and f.dtype == np.uint8 for f in frames)
    assert np.abs(frames[0].astype(int) - frames[5].astype(int)).mean() > 0.5  # real motion, not a still


def test_upscaler_warmup_waits_for_first_output_and_counts_the_rest():
    frames = [np.zeros((4, 4, 3), np.uint8)] * 12
    fps, timed, cpu_ms = measure_upscaler(DelayedUpscaler(delay=5), frames, warmup=3)
    assert timed == 11 and fps > 0 and cpu_ms >= 0  # warm-up ran until frame 6 produced frame 1; the other 11 were timed
    with pytest.raises(VsrAppError):
        measure_upscaler(DelayedUpscaler(delay=20), frames[:4], warmup=3)


def test_budget_stops_a_slow_model_early_but_times_a_few_frames():
    frames = [np.zeros((4, 4, 3), np.uint8)] * 40
    assert measure_upscaler(DelayedUpscaler(delay=0), frames, warmup=3, budget_s=0.0)[1] == 3
    assert measure_upscaler(DelayedUpscaler(delay=4), frames, warmup=3, budget_s=0.0)[1] == 3 + 4  # + flushed
    assert pipeline_length(0.01, 15.0, 96) == 12 and pipeline_length(100.0, 15.0, 96) == 96
    assert pipeline_length(2.0, 15.0, 96) == 30 and pipeline_length(0.01, 15.0, 5) == 5


def test_interpolator_needs_more_windows_than_warmup():
    engine = make_interpolator(load_model("blend"), "cpu")
    frames = sample_frames((16, 16), 6)
    fps, timed, _ = measure_interpolator(engine, frames, warmup=2)
    assert fps > 0 and timed == 3  # 5 windows of 2 frames, 2 of them warm-up
    with pytest.raises(VsrAppError):
        measure_interpolator(engine, frames[:3], warmup=2)


def test_bench_json_follows_the_cli_contract(tmp_path, capsys):
    student = save_model(build_arch("vsr_student", {"channels": 4, "blocks": 1, "hr_channels": 2}),
                         tmp_path / "tiny-student.safetensors",
                         {"name": "tiny-student", "task": "upscale", "scale": 4, "arch": "vsr_student",
                          "config": {"channels": 4, "blocks": 1, "hr_channels": 2}})
    code = main(["bench", "--json", "--device", "cpu", "--models", f"bicubic,blend,{student}",
                 "--size", "24x32", "--interpolate-size", "24x32", "--frames", "8"])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["device"] == "cpu" and result["input"] == [24, 32]
    assert set(result["models"]) == {"bicubic", "blend", "tiny-student"}
    for name, m in result["models"].items():
        for key, kind in CONTRACT_KEYS.items():
            assert isinstance(m[key], kind), (name, key)
        assert m["fps_model"] > 0 and m["fps_pipeline"] > 0
        assert 0 < m["rss_start_mb"] <= m["peak_rss_mb"] and m["cpu_ms_model"] >= 0
    assert result["models"]["tiny-student"]["params"] > 0 and result["models"]["bicubic"]["params"] == 0
    assert all(m["frames_pipeline"] == 8 for m in result["models"].values())  # the whole (short) clip


def test_each_rate_says_the_precision_it_ran_in_and_fp16_on_a_cpu_is_warned_about(tmp_path, capsys, caplog,
                                                                                   monkeypatch):
    """--precision fp16 put "precision": "fp16" beside an fps_pipeline that ran the default (bf16 on this CPU): 4.0
    fps_model and 29.9 fps_pipeline read as the pipeline's cost, and nothing said fp16 is emulated on a CPU. (A busy
    machine's note, which a loaded test machine gets, is another test's.)"""
    monkeypatch.setattr(bench, "busy_note", lambda *args: None)
    student = _student(tmp_path / "run", card_name="tiny-student")
    with caplog.at_level(logging.WARNING, logger="vsr_app.bench"):
        code = main(["bench", "--json", "--device", "cpu", "--models", f"{student},bicubic", "--precision", "fp16",
                     "--size", "24x32", "--frames", "8", "--budget", "0.1"])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    default = default_precision(torch.device("cpu"))  # what "auto" is here
    student_entry, bicubic_entry = result["models"]["tiny-student"], result["models"]["bicubic"]
    assert (student_entry["precision"], student_entry["pipeline_precision"]) == ("fp16", default)
    assert (bicubic_entry["precision"], bicubic_entry["pipeline_precision"]) == ("fp32", "fp32")  # no weights
    warned = [r.getMessage() for r in caplog.records if r.name == "vsr_app.bench"]
    assert len(warned) == 1 and warned[0].startswith("warning: --precision fp16 on this CPU is emulated and slow")
    assert result["notes"] == [warned[0].removeprefix("warning: ")]


def test_bf16_on_a_cpu_that_has_it_but_runs_it_slower_is_not_called_emulated(monkeypatch):
    """A Xeon with AVX-512 BF16 and no AMX runs bf16 1.6-1.8x slower than fp32: the note called it emulated."""
    from vsr_app import cpu_precision, devices

    monkeypatch.setattr(devices, "cpu_supports_bf16", lambda: True)
    monkeypatch.setattr(cpu_precision, "cpu_bf16_measure", lambda: cpu_precision.Measured(1.0, 1.7, "now"))
    monkeypatch.setattr(cpu_precision, "_unkept", {})  # an earlier test's probe on a busy machine adds why it was not kept
    note = bench.precision_note("bf16", torch.device("cpu"))
    assert note == ("--precision bf16 on this CPU is slower than fp32: fps_model ran in bf16, fps_pipeline in the "
                    "app's default, fp32 (bf16 measured 1.7x slower)")
    monkeypatch.setattr(devices, "cpu_supports_bf16", lambda: False)
    assert bench.precision_note("bf16", torch.device("cpu")).startswith("--precision bf16 on this CPU is emulated")


def test_the_table_gives_sizes_as_size_takes_them_and_each_rate_its_precision():
    """The table's "input WxH" showed 320x180 where --size and the JSON's "input" take 180x320."""
    result = {"device": "cpu", "machine": "a CPU", "frames": 8, "warmup": 3, "budget_s": 0.1,
              "models": {"tiny": {**MEASURED, "precision": "fp16", "pipeline_precision": "bf16"},
                         "bicubic": MEASURED},
              "notes": ["--precision fp16 on a CPU is emulated and slow"]}
    header, tiny, bicubic, note = bench.format_table(result).splitlines()[1:]
    assert header.split()[:5] == ["model", "task", "input", "HxW", "params"]
    assert header.split()[6:12] == ["fps", "model", "prec", "fps", "pipeline", "prec"]
    assert tiny.split()[:9] == ["tiny", "upscale", "24x32", "0", "1", "50.00", "fp16", "25.00", "bf16"]
    assert tiny.split()[9] == "-"  # pipe/model would compare fp16 with bf16, not the pipeline's cost
    assert bicubic.split()[5:10] == ["50.00", "fp32", "25.00", "fp32", "50%"]
    assert note == "warning: --precision fp16 on a CPU is emulated and slow"


def test_a_table_of_a_result_saved_before_notes_and_pipeline_precision_is_still_shown():
    """A JSON saved by an earlier version (no "notes", no "pipeline_precision", no "thread_share") raised KeyError."""
    old = {"device": "cpu", "machine": "a CPU", "frames": 8, "warmup": 3, "budget_s": 0.1,
           "models": {"tiny": {key: value for key, value in MEASURED.items()
                               if key not in ("pipeline_precision", "thread_share")}}}
    header, tiny = bench.format_table(old).splitlines()[1:]
    assert tiny.split()[5:10] == ["50.00", "fp32", "25.00", "?", "-"]  # not known to be the same precision
    assert tiny.split()[11] == "?"


def test_fp16_is_warned_about_only_where_a_model_ran_in_it(capsys, monkeypatch, caplog):
    """bicubic has no weights and runs fp32 whatever --precision says: the warning that fp16 is emulated was shown
    with bicubic alone."""
    monkeypatch.setattr(bench, "run_one", lambda name, clip, config: MEASURED)  # fp32, as bicubic runs
    with caplog.at_level(logging.WARNING, logger="vsr_app.bench"):
        code = main(["bench", "--json", "--device", "cpu", "--models", "bicubic", "--precision", "fp16", "--size",
                     "24x32", "--frames", "8"])
    assert code == 0 and json.loads(capsys.readouterr().out)["notes"] == []
    assert [r.getMessage() for r in caplog.records if r.name == "vsr_app.bench"] == []


@pytest.mark.parametrize("precision", ["auto", "fp32"])
def test_the_pipeline_s_precision_is_the_one_it_ran_in_with_no_engine_built_to_ask(tmp_path, monkeypatch, precision):
    """A second engine was built for every model only to read the precision the pipeline runs in (and held while the
    pipeline's memory was measured): the pipeline's summary says it."""
    made = []
    make_engine = bench.make_engine

    def counted(*args, **kwargs):
        made.append(kwargs)
        return make_engine(*args, **kwargs)

    monkeypatch.setattr(bench, "make_engine", counted)
    clip = bench.write_clip(sample_frames((24, 32), 8), tmp_path / "clip.mp4")
    config = bench.BenchConfig(device="cpu", frames=8, budget_s=0.01, precision=precision)
    result = bench.bench_model(str(_student(tmp_path / "run")), clip, config)
    default = default_precision(torch.device("cpu"))
    assert len(made) == 1 and result["pipeline_precision"] == default


def test_unknown_model_is_a_user_error(capsys):
    assert main(["bench", "--models", "no-such-model"]) == 1
    assert "unknown model" in capsys.readouterr().err


MEASURED = {"params": 0, "fps_model": 50.0, "fps_pipeline": 25.0, "peak_rss_mb": 300.0, "rss_start_mb": 200.0,
            "task": "upscale", "input": [24, 32], "frames_model": 5, "frames_pipeline": 8, "cpu_ms_model": 20.0,
            "precision": "fp32", "pipeline_precision": "fp32", "threads": 1, "thread_share": 1.0}


def _blend_crashes(name, clip, config):
    if name == "blend":
        raise VsrAppError("benchmarking blend crashed (exit code -9)")
    return MEASURED


@pytest.mark.parametrize("as_json", [True, False])
def test_a_model_that_fails_is_shown_beside_the_others_and_the_bench_fails(capsys, monkeypatch, as_json):
    """One failure ended the bench with its error alone: the numbers of every model measured were lost."""
    monkeypatch.setattr(bench, "run_one", _blend_crashes)
    argv = ["bench", "--device", "cpu", "--models", "blend,bicubic", "--size", "24x32", "--interpolate-size", "24x32",
            "--frames", "8"]
    assert main(argv + ["--json"] * as_json) == 1
    captured = capsys.readouterr()
    error = "benchmarking blend crashed (exit code -9)"
    if as_json:
        models = json.loads(captured.out)["models"]
        assert models == {"blend": {"task": "interpolate", "error": error}, "bicubic": MEASURED}
    else:
        rows = captured.out.splitlines()[2:]
        assert rows[0].split() == ["blend", "interpolate", *error.split()]
        assert rows[1].split()[:2] == ["bicubic", "upscale"] and "50.00" in rows[1]
    assert "bench: blend failed (1/2)" in captured.err and "bench: bicubic measured (2/2)" in captured.err
    assert captured.err.endswith(f"vsr-app: error: {error}\n"), captured.err


def _student(folder, card_name="student"):
    """A tiny student as a training run writes it: RUN/student.safetensors, card name 'student'."""
    config = {"channels": 4, "blocks": 1, "hr_channels": 2}
    return save_model(build_arch("vsr_student", config), folder / "student.safetensors",
                      {"name": card_name, "task": "upscale", "scale": 4, "arch": "vsr_student", "config": config})


def test_models_sharing_a_card_name_are_each_reported_under_the_path_given(tmp_path, capsys):
    """Two runs' student.* were measured (1/2, 2/2) but JSON kept one "student" entry."""
    a, b = str(_student(tmp_path / "ra")), str(_student(tmp_path / "rb"))
    code = main(["bench", "--json", "--device", "cpu", "--models", f"{a},bicubic,{b}", "--size", "24x32",
                 "--frames", "8", "--budget", "0.1"])
    assert code == 0
    captured = capsys.readouterr()
    models = json.loads(captured.out)["models"]
    assert list(models) == [a, "bicubic", b] and models[a]["params"] == models[b]["params"] > 0
    assert f"bench: {a} measured (1/3)" in captured.err and f"bench: {b} measured (3/3)" in captured.err


@pytest.mark.parametrize("spell", [
    lambda ra: [str(ra / "student.safetensors"), str(ra / ".." / "ra" / "student.safetensors")],
    lambda ra: ["vsr-x4-student", str(models_dir() / "vsr-x4-student.safetensors")],
    lambda ra: ["bicubic", "bicubic"],
])
def test_the_same_model_twice_is_refused_before_any_work(tmp_path, capsys, monkeypatch, spell):
    _student(tmp_path / "ra")
    monkeypatch.setattr(bench, "run_one", _no_process)
    names = spell(tmp_path / "ra")
    assert main(["bench", "--models", ",".join(names), "--size", "24x32", "--frames", "12", "--budget", "0.1"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"--models names one model twice: '{names[0]}' and '{names[1]}'" in err, err


def _no_process(*args, **kwargs):
    raise AssertionError("a model process was started")


def test_a_clip_too_short_for_a_model_is_refused_naming_it_before_any_process(capsys, monkeypatch):
    """--frames 8 passed the check, and the teacher's process failed with the file's path, after the others ran."""
    monkeypatch.setattr(bench, "run_one", _no_process)
    teacher = str(models_dir() / "vsr-x4-teacher.safetensors")
    assert main(["bench", "--models", f"bicubic,{teacher}", "--frames", "11"]) == 1
    err = capsys.readouterr().err
    assert "--frames 11 is too few for vsr-x4-teacher: it needs at least 12; give --frames 12 or more" in err
    assert teacher not in err, err


@pytest.mark.parametrize("value", ["7", "0", "-1"])
def test_frames_below_the_floor_is_a_usage_error(capsys, value):
    with pytest.raises(SystemExit) as exc:
        main(["bench", "--models", "bicubic", "--frames", value])
    assert exc.value.code == 2 and "--frames: must be at least 8" in capsys.readouterr().err


@pytest.mark.parametrize("name, frames", [("bicubic", 4), ("vsr-x4-student", 4), ("vsr-x4-teacher", 12),
                                          ("blend", 5), ("vfi-x2-student", 7), ("ffmpeg-mci", 7)])
def test_frames_needed_is_what_the_timing_needs(name, frames):
    """The count the pre-flight check uses is exactly the count below which measure_* gives up."""
    from vsr_app.inference import make_upscaler
    from vsr_app.models import resolve

    assert bench.frames_needed(resolve(name), bench.DEFAULT_WARMUP) == frames
    loaded = load_model(name)
    make, measure = ((make_upscaler, measure_upscaler) if loaded.task == "upscale"
                     else (make_interpolator, measure_interpolator))
    clip = sample_frames((32, 32), frames)
    assert measure(make(loaded, "cpu"), clip, bench.DEFAULT_WARMUP, budget_s=0.0)[1] > 0
    with pytest.raises(VsrAppError, match="too few frames"):
        measure(make(loaded, "cpu"), clip[:-1], bench.DEFAULT_WARMUP, budget_s=0.0)


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads a process's children from /proc")
def test_sigterm_stops_the_measuring_worker_and_removes_the_temporary_clips(tmp_path):
    """`kill` or `timeout` left the spawned worker running (re-parented, at full CPU) and the clip folder behind."""
    import os
    import signal
    import subprocess
    import sys
    import time

    env = {**os.environ, "TMPDIR": str(tmp_path)}
    proc = subprocess.Popen([sys.executable, "-m", "vsr_app", "bench", "--models", "bicubic", "--frames", "400",
                             "--budget", "300", "--size", "64x64", "--json"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    def children_of(pid: int) -> list[str]:
        found = []
        try:
            threads = list(Path(f"/proc/{pid}/task").iterdir())
        except OSError:  # the process has just ended
            return found
        for thread in threads:
            try:
                found += (thread / "children").read_text().split()
            except OSError:  # the thread ended between listing and reading (failed the suite once, under load)
                pass
        return found

    children: list[str] = []
    deadline = time.monotonic() + 120
    while not children and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
        children = children_of(proc.pid)
    assert children, "the worker never started"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 130

    def running_children() -> list[str]:
        def running(pid: str) -> bool:
            try:
                return "Z" not in Path(f"/proc/{pid}/stat").read_text().split()[2]
            except OSError:  # gone (between listing and reading, too)
                return False
        return [c for c in children if running(c)]

    deadline = time.monotonic() + 20  # a loaded machine may take a moment to let the children finish exiting
    while running_children() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not running_children()
    assert not list(tmp_path.glob("vsr-bench-*"))


def test_a_file_named_like_a_shipped_model_is_reported_under_its_path(tmp_path):
    """A run saved as vsr-x4-student.safetensors (its card takes the file's name) was benched under
    "vsr-x4-student": its numbers read as the shipped model's."""
    config = {"channels": 4, "blocks": 1, "hr_channels": 2}
    own = str(save_model(build_arch("vsr_student", config), tmp_path / "vsr-x4-student.safetensors",
                         {"task": "upscale", "scale": 4, "arch": "vsr_student", "config": config}))
    shipped = str(models_dir() / "vsr-x4-student.safetensors")
    assert list(bench.select_models((own, "bicubic"))) == [own, "bicubic"]
    assert list(bench.select_models((shipped,))) == ["vsr-x4-student"]


class FakeClock:
    """Wall time and the process's CPU time, moved only by `ClockedUpscaler`: a share without timing anything."""

    def __init__(self):
        self.wall = self.cpu = 0.0

    def perf_counter(self) -> float:
        return self.wall

    def process_time(self) -> float:
        return self.cpu


class ClockedUpscaler(DelayedUpscaler):
    """0.05 s of wall time a frame, in which the process's threads got `cores` seconds of CPU time a second."""

    def __init__(self, clock: FakeClock, cores: float):
        super().__init__(delay=0)
        self.clock, self.cores = clock, cores

    def push(self, frame):
        self.clock.wall += 0.05
        self.clock.cpu += 0.05 * self.cores
        return super().push(frame)


def test_cpu_time_is_measured_finer_than_the_clock_tick(monkeypatch):
    """os.times counts in 10 ms ticks: a short timing read 0.0 ms, or more CPU time than wall time on one thread."""
    clock = FakeClock()
    monkeypatch.setattr(bench, "time", clock)  # bench's own clocks only
    frames = [np.zeros((8, 8, 3), np.uint8)] * 12
    timed, cpu_ms = measure_upscaler(ClockedUpscaler(clock, cores=0.06), frames, warmup=2)[1:]
    assert (timed, cpu_ms) == (10, pytest.approx(3.0))  # 0.06 of a core for 0.05 s a frame: 3 ms


@pytest.mark.parametrize("threads, share, noted", [(1, 0.33, True), (1, 1.0, False), (2, 0.4, True),
                                                   (2, 0.5, False)])
def test_a_timing_with_less_than_a_core_is_noted_as_a_busy_machine_s(monkeypatch, capsys, caplog, threads, share,
                                                                     noted):
    """`bench --threads 1` at load 10 on 2 cores printed the student at 0.73 frames/s with no note, where
    benchmarks/regression.py on the same machine said 33% of its thread: a busy machine. Half of two threads is a
    core's worth, what a one-threaded filter (ffmpeg-mci) gets on a quiet machine: not noted."""
    clock = FakeClock()
    monkeypatch.setattr(bench, "time", clock)  # bench's own clocks only
    monkeypatch.setattr(bench, "make_engine", lambda loaded, device, **options: ClockedUpscaler(clock, share * threads))
    monkeypatch.setattr(bench, "measure_pipeline", lambda *args: (10.0, "fp32"))
    monkeypatch.setattr(bench, "run_one", bench.bench_model)  # in this process, on the fake clock
    monkeypatch.setattr(torch, "get_num_threads", lambda: threads)  # as --threads would set it, this process's kept
    with caplog.at_level(logging.WARNING, logger="vsr_app.bench"):
        code = main(["bench", "--json", "--device", "cpu", "--models", "bicubic", "--size", "24x32", "--frames", "8"])
    result = json.loads(capsys.readouterr().out)
    entry = result["models"]["bicubic"]
    assert code == 0 and (entry["threads"], entry["thread_share"]) == (threads, share)
    warned = [r.getMessage().removeprefix("warning: ") for r in caplog.records if r.name == "vsr_app.bench"]
    assert result["notes"] == warned and len(warned) == noted
    if noted:
        assert warned[0].startswith(f"bicubic got {share:.0%} of the time of its {threads} thread")
        assert "less than 90% of one core" in warned[0] and "frames/s are a busy machine's, not to quote" in warned[0]
    lines = bench.format_table(result).splitlines()
    assert lines[1].split()[-5:-3] == ["thread", "share"] and lines[2].split()[-2] == f"{share:.0%}"
    assert lines[3:] == [f"warning: {note}" for note in warned]
