"""How far a frame the Compare tab shows after a seek is from eval's, for a recurrent upscaler.

Why: the viewer cannot replay a whole video to show frame k, so a jump restarts the engine `WARMUP` frames before k
(`gui.processing.FrameService`), where `eval vsr` and an export carry the state from frame 0; README and
gui/processing.py say how far apart the two are. Each sequence is degraded the `eval vsr` way (x4 bicubic of the
truth); every `--stride`-th frame k from WARMUP on is upscaled from a fresh state fed frames k - WARMUP .. k, and its
Y-PSNR is set against the same frame's from one pass over the whole sequence. A clip model (the teacher) restarts on
the export's chunk grid in the viewer, so its frames are eval's exactly: it is refused here.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/seek_warmup.py --models vsr-x4-student,vsr-x4-student-aligned
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from vsr_app.eval_protocol import degrade_x4  # noqa: E402
from vsr_app.evaluate import upscale_sequence  # noqa: E402
from vsr_app.gui.model_streams import WARMUP  # noqa: E402
from vsr_app.inference import make_upscaler  # noqa: E402
from vsr_app.metrics import psnr_y  # noqa: E402
from vsr_app.models import load_model  # noqa: E402
from vsr_app.sequences import read_frames, sequence_sources  # noqa: E402


def seek_minus_eval(engine, pairs: list[tuple[np.ndarray, np.ndarray]], warmup: int, stride: int) -> np.ndarray:
    """Y-PSNR after a seek minus eval's, dB, for frames warmup, warmup + stride, ... of one sequence."""
    gts = [gt for gt, _ in pairs]
    lrs = [lr for _, lr in pairs]
    whole = upscale_sequence(engine, lrs)
    return np.array([psnr_y(upscale_sequence(engine, lrs[k - warmup:k + 1])[-1], gts[k]) - psnr_y(whole[k], gts[k])
                     for k in range(warmup, len(lrs), stride)])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared/data/eval/vid4"))
    ap.add_argument("--models", default="vsr-x4-student")
    ap.add_argument("--warmup", type=int, default=WARMUP,
                    help=f"frames of history after a seek (default the viewer's, {WARMUP})")
    ap.add_argument("--stride", type=int, default=1, help="score every N-th frame from --warmup on")
    args = ap.parse_args(argv)
    if args.warmup < 0 or args.stride < 1:
        ap.error("--warmup must be 0 or more and --stride 1 or more")

    sequences = {f.name: [degrade_x4(x) for x in read_frames(f)] for f in sequence_sources(args.data)}
    for model in args.models.split(","):
        loaded = load_model(model, "cpu")
        if getattr(loaded.net, "kind", None) != "recurrent":
            ap.error(f"{model} is not a recurrent upscaler: the viewer gives a clip model's frames exactly")
        engine = make_upscaler(loaded, "cpu")
        every = []
        for name, pairs in sequences.items():
            diff = seek_minus_eval(engine, pairs, args.warmup, args.stride)
            every.append(diff)
            print(f"{model} {name}: {len(diff)} frames, mean {diff.mean():+.4f} dB, max |diff| "
                  f"{np.abs(diff).max():.4f} dB", flush=True)
        every = np.concatenate(every)
        print(f"{model} all: {len(every)} frames, mean {every.mean():+.4f} dB, max |diff| {np.abs(every).max():.4f} dB",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
