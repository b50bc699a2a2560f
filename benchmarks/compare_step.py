"""Time of one Compare-view step through in-between frames, with the source frames already decoded.

Steps the GUI's own `FrameService` through a generated panning clip, one in-between frame after another, as the
player's "next frame" does in the interpolate view, and reports the median time per step. With `--model blend`
(an average of the two frames, ~nothing to compute) the time is the view's own overhead: the scene-cut check
around each gap and the frame handling; with a real model it is what a user waits for.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/compare_step.py --size 1080x1920 --model blend

Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_support import make_clip  # noqa: E402
from vsr_app.bench import parse_size  # noqa: E402
from vsr_app.gui.processing import SOURCE, FrameService, Request  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1080x1920", help="input HxW, as `vsr-app bench --size`")
    parser.add_argument("--model", default="blend", help="the interpolator on the compared side")
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=3, help="runs of --steps steps; the best median is kept")
    args = parser.parse_args()
    height, width = parse_size(args.size)
    frames = args.steps + 2
    with tempfile.TemporaryDirectory() as tmp:
        clip = Path(tmp) / "clip.mp4"
        make_clip(clip, width, height, frames)
        medians = []
        for _ in range(args.repeats):
            service = FrameService(str(clip), cache_bytes=8 << 30)  # fresh: nothing carried over between runs
            for k in range(frames):
                service.source.get(k)  # decoded and cached: only the step's own work is timed
            service.render(Request(0, "interpolate", (SOURCE, args.model), "cpu"))  # loads the engine
            times = []
            for k in range(1, args.steps + 1):
                start = time.perf_counter()
                service.render(Request(k, "interpolate", (SOURCE, args.model), "cpu"))
                times.append(time.perf_counter() - start)
            service.close()
            medians.append(statistics.median(times))
    print(json.dumps({"size": f"{width}x{height}", "model": args.model, "steps": args.steps,
                      "median_ms_per_step": round(min(medians) * 1000, 1)}))


if __name__ == "__main__":
    main()
