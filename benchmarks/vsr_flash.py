"""The clip teacher at a flash (a one-frame shot: two cut edges, no new shot at either), Y-PSNR of the frames
around it: (a) told nothing, the chunk run whole across the flash; (b) `flash()` at both edges: the flash frame run
alone and the shot joined across it; (c) `cut()` at both edges, three parts.

24 frames of each of Vid4's sequences and of test/scene_cuts.mp4 (frames 40-63, no cut), +40 on every channel of
frame 12 of the truth (a flash), the input by `eval_protocol.degrade_x4` from it. docs/RESULTS.md, "Session 39: the
recurrent state at scene cuts", "Session 43: the teacher at a flash". scene_cuts.mp4 is decoded with PyAV's default
conversion (BT.601, FFmpeg's fast path), as when the table was made, not as the app's reader decodes it (BT.709 by
its size, exact): the three variants see the same frames, so they compare alike. About 11 minutes on two threads.

    .venv/bin/python benchmarks/vsr_flash.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cut_runs import degraded, run, scene_cuts, upscaled, vid4  # noqa: E402
from vsr_app.metrics import psnr_y  # noqa: E402

FRAMES, FLASH, AROUND = 24, 12, 3
TEACHER = "vsr-x4-teacher"


def clips() -> dict[str, list[np.ndarray]]:
    return {**vid4(FRAMES, ("calendar", "city", "foliage", "walk")),
            "scene_cuts.mp4 40-63": scene_cuts(40 + FRAMES)[40:]}


def flashed(frames: list[np.ndarray]) -> list[np.ndarray]:
    """The frames with +40 added to frame FLASH."""
    frames = list(frames)
    frames[FLASH] = np.clip(frames[FLASH].astype(np.int16) + 40, 0, 255).astype(np.uint8)
    return frames


VARIANTS = {"(a) told nothing": None, "(b) flash() at both edges": "flash", "(c) cut() at both edges": "cut"}


def main() -> None:
    around = range(FLASH - AROUND, FLASH + AROUND + 1)
    for label, frames in clips().items():
        gts, lrs, cut_marks = degraded(flashed(frames))
        marks = [(i, cut, fresh) for i, (cut, fresh) in enumerate(cut_marks)]
        edges = [i for i, cut, fresh in marks if cut and not fresh]
        print(f"{label} ({lrs[0].shape[1]}x{lrs[0].shape[0]} input): flash edges at {edges}, new shots at "
              f"{[i for i, cut, fresh in marks if fresh]}; frames {FLASH - AROUND}..{FLASH + AROUND}", flush=True)
        for name, tell in VARIANTS.items():
            outs = upscaled(TEACHER, lrs, {} if tell is None else {FLASH: tell, FLASH + 1: tell})
            s = [psnr_y(outs[i], gts[i]) for i in around]
            beside, whole = np.mean(s[:AROUND] + s[AROUND + 1:]), np.mean([psnr_y(o, g) for o, g in zip(outs, gts)])
            print(f"  {name:30s} " + " ".join(f"{v:6.2f}" for v in s) +
                  f"  beside {beside:.3f}, flash {s[AROUND]:.3f}, all {len(outs)} frames {whole:.3f}", flush=True)


if __name__ == "__main__":
    run(main, __doc__)
