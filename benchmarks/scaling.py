"""Throughput against input size: the same bench at 180p, 360p and 540p (x4: 720p, 1440p and 2160p out).

Why: the student is meant to stream at any size, so frames/s should fall roughly with the pixel count
(output megapixels/s about constant) and memory should stay bounded; large inputs go through the
engine's tiling (above 640x360 input pixels), which this also exercises. Each size is one
`vsr_app.bench` run, so every number is measured the same way as `vsr-app bench`.

    .venv/bin/python benchmarks/scaling.py                       # student and bicubic
    .venv/bin/python benchmarks/scaling.py --models vsr-x4-student,vsr-x4-teacher,bicubic --frames 16

Prints a Markdown table (for docs/RESULTS.md) and, with --json FILE, writes every bench result.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from vsr_app.bench import DEFAULT_BUDGET_S, DEFAULT_FRAMES, BenchConfig, parse_size, run_bench  # noqa: E402
from vsr_app.errors import VsrAppError  # noqa: E402
from vsr_app.files import atomic_write  # noqa: E402

SIZES = ("180x320", "360x640", "540x960")


def table(results: list[dict]) -> str:
    rows = ["| model | input | output | fps model | fps pipeline | out Mpx/s (model) | peak RSS MB |",
            "|---|---|---|---:|---:|---:|---:|"]
    for result in results:
        for name, m in result["models"].items():
            h, w = m["input"]
            scale = 4 if m["task"] == "upscale" else 1
            mpx = m["fps_model"] * h * w * scale * scale / 1e6
            rows.append(f"| {name} | {w}x{h} | {w * scale}x{h * scale} | {m['fps_model']:.2f} | "
                        f"{m['fps_pipeline']:.2f} | {mpx:.1f} | {m['peak_rss_mb']:.0f} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", default="vsr-x4-student,bicubic", help="comma-separated upscaling models")
    ap.add_argument("--sizes", default=",".join(SIZES), help="comma-separated HxW input sizes")
    ap.add_argument("--frames", type=int, default=DEFAULT_FRAMES, help="clip length (default: the bench's)")
    ap.add_argument("--budget", type=float, default=DEFAULT_BUDGET_S, help="seconds per measurement")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--json", type=Path, metavar="FILE", help="also write the raw bench results here")
    args = ap.parse_args(argv)

    results = []
    try:
        for size in args.sizes.split(","):
            config = BenchConfig(device=args.device, upscale_size=parse_size(size), frames=args.frames,
                                 budget_s=args.budget, models=tuple(args.models.split(",")))
            results.append(run_bench(config))
            print(f"scaling: {size} done", file=sys.stderr, flush=True)
    except VsrAppError as exc:
        print(f"scaling: {exc}", file=sys.stderr)
        return 2
    print(f"device {results[0]['device']} ({results[0]['machine']}), clip of {args.frames} frames\n")
    print(table(results))
    if args.json:
        atomic_write(args.json, lambda tmp: tmp.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
