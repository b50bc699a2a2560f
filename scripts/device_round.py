"""One timed round on a lent GPU machine (docs/RESULTS.md, "Round R"): check the CUDA path, then train.

The GPU machine has torch and OpenCV but no PyAV, PySide6 or pyqtgraph, and only 64 MiB travel with the
repository. So this script reads video with OpenCV instead of PyAV (`use_opencv_for_video`), the training
data travels as `.devdata` (scripts/device_pack.py: the same pixels, PNGs as lossless WebP), and the product
code runs unchanged otherwise.

    python scripts/device_round.py check OUT.json        # CUDA inference vs CPU fp32, model-alone frames/s
    python scripts/device_round.py train ARGS...         # `vsr-app train` with OpenCV video reading
    python scripts/device_round.py round OUT_DIR SECONDS # check, then the teacher and student runs in parallel
    python scripts/device_round.py round OUT_DIR SECONDS --no-check --runs teacher_more --no-resize
    python scripts/device_round.py round OUT_DIR SECONDS --runs teacher_next   # the next GPU time (session 24's plan)

`round` sizes each run to the time: it starts each with a guessed step count, reads its measured s/step, and
restarts it once (`--resume --steps N`, the loop's own way to change a run's length) so that its cosine schedule
ends before the deadline.
"""
from __future__ import annotations

import contextlib
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RUNS = {  # name: (config, teacher for distillation)
    "teacher": ("configs/vsr/round_r/teacher_h200.json", None),
    "student": ("configs/vsr/round_r/student_h200.json", "runs/round_l_teacher.safetensors"),  # Round R ran it with
    # "vsr-x4-teacher", then those weights: carry runs/round_l_teacher.safetensors (docs/RESULTS.md, Round R)
    "teacher_more": ("configs/vsr/round_r/teacher_h200_more.json", None),  # from the teacher run's weights
    # the next GPU time: Round R's first recipe again (lr 2e-4, fresh cosine), from the shipped teacher
    "teacher_next": ("configs/vsr/round_s/teacher_h200_next.json", None),
}
DATA, VAL = ".devdata/train", ".devdata/val/carphone_pristine.mp4"
SIZE_AFTER_STEPS = 120  # a run's s/step is read once it is past warm-up and kernel tuning
DEVICE = os.environ.get("ROUND_DEVICE", "cuda")  # "cpu" tries the script here


class OpenCVVideo:
    """A video read with OpenCV through the reader interface the training loaders use (`sources.open_video`): `info`
    (height, width, estimated_frames) and `frames()` (each with `time` and `image`, RGB)."""

    def __init__(self, path):
        import cv2

        from vsr_app.errors import VsrAppError

        self.path, self.cap = path, cv2.VideoCapture(str(path))
        if not self.cap.isOpened():
            raise VsrAppError(f"OpenCV cannot open {path}")
        height, width, count = (int(self.cap.get(p)) for p in (cv2.CAP_PROP_FRAME_HEIGHT, cv2.CAP_PROP_FRAME_WIDTH,
                                                               cv2.CAP_PROP_FRAME_COUNT))
        self.info = SimpleNamespace(height=height, width=width, estimated_frames=count)

    def __enter__(self) -> "OpenCVVideo":
        return self

    def __exit__(self, *exc) -> None:
        self.cap.release()

    def frames(self):
        import cv2

        from vsr_app.errors import VsrAppError

        for index in itertools.count():
            ok, bgr = self.cap.read()
            if not ok:
                if not index:
                    raise VsrAppError(f"OpenCV decoded no frames of {self.path}")
                return
            yield SimpleNamespace(time=self.cap.get(cv2.CAP_PROP_POS_MSEC) / 1000,
                                  image=cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))


def use_opencv_for_video() -> None:
    """Point the training loaders' reader (`sources.open_video`) and the bench's clip decoding at OpenCV."""
    from vsr_app import bench
    from vsr_app.distill import sources

    def decode(path) -> list:
        with OpenCVVideo(path) as video:
            return [frame.image for frame in video.frames()]

    sources.open_video, bench.decode_clip = OpenCVVideo, decode


def check(out: Path) -> None:
    """Every shipped upscaler (and the VFI student) on CUDA in fp32/bf16/fp16: output vs CPU fp32, and frames/s
    with the bench's own model-alone measurement (vsr_app.bench.measure_*) on the bench's input."""
    import numpy as np
    import torch

    from vsr_app import bench
    from vsr_app.files import atomic_write
    from vsr_app.inference import make_interpolator, make_upscaler
    from vsr_app.metrics import psnr_y as psnr
    from vsr_app.models import load_model

    report = {"torch": torch.__version__, "gpu": torch.cuda.get_device_name(0) if DEVICE == "cuda" else DEVICE, "upscale": {}, "interpolate": {}}
    small = bench.sample_frames((180, 320), 48)
    large = bench.sample_frames((270, 480), 48)

    def outputs(engine, frames):
        got = [f for frame in frames for f in engine.push(frame)]
        return got + list(engine.flush())

    for name in ("vsr-x4-student", "vsr-x4-student-fast", "vsr-x4-student-bicubic", "vsr-x4-student-aligned",
                 "vsr-x4-student-aligned-bicubic", "vsr-x4-teacher"):
        reference = outputs(make_upscaler(load_model(name, "cpu"), "cpu", precision="fp32"), small[:10])
        rows = report["upscale"][name] = {}
        for precision in ("fp32", "bf16", "fp16"):
            got = outputs(make_upscaler(load_model(name, DEVICE), DEVICE, precision=precision), small[:10])
            fps, timed, _ = bench.measure_upscaler(make_upscaler(load_model(name, DEVICE), DEVICE, precision=precision),
                                                    small, warmup=8, budget_s=1.0)
            rows[precision] = {"psnr_vs_cpu_fp32": round(float(np.mean([psnr(a, b) for a, b in zip(got, reference)])), 2),
                               "fps_320x180": round(fps, 1), "frames_timed": timed}
        fps, timed, _ = bench.measure_upscaler(make_upscaler(load_model(name, DEVICE), DEVICE), large, warmup=8,
                                                budget_s=1.0)
        rows["auto"] = {"fps_480x270": round(fps, 1), "frames_timed": timed}
        print(name, rows, flush=True)
    frames = bench.sample_frames((360, 640), 40)
    name = "vfi-x2-student"
    reference = make_interpolator(load_model(name, "cpu"), "cpu", precision="fp32").midpoint(frames[:4])
    rows = report["interpolate"][name] = {}
    for precision in ("fp32", "bf16", "fp16"):
        engine = make_interpolator(load_model(name, DEVICE), DEVICE, precision=precision)
        fps, timed, _ = bench.measure_interpolator(engine, frames, warmup=4, budget_s=1.0)
        rows[precision] = {"psnr_vs_cpu_fp32": round(psnr(engine.midpoint(frames[:4]), reference), 2),
                           "fps_640x360": round(fps, 1), "frames_timed": timed}
    print(name, rows, flush=True)
    atomic_write(out, lambda tmp: Path(tmp).write_text(json.dumps(report, indent=1)))  # written once, at the end


def train(args: list[str]) -> None:
    from vsr_app.cli import main

    sys.exit(main(["train", *args]))


def _launch(name: str, run_dir: Path, steps: int, resume: bool, log) -> subprocess.Popen:
    config, teacher = RUNS[name]
    args = ["--out", str(run_dir), "--steps", str(steps)]
    args += ["--resume"] if resume else ["--data", DATA, "--val", VAL, "--config", config]
    if teacher and not resume:
        args += ["--teacher", teacher]
    return subprocess.Popen([sys.executable, __file__, "train", "vsr", *args], stdout=log, stderr=subprocess.STDOUT,
                            cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"})


def _rate(run_dir: Path) -> tuple[int, float] | None:
    """(last logged step, mean s/step of the last three logs) once three logs are there."""
    recs = []
    with contextlib.suppress(FileNotFoundError):
        for line in (run_dir / "metrics.jsonl").read_text().splitlines():
            with contextlib.suppress(json.JSONDecodeError):  # a line being written
                recs.append(json.loads(line))
    recs = [r for r in recs if "s_per_step" in r]
    if len(recs) < 3:
        return None
    return recs[-1]["step"], sum(r["s_per_step"] for r in recs[-3:]) / 3


def _end(procs: dict[str, subprocess.Popen], log) -> None:
    """SIGINT each run once (it checkpoints and exports), then kill any that has not ended a minute later."""
    for proc in procs.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
    for name, proc in procs.items():
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        print(f"{name}: ended with exit code {proc.returncode}", file=log)


def round_(out: Path, seconds: float, names=("teacher", "student"), with_check=True, resize=True) -> None:
    from vsr_app.distill.checkpoint import resume_step

    deadline = time.time() + seconds
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "round.log", "a", buffering=1) as log:
        if with_check:
            check(out / "cuda_check.json")
        base = ROOT / "runs" / "round_r"
        shutil.rmtree(base, ignore_errors=True)
        runs = {name: base / name for name in names}
        procs = {name: _launch(name, d, json.loads((ROOT / RUNS[name][0]).read_text())["steps"], False, log)
                 for name, d in runs.items()}
        sized = set()
        while any(p.poll() is None for p in procs.values()) and time.time() < deadline - 60:
            time.sleep(2)
            for name, d in runs.items():
                rate = None if name in sized or not resize else _rate(d)
                if rate is None or rate[0] < SIZE_AFTER_STEPS:
                    continue
                _end({name: procs[name]}, log)
                step = max(rate[0], resume_step(d))
                restart_s, validation_share = 35, 0.05  # reload the data and start the workers; validations
                left = (deadline - time.time() - restart_s - 60) * (1 - validation_share)
                steps = max(step + 1, step + int(left / rate[1]))
                print(f"{name}: {rate[1]:.3f} s/step at step {step}: resized to {steps} steps", file=log)
                procs[name] = _launch(name, d, steps, True, log)
                sized.add(name)
        _end(procs, log)  # a run still going now stops with a checkpoint and an export
        for name, d in runs.items():
            for f in ("model.safetensors", "model.json", "metrics.jsonl"):
                if (d / f).exists():
                    shutil.copy2(d / f, out / f"{name}_{f}")


if __name__ == "__main__":
    verb, rest = (sys.argv[1:2] or [""])[0], sys.argv[2:]
    if verb in ("-h", "--help"):
        print(__doc__)
        sys.exit(0)
    use_opencv_for_video()
    if verb == "check" and len(rest) == 1:
        check(Path(rest[0]))
    elif verb == "train":
        train(rest)
    elif verb == "round":
        import argparse

        parser = argparse.ArgumentParser()
        parser.add_argument("out", type=Path)
        parser.add_argument("seconds", type=float)
        parser.add_argument("--runs", nargs="+", default=["teacher", "student"], choices=list(RUNS))
        parser.add_argument("--no-check", action="store_true")
        parser.add_argument("--no-resize", action="store_true")
        a = parser.parse_args(rest)
        round_(a.out, a.seconds, a.runs, not a.no_check, not a.no_resize)
    else:
        sys.exit(__doc__)
