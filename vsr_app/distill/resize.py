"""MATLAB-compatible bicubic resize (`imresize`) and the x4 benchmark degradation made with it.

Apart from the training data because evaluation downscales its ground truth with the same function, so training
and benchmark inputs match.
"""
from __future__ import annotations

import math

import numpy as np
import torch


def _cubic(x: np.ndarray) -> np.ndarray:
    """Keys cubic kernel with a = -0.5 (MATLAB's imresize)."""
    ax = np.abs(x)
    ax2, ax3 = ax * ax, ax * ax * ax
    return ((1.5 * ax3 - 2.5 * ax2 + 1) * (ax <= 1)
            + (-0.5 * ax3 + 2.5 * ax2 - 4 * ax + 2) * ((ax > 1) & (ax <= 2)))


def resize_matrix(in_len: int, out_len: int) -> np.ndarray:
    """Dense [out_len, in_len] matrix of MATLAB imresize bicubic weights (antialiased when shrinking)."""
    scale = out_len / in_len
    kernel_scale = min(scale, 1.0)
    width = 4.0 / kernel_scale
    x = np.arange(1, out_len + 1, dtype=np.float64)
    u = x / scale + 0.5 * (1 - 1 / scale)
    left = np.floor(u - width / 2)
    taps = int(math.ceil(width)) + 2
    idx = left[:, None] + np.arange(taps)[None, :]
    weights = kernel_scale * _cubic(kernel_scale * (u[:, None] - idx))
    weights /= weights.sum(1, keepdims=True)
    # MATLAB mirrors indices past the borders (symmetric padding).
    mirror = np.concatenate([np.arange(in_len), np.arange(in_len)[::-1]])
    idx = mirror[np.mod(idx.astype(np.int64) - 1, 2 * in_len)]
    mat = np.zeros((out_len, in_len), dtype=np.float64)
    np.add.at(mat, (np.repeat(np.arange(out_len), taps), idx.ravel()), weights.ravel())
    return mat


_MATRICES: dict[tuple[int, int], torch.Tensor] = {}


def _matrix(in_len: int, out_len: int) -> torch.Tensor:
    key = (in_len, out_len)
    if key not in _MATRICES:
        _MATRICES[key] = torch.from_numpy(resize_matrix(in_len, out_len)).float()
    return _MATRICES[key]


def imresize(x: torch.Tensor, out_hw: tuple[int, int]) -> torch.Tensor:
    """Bicubic resize of float [..., H, W] tensors to out_hw, as MATLAB imresize does."""
    h, w = x.shape[-2:]
    mh = _matrix(h, out_hw[0]).to(x.device, x.dtype)
    mw = _matrix(w, out_hw[1]).to(x.device, x.dtype)
    return mh @ x @ mw.T


def downscale_x4(hr: torch.Tensor) -> torch.Tensor:
    """The benchmark degradation: x4 antialiased bicubic; rounded to 8-bit levels like a saved frame."""
    h, w = hr.shape[-2:]
    if h % 4 or w % 4:
        raise ValueError(f"HR size {h}x{w} is not a multiple of 4")
    lr = imresize(hr, (h // 4, w // 4)).clamp(0, 1)
    return torch.round(lr * 255) / 255

