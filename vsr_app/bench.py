"""Speed and memory of every model, measured the same way on the same input (`vsr-app bench`).

Why it is measured this way:
- One input for all: the bundled sample clip (real footage, resources/sample.mp4) resized to the bench size
  and encoded once as H.264, so every model decodes, processes and encodes exactly the same frames.
  Upscalers get one size (default 320x180 -> 1280x720), interpolators another (default 640x360).
- `fps_model`: the inference engine alone (vsr_app.inference, the one the CLI, batch and GUI use) on frames
  already in memory, uint8 in and uint8 out, after a warm-up: the calls up to and including the first one
  that returns a frame, and at least `warmup` frames. oneDNN/cuDNN choose kernels on first use, a cost a
  user pays once per video, not per frame. Timing stops after `budget_s` (slow models), or at the clip's end.
- `fps_pipeline`: the whole job, `video.pipeline.process_video` (decode -> model -> encode with the default
  encoder settings) on the first n frames of the clip: n input frames / wall time of the whole call, in the
  same process after the model-alone run (kernels already chosen). n is what the model gets through in
  about `budget_s` (at least 12, at most the clip). Start-up and the encoder's drain are included, so short
  clips understate the steady rate: x264's look-ahead holds back tens of frames and encodes them after
  the last one arrives; the default 96 frames keep that small for fast models (slow ones hardly encode).
  For interpolation both rates count frames the model made: the pipeline makes n - 1 midpoints from n input
  frames (after the last frame it repeats it); the copied originals are not counted either.
- `precision` is what `fps_model` ran in (--precision, "auto" resolved as the engine resolves it), and
  `pipeline_precision` what `fps_pipeline` ran in: the app's default on this machine, whatever --precision says (a
  user's job runs that). Where they differ, the two rates compare precisions, not the pipeline's cost.
- `cpu_ms_model`: CPU time of the whole process (all threads) per frame during the `fps_model` timing: on a
  machine shared with other work it moves much less than frames/s, and it shows threads that spin.
- `thread_share`: the part of its threads' time that timing got (CPU time / wall time / threads), as
  benchmarks/regression.py judges it. A timing on a CPU with less than QUIET_SHARE of one core ran on a busy
  machine: "notes" says its frames/s are not to be quoted (see `busy_note`).
- `peak_rss_mb`: the peak resident memory of a fresh process that measured only this model, spawned per
  model so one model's allocations never count against the next. It includes the interpreter, torch and
  the input frames; `rss_start_mb` is that process's peak before the model was loaded.

Each result is keyed by the model's name. Two files whose cards give the same name (every training run writes
`student.*` named "student") are keyed by the paths as given instead, and the same model twice is refused:
each would overwrite the other's entry. A file whose card gives the name of another model here (a built-in,
shipped or installed one) is keyed by its path as given too: its numbers must not pass for that model's.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, replace
from fractions import Fraction
from pathlib import Path

import numpy as np

from vsr_app.errors import VsrAppError
from vsr_app.progress import ProgressCallback, ProgressMeter
from vsr_app.words import counted

DEFAULT_UPSCALE_SIZE = (180, 320)  # H, W: 320x180 -> 1280x720 at x4
DEFAULT_INTERPOLATE_SIZE = (360, 640)
DEFAULT_FRAMES = 96  # clip length: well past x264's look-ahead, so the pipeline's start and drain weigh little
DEFAULT_WARMUP = 3
DEFAULT_BUDGET_S = 15.0  # per measurement; the slow teachers stop early instead of taking many minutes
MIN_FRAMES = 8  # the shortest clip: warm-up plus a few timed frames
MIN_TIMED = 3  # frames a measurement times at the least, whatever the budget
QUIET_SHARE = 0.9  # of one core, which a timing keeps busy on a quiet machine: 0.9 against 1.0 moves frames/s by 10%
CLIP_RATE = Fraction(25)
POLL_S = 0.1

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BenchConfig:
    """What to measure and how; `models=None` means every model in the registry."""

    device: str = "auto"
    upscale_size: tuple[int, int] = DEFAULT_UPSCALE_SIZE
    interpolate_size: tuple[int, int] = DEFAULT_INTERPOLATE_SIZE
    frames: int = DEFAULT_FRAMES
    warmup: int = DEFAULT_WARMUP
    budget_s: float = DEFAULT_BUDGET_S
    precision: str = "auto"  # auto | fp32 | bf16 | fp16 for the model-alone engine; the pipeline runs the default
    threads: int | None = None  # torch intra-op threads; None keeps torch's default (one per core)
    models: tuple[str, ...] | None = None


def parse_size(text: str) -> tuple[int, int]:
    """'180x320' (HxW, as in the JSON "input") -> (180, 320), or a readable error."""
    try:
        h, w = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise VsrAppError(f"size '{text}' should look like HxW, e.g. 180x320") from None
    if h < 16 or w < 16:
        raise VsrAppError(f"size '{text}' is too small (at least 16x16)")
    if h % 2 or w % 2:  # the test clip is 4:2:0 video, which would pad it: the timing would be of another size
        raise VsrAppError(f"size '{text}' should be even in both directions (the test clip is 4:2:0 video)")
    return h, w


# ---- input --------------------------------------------------------------------------------------------

def sample_frames(size: tuple[int, int], count: int) -> list[np.ndarray]:
    """`count` frames of the bundled sample clip at HxW `size`, played back and forth if it is shorter."""
    import cv2

    from vsr_app.resources import resource_path

    source = decode_clip(resource_path("sample.mp4"))
    h, w = size
    shrink = w * h < source[0].shape[0] * source[0].shape[1]
    resized = [cv2.resize(f, (w, h), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_CUBIC) for f in source]
    loop = resized + resized[-2:0:-1]  # ping-pong: no jump in motion at the seam
    return [loop[i % len(loop)] for i in range(count)]


def write_clip(frames: list[np.ndarray], path: Path) -> Path:
    """Encode the bench input as H.264 (visually lossless), the kind of file users feed the app."""
    from vsr_app.video.writer import VideoWriter

    h, w = frames[0].shape[:2]
    with VideoWriter(path, width=w, height=h, frame_rate=CLIP_RATE, codec="libx264", crf=16,
                     overwrite=True) as writer:
        for i, frame in enumerate(frames):
            writer.write(frame, i / float(CLIP_RATE))
    return path


def decode_clip(path: Path) -> list[np.ndarray]:
    from vsr_app.video.reader import VideoReader

    return [f.image for f in VideoReader(path).frames()]


# ---- measurements (run inside the per-model process) ---------------------------------------------------

def cpu_seconds() -> float:
    """CPU time used so far by this process, all threads, user + system, to the nanosecond (os.times counts in 10 ms
    ticks: nine timed frames of bicubic read 0.0 ms each, and a model more CPU time than wall time on one thread)."""
    return time.process_time()


def thread_share(entry: dict) -> float:
    """The part of its threads' time a model-alone timing got (CPU time / wall time / threads): near 1 on a quiet
    machine, far below it where other work held the cores."""
    return entry["fps_model"] * entry["cpu_ms_model"] / 1000 / entry["threads"]


def measure_upscaler(engine, frames: list[np.ndarray], warmup: int,
                     budget_s: float = DEFAULT_BUDGET_S) -> tuple[float, int, float]:
    """Frames/s of an Upscaler after warm-up, how many output frames were timed, CPU-ms per frame."""
    warm_out, i = 0, 0
    while i < len(frames) and (i < warmup or warm_out == 0):
        warm_out += len(engine.push(frames[i]))
        i += 1
    if i == len(frames):
        raise VsrAppError(f"too few frames to time this model: use --frames {2 * len(frames)} or more")
    start, cpu = time.perf_counter(), cpu_seconds()
    done = 0
    for frame in frames[i:]:
        done += len(engine.push(frame))
        if done >= MIN_TIMED and time.perf_counter() - start >= budget_s:
            break
    done += len(engine.flush())  # frames a clip engine still holds are computed (and timed) here
    return done / (time.perf_counter() - start), done, 1000 * (cpu_seconds() - cpu) / done


def measure_interpolator(engine, frames: list[np.ndarray], warmup: int,
                         budget_s: float = DEFAULT_BUDGET_S) -> tuple[float, int, float]:
    """Midpoints/s of an Interpolator over sliding windows after `warmup` calls, the count, CPU-ms per frame."""
    k = int(engine.num_inputs)
    windows = [frames[i:i + k] for i in range(len(frames) - k + 1)]
    if len(windows) <= warmup:
        raise VsrAppError(f"too few frames to time this model: use --frames {k + 2 * warmup} or more")
    for window in windows[:warmup]:
        engine.midpoint(window)
    start, cpu = time.perf_counter(), cpu_seconds()
    done = 0
    for window in windows[warmup:]:
        engine.midpoint(window)
        done += 1
        if done >= MIN_TIMED and time.perf_counter() - start >= budget_s:
            break
    return done / (time.perf_counter() - start), done, 1000 * (cpu_seconds() - cpu) / done


def clip_lookahead() -> int:
    """Input frames a clip engine takes before its first output: its default chunk plus context."""
    from vsr_app.inference import CLIP_CHUNK, CLIP_CONTEXT

    return CLIP_CHUNK + CLIP_CONTEXT


def pipeline_length(fps_model: float, budget_s: float, available: int) -> int:
    """Frames for the pipeline run: about `budget_s` of work at the model's rate, at most `available`, at least
    one more than a clip engine's look-ahead (12 frames: more than one chunk, so its overlap is paid)."""
    return max(min(clip_lookahead() + 1, available), min(available, int(fps_model * budget_s)))


def measure_pipeline(loaded, frames: list[np.ndarray], clip: Path, count: int, out_dir: Path,
                     device: str) -> tuple[float, str]:
    """Input frames/s of the whole decode -> model -> encode job on the first `count` frames of `clip`, and the
    precision its model ran in there (the app's default, whatever --precision says)."""
    from vsr_app.video.pipeline import process_video

    if count < len(frames):
        clip = write_clip(frames[:count], out_dir / "prefix.mp4")
    task = {"interpolate" if loaded.task == "interpolate" else "upscale": loaded}
    start = time.perf_counter()
    summary = process_video(clip, out_dir / "out.mp4", device=device, overwrite=True, **task)
    made = summary.frames_in - 1 if loaded.task == "interpolate" else summary.frames_in
    return made / (time.perf_counter() - start), summary.precisions[0]


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (ru_maxrss is KB on Linux, bytes on macOS)."""
    if sys.platform == "win32":
        return _windows_peak_rss_mb()
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _windows_peak_rss_mb() -> float:
    import ctypes
    from ctypes import wintypes

    class Counters(ctypes.Structure):
        _fields_ = [("cb", wintypes.DWORD), ("PageFaultCount", wintypes.DWORD),
                    ("PeakWorkingSetSize", ctypes.c_size_t), ("WorkingSetSize", ctypes.c_size_t),
                    ("QuotaPeakPagedPoolUsage", ctypes.c_size_t), ("QuotaPagedPoolUsage", ctypes.c_size_t),
                    ("QuotaPeakNonPagedPoolUsage", ctypes.c_size_t), ("QuotaNonPagedPoolUsage", ctypes.c_size_t),
                    ("PagefileUsage", ctypes.c_size_t), ("PeakPagefileUsage", ctypes.c_size_t)]

    counters = Counters()
    counters.cb = ctypes.sizeof(Counters)
    process = ctypes.windll.kernel32.GetCurrentProcess()
    ctypes.windll.psapi.GetProcessMemoryInfo(process, ctypes.byref(counters), counters.cb)
    return counters.PeakWorkingSetSize / (1024 * 1024)


def bench_model(name: str, clip: Path, config: BenchConfig) -> dict:
    """Every number for one model; meant to run in a fresh process (see `peak_rss_mb`)."""
    import torch

    from vsr_app.inference import run_settings
    from vsr_app.models import load_model
    from vsr_app.nets.ops import set_threads

    if config.threads:
        set_threads(config.threads)
    frames = decode_clip(clip)
    rss_start = peak_rss_mb()
    loaded = load_model(name, config.device)
    options = {} if config.precision == "auto" else {"precision": config.precision}
    engine = make_engine(loaded, config.device, **options)
    measure = measure_upscaler if loaded.task == "upscale" else measure_interpolator
    fps_model, timed, cpu_ms = measure(engine, frames, config.warmup, config.budget_s)
    count = pipeline_length(fps_model, config.budget_s, len(frames))
    with tempfile.TemporaryDirectory(prefix="vsr-bench-") as out_dir:
        fps_pipeline, pipeline_precision = measure_pipeline(loaded, frames, clip, count, Path(out_dir), config.device)
    h, w = frames[0].shape[:2]
    entry = {"params": int(loaded.info.params), "fps_model": round(fps_model, 2),
             "fps_pipeline": round(fps_pipeline, 2), "peak_rss_mb": round(peak_rss_mb(), 1),
             "rss_start_mb": round(rss_start, 1), "task": loaded.task, "input": [h, w],
             "frames_model": timed, "frames_pipeline": count, "cpu_ms_model": round(cpu_ms, 1),
             "precision": run_settings(engine)["precision"],
             "pipeline_precision": pipeline_precision,
             "threads": torch.get_num_threads()}
    return entry | {"thread_share": round(thread_share(entry), 2)}


def make_engine(loaded, device: str, **options):
    """The inference engine for the model's task, as `process_video` makes it when given no `options`: the one
    `bench` times alone."""
    from vsr_app.inference import make_interpolator, make_upscaler

    make = make_upscaler if loaded.task == "upscale" else make_interpolator
    return make(loaded, device, **options)


def _worker(name: str, clip: str, config: BenchConfig, results) -> None:
    """Entry point of the per-model process: puts ("ok", dict) or ("error", message) on `results`."""
    try:
        results.put(("ok", bench_model(name, Path(clip), config)))
    except VsrAppError as exc:
        results.put(("error", str(exc)))
    except BaseException as exc:  # reported to the parent, which raises it as a readable error
        results.put(("error", f"{type(exc).__name__}: {exc}"))


# ---- the run ------------------------------------------------------------------------------------------

def select_models(names: tuple[str, ...] | None) -> dict:
    """ModelInfos to bench by result key: the requested ones, else every registered model (built-ins first).

    The key is the model's name, or the argument as typed where two files share a card name or a file's name is
    another model's (see the top)."""
    from vsr_app.models import list_models, report_name, resolve

    if not names:
        return {i.name: i for i in list_models()}
    infos = [resolve(n) for n in names]
    _refuse_repeats(names, infos)
    shared = Counter(i.name for i in infos)
    return {(name if shared[info.name] > 1 else report_name(info, name)): info for name, info in zip(names, infos)}


def _refuse_repeats(names: tuple[str, ...], infos: list) -> None:
    """One model asked for twice (by name and by path, or by two spellings of a path) is a mistake to say."""
    seen: dict = {}
    for name, info in zip(names, infos):
        model = Path(info.path).resolve() if info.path else info.name
        if model in seen:
            raise VsrAppError(f"--models names one model twice: '{seen[model]}' and '{name}'")
        seen[model] = name


def frames_needed(info, warmup: int) -> int:
    """The shortest clip `measure_upscaler` / `measure_interpolator` can time the model on, known from its
    architecture alone, so a short --frames is refused before any model process starts."""
    from vsr_app.models import bare_net

    net = bare_net(info)
    if info.task == "interpolate":
        return int(net.num_inputs) + warmup  # more windows than warm-up calls
    first_output = clip_lookahead() if net.kind == "clip" else 1
    return max(warmup, first_output) + 1  # warm-up lasts until the first output; one more frame is timed


def check_clip_length(infos, config: BenchConfig) -> None:
    """Refuse a clip too short for any selected model, naming the model (not its file)."""
    if config.frames < MIN_FRAMES:
        raise VsrAppError(f"--frames must be at least {MIN_FRAMES} (warm-up plus a few timed frames)")
    for info in infos:
        need = frames_needed(info, config.warmup)
        if config.frames < need:
            raise VsrAppError(f"--frames {config.frames} is too few for {info.name}: it needs at least {need}; give "
                              f"--frames {need} or more, or --models without it")


def precision_note(precision: str, device) -> str | None:
    """Why `fps_model` may be far below `fps_pipeline` on a CPU (`device`): it emulates fp16, and bf16 where it lacks
    AVX512-BF16 and AMX (on a 2-core AVX512-BF16 EPYC the student took 12-15x the CPU time a frame in fp16:
    1,018-1,104 ms against 75-86 in bf16; docs/RESULTS.md, "Session 47: today's students self-ensembled"); native
    bf16 may run slower than fp32 too (`cpu_precision`)."""
    from vsr_app.cpu_precision import cpu_precision_note
    from vsr_app.devices import cpu_supports_bf16, default_precision

    if device.type != "cpu":
        return None
    default = default_precision(device)
    if precision in ("auto", "fp32", default):
        return None
    slow = "slower than fp32" if precision == "bf16" and cpu_supports_bf16() else "emulated and slow"
    return (f"--precision {precision} on this CPU is {slow}: fps_model ran in {precision}, fps_pipeline in the app's "
            f"default, {cpu_precision_note()}")


def machine_description(device: str) -> str:
    import torch

    from vsr_app.devices import resolve_device

    dev = resolve_device(device)
    if dev.type == "cuda":
        return torch.cuda.get_device_name(dev)
    from vsr_app.cpu_precision import cpu_precision_note
    from vsr_app.devices import cpu_name

    return f"{cpu_name()}, {os.cpu_count()} logical cores, {cpu_precision_note()}"


def busy_note(key: str, entry: dict, device) -> str | None:
    """Why `key`'s frames/s are not to be quoted, where its model-alone timing got less than QUIET_SHARE of one core
    on a CPU (`device`): a timing loop keeps at least one thread busy all the time, so on a quiet machine it gets a
    core's worth whatever its other threads do. The benches in docs/RESULTS.md on 2 cores (sessions 2-4 and "Bench
    tables (contended)") got 1.01-1.86 cores' worth quiet on two threads (ffmpeg-mci's one-threaded filter the
    least), 0.99-1.0 on one, and 0.25-0.79 at load 7-10. On a GPU the CPU time says nothing of the load."""
    if device.type != "cpu" or entry["thread_share"] * entry["threads"] >= QUIET_SHARE:
        return None
    threads = counted(entry["threads"], "thread")
    return (f"{key} got {entry['thread_share']:.0%} of the time of its {threads} (CPU time / wall time) while timed "
            f"alone, less than {QUIET_SHARE:.0%} of one core, which its timing keeps busy on a quiet machine: other "
            f"work held the CPU, so its frames/s are a busy machine's, not to quote (its CPU ms a frame moves much "
            f"less)")


class BenchFailed(VsrAppError):
    """Some models could not be measured (their reasons joined); `result` is the whole bench result, each failed
    model's entry its "task" and "error", so the others' numbers are not lost with it."""

    def __init__(self, result: dict, errors: list[str]):
        super().__init__("; ".join(errors))
        self.result = result


def run_one(name: str, clip: Path, config: BenchConfig) -> dict:
    """Bench one model in a fresh spawned process (per-model peak memory)."""
    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    proc = ctx.Process(target=_worker, args=(name, str(clip), config, results), daemon=True)
    proc.start()
    try:
        while True:
            try:
                status, payload = results.get(timeout=POLL_S)
                break
            except queue.Empty:
                if not proc.is_alive() and results.empty():
                    raise VsrAppError(f"benchmarking {name} crashed (exit code {proc.exitcode})") from None
    except BaseException:  # a stop (Ctrl-C, SIGTERM): the measurement ends now, not when it is done
        proc.terminate()
        raise
    finally:
        proc.join(timeout=5.0)
        if proc.is_alive():
            proc.kill()
            proc.join()
    if status != "ok":
        raise VsrAppError(f"benchmarking {name} failed: {payload}")
    return payload


def run_bench(config: BenchConfig = BenchConfig(), progress: ProgressCallback | None = None) -> dict:
    """Measure every selected model; returns the `bench --json` object (DESIGN.md contract plus extras). A model
    that fails does not stop the others: BenchFailed, raised at the end, holds them all. The progress stage of each
    finished model is its key and "measured" or "failed"."""
    import torch

    from vsr_app.devices import resolve_device

    device = resolve_device(config.device)
    config = replace(config, device=str(device))
    selected = select_models(config.models)
    check_clip_length(selected.values(), config)
    note = precision_note(config.precision, device)
    notes: list[str] = []
    meter = ProgressMeter(len(selected), progress, stage="bench")
    models: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="vsr-bench-") as tmp:
        clips = {}
        for task, size in (("upscale", config.upscale_size), ("interpolate", config.interpolate_size)):
            if any(i.task == task for i in selected.values()):
                clips[task] = write_clip(sample_frames(size, config.frames), Path(tmp) / f"{task}.mp4")
        for key, info in selected.items():
            meter.stage = key
            try:
                models[key] = run_one(info.path or info.name, clips[info.task], config)
            except VsrAppError as exc:
                models[key] = {"task": info.task, "error": str(exc)}
            # only once a model ran in it: one without weights (bicubic) runs fp32 whatever --precision says
            if note and note not in notes and models[key].get("precision") == config.precision:
                log.warning("warning: %s", note)  # at once, as the measurements take minutes
                notes.append(note)
            if "error" not in models[key] and (busy := busy_note(key, models[key], device)):
                log.warning("warning: %s", busy)
                notes.append(busy)
            meter.stage = f"{key} {'failed' if 'error' in models[key] else 'measured'}"
            meter.advance()
    meter.finish()
    result = {"device": str(device), "input": list(config.upscale_size), "models": models,
              "interpolate_input": list(config.interpolate_size), "frames": config.frames,
              "warmup": config.warmup, "budget_s": config.budget_s, "machine": machine_description(str(device)),
              "torch": torch.__version__, "config": asdict(config), "notes": notes}
    errors = [m["error"] for m in models.values() if "error" in m]
    if errors:
        raise BenchFailed(result, errors)
    return result


def format_table(result: dict) -> str:
    """The human-readable form of a bench result (what `vsr-app bench` prints without --json); the model column is
    as wide as the longest name, as in `models`, so the columns stay aligned. Each rate is followed by the precision
    it ran in. Sizes are HxW, as --size takes them and the JSON's "input" holds them: a size read off the table can be
    given back to --size."""
    width = max([len("model")] + [len(name) for name in result["models"]])
    lines = [f"device {result['device']} ({result['machine']}), clip of {result['frames']} frames, "
             f"warm-up {result['warmup']}, about {result['budget_s']:g} s per measurement",
             f"{'model':<{width}} {'task':<11} {'input HxW':>9} {'params':>10} {'threads':>7} {'fps model':>10} "
             f"{'prec':>5} {'fps pipeline':>13} {'prec':>5} {'pipe/model':>10} {'CPU ms/fr':>10} {'thread share':>12} "
             f"{'peak RSS MB':>12}"]
    for name, m in result["models"].items():
        lines.append(f"{name:<{width}} {m['task']:<11} {m['error']}" if "error" in m else _table_row(name, m, width))
    return "\n".join(lines + [f"warning: {note}" for note in result.get("notes", [])])


def _table_row(name: str, m: dict, width: int) -> str:
    """One model's numbers; pipe/model is left out ('-') where the two rates ran in different precisions, as it
    would then measure the precisions, not the pipeline's cost, or where a result saved before the pipeline's
    precision was recorded cannot tell (its precision columns then show '?')."""
    precision, pipeline_precision = m.get("precision", "?"), m.get("pipeline_precision", "?")
    same = precision == pipeline_precision != "?"
    ratio = f"{m['fps_pipeline'] / m['fps_model']:.0%}" if same and m["fps_model"] else "-"
    size = "x".join(map(str, m["input"]))
    share = f"{m['thread_share']:.0%}" if "thread_share" in m else "?"  # a result saved before it was recorded
    return (f"{name:<{width}} {m['task']:<11} {size:>9} {m['params']:>10,} {m['threads']:>7} {m['fps_model']:>10.2f} "
            f"{precision:>5} {m['fps_pipeline']:>13.2f} {pipeline_precision:>5} {ratio:>10} "
            f"{m['cpu_ms_model']:>10.1f} {share:>12} {m['peak_rss_mb']:>12.0f}")
