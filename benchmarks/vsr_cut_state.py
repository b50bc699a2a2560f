"""Upscalers told of scene cuts (`Upscaler.cut`: a recurrent student restarts, the clip teacher runs each shot apart)
or not, Y-PSNR.

(a) Vid4's four sequences joined, 10 frames each (cropped to the smallest), (b) the first 90 frames of
test/scene_cuts.mp4. Ground truth cropped to x4, the input by `eval_protocol.degrade_x4`; cuts by `mark_cuts` on the
input, as an export finds them (`cuts_at`: where another shot goes on). docs/RESULTS.md, "Session 39: the recurrent
state at scene cuts", "Session 40: the teacher at scene cuts".

    .venv/bin/python benchmarks/vsr_cut_state.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cut_runs import degraded, run, scene_cuts, upscaled, vid4  # noqa: E402
from vsr_app.metrics import psnr_y  # noqa: E402

MODELS = (
    "vsr-x4-student", "vsr-x4-student-aligned", "vsr-x4-student-aligned-bicubic", "vsr-x4-teacher")


def clips() -> dict[str, list[np.ndarray]]:
    joined = [f for frames in vid4(10, ("calendar", "walk", "city", "foliage")).values() for f in frames]
    h, w = min(f.shape[0] for f in joined), min(f.shape[1] for f in joined)
    return {"vid4 joined": [f[:h, :w] for f in joined], "scene_cuts.mp4": scene_cuts(90)}


def scores(name: str, lrs: list[np.ndarray], gts: list[np.ndarray], cuts: list[int], reset: bool) -> list[float]:
    outs = upscaled(name, lrs, {i: "cut" for i in cuts} if reset else {})
    return [psnr_y(out, gt) for out, gt in zip(outs, gts)]


def main() -> None:
    for label, frames in clips().items():
        gts, lrs, marks = degraded(frames)
        cuts = [i for i, (_, new_shot) in enumerate(marks) if new_shot]  # where an export resets the student
        after = sorted({c + d for c in cuts for d in range(5) if c + d < len(lrs)})
        before = sorted({c - d for c in cuts for d in range(1, 4) if c - d >= 0})
        print(f"{label}: cuts at {cuts}", flush=True)
        for name in MODELS:
            (kept, reset) = (scores(name, lrs, gts, cuts, r) for r in (False, True))
            k_after, r_after, k_before, r_before = (float(np.mean([s[i] for i in frames]))
                                                    for frames in (after, before) for s in (kept, reset))
            print(f"  {name:32s} kept {np.mean(kept):.3f} (3 before cuts {k_before:.3f}, 5 after {k_after:.3f})  "
                  f"cut {np.mean(reset):.3f} ({r_before:.3f}, {r_after:.3f})", flush=True)


if __name__ == "__main__":
    run(main, __doc__)
