"""Eval's protocol (DESIGN.md's CLI contract): how the truth and a model's inputs are made of a sequence, which
frames are predicted and scored, and which sequences can be scored at all.

VSR: each sequence's frames are the ground truth; each frame is cropped (top-left) to a multiple of 4 and its x4
MATLAB-style antialiased bicubic downscale, rounded to 8 bits, is the input. VFI: each odd frame with a frame after
it is predicted from the even frames around it. Apart from the scorers because the Compare tab and
`video/frame_folder` apply the same rules (the Compare tab's truth must be eval's) with no model to score. The CLI's
`--help` imports it through `evaluate`, so numpy, the metrics and the resize are imported where they are used.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Iterator

from vsr_app.errors import VsrAppError
from vsr_app.words import counted

if TYPE_CHECKING:
    import numpy as np

VSR_MIN_FRAMES = 1
VFI_MIN_FRAMES = 3  # two inputs and the frame between them


def check_sequence(name: str, count: int | None, sizes: set[tuple[int, int]], min_frames: int, min_side: int) -> None:
    """One readable error for a sequence that cannot be scored, instead of a net's traceback or a silent nan:
    too few frames (`count`, None: not known yet), sizes (width, height) that change (a net's state and a clip stack
    need one), frames with no SSIM window."""
    from vsr_app.metrics import SSIM_WINDOW

    if count is not None and count < min_frames:
        raise VsrAppError(f"sequence '{name}' has {counted(count, 'frame')}; scoring it "
                          f"needs at least {min_frames}")
    shown = [f"{w}x{h}" for w, h in sorted(sizes)]
    if len(shown) > 1:
        raise VsrAppError(f"sequence '{name}' mixes frame sizes ({', '.join(shown)})")
    if shown and min(next(iter(sizes))) < min_side:
        raise VsrAppError(f"sequence '{name}' has {shown[0]} frames, too small to score: at least "
                          f"{min_side}x{min_side} is needed (Y-SSIM's {SSIM_WINDOW}x{SSIM_WINDOW} window must fit)")


def vsr_min_side() -> int:
    """The least side of a frame eval vsr scores: its ground truth, cropped to a multiple of 4, still holds one
    Y-SSIM window (the Compare tab's ground truth mode refuses a smaller one in the same words)."""
    from vsr_app.metrics import SSIM_WINDOW

    return -(-SSIM_WINDOW // 4) * 4


def truth_size(width: int, height: int) -> tuple[int, int]:
    """The (width, height) eval vsr scores a frame of `width` x `height` at: cropped to a multiple of 4, which its x4
    downscale needs."""
    return width // 4 * 4, height // 4 * 4


def degrade_x4(frame: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(ground truth cropped to a multiple of 4, its x4 bicubic downscale), both uint8 RGB."""
    import numpy as np

    from vsr_app.distill.data import to_frames, to_tensor
    from vsr_app.distill.resize import downscale_x4

    w, h = truth_size(frame.shape[1], frame.shape[0])
    gt = np.ascontiguousarray(frame[:h, :w])
    lr = downscale_x4(to_tensor(gt))
    return gt, to_frames(lr)


def vfi_context(i: int, count: int, num_inputs: int) -> list[int]:
    """Input frame indices for predicting odd frame i of `count`: i-1, i+1 (2-frame models) or i-3, i-1, i+1, i+3
    (4-frame models) with indices past either end replaced by the nearest even (input) frame."""
    last_even = (count - 1) // 2 * 2
    return [min(max(i + d, 0), last_even) for d in vfi_offsets(num_inputs)]


def vfi_offsets(num_inputs: int) -> tuple[int, ...]:
    """Where the frames a `num_inputs`-frame model is fed lie, from the odd frame it predicts (`vfi_context`)."""
    return (-1, 1) if num_inputs == 2 else (-3, -1, 1, 3)


def vfi_predicted(count: int) -> range:
    """The frames eval vfi predicts and scores of `count`: the odd ones with a frame after them."""
    return range(1, count - 1, 2)


def vfi_scene_cuts(frames: Iterable[tuple[np.ndarray, float | None]]) -> Iterator[bool]:
    """For each frame eval vfi predicts (1, 3, 5, ...), whether a scene cut (or a flash's edge) lies between the two
    frames either side of it, found by `scenecut.cut_at` among the frames the models are fed, the even ones, as an
    export of them would find it. `frames`: every frame of the sequence in order, (image, time in seconds or None).
    Such a frame belongs to one shot or the other, which no interpolator can know: on real video these frames are
    among any model's worst, so eval and the Compare tab mark them (the models are still fed across them, as eval
    feeds them). Only the fed frames' thumbnails wait for their verdicts, CONTEXT fed frames on: whole frames waiting
    held ~125 MB at 4K, beside the Compare tab's 64 MB analysis cache."""
    import itertools

    from vsr_app.video.scenecut import judge_frames, thumbnail

    fed = itertools.islice(frames, 0, None, 2)
    for index, cut in enumerate(judge_frames((thumbnail(image), time) for image, time in fed)):
        if index:  # (the first frame fed has none before it)
            yield cut
