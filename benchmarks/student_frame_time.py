"""CPU-ms per frame and wall frames/s of a model through the app's engine on random 320x180 frames.

Usage: python benchmarks/student_frame_time.py [MODEL] [--save OUT.npy]
--save writes the outputs, to check that an optimisation leaves them bit-identical.
"""
import argparse
import time

import numpy as np
import torch

from vsr_app import inference, models

parser = argparse.ArgumentParser()
parser.add_argument("model", nargs="?", default="vsr-x4-student")
parser.add_argument("--save")
args = parser.parse_args()
torch.set_num_threads(2)
up = inference.make_upscaler(models.load_model(args.model), "cpu")
rng = np.random.default_rng(0)
frames = [rng.integers(0, 256, (180, 320, 3), dtype=np.uint8) for _ in range(12)]
outs = []
for f in frames[:3]:  # warm-up: kernel selection, first allocations
    outs += up.push(f)
cpu, wall = time.process_time(), time.perf_counter()
for f in frames[3:]:
    outs += up.push(f)
n = len(frames) - 3
print(f"{args.model}: {(time.process_time() - cpu) / n * 1000:.1f} CPU-ms/frame, {n / (time.perf_counter() - wall):.1f} fps")
if args.save:
    np.save(args.save, np.stack(outs))
