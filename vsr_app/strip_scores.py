"""Y-PSNR and Y-SSIM of frames too large to measure whole, a strip of rows at a time.

`metrics` turns a whole frame into float64 luma at once, and its SSIM keeps a dozen maps that size: measuring an x4
upscale of a 4K frame (15360x8640) against another took 12.9 GB at its peak, after the sides' 5.9 GB, and a machine
with less memory swapped for minutes before the picture showed. A strip's figures are `metrics`' own, summed; the
whole frame's are then the same to the last digits a sum's order moves, and the memory is a strip's (~0.5 GB).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from vsr_app.metrics import SSIM_WINDOW, psnr_from_mse, psnr_y, rgb_to_y, ssim_y

STRIP_PIXELS = 1 << 22  # pixels of a strip (~4.2 M): a frame up to 1440p is measured whole, by `metrics` itself


def _strips(height: int, width: int, overlap: int = 0) -> Iterator[tuple[int, int]]:
    """Row spans covering `height` rows, each of about STRIP_PIXELS and at least `overlap` + 1 rows, the next
    starting `overlap` rows before the last one ends."""
    rows = max(overlap + 1, STRIP_PIXELS // max(width, 1))
    start = 0
    while True:
        end = min(height, start + rows)
        yield start, end
        if end == height:
            return
        start = end - overlap


def psnr_in_strips(a: np.ndarray, b: np.ndarray) -> float:
    """`metrics.psnr_y`, its squared errors summed a strip at a time."""
    if a.shape[0] * a.shape[1] <= STRIP_PIXELS or a.shape != b.shape:  # (which says how they differ)
        return psnr_y(a, b)
    squared = sum(float(np.sum((rgb_to_y(a[r0:r1]) - rgb_to_y(b[r0:r1])) ** 2)) for r0, r1 in _strips(*a.shape[:2]))
    return psnr_from_mse(squared / (a.shape[0] * a.shape[1]))


def ssim_in_strips(a: np.ndarray, b: np.ndarray) -> float:
    """`metrics.ssim_y`: strips overlapping by a window less one row, each strip's map the whole map's rows whose
    window lies in it, the means weighted by those rows."""
    if a.shape[0] * a.shape[1] <= STRIP_PIXELS:
        return ssim_y(a, b)
    overlap = SSIM_WINDOW - 1
    spans = list(_strips(a.shape[0], a.shape[1], overlap))
    total = sum(ssim_y(a[r0:r1], b[r0:r1]) * (r1 - r0 - overlap) for r0, r1 in spans)
    return total / (a.shape[0] - overlap)
