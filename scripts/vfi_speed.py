"""Milliseconds per interpolated frame for the RESULTS_vfi table: the inference engine the app uses,
uint8 frames already in memory, median of N timed calls after warm-up, one CPU thread by default
(so models are compared on equal terms on a shared machine).

    python scripts/vfi_speed.py blend opencv-flow ffmpeg-mci vfi-x2-teacher vfi-x2-student \
        --frames-dir ../shared/data/eval/vfi_middlebury/Urban2
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from vsr_app.inference import make_interpolator
from vsr_app.models import load_model
from vsr_app.nets.ops import set_threads
from vsr_app.sequences import read_frames


def time_model(name: str, frames, repeats: int, warmup: int) -> dict:
    loaded = load_model(name, "cpu")
    engine = make_interpolator(loaded, "cpu")
    a, b = frames[0], frames[-1]
    inputs = [a, b] if engine.num_inputs == 2 else [a, a, b, b]
    for _ in range(warmup):
        engine.midpoint(inputs)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        engine.midpoint(inputs)
        times.append(time.perf_counter() - t0)
    return {"params": loaded.info.params, "ms_per_frame": 1000 * statistics.median(times),
            "size": list(a.shape[:2])}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("models", nargs="+", help="NAME|PATH, or LABEL=NAME|PATH to key the output by LABEL")
    p.add_argument("--frames-dir", required=True, help="a sequence folder; its first and last frame are the inputs")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args()
    set_threads(args.threads)
    frames = read_frames(Path(args.frames_dir))
    results = {}
    for item in args.models:
        label, _, model = item.rpartition("=")
        results[label or model] = time_model(model, frames, args.repeats, args.warmup)
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
