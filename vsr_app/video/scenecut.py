"""Scene-cut detection on a frame stream, so interpolation never warps across a cut and recurrent
upscalers do not carry one shot's memory into the next.

A cut is a spike in the difference between consecutive frames: the mean absolute difference of small
(64 px) thumbnails must be large in absolute terms and at least `ratio` times the differences on either
side. Requiring a spike (not just a large difference) is what separates a cut from fast motion or a
camera whip, where the differences stay high for several frames. Calibrated on the project's clips
(../shared/data): the 5 cuts of test/scene_cuts.mp4 score 23.9-40.4 (ratio 2.3-8.5) while no frame pair
without a cut in the test and train videos scores above 19.8 with a ratio above 1.3, except cockatoo.mp4's
fastest close-up motion (28.3, ratio 2.6), where repeating a frame is a fine outcome anyway.
"""

from __future__ import annotations

from typing import Callable, Iterable, Iterator, TypeVar

import cv2
import numpy as np

T = TypeVar("T")

THUMB_SIZE = 64
MIN_DIFFERENCE = 12.0  # mean |difference| on 0..255 thumbnails
MIN_RATIO = 2.0  # against the larger of the neighbouring differences (+2 to ignore near-static noise)


def thumbnail(image: np.ndarray) -> np.ndarray:
    """Area-averaged float32 thumbnail, longest side THUMB_SIZE pixels: cheap and insensitive to noise."""
    h, w = image.shape[:2]
    s = THUMB_SIZE / max(h, w)
    size = (max(1, round(w * s)), max(1, round(h * s)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA).astype(np.float32)


def frame_difference(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute difference of two thumbnails."""
    return float(np.abs(a - b).mean())


def is_cut(before: float | None, here: float, after: float | None) -> bool:
    """Whether the difference `here` is a cut, given the differences of the pairs on either side (None: there is no
    pair there, at either end of the video). With neither side known a spike cannot be told from motion: a two-frame
    pan was taken for a cut and its middle frame repeated."""
    around = [d for d in (before, after) if d is not None]
    return bool(around) and here >= MIN_DIFFERENCE and here >= MIN_RATIO * (max(around) + 2.0)


def mark_cuts(items: Iterable[T], image: Callable[[T], np.ndarray]) -> Iterator[tuple[T, bool]]:
    """Yield `(item, cut_before)`; `cut_before` says a new shot starts at this item.

    Streams with one item of look-ahead (the decision needs the next difference too).
    """
    held: T | None = None  # the item waiting for its verdict
    prev_thumb: np.ndarray | None = None
    before: float | None = None  # difference of the pair before the held item's pair
    here: float | None = None  # difference between the held item and the one before it
    for item in items:
        thumb = thumbnail(image(item))
        diff = frame_difference(prev_thumb, thumb) if prev_thumb is not None else None
        if held is not None:
            yield held, here is not None and is_cut(before, here, diff)
            before = here
        held, here, prev_thumb = item, diff, thumb
    if held is not None:
        yield held, here is not None and is_cut(before, here, None)
