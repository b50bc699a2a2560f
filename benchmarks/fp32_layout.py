"""Milliseconds per interpolated frame of an fp32 CPU engine with its weights in the plain or the channels-last
layout, whatever the net's own `fp32_channels_last` says: the measurement behind that mark. One process per run
(oneDNN caches per process), so alternate runs from the shell:

    for i in 1 2 3; do for layout in plain channels-last; do
        .venv/bin/python benchmarks/fp32_layout.py vfi-x2-student --layout $layout; done; done
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np

from vsr_app.evaluate import read_frames
from vsr_app.inference import make_interpolator
from vsr_app.models import load_model
from vsr_app.nets.ops import set_threads


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("--layout", choices=("plain", "channels-last"), required=True)
    parser.add_argument("--frames-dir", default="../shared/data/eval/vfi_middlebury/Urban2",
                        help="a sequence folder; its first and last frame are the inputs")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--save", help="write the interpolated frame here (.npy), to compare the layouts' outputs")
    args = parser.parse_args()
    set_threads(args.threads)
    frames = read_frames(Path(args.frames_dir))
    loaded = load_model(args.model, "cpu")
    loaded.net.fp32_channels_last = args.layout == "channels-last"
    engine = make_interpolator(loaded, "cpu", precision="fp32")
    a, b = frames[0], frames[-1]
    inputs = [a, b] if engine.num_inputs == 2 else [a, a, b, b]
    out = engine.midpoint(inputs)  # warm-up
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        engine.midpoint(inputs)
        times.append(1000 * (time.perf_counter() - start))
    if args.save:
        np.save(args.save, out)
    print(f"{args.model} {args.layout}: median {statistics.median(times):.0f} ms per frame "
          f"({', '.join(f'{t:.0f}' for t in times)}; {a.shape[1]}x{a.shape[0]}, {args.threads} thread(s))")


if __name__ == "__main__":
    main()
