"""Milliseconds per output frame of an fp32 CPU engine with its weights in the plain or the channels-last layout,
whatever the net's own `fp32_channels_last` says: the measurement behind that mark. Interpolators make the middle
of a sequence's first and last frame; upscalers enlarge `--frames` frames resized to `--size`. One process per run
(oneDNN caches per process), so alternate runs from the shell:

    for i in 1 2 3; do for layout in plain channels-last; do
        .venv/bin/python benchmarks/fp32_layout.py vfi-x2-student --layout $layout; done; done
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import cv2
import numpy as np

from vsr_app.bench import parse_size
from vsr_app.inference import make_interpolator, make_upscaler
from vsr_app.models import load_model
from vsr_app.nets.ops import set_threads
from vsr_app.sequences import read_frames


def interpolation_run(loaded, frames: list[np.ndarray], args):
    engine = make_interpolator(loaded, "cpu", precision="fp32")
    a, b = frames[0], frames[-1]
    inputs = [a, b] if engine.num_inputs == 2 else [a, a, b, b]
    return (lambda: [engine.midpoint(inputs)]), f"{a.shape[1]}x{a.shape[0]}"


def upscaling_run(loaded, frames: list[np.ndarray], args):
    height, width = parse_size(args.size)
    inputs = [cv2.resize(frames[k % len(frames)], (width, height), interpolation=cv2.INTER_AREA)
              for k in range(args.frames)]

    def run():
        engine = make_upscaler(loaded, "cpu", precision="fp32")
        outputs = [out for frame in inputs for out in engine.push(frame)]
        return outputs + engine.flush()

    return run, f"{width}x{height}, {args.frames} frames"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("--layout", choices=("plain", "channels-last"), required=True)
    parser.add_argument("--frames-dir", default="../shared/data/eval/vfi_middlebury/Urban2",
                        help="a sequence folder: the interpolator's first and last frame, the upscaler's frames")
    parser.add_argument("--size", default="180x320", help="upscaler input HxW")
    parser.add_argument("--frames", type=int, default=8, help="frames per upscaler run")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--save", help="write the first output frame here (.npy), to compare the layouts' outputs")
    args = parser.parse_args()
    set_threads(args.threads)
    frames = read_frames(Path(args.frames_dir))
    loaded = load_model(args.model, "cpu")
    loaded.net.fp32_channels_last = args.layout == "channels-last"
    run, shape = (interpolation_run if loaded.task == "interpolate" else upscaling_run)(loaded, frames, args)
    outputs = run()  # warm-up
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        run()
        times.append(1000 * (time.perf_counter() - start) / len(outputs))
    if args.save:
        np.save(args.save, outputs[0])
    print(f"{args.model} {args.layout}: median {statistics.median(times):.0f} ms per frame "
          f"({', '.join(f'{t:.0f}' for t in times)}; {shape}, {args.threads} thread(s))")


if __name__ == "__main__":
    main()
