"""Y-PSNR/SSIM: finite on identical images (the documented ceiling), unchanged below it."""

import numpy as np
import pytest

from vsr_app.metrics import PSNR_MAX_DB, psnr_y, rgb_to_y, ssim_y


def _image(seed=0, size=(24, 32)):
    return np.random.default_rng(seed).integers(0, 256, (*size, 3), dtype=np.uint8)


def test_identical_images_score_the_ceiling_not_infinity():
    img = _image()
    assert PSNR_MAX_DB == 100.0 and psnr_y(img, img) == PSNR_MAX_DB and ssim_y(img, img) == pytest.approx(1.0)


def test_a_difference_below_the_mse_floor_is_capped_and_scores_below_it_are_the_usual_formula():
    img = _image(size=(256, 256))
    one_code = img.copy()
    one_code[0, 0, 2] ^= 1  # one blue code value in one pixel: MSE ~1.5e-7, ~116 dB uncapped
    assert psnr_y(img, one_code) == PSNR_MAX_DB
    other = _image(seed=1, size=(256, 256))
    mse = np.mean((rgb_to_y(img) - rgb_to_y(other)) ** 2)
    assert psnr_y(img, other) == pytest.approx(10 * np.log10(255.0**2 / mse))
