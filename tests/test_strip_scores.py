"""Frames too large to measure whole are measured a strip of rows at a time, to the whole frame's figures: an x4
upscale of a 4K frame took 12.9 GB to measure whole, and minutes of swapping on a machine with less."""

from __future__ import annotations

import numpy as np
import pytest

from vsr_app import strip_scores
from vsr_app.gui import processing
from vsr_app.metrics import PSNR_MAX_DB, SSIM_WINDOW, psnr_y, ssim_y
from vsr_app.strip_scores import psnr_in_strips, ssim_in_strips


@pytest.fixture
def strips(monkeypatch) -> list[int]:
    """Strips of 16 rows of the 90-pixel-wide frames below; the rows of each strip SSIM is asked of, in order."""
    rows = []
    monkeypatch.setattr(strip_scores, "STRIP_PIXELS", 90 * 16)
    monkeypatch.setattr(strip_scores, "ssim_y", lambda a, b: rows.append(a.shape[0]) or ssim_y(a, b))
    return rows


def pair(height: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(height)
    a = rng.integers(0, 256, (height, 90, 3), np.uint8)
    noise = rng.integers(-12, 13, a.shape)
    return a, np.clip(a.astype(int) + noise, 0, 255).astype(np.uint8)


@pytest.mark.parametrize("height", [203, 16 + 6, 16])
def test_the_figures_in_strips_are_the_whole_frames(strips, height):
    a, b = pair(height)
    assert psnr_in_strips(a, b) == pytest.approx(psnr_y(a, b), abs=1e-9)
    assert ssim_in_strips(a, b) == pytest.approx(ssim_y(a, b), abs=1e-12)
    assert max(strips) <= 16 and min(strips) >= SSIM_WINDOW  # each strip has a whole window
    assert psnr_in_strips(a, a) == PSNR_MAX_DB


def test_the_viewer_scores_a_large_frame_in_strips(strips):
    a, b = pair(203)
    score = processing.score(a, b)
    assert len(strips) > 10 and score.psnr == pytest.approx(psnr_y(a, b), abs=1e-9)
