"""Markdown rows for docs/RESULTS.md from `vsr-app eval vfi --json` outputs and scripts/vfi_speed.py output.

    python scripts/vfi_results_table.py --evals runs/vfi_eval --speed runs/vfi_eval/speed.json \
        blend opencv-flow ffmpeg-mci vfi-x2-teacher ...

Eval files are named MODEL_DATASET.json (MODEL as given on the command line, DATASET vfi_middlebury / vfi_ucf101).
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
    p.add_argument("--speed", required=True)
    args = p.parse_args()
    speed = json.loads(Path(args.speed).read_text())
    print("| model | params | Middlebury Y-PSNR / SSIM | UCF101 Y-PSNR / SSIM | ms per frame |")
    print("|---|---:|---:|---:|---:|")
    for label in args.models:
        cells = []
        params = None
        for ds in DATASETS:
            result = json.loads((Path(args.evals) / f"{label}_{ds}.json").read_text())
            params = result["params"]
            cells.append(f"{result['mean']['psnr_y']:.2f} / {result['mean']['ssim_y']:.4f}")
        ms = speed.get(label, {}).get("ms_per_frame")
        print(f"| {label} | {params:,} | {cells[0]} | {cells[1]} | {f'{ms:.0f}' if ms is not None else 'n/a'} |")


if __name__ == "__main__":
    main()
