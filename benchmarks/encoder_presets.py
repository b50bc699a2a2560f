"""What the encoder costs: libx264 presets at the app's CRF on real 720p footage, through the app's writer.

Why: on a 2-core machine the encoder competes with the network for the same cores, so its CPU time per
frame bounds how close the pipeline can get to the model-alone rate. For each preset this prints CPU-ms
per frame (all threads, the writer's RGB->YUV included), bitrate, and the Y-PSNR of the decoded result
against the frames that went in.

    .venv/bin/python benchmarks/encoder_presets.py                      # 40 frames of the 720p BBB clip
    .venv/bin/python benchmarks/encoder_presets.py --video my720p.mp4 --presets medium,faster
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from vsr_app.bench import cpu_seconds, decode_clip  # noqa: E402
from vsr_app.metrics import psnr_y  # noqa: E402
from vsr_app.video.reader import VideoReader  # noqa: E402
from vsr_app.video.writer import VideoWriter  # noqa: E402

DEFAULT_VIDEO = ROOT.parent / "shared" / "data" / "train" / "bigbuckbunny.mp4"
RATE = 25


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--video", type=Path, default=DEFAULT_VIDEO)
    ap.add_argument("--frames", type=int, default=40)
    ap.add_argument("--presets", default="medium,faster,veryfast,superfast,ultrafast")
    ap.add_argument("--crf", type=int, default=None, help="default: the writer's (18)")
    args = ap.parse_args(argv)

    frames = [f.image for _, f in zip(range(args.frames), VideoReader(args.video).frames())]
    h, w = frames[0].shape[:2]
    report = {}
    with tempfile.TemporaryDirectory() as tmp:
        for preset in args.presets.split(","):
            path = Path(tmp) / f"{preset}.mp4"
            start = cpu_seconds()
            with VideoWriter(path, width=w, height=h, frame_rate=RATE, codec="libx264", crf=args.crf,
                             preset=preset) as writer:
                for i, frame in enumerate(frames):
                    writer.write(frame, i / RATE)
            cpu_ms = 1000 * (cpu_seconds() - start) / len(frames)
            decoded = decode_clip(path)
            report[preset] = {"cpu_ms_per_frame": round(cpu_ms, 1),
                              "mbit_s": round(os.path.getsize(path) * 8 / (len(frames) / RATE) / 1e6, 2),
                              "psnr_y": round(float(np.mean([psnr_y(a, b) for a, b in zip(decoded, frames)])), 2)}
    print(json.dumps({"video": str(args.video), "size": [h, w], "frames": len(frames), "presets": report}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
