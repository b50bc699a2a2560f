"""Peak memory of the Compare view: what `vsr_app.video.limits.check_preview_fits` is built on.

Makes a 12-frame clip of WxH, opens it in the viewer's `FrameService` (the GUI's worker uses the same class) and
renders three comparisons (frames 0, 1 and 6: a start, a continued stream and a short jump), then reports the
process's peak resident memory (ru_maxrss) above what it held once the video was open.

    .venv/bin/python benchmarks/preview_memory.py --size 360x640 --sides vsr-x4-student,vsr-x4-teacher
    .venv/bin/python benchmarks/preview_memory.py --task interpolate --size 720x1280 --sides vfi-x2-student,blend
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_support import make_clip, status_mb  # noqa: E402
from vsr_app.bench import parse_size  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="360x640", help="input HxW, as `vsr-app bench --size`")
    parser.add_argument("--task", default="upscale", choices=("upscale", "interpolate"))
    parser.add_argument("--sides", default="vsr-x4-student,vsr-x4-teacher", help="two models of the task")
    args = parser.parse_args()
    height, width = parse_size(args.size)
    sides = tuple(args.sides.split(","))

    import vsr_app.inference  # noqa: F401 - torch and the engines loaded before the start is taken, as in the app
    from vsr_app.gui.processing import FrameService, Request

    with tempfile.TemporaryDirectory() as tmp:
        clip = Path(tmp) / "clip.mp4"
        make_clip(clip, width, height)
        service = FrameService(str(clip))
        start = status_mb("VmRSS") * 2**20
        began = time.perf_counter()
        for k in (0, 1, 6):
            service.render(Request(k, args.task, sides, "cpu"))
        seconds = time.perf_counter() - began
        service.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    scale = 4 if args.task == "upscale" else 1
    out_pixels = scale * scale * width * height
    print(f"{width}x{height} {args.task}, {' vs '.join(sides)}: +{(peak - start) / 2**20:.0f} MB above the open video "
          f"({(peak - start) / out_pixels:.0f} B per output pixel), 3 frames in {seconds:.0f} s")


if __name__ == "__main__":
    main()
