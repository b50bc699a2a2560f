"""Does reduced precision cost quality? Each model scored in fp32 and in bf16 (or fp16) on the same frames.

Why: the engines run bf16 autocast on CPUs with native bf16 (and fp16/bf16 on CUDA) because it is
faster; that is only acceptable if the pictures do not get measurably worse. For every model this
prints, per precision, the mean Y-PSNR against the ground truth (the `vsr-app eval` protocol: x4
antialiased bicubic input for upscalers, odd frames from the even ones for interpolators), the
difference in dB, and how close the reduced-precision output is to the fp32 output itself
(Y-PSNR between the two, computed from the MSE over all frames; null when identical).

    .venv/bin/python benchmarks/precision.py                 # shipped models on Vid4 / Middlebury (10 frames)
    .venv/bin/python benchmarks/precision.py --models vsr-x4-student --frames 20 --precision bf16

Data defaults to ../shared/data/eval (this workspace); without it, the bundled sample clip is used as the
ground truth for both tasks.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from vsr_app.errors import VsrAppError  # noqa: E402
from vsr_app.eval_protocol import degrade_x4, vfi_context  # noqa: E402
from vsr_app.evaluate import upscale_sequence  # noqa: E402
from vsr_app.inference import make_interpolator, make_upscaler  # noqa: E402
from vsr_app.metrics import psnr_y, rgb_to_y  # noqa: E402
from vsr_app.models import load_model  # noqa: E402
from vsr_app.sequences import read_frames, sequence_sources  # noqa: E402

EVAL = ROOT.parent / "shared" / "data" / "eval"
DEFAULT_MODELS = "vsr-x4-student,vsr-x4-teacher,vfi-x2-student,vfi-x2-teacher"


def load_sequences(folder: Path | None, frames: int) -> dict[str, list[np.ndarray]]:
    """Frame folders under `folder`, or the bundled sample clip when there is none."""
    if folder is not None and folder.is_dir():
        return {f.name: read_frames(f, frames) for f in sequence_sources(folder)}
    from vsr_app.bench import decode_clip
    from vsr_app.resources import resource_path

    return {"sample": decode_clip(resource_path("sample.mp4"))[:frames]}


def upscale_all(loaded, seqs, device: str, precision: str) -> tuple[list[np.ndarray], list[np.ndarray]]:
    engine = make_upscaler(loaded, device, precision=precision)
    outs, truths = [], []
    for seq in seqs.values():
        pairs = [degrade_x4(f) for f in seq]
        outs += upscale_sequence(engine, [lr for _, lr in pairs])
        truths += [gt for gt, _ in pairs]
    return outs, truths


def interpolate_all(loaded, seqs, device: str, precision: str) -> tuple[list[np.ndarray], list[np.ndarray]]:
    engine = make_interpolator(loaded, device, precision=precision)
    outs, truths = [], []
    for seq in seqs.values():
        for i in range(1, len(seq) - 1, 2):
            outs.append(engine.midpoint([seq[j] for j in vfi_context(i, len(seq), engine.num_inputs)]))
            truths.append(seq[i])
    return outs, truths


def pooled_psnr_y(a: list[np.ndarray], b: list[np.ndarray]) -> float | None:
    """Y-PSNR from the MSE over all frames (None when identical)."""
    mse = np.mean([np.mean((rgb_to_y(x) - rgb_to_y(y)) ** 2) for x, y in zip(a, b)])
    return None if mse == 0 else round(float(10 * np.log10(255.0**2 / mse)), 2)


def check(name: str, seqs_by_task: dict, device: str, precision: str) -> dict:
    loaded = load_model(name, device)
    run = upscale_all if loaded.task == "upscale" else interpolate_all
    seqs = seqs_by_task[loaded.task]
    ref, truths = run(loaded, seqs, device, "fp32")
    low, _ = run(loaded, seqs, device, precision)
    fp32 = float(np.mean([psnr_y(o, t) for o, t in zip(ref, truths)]))
    reduced = float(np.mean([psnr_y(o, t) for o, t in zip(low, truths)]))
    return {"task": loaded.task, "frames": len(truths), "psnr_y_fp32": round(fp32, 3),
            f"psnr_y_{precision}": round(reduced, 3), "delta_db": round(reduced - fp32, 3),
            f"psnr_y_{precision}_vs_fp32": pooled_psnr_y(low, ref),
            "max_abs_diff": int(max(np.abs(a.astype(int) - b.astype(int)).max() for a, b in zip(low, ref)))}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", default=DEFAULT_MODELS)
    ap.add_argument("--precision", default="bf16", choices=("bf16", "fp16"))
    ap.add_argument("--vsr-data", type=Path, default=EVAL / "vid4")
    ap.add_argument("--vfi-data", type=Path, default=EVAL / "vfi_middlebury")
    ap.add_argument("--frames", type=int, default=10, help="first N frames of each sequence")
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args(argv)

    seqs = {"upscale": load_sequences(args.vsr_data, args.frames),
            "interpolate": load_sequences(args.vfi_data, args.frames)}
    try:
        report = {name: check(name, seqs, args.device, args.precision) for name in args.models.split(",")}
    except VsrAppError as exc:
        print(f"precision: {exc}", file=sys.stderr)
        return 2
    print(json.dumps({"device": args.device, "precision": args.precision, "models": report}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
