"""Do the upscalers still help on footage that is not clean bicubic? Vid4 degraded like real video, then scored.

Why: the nets are trained and evaluated on clean x4 bicubic downscales, but users feed them camera and web
video: H.264-compressed and noisy. For each condition this builds the low-resolution input the `eval vsr` way
(antialiased bicubic x4) and then degrades it - libx264 at a CRF through PyAV (the whole sequence as one
stream, so it has real inter-frame coding), and/or Gaussian noise - and prints each model's mean Y-PSNR /
SSIM against the clean ground truth, with its gain over bicubic on the same input.

    .venv/bin/python benchmarks/vsr_robustness.py                                  # student + bicubic, 5 conditions
    .venv/bin/python benchmarks/vsr_robustness.py --models bicubic,vsr-x4-student,vsr-x4-teacher --frames 20
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from vsr_app.distill.degrade import apply_condition  # noqa: E402
from vsr_app.errors import VsrAppError  # noqa: E402
from vsr_app.eval_protocol import degrade_x4  # noqa: E402
from vsr_app.evaluate import summary, upscale_sequence  # noqa: E402
from vsr_app.inference import make_upscaler  # noqa: E402
from vsr_app.metrics import psnr_y, ssim_y  # noqa: E402
from vsr_app.models import list_models, load_model, resolve  # noqa: E402
from vsr_app.sequences import read_frames, sequence_sources  # noqa: E402

CONDITIONS = ("clean", "crf23", "crf28", "noise5", "crf28+noise5")
CONDITION_SYNTAX = ("clean, crfN (libx264 at CRF N), noiseS (Gaussian noise of S grey levels), or parts joined by + "
                    "and applied left to right (crf28+noise5)")


def check_models(names: list[str]) -> str | None:
    """What is wrong with --models, or None: checked before any work, as a typo otherwise showed as a traceback
    when its turn came, after the models before it had run for minutes."""
    for name in names:
        try:
            info = resolve(name)
        except VsrAppError as exc:
            return str(exc)
        if info.task != "upscale":
            upscalers = ", ".join(i.name for i in list_models() if i.task == "upscale")
            return f"'{name}' does frame interpolation, not upscaling (upscalers: {upscalers})"
    return None


def check_conditions(conditions: list[str]) -> str | None:
    """What is wrong with --conditions, or None: each is applied to one small frame, so whatever its own code
    refuses is found before any work, not when its turn comes."""
    frame = np.zeros((16, 16, 3), np.uint8)
    for condition in conditions:
        try:
            apply_condition([frame], condition, np.random.default_rng(0))
        except ValueError as exc:
            return f"'{condition}': {exc}; each condition is {CONDITION_SYNTAX}"
    return None


def score(model: str, inputs: dict[str, list[np.ndarray]], gts: dict[str, list[np.ndarray]]) -> tuple[float, float]:
    """Mean Y-PSNR / SSIM over the sequences (each a mean over its frames), as `eval vsr` reports them."""
    engine = make_upscaler(load_model(model, "cpu"), "cpu")
    scores = {}
    for name, lrs in inputs.items():
        outs = upscale_sequence(engine, lrs)
        pairs = list(zip(outs, gts[name]))
        scores[name] = ([psnr_y(o, g) for o, g in pairs], [ssim_y(o, g) for o, g in pairs])
    mean = summary(model, 0, scores)["mean"]
    return mean["psnr_y"], mean["ssim_y"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared/data/eval/vid4"),
                    help="a video, or a folder of sequences (folders of frames or videos), as `eval vsr --data` "
                         "reads it (default: %(default)s)")
    ap.add_argument("--models", default="bicubic,vsr-x4-student",
                    help="upscalers, comma-separated; with bicubic among them each row says its gain over it "
                         "(default: %(default)s)")
    ap.add_argument("--conditions", default=",".join(CONDITIONS),
                    help=f"comma-separated; each is {CONDITION_SYNTAX} (default: %(default)s)")
    ap.add_argument("--frames", type=int, default=20, help="first frames of each sequence (default: %(default)s)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    for option, problem in (("--models", check_models(args.models.split(","))),
                            ("--conditions", check_conditions(args.conditions.split(",")))):
        if problem:
            ap.error(f"{option}: {problem}")
    try:
        folders = sequence_sources(args.data)
    except VsrAppError as exc:
        ap.error(f"--data: {exc}")

    pairs = {f.name: [degrade_x4(x) for x in read_frames(f, args.frames)] for f in folders}
    gts = {name: [g for g, _ in p] for name, p in pairs.items()}
    rows = []
    for condition in args.conditions.split(","):
        rng = np.random.default_rng(0)
        inputs = {name: apply_condition([lr for _, lr in p], condition, rng) for name, p in pairs.items()}
        for model in args.models.split(","):
            psnr, ssim = score(model, inputs, gts)
            rows.append({"condition": condition, "model": model, "psnr_y": psnr, "ssim_y": ssim})
        base = next((r["psnr_y"] for r in rows if r["condition"] == condition and r["model"] == "bicubic"), None)
        for r in rows:
            if r["condition"] == condition and base is not None:
                r["gain_over_bicubic"] = r["psnr_y"] - base
    if args.json:
        print(json.dumps({"data": args.data, "frames": args.frames, "rows": rows}, indent=1))
    else:
        print("| condition | model | Y-PSNR | Y-SSIM | vs bicubic |\n|---|---|---:|---:|---:|")
        for r in rows:
            gain = r.get("gain_over_bicubic")
            print(f"| {r['condition']} | {r['model']} | {r['psnr_y']:.2f} | {r['ssim_y']:.4f} | "
                  f"{'' if gain is None else f'{gain:+.2f}'} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
