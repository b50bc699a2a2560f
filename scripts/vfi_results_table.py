"""Markdown rows for docs/RESULTS.md from `vsr-app eval vfi --json` outputs and scripts/vfi_speed.py output.

    python scripts/vfi_results_table.py --evals runs/vfi_eval --speed runs/vfi_eval/speed.json \
        blend opencv-flow ffmpeg-mci vfi-x2-teacher ...

Eval files are named MODEL_DATASET.json (MODEL as given on the command line, DATASET vfi_middlebury / vfi_ucf101).
With --val, a column of the held-out validation at three motion sizes (scripts/vfi_val_strides.sh writes
MODEL_val_stride{1,2,3}.json into the same folder): Y-PSNR per stride and their mean.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

DATASETS = ("vfi_middlebury", "vfi_ucf101")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("models", nargs="+", help="KEY (eval files KEY_DATASET.json, KEY in the speed JSON)")
    p.add_argument("--evals", required=True)
    p.add_argument("--speed", help="scripts/vfi_speed.py output (ms per frame: n/a without it)")
    p.add_argument("--val", action="store_true", help="add the held-out validation column")
    args = p.parse_args()
    speed = json.loads(Path(args.speed).read_text()) if args.speed else {}
    val_head = " validation stride 1 / 2 / 3 (mean) |" if args.val else ""
    print(f"| model | params |{val_head} Middlebury Y-PSNR / SSIM | UCF101 Y-PSNR / SSIM | ms per frame |")
    print("|---|---:|" + "---:|" * (3 + args.val))
    for label in args.models:
        cells = []
        params = None
        for ds in DATASETS:
            result = json.loads((Path(args.evals) / f"{label}_{ds}.json").read_text())
            params = result["params"]
            cells.append(f"{result['mean']['psnr_y']:.2f} / {result['mean']['ssim_y']:.4f}")
        if args.val:
            val = [json.loads((Path(args.evals) / f"{label}_val_stride{s}.json").read_text())["mean"]["psnr_y"]
                   for s in (1, 2, 3)]
            cells.insert(0, " / ".join(f"{v:.2f}" for v in val) + f" ({sum(val) / 3:.2f})")
        ms = speed.get(label, {}).get("ms_per_frame")
        print(f"| {label} | {params:,} | " + " | ".join(cells) + f" | {f'{ms:.0f}' if ms is not None else 'n/a'} |")


if __name__ == "__main__":
    main()
