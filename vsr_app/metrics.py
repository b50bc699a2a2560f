"""Quality metrics on the luma channel (BT.601), as VSR/VFI papers report them."""

from __future__ import annotations

import cv2
import numpy as np

PSNR_MAX_DB = 100.0  # identical images score this, not infinity: JSON has no Infinity, and a mean stays a number
_MSE_FLOOR = 255.0**2 / 10 ** (PSNR_MAX_DB / 10)  # the MSE that PSNR_MAX_DB stands for
SSIM_WINDOW = 11  # side of the Gaussian window; a smaller image has no full window (its SSIM would be nan)


# BT.601 'studio swing' weights of R, G and B in luma, per unit of 8-bit level (the MATLAB rgb2ycbcr convention)
LUMA_WEIGHTS = (65.481 / 255, 128.553 / 255, 24.966 / 255)


def rgb_to_y(rgb: np.ndarray) -> np.ndarray:
    """BT.601 'studio swing' luma of uint8 RGB, in [16, 235] as float64 (the MATLAB rgb2ycbcr convention)."""
    rgb = rgb.astype(np.float64)
    return 16.0 + LUMA_WEIGHTS[0] * rgb[..., 0] + LUMA_WEIGHTS[1] * rgb[..., 1] + LUMA_WEIGHTS[2] * rgb[..., 2]


def psnr_y(a: np.ndarray, b: np.ndarray) -> float:
    """PSNR in dB between the Y channels of two uint8 RGB images of the same size (no border crop).

    Capped at PSNR_MAX_DB (100 dB, i.e. an MSE floor of 255² / 10^10, a common convention), so identical images
    score a number: infinity is not valid JSON, and it would make every mean it enters infinite.
    """
    _check_same_shape(a, b)
    return psnr_from_mse(np.mean((rgb_to_y(a) - rgb_to_y(b)) ** 2))


def psnr_from_mse(mse: float) -> float:
    """The PSNR in dB of a mean squared error of 0-255 luma, capped at PSNR_MAX_DB (`psnr_y`)."""
    return float(10.0 * np.log10(255.0**2 / max(mse, _MSE_FLOOR)))


def ssim_y(a: np.ndarray, b: np.ndarray) -> float:
    """SSIM (Wang et al. 2004: 11x11 Gaussian, sigma 1.5) between the Y channels of two uint8 RGB images, each
    side at least SSIM_WINDOW."""
    _check_same_shape(a, b)
    x, y = rgb_to_y(a), rgb_to_y(b)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2

    half = SSIM_WINDOW // 2  # the map keeps only the positions where the whole window fits

    def blur(img: np.ndarray) -> np.ndarray:
        full = cv2.GaussianBlur(img, (SSIM_WINDOW, SSIM_WINDOW), 1.5, borderType=cv2.BORDER_REFLECT)
        return full[half:-half, half:-half]

    mu_x, mu_y = blur(x), blur(y)
    var_x = blur(x * x) - mu_x**2
    var_y = blur(y * y) - mu_y**2
    cov = blur(x * y) - mu_x * mu_y
    ssim_map = ((2 * mu_x * mu_y + c1) * (2 * cov + c2)) / ((mu_x**2 + mu_y**2 + c1) * (var_x + var_y + c2))
    return float(ssim_map.mean())


def _check_same_shape(a: np.ndarray, b: np.ndarray) -> None:
    if a.shape != b.shape:
        raise ValueError(f"images differ in size: {a.shape} vs {b.shape}")
