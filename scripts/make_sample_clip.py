"""Regenerate resources/sample.mp4, the clip the app offers when no video is open.

A 2-second cut (frames 10-59) of Big Buck Bunny (CC BY 3.0, Blender Foundation) from the project's
training footage, shrunk to 320x180 with area averaging so it looks like a clean low-resolution source
worth upscaling x4 to 1280x720. Run from the project root: `.venv/bin/python scripts/make_sample_clip.py`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from vsr_app.video.reader import VideoReader  # noqa: E402
from vsr_app.video.writer import VideoWriter  # noqa: E402

SOURCE = ROOT.parent / "shared" / "data" / "train" / "bigbuckbunny.mp4"
FIRST, COUNT, SIZE = 10, 50, (320, 180)


def main() -> None:
    reader = VideoReader(SOURCE)
    out = ROOT / "resources" / "sample.mp4"
    with VideoWriter(out, width=SIZE[0], height=SIZE[1], frame_rate=reader.info.frame_rate, codec="libx264",
                     crf=16, overwrite=True) as writer:
        for frame in reader.frames():
            if frame.index < FIRST:
                continue
            if frame.index >= FIRST + COUNT:
                break
            small = cv2.resize(frame.image, SIZE, interpolation=cv2.INTER_AREA)
            writer.write(small, (frame.index - FIRST) / reader.info.fps)
    print(f"wrote {out} ({out.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
