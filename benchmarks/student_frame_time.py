"""CPU-ms per frame and wall frames/s of a model through the app's engine on random 320x180 frames.

Usage: python benchmarks/student_frame_time.py [MODEL] [--save OUT.npy] [--threads N]
--save writes the outputs, to check that an optimisation leaves them bit-identical (or how far they move).
--threads 1 gives CPU-ms per frame that other jobs on the machine disturb far less than frames/s: the
median of per-frame times is printed too.
"""
import argparse
import time

import numpy as np
from vsr_app import inference, models
from vsr_app.nets.ops import set_threads

parser = argparse.ArgumentParser()
parser.add_argument("model", nargs="?", default="vsr-x4-student")
parser.add_argument("--save")
parser.add_argument("--threads", type=int, default=2)
args = parser.parse_args()
set_threads(args.threads)
up = inference.make_upscaler(models.load_model(args.model), "cpu")
rng = np.random.default_rng(0)
frames = [rng.integers(0, 256, (180, 320, 3), dtype=np.uint8) for _ in range(23)]
outs = []
for f in frames[:3]:  # warm-up: kernel selection, first allocations
    outs += up.push(f)
wall, per_frame = time.perf_counter(), []
for f in frames[3:]:
    start = time.process_time()
    outs += up.push(f)
    per_frame.append(time.process_time() - start)
print(f"{args.model}: {np.mean(per_frame) * 1000:.1f} CPU-ms/frame (median {np.median(per_frame) * 1000:.1f}), "
      f"{len(per_frame) / (time.perf_counter() - wall):.1f} fps, {args.threads} thread(s)")
if args.save:
    np.save(args.save, np.stack(outs))
