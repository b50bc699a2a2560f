"""What deinterlacing gives an interlaced source, against the progressive truth (Y-PSNR of the x4 output).

The reader's idet + bwdif, against the woven frames as they were decoded before (session 35); `--deinterlacer`
puts another of FFmpeg's deinterlacers in bwdif's place.

Why: camcorder, DV and broadcast video weaves two fields, taken half a frame apart, into each frame; read as it is,
the models enlarge the combing on anything that moves. Each sequence's ground truth frames 2i and 2i+1 stand for
the two fields of interlaced frame i (`--gap g`: frames 2gi and 2gi+g, for faster motion): both are degraded as `eval vsr` degrades (antialiased bicubic x4), woven
(top lines from 2i, bottom from 2i+1) and written lossless as top-field-first interlaced H.264 (4:4:4, so no chroma
subsampling muddles the comparison). The reader decodes that file as the app does, once as it is and once with the
deinterlacing bypassed, the model upscales each stream from a fresh state, and each output frame i is scored
against ground truth frame 2i (the top field's moment, the one bwdif keeps). `--progressive` also scores the
progressive frames 2gi (no weaving), the best either can reach.

    .venv/bin/python benchmarks/interlaced.py --data ../shared/data/eval/vid4 --models bicubic,vsr-x4-student
    .venv/bin/python benchmarks/interlaced.py --models bicubic --deinterlacer yadif --gap 2
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from contextlib import contextmanager
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from vsr_app.eval_protocol import degrade_x4  # noqa: E402
from vsr_app.evaluate import upscale_sequence  # noqa: E402
from vsr_app.inference import make_upscaler  # noqa: E402
from vsr_app.metrics import psnr_y  # noqa: E402
from vsr_app.models import load_model  # noqa: E402
from vsr_app.sequences import read_frames, sequence_sources  # noqa: E402
from vsr_app.video import deinterlace  # noqa: E402
from vsr_app.video.reader import VideoReader  # noqa: E402


def write_interlaced(path: Path, lrs: list[np.ndarray], gap: int) -> None:
    """Frames 2gi and 2gi+g woven into frame i (g: `gap`), lossless top-field-first interlaced H.264."""
    height, width = lrs[0].shape[:2]
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv444p"
        stream.options = {"qp": "0", "preset": "ultrafast", "x264-params": "interlaced=1:tff=1"}
        for i in range(len(lrs) // (2 * gap)):
            woven = lrs[2 * gap * i].copy()
            woven[1::2] = lrs[2 * gap * i + gap][1::2]
            frame = av.VideoFrame.from_ndarray(woven, format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, 25)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))


# FFmpeg's frame-for-frame deinterlacers, with the options that make each keep the frame rate and the field order
# read from the frames (bwdif's are the reader's own)
DEINTERLACERS = {"bwdif": deinterlace.BWDIF_OPTIONS, "yadif": "mode=send_frame:parity=auto:deint=interlaced",
                 "w3fdif": "filter=complex:mode=frame:parity=auto:deint=interlaced",
                 "estdif": "mode=frame:parity=auto:deint=interlaced"}


@contextmanager
def deinterlacer(name: str):
    """The reader with `name` in bwdif's place."""
    made = deinterlace.Deinterlacer.__init__

    def init(self):
        made(self)
        self._bwdif = deinterlace._Filter(name, DEINTERLACERS[name])

    deinterlace.Deinterlacer.__init__ = init
    try:
        yield
    finally:
        deinterlace.Deinterlacer.__init__ = made


@contextmanager
def deinterlacing_bypassed():
    """The reader as it was before session 35: woven frames passed on as decoded."""
    run = deinterlace.Deinterlacer.run
    deinterlace.Deinterlacer.run = lambda self, frames: frames
    try:
        yield
    finally:
        deinterlace.Deinterlacer.run = run


def decoded(path: Path) -> tuple[list[np.ndarray], int]:
    reader = VideoReader(path)
    return [f.image for f in reader.frames()], reader.interlaced_frames


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared/data/eval/vid4"))
    ap.add_argument("--models", default="bicubic,vsr-x4-student")
    ap.add_argument("--progressive", action="store_true", help="also score the progressive frames 2gi")
    ap.add_argument("--deinterlacer", choices=sorted(DEINTERLACERS), default="bwdif")
    ap.add_argument("--gap", type=int, default=1, help="frames between a frame's two fields (more: faster motion)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        streams = {}
        for folder in sequence_sources(args.data):
            pairs = [degrade_x4(x) for x in read_frames(folder)]
            path = Path(tmp) / f"{folder.name}.mkv"
            write_interlaced(path, [lr for _, lr in pairs], args.gap)
            with deinterlacer(args.deinterlacer):
                deinterlaced, flagged = decoded(path)
            with deinterlacing_bypassed():
                woven, _ = decoded(path)
            tops = pairs[::2 * args.gap][:len(woven)]  # the top field's frames: the moment each frame shows
            streams[folder.name] = {"truths": [gt for gt, _ in tops], "flagged": flagged,
                                    "deinterlaced": deinterlaced, "woven": woven, "progressive": [lr for _, lr in tops]}
        for model in args.models.split(","):
            engine = make_upscaler(load_model(model, "cpu"), "cpu")
            for name, s in streams.items():
                row = {"model": model, "sequence": name, "frames": len(s["truths"]), "deinterlaced_frames": s["flagged"]}
                for kind in ("woven", "deinterlaced", *(("progressive",) if args.progressive else ())):
                    outs = upscale_sequence(engine, s[kind])
                    row[kind] = float(np.mean([psnr_y(o, g) for o, g in zip(outs, s["truths"])]))
                rows.append(row)
    if args.json:
        print(json.dumps({"data": args.data, "rows": rows}, indent=1))
        return 0
    kinds = ["woven", "deinterlaced"] + (["progressive"] if args.progressive else [])
    print(f"| model | sequence | frames | {' | '.join(kinds)} | deinterlaced − woven |")
    print("|---|---|---:|" + "---:|" * (len(kinds) + 1))
    for model in args.models.split(","):
        mine = [r for r in rows if r["model"] == model]
        for r in mine + [{"sequence": "mean", "frames": sum(r["frames"] for r in mine),
                          **{k: float(np.mean([r[k] for r in mine])) for k in kinds}}]:
            cells = " | ".join(f"{r[k]:.3f}" for k in kinds)
            print(f"| {model} | {r['sequence']} | {r['frames']} | {cells} | {r['deinterlaced'] - r['woven']:+.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
