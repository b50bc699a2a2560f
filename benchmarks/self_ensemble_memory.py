"""Peak memory of an upscaler run plainly and self-ensembled: what `SelfEnsembleUpscaler.working_bytes` multiplies.

Why: refusing a job that cannot fit counts a self-ensembled upscaler at a fixed multiple of one engine's working
memory (inference.py), since its 8 members run one after another but each keeps its state between frames and the
allocator keeps blocks for two frame shapes (a frame and its transpose). Each measurement runs in a fresh process:
the model loaded and the bench's sample frames made, the peak reset (/proc/self/clear_refs, Linux), the engine made
and 19 frames pushed, then the peak resident memory (VmHWM) above the resident memory before the engine. The
engine's own estimate (`working_bytes`) is printed beside it.

    .venv/bin/python benchmarks/self_ensemble_memory.py --models vsr-x4-student --sizes 180x320,360x640 --repeat 3
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_support import status_mb  # noqa: E402
from vsr_app.bench import parse_size, sample_frames  # noqa: E402


def measure(job: tuple[str, tuple[int, int], bool, str, int, int]) -> dict:
    """One engine's peak above its start, MB, and its `working_bytes`, MB; run in a process of its own."""
    from vsr_app.inference import make_upscaler
    from vsr_app.models import load_model
    from vsr_app.nets.ops import set_threads

    model, (height, width), self_ensemble, precision, threads, frames = job
    set_threads(threads)
    loaded = load_model(model, "cpu")
    inputs = sample_frames((height, width), frames)
    with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
        fh.write("5")  # VmHWM := VmRSS
    start = status_mb("VmRSS")
    engine = make_upscaler(loaded, "cpu", self_ensemble=self_ensemble, precision=precision)
    for frame in inputs:
        engine.push(frame)
    engine.flush()
    return {"peak_mb": status_mb("VmHWM") - start, "estimate_mb": engine.working_bytes(width, height) / 2**20}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", default="vsr-x4-student")
    ap.add_argument("--sizes", default="180x320,360x640", help="input sizes HxW, as `vsr-app bench --size`")
    ap.add_argument("--precision", default="fp32", choices=("auto", "fp32", "bf16"),
                    help="fp32: the precision the models' working_memory figures were measured in")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--frames", type=int, default=19)
    ap.add_argument("--repeat", type=int, default=1, help="fresh processes per measurement")
    args = ap.parse_args(argv)

    jobs = [(model, parse_size(size), self_ensemble, args.precision, args.threads, args.frames)
            for model in args.models.split(",") for size in args.sizes.split(",") for self_ensemble in (False, True)
            for _ in range(args.repeat)]
    with multiprocessing.get_context("spawn").Pool(1, maxtasksperchild=1) as pool:
        runs = pool.map(measure, jobs, chunksize=1)
    for at in range(0, len(jobs), args.repeat):
        model, (height, width), self_ensemble = jobs[at][:3]
        peaks = ", ".join(f"{run['peak_mb']:.0f}" for run in runs[at:at + args.repeat])
        print(f"{model} {width}x{height} {'self-ensemble' if self_ensemble else 'plain'} {args.precision}: "
              f"peak above start {peaks} MB; working_bytes {runs[at]['estimate_mb']:.0f} MB", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
