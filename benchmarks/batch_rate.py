"""How long does cutting one VSR training batch take, made in the loop or ahead by `workers` threads?

Why: a GPU takes a training step in a fraction of a second; if cutting the batch's clips (crops, zoom, the
stills' camera paths, the x4 bicubic downscale) takes longer on the CPU, the GPU waits and `"workers"` should be
raised. One JSON line per worker count: seconds per batch after the first, over `--batches` batches.

    .venv/bin/python benchmarks/batch_rate.py --data ../shared/data/train --workers 0,2
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from vsr_app.distill import data as D  # noqa: E402
from vsr_app.distill.sources import load_sources  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", action="append", required=True)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--frames", type=int, default=10)
    parser.add_argument("--patch", type=int, default=48, help="LR crop size (the HR crop is 4x)")
    parser.add_argument("--workers", default="0,2", help="comma-separated thread counts")
    parser.add_argument("--batches", type=int, default=12)
    args = parser.parse_args()
    sampler = D.HRClipSampler(load_sources(args.data, log=lambda *_: None))
    make = functools.partial(D.vsr_batch_at, sampler, 0, 0, args.batch, args.frames, args.patch, None)
    for workers in map(int, args.workers.split(",")):
        stream = D.prefetched(make, 0, workers) if workers else map(make, itertools.count(0))
        next(stream)  # the threads start, the resize matrices are built
        start = time.perf_counter()
        for _ in range(args.batches):
            next(stream)
        print(json.dumps({"workers": workers, "batch": [args.batch, args.frames, args.patch],
                          "s_per_batch": round((time.perf_counter() - start) / args.batches, 4)}), flush=True)
        if workers:
            stream.close()


if __name__ == "__main__":
    main()
