"""Laplacian-pyramid L1 loss, the distillation loss of ST-MFNet Mini (and CDFI).

Each band-pass level is an image minus its 5x5 binomial blur 2x2-average-pooled (blur first, then
pool) and bilinearly up-sampled back to its size; the pooled image is the next level's input, and the
last level is the low-pass residual. So the loss compares details scale by scale instead of one
pixel-wise error dominated by the coarse content. Each level's term is the *mean* absolute
difference over its elements (batch, channels, pixels), weighted 2**i for level i by default (level 0
the finest): coarser levels count more. A per-level sum over pixels would instead weight level i a
further 4**-i (it has 4**i fewer pixels); which form the ST-MFNet Mini / CDFI papers use has not been
checked against them here.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

_BINOMIAL = torch.tensor([1.0, 4.0, 6.0, 4.0, 1.0])


def _blur(x: torch.Tensor) -> torch.Tensor:
    """5x5 binomial blur per channel with replicated borders."""
    k1 = (_BINOMIAL / _BINOMIAL.sum()).to(device=x.device, dtype=x.dtype)
    kernel = (k1[:, None] * k1[None, :]).expand(x.shape[1], 1, 5, 5)
    return F.conv2d(F.pad(x, (2, 2, 2, 2), mode="replicate"), kernel, groups=x.shape[1])


def laplacian_pyramid(x: torch.Tensor, levels: int = 5) -> list[torch.Tensor]:
    """Band-pass levels, finest first; the last entry is the remaining low-pass image."""
    pyramid = []
    current = x
    for _ in range(levels - 1):
        down = F.avg_pool2d(_blur(current), 2, ceil_mode=True)
        up = F.interpolate(down, size=current.shape[-2:], mode="bilinear", align_corners=False)
        pyramid.append(current - up)
        current = down
    pyramid.append(current)
    return pyramid


def laplacian_loss(pred: torch.Tensor, target: torch.Tensor, levels: int = 5,
                   weights: list[float] | None = None) -> torch.Tensor:
    """Sum over levels of weight_i * mean |L_i(pred) - L_i(target)|; weights default to 2**i."""
    if weights is None:
        weights = [2.0**i for i in range(levels)]
    if len(weights) != levels:
        raise ValueError(f"need {levels} level weights, got {len(weights)}")
    pred, target = pred.float(), target.float()
    total = pred.new_zeros(())
    for w, a, b in zip(weights, laplacian_pyramid(pred, levels), laplacian_pyramid(target, levels)):
        total = total + w * (a - b).abs().mean()
    return total
