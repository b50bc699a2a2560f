"""Where does a model's time go? The torch profiler over the app's own inference engine, top ops by self time.

Why this shape: the engine (vsr_app.inference) is what users run, so its frame conversion, autocast and
memory-format handling are profiled along with the net. Ops are grouped by input shape, which tells a
30 ms pixel-shuffle at 128 channels apart from a cheap one elsewhere. One torch thread by default, so a
shared CPU distorts the ranking less (wall times still include waiting for the CPU).

    .venv/bin/python benchmarks/profile_model.py vsr-x4-student
    .venv/bin/python benchmarks/profile_model.py vfi-x2-student --size 360x640 --frames 4
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from torch.profiler import ProfilerActivity, profile  # noqa: E402

from vsr_app.bench import parse_size, sample_frames  # noqa: E402
from vsr_app.inference import make_interpolator, make_upscaler  # noqa: E402
from vsr_app.models import load_model  # noqa: E402
from vsr_app.nets.ops import set_threads  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model")
    ap.add_argument("--size", default="180x320", help="input HxW")
    ap.add_argument("--frames", type=int, default=8, help="profiled frames (after 3 warm-up frames)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--precision", default="auto", choices=("auto", "fp32", "bf16"))
    ap.add_argument("--rows", type=int, default=20)
    args = ap.parse_args(argv)

    set_threads(args.threads)
    loaded = load_model(args.model, "cpu")
    frames = sample_frames(parse_size(args.size), args.frames + 6)
    if loaded.task == "upscale":
        engine = make_upscaler(loaded, "cpu", precision=args.precision)
        work = [lambda f=f: engine.push(f) for f in frames]
    else:
        engine = make_interpolator(loaded, "cpu", precision=args.precision)
        k = engine.num_inputs
        work = [lambda i=i: engine.midpoint(frames[i:i + k]) for i in range(len(frames) - k + 1)]
    for call in work[:3]:
        call()
    with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
        for call in work[3:3 + args.frames]:
            call()
    print(prof.key_averages(group_by_input_shape=True).table(sort_by="self_cpu_time_total", row_limit=args.rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
