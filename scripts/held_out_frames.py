"""Decode the held-out test videos into frame folders that `vsr-app eval vsr` and benchmarks/vsr_robustness.py read.

Why: model choices are scored on clips that are neither trained on nor the reported evaluation sets (Vid4), so a
choice cannot fit the numbers it is reported with. ../shared/data/test holds such clips as videos; the evaluation
commands read folders of frames. Run from the project root:

    .venv/bin/python scripts/held_out_frames.py /tmp/held      # then --data /tmp/held

Each video becomes OUT/<stem>/000.png, 001.png, ... (its first frames, as many as CLIPS gives, as decoded).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from vsr_app.video.reader import VideoReader  # noqa: E402

TEST_VIDEOS = ROOT.parent / "shared" / "data" / "test"
# the held-out clips of docs/RESULTS.md (Round X); first 100 frames of scene_cuts.mp4, the others whole
CLIPS = {"carphone_pristine.mp4": 120, "scene_cuts.mp4": 100, "realshort_with_audio.mp4": 36}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--videos", type=Path, default=TEST_VIDEOS)
    args = ap.parse_args()
    for name, count in CLIPS.items():
        folder = args.out / Path(name).stem
        if folder.exists() and any(folder.iterdir()):  # stale frames would join the sequence
            sys.exit(f"{folder} is not empty: give an empty or new output folder")
        folder.mkdir(parents=True, exist_ok=True)
        written = 0
        for frame in VideoReader(args.videos / name).frames():
            if written == count:
                break
            cv2.imwrite(str(folder / f"{written:03d}.png"), cv2.cvtColor(frame.image, cv2.COLOR_RGB2BGR))
            written += 1
        print(f"{folder}: {written} frames")


if __name__ == "__main__":
    main()
