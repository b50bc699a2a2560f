"""How a scene-cut difference grows with the time gap (scenecut.PACE_EXPONENT), and what the detector finds when the
frame rate varies: the project's clips with frames dropped at random, as a phone's variable rate leaves them.

    .venv/bin/python benchmarks/scene_cut_pace.py [--data ../shared/data] [--drops 6]

Prints, for each clip, the percentiles (50/90/99) of the difference two and three frames on over the difference one
frame on (frames that move: one step on differs by 3 or more); then, for the clips with cuts, the cuts found at a
constant rate, and how many are missed or added when frames are dropped (each kept frame 1, 2 or 3 steps after the
last, at random), judged with the frames' times and without them. The 99th percentiles include pairs across a cut.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

from vsr_app.video.reader import VideoReader
from vsr_app.video.scenecut import frame_difference, mark_cuts, thumbnail

MOVING = 3.0  # one step on differs at least this much: a frame that moves


def pace_ratios(thumbs: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Of each moving frame: the difference 2 and 3 frames on over the difference 1 frame on."""
    two, three = [], []
    for t in range(len(thumbs) - 3):
        one = frame_difference(thumbs[t], thumbs[t + 1])
        if one >= MOVING:
            two.append(frame_difference(thumbs[t], thumbs[t + 2]) / one)
            three.append(frame_difference(thumbs[t], thumbs[t + 3]) / one)
    return np.array(two), np.array(three)


def cut_times(frames: list[tuple[float, np.ndarray]], timed: bool) -> list[float]:
    marked = mark_cuts(frames, lambda f: f[1], time=(lambda f: f[0]) if timed else None)
    return [frame[0] for frame, cut in marked if cut]


def missed_and_added(found: list[float], truth: list[float], step: float) -> tuple[int, int]:
    """A cut at t is found if one is within three frame steps of it (frames dropped around it move it on)."""
    near = lambda t, others: any(abs(t - o) <= 3 * step for o in others)
    return sum(not near(t, found) for t in truth), sum(not near(f, truth) for f in found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    parser.add_argument("--drops", type=int, default=6, help="random frame drops per clip with cuts")
    args = parser.parse_args()
    data = Path(args.data)
    videos = sorted([*data.glob("train/*.mp4"), *data.glob("test/*.mp4")])
    print("clip: difference 2 / 1 frames on, 3 / 1 (percentiles 50/90/99, over moving frames)")
    for path in videos:
        frames = [(f.time, cv2.resize(f.image, (320, 180), interpolation=cv2.INTER_AREA))
                  for f in VideoReader(path).frames()]
        two, three = pace_ratios([thumbnail(image) for _, image in frames])
        if len(two):
            print(f"{path.name}: {len(two)} frames  {np.percentile(two, [50, 90, 99]).round(2)}  "
                  f"{np.percentile(three, [50, 90, 99]).round(2)}")
        truth = cut_times(frames, timed=False)
        if not truth:
            continue
        step = frames[1][0] - frames[0][0]
        print(f"  {len(truth)} cut{'s' * (len(truth) > 1)} at a constant rate; with frames dropped (missed, added) "
              f"judged with times / without:")
        for seed in range(args.drops):
            rng, kept, i = np.random.default_rng(seed), [], 0
            while i < len(frames):
                kept.append(frames[i])
                i += int(rng.choice([1, 2, 3]))
            print(f"    drop {seed}: {missed_and_added(cut_times(kept, True), truth, step)} / "
                  f"{missed_and_added(cut_times(kept, False), truth, step)}")


if __name__ == "__main__":
    main()
