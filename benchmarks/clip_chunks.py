"""Does a bidirectional (clip) upscaler score better when it sees more frames at once? Vid4 at several chunk lengths.

Why: the app runs the teacher in chunks of `inference.CLIP_CHUNK` output frames with `CLIP_CONTEXT` frames of
context on each side, which bounds its memory; a net that propagates both ways might gain from longer sequences.
Each setting is scored exactly as `eval vsr` scores (same degradation, same metrics), one JSON line per setting.

    .venv/bin/python benchmarks/clip_chunks.py                               # the teacher at 8:3, 16:8, whole (50:0)
    .venv/bin/python benchmarks/clip_chunks.py --model vsr-x4-teacher --settings 8:3,32:8
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from vsr_app.evaluate import eval_vsr  # noqa: E402


def eval_parser(doc: str) -> argparse.ArgumentParser:
    """Options for `print_eval`'s runs: --model (the teacher) and --data (Vid4)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--model", default="vsr-x4-teacher")
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "eval" / "vid4"))
    return parser


def print_eval(setting: dict, model: str, data: str, **options) -> None:
    """`eval_vsr(model, data, **options)` as one JSON line: `setting`, the seconds it took, the mean and each
    sequence's Y-PSNR (benchmarks/teacher_flow.py runs and prints with these too)."""
    started = time.monotonic()
    result = eval_vsr(model, data, **options)
    print(json.dumps({**setting, "seconds": round(time.monotonic() - started), "mean": result["mean"],
                      "sequences": {k: round(v["psnr_y"], 3) for k, v in result["sequences"].items()}}),
          flush=True)


def main() -> None:
    parser = eval_parser(__doc__)
    parser.add_argument("--settings", default="8:3,16:8,50:0", help="CHUNK:CONTEXT pairs, comma-separated")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    for setting in args.settings.split(","):
        chunk, context = (int(v) for v in setting.split(":"))
        print_eval({"chunk": chunk, "context": context}, args.model, args.data, device=args.device,
                   engine_options={"chunk": chunk, "context": context})


if __name__ == "__main__":
    main()
