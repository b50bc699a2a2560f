"""Where the scene-cut detector's CERTAIN_DIFFERENCE sits: thumbnail differences between unrelated pictures (a
slideshow's changes) against the largest differences of consecutive frames in the project's videos (motion, and their
real cuts, which the spike rule finds).

    .venv/bin/python benchmarks/scene_cut_levels.py [--data ../shared/data] [--pairs 3000]

Prints, for each video, its largest differences and the cuts `mark_cuts` finds; then the percentiles of differences
between random pairs of the training stills (each resized to 320x180, as a slideshow frame) and the share at or above
CERTAIN_DIFFERENCE.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

import cv2
import numpy as np

from vsr_app.media import read_image
from vsr_app.video.reader import VideoReader
from vsr_app.video.scenecut import CERTAIN_DIFFERENCE, differences, mark_cuts, thumbnail


def video_levels(path: Path) -> tuple[list[float], list[int]]:
    images = [frame.image for frame in VideoReader(path).frames()]
    diffs = differences([thumbnail(image) for image in images])[1:]
    cuts = [i for i, (_, cut) in enumerate(mark_cuts(images, lambda image: image)) if cut]
    return diffs, cuts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    parser.add_argument("--pairs", type=int, default=3000)
    args = parser.parse_args()
    data = Path(args.data)
    videos = sorted([*data.glob("train/*.mp4"), *data.glob("train/asl_gestures/*.mkv"), *data.glob("test/*.mp4")])
    print("video: largest consecutive differences (frame index), cuts found")
    for path in videos:
        diffs, cuts = video_levels(path)
        top = sorted(range(len(diffs)), key=diffs.__getitem__)[-4:][::-1]
        print(f"  {path.name:<26} {', '.join(f'{diffs[i]:.1f} ({i + 1})' for i in top)}   cuts {cuts}")
    stills = sorted(data.glob("train/images/*/*.png"))
    thumbs = [thumbnail(cv2.resize(read_image(p), (320, 180), interpolation=cv2.INTER_AREA)) for p in stills]
    rng = random.Random(0)
    pairs = [rng.sample(range(len(thumbs)), 2) for _ in range(args.pairs)]
    levels = np.array([float(np.abs(thumbs[i] - thumbs[j]).mean()) for i, j in pairs])
    percentiles = np.percentile(levels, [1, 5, 10, 25, 50])
    print(f"unrelated pictures ({len(stills)} stills, {args.pairs} pairs): percentiles 1/5/10/25/50 = "
          f"{' / '.join(f'{p:.1f}' for p in percentiles)}; at or above {CERTAIN_DIFFERENCE:g}: "
          f"{(levels >= CERTAIN_DIFFERENCE).mean():.1%}")


if __name__ == "__main__":
    main()
