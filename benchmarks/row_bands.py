"""Would splitting each frame into row bands, one single-threaded band per core, beat torch's own threads?

torch's threads split every op of a frame; for the student's small 320x180 maps two threads give ~1.6x one. The
alternative timed here: each frame cut into horizontal bands with `3 + 2 x blocks` rows of halo (the distance one
student step's frame and state can see), the bands stepped side by side on a thread pool whose threads run torch
ops single-threaded, and only each band's own rows kept — the same frames and state as the whole-frame step (the
script exits 1 if any output differs). Both run through the app's engine on random frames, alternately, `--rounds`
times. MODEL is a streaming student (`vsr_student`: it reads the block count). OpenCV's base upsample inside each
band still uses OpenCV's own threads.

    .venv/bin/python benchmarks/row_bands.py [MODEL] [--size HxW] [--rounds N]
"""
import argparse
import contextlib
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch

from vsr_app import inference, models
from vsr_app.devices import autocast

parser = argparse.ArgumentParser()
parser.add_argument("model", nargs="?", default="vsr-x4-student")
parser.add_argument("--size", default="180x320", help="input frame HxW")
parser.add_argument("--rounds", type=int, default=3)
args = parser.parse_args()
height, width = (int(v) for v in args.size.split("x"))
threads = torch.get_num_threads()


def single_threaded_pool(workers: int) -> ThreadPoolExecutor:
    """torch gives a thread its count on its first ask, from a process-wide default that set_num_threads also moves:
    each worker asks, sets 1, and the default goes back once all have."""
    all_set = threading.Barrier(workers + 1)

    def pin():
        torch.get_num_threads()
        torch.set_num_threads(1)
        all_set.wait()

    pool = ThreadPoolExecutor(workers)
    for _ in range(workers):
        pool.submit(pin)
    all_set.wait()
    torch.set_num_threads(threads)
    return pool


@contextlib.contextmanager
def engine_context(engine):
    """What the engine runs its net under; torch keeps inference mode and autocast per thread."""
    with torch.inference_mode(), autocast(engine.device, engine.dtype):
        yield


def banded(engine, pool):
    """engine.net.step replaced by the band-parallel one."""
    net, step = engine.net, engine.net.step
    radius, scale = 3 + 2 * len(net.body), net.scale

    def band_step(lr, state):
        rows = lr.shape[-2]
        edges = [rows * i // threads for i in range(threads + 1)]

        def band(i):
            top, bottom = edges[i], edges[i + 1]
            lo, hi = max(0, top - radius), min(rows, bottom + radius)
            part_state = None if state is None else tuple(t[..., lo:hi, :] for t in state)
            with engine_context(engine):
                hr, new = step(lr[..., lo:hi, :], part_state)
                return (hr[..., (top - lo) * scale:(bottom - lo) * scale, :],
                        [t[..., top - lo:bottom - lo, :] for t in new])

        parts = list(pool.map(band, range(threads)))
        return torch.cat([p[0] for p in parts], -2), tuple(torch.cat(m, -2) for m in zip(*(p[1] for p in parts)))

    net.step = band_step


def timed(engine, frames):
    outs = [engine.push(f)[0] for f in frames[:3]]  # warm-up
    wall, cpu = time.perf_counter(), time.process_time()
    outs += [engine.push(f)[0] for f in frames[3:]]
    n = len(frames) - 3
    return n / (time.perf_counter() - wall), (time.process_time() - cpu) / n * 1000, np.stack(outs)


if __name__ == "__main__":
    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 256, (height, width, 3), dtype=np.uint8) for _ in range(43)]
    pool = single_threaded_pool(threads)
    for _ in range(args.rounds):
        whole = inference.make_upscaler(models.load_model(args.model), "cpu")
        bands = inference.make_upscaler(models.load_model(args.model), "cpu")
        banded(bands, pool)
        fps_w, ms_w, out_w = timed(whole, frames)
        fps_b, ms_b, out_b = timed(bands, frames)
        differ = int(np.abs(out_w.astype(int) - out_b.astype(int)).max())
        print(f"{args.model} {args.size}, {threads} threads: torch's threads {fps_w:.1f} fps ({ms_w:.1f} CPU-ms), "
              f"row bands {fps_b:.1f} fps ({ms_b:.1f} CPU-ms); largest output difference {differ} level(s)")
        if differ:
            raise SystemExit("row bands changed the output: the halo is too small for this net")
