"""What several benchmarks share (not a benchmark itself): the machine a run was timed on, this process's memory as
Linux reports it, a generated clip to play, and an `eval vsr` run printed as one JSON line. A benchmark imports these
from here, never from another benchmark, so that each one can change on its own.

Sizes given on a benchmark's command line are HxW and parsed by `vsr_app.bench.parse_size`, as `vsr-app bench --size`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import av
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from vsr_app.devices import cpu_name  # noqa: E402
from vsr_app.evaluate import eval_vsr  # noqa: E402


def load_average() -> list[float]:
    """The system's load over the last 1, 5 and 15 minutes: above the core count, other work shared the cores."""
    return [round(v, 2) for v in os.getloadavg()]


def machine() -> dict:
    """What the timings were taken on: the CPU, its cores and how busy they were, the libraries doing the work."""
    return {"cpu": cpu_name(), "cores": os.cpu_count(),
            "load_average": load_average(), "av": av.__version__, "numpy": np.__version__}


def status_mb(field: str) -> float:
    """A size in MB from /proc/self/status (Linux): VmRSS, the resident set now, or VmHWM, its peak."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status (this benchmark needs Linux)")


def make_clip(path: Path, width: int, height: int, frames: int = 12) -> None:
    """Noise panning sideways: detail everywhere, so no engine gets an easy frame."""
    base = np.random.default_rng(0).integers(0, 255, (height, width, 3), dtype=np.uint8)
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for i in range(frames):
            out.mux(stream.encode(av.VideoFrame.from_ndarray(np.roll(base, 2 * i, axis=1), format="rgb24")))
        out.mux(stream.encode())


def eval_parser(doc: str) -> argparse.ArgumentParser:
    """Options for `print_eval`'s runs: --model (the teacher) and --data (Vid4)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--model", default="vsr-x4-teacher")
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "eval" / "vid4"))
    return parser


def print_eval(setting: dict, model: str, data: str, **options) -> None:
    """`eval_vsr(model, data, **options)` as one JSON line: `setting`, the seconds it took, the mean and each
    sequence's Y-PSNR (benchmarks/clip_chunks.py and teacher_flow.py run and print with these)."""
    started = time.monotonic()
    result = eval_vsr(model, data, **options)
    print(json.dumps({**setting, "seconds": round(time.monotonic() - started), "mean": result["mean"],
                      "sequences": {k: round(v["psnr_y"], 3) for k, v in result["sequences"].items()}}),
          flush=True)
