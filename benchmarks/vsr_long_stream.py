"""Does a recurrent upscaler's carried state help or hurt over a long stream? Carried against restarted, per window.

Why: the students are trained on clips of 7-24 frames and validated on a clip's first 10 frames from a fresh
state, but the app runs them over whole videos with the state carried from the first frame. A net whose state
builds on its own output can lose over a long stream what it wins on short clips (docs/RESULTS.md, Round Y: A1
lost 0.23 dB on carphone this way). Each sequence is scored twice, the `eval vsr` way (antialiased bicubic x4 of
the ground truth, the app's engine): once with the state carried from frame 0, as the app runs it, once with the
state restarted every `--restart` frames. `--repeat K` plays the sequence forward and back K times (2K passes)
to make a long stream from a short clip. `--at-cuts` restarts the state at each detected scene cut instead (what
a reset at cuts would give, the question of docs/RESULTS.md, session 31).

    .venv/bin/python benchmarks/vsr_long_stream.py --data HELD --models vsr-x4-student,vsr-x4-student-aligned
    .venv/bin/python benchmarks/vsr_long_stream.py --data HELD --restart 40 --repeat 2 --json
    .venv/bin/python benchmarks/vsr_long_stream.py --data HELD --at-cuts --models vsr-x4-student,vsr-x4-teacher
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from vsr_app.eval_protocol import degrade_x4  # noqa: E402
from vsr_app.evaluate import upscale_sequence  # noqa: E402
from vsr_app.inference import make_upscaler  # noqa: E402
from vsr_app.metrics import psnr_y  # noqa: E402
from vsr_app.models import load_model  # noqa: E402
from vsr_app.sequences import read_frames, sequence_sources  # noqa: E402
from vsr_app.video.scenecut import mark_cuts  # noqa: E402


def ping_pong(frames: list, repeat: int) -> list:
    """The frames forward then backward, `repeat` times (a 120-frame clip and repeat 2: 480 frames)."""
    return (frames + frames[::-1]) * repeat if repeat > 0 else frames


def cut_starts(lrs: list[np.ndarray]) -> list[int]:
    """Where each shot starts (0 and every detected scene cut), as the export's cut detection sees the input."""
    return [0] + [i for i, (_, cut) in enumerate(mark_cuts(lrs, lambda image: image)) if cut and i > 0]


def carried_and_restarted(engine, pairs: list[tuple[np.ndarray, np.ndarray]], starts: list[int]
                          ) -> tuple[np.ndarray, np.ndarray]:
    """Per-frame Y-PSNR with the state carried from the first frame, and with it restarted at each of `starts`."""
    lrs = [lr for _, lr in pairs]
    gts = [gt for gt, _ in pairs]
    carried = upscale_sequence(engine, lrs)
    bounds = [*starts, len(lrs)]
    restarted = [out for s, e in zip(bounds, bounds[1:]) for out in upscale_sequence(engine, lrs[s:e])]
    return (np.array([psnr_y(o, g) for o, g in zip(carried, gts)]),
            np.array([psnr_y(o, g) for o, g in zip(restarted, gts)]))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared/data/eval/vid4"))
    ap.add_argument("--models", default="vsr-x4-student")
    ap.add_argument("--restart", type=int, default=10, help="frames between restarts of the state (and per window)")
    ap.add_argument("--repeat", type=int, default=0, help="play each sequence forward and back this many times")
    ap.add_argument("--at-cuts", action="store_true", help="restart at detected scene cuts, not every --restart")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    if args.restart < 1:
        ap.error("--restart must be 1 or more")

    sequences = {f.name: ping_pong([degrade_x4(x) for x in read_frames(f)], args.repeat)
                 for f in sequence_sources(args.data)}
    rows = []
    for model in args.models.split(","):
        engine = make_upscaler(load_model(model, "cpu"), "cpu")
        for name, pairs in sequences.items():
            starts = (cut_starts([lr for _, lr in pairs]) if args.at_cuts
                      else list(range(0, len(pairs), args.restart)))
            carried, restarted = carried_and_restarted(engine, pairs, starts)
            gain = carried - restarted
            rows.append({"model": model, "sequence": name, "frames": len(pairs), "restarts": starts,
                         "carried": float(carried.mean()), "restarted": float(restarted.mean()),
                         "windows": [float(gain[i:i + args.restart].mean()) for i in range(0, len(gain), args.restart)]})
    if args.json:
        print(json.dumps({"data": args.data, "restart": "cuts" if args.at_cuts else args.restart, "repeat": args.repeat,
                          "rows": rows}, indent=1))
    else:
        restarted = "restarted at cuts" if args.at_cuts else f"restarted every {args.restart}"
        windows = f"carried − restarted, per {args.restart} frames"
        print(f"| model | sequence | frames | carried | {restarted} | {windows} |")
        print("|---|---|---:|---:|---:|---|")
        for r in rows:
            windows = " ".join(f"{w:+.2f}" for w in r["windows"])
            print(f"| {r['model']} | {r['sequence']} | {r['frames']} | {r['carried']:.3f} | {r['restarted']:.3f} | "
                  f"{windows} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
