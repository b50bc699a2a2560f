"""Does a bidirectional (clip) upscaler score better when it sees more frames at once? Vid4 at several chunk lengths.

Why: the app runs the teacher in chunks of `inference.CLIP_CHUNK` output frames with `CLIP_CONTEXT` frames of
context on each side, which bounds its memory; a net that propagates both ways might gain from longer sequences.
Each setting is scored exactly as `eval vsr` scores (same degradation, same metrics), one JSON line per setting.

    .venv/bin/python benchmarks/clip_chunks.py                               # the teacher at 8:3, 16:8, whole (50:0)
    .venv/bin/python benchmarks/clip_chunks.py --model vsr-x4-teacher --settings 8:3,32:8
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_support import eval_parser, print_eval  # noqa: E402


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
