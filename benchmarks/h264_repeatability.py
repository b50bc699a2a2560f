"""How often one process's x264 encodes the same frames differently: (a) `degrade.h264_round_trip` as training and
the CRF conditions use it (compared decoded), (b) x264 given the same frames as yuv420p (OpenCV's conversion),
compared as bitstreams. Between repeats the process does other work (heap churn, a torch matmul), which made it more
frequent. docs/RESULTS.md, "The H.264 degradation is not always the same" (session 44's measurements).

    .venv/bin/python benchmarks/h264_repeatability.py --size 72x88 --runs 300
"""
from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

import av
import cv2
import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from vsr_app.distill.degrade import h264_round_trip  # noqa: E402


def unpadded_bitstream(frames: list[np.ndarray], crf: int) -> bytes:
    """x264 fed yuv420p frames of the clip's own size (no padding to whole macroblocks)."""
    h, w = frames[0].shape[:2]
    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=25, options={"crf": str(crf), "threads": "1"})
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        for f in frames:
            out.mux(stream.encode(av.VideoFrame.from_ndarray(cv2.cvtColor(f, cv2.COLOR_RGB2YUV_I420),
                                                             format="yuv420p")))
        out.mux(stream.encode())
    return buf.getvalue()


def odd_repeats(make, runs: int) -> int:
    """How many of `runs` repeats of `make()` differ from its first result, with other work between them."""
    first, odd = make(), 0
    for _ in range(runs):
        _churn = [np.random.bytes(np.random.randint(1000, 200_000)) for _ in range(20)]
        _ = torch.randn(64, 64, 64) @ torch.randn(64, 64, 64)
        odd += make() != first
    return odd


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="72x88", help="height x width, even (default 72x88)")
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--crf", type=int, default=26)
    args = parser.parse_args()
    h, w = map(int, args.size.split("x"))
    rng = np.random.default_rng(0)
    frames = [cv2.GaussianBlur(rng.integers(0, 255, (h, w, 3), dtype=np.uint8), (5, 5), 2) for _ in range(7)]
    trip = odd_repeats(lambda: np.stack(h264_round_trip(frames, args.crf)).tobytes(), args.runs)
    print(f"{h}x{w}, {args.runs} repeats: round trip as training uses it {trip} differ", flush=True)
    raw = odd_repeats(lambda: unpadded_bitstream(frames, args.crf), args.runs)
    print(f"{h}x{w}, {args.runs} repeats: x264 fed frames of this size {raw} differ")


if __name__ == "__main__":
    main()
