"""Built-in baselines that need no trained weights: bicubic upscaling and two-frame blending."""

from __future__ import annotations

import torch
from torch import nn

from vsr_app.nets.ops import upsample_base


class BicubicUpscale(nn.Module):
    """x`scale` bicubic enlargement, driven like a streaming model with no state."""

    kind = "recurrent"

    def __init__(self, scale: int = 4):
        super().__init__()
        self.scale = scale

    def step(self, lr: torch.Tensor, state=None):
        return upsample_base(lr, self.scale, "bicubic"), None

    def forward(self, clip: torch.Tensor) -> torch.Tensor:
        n, t, c, h, w = clip.shape
        out, _ = self.step(clip.reshape(n * t, c, h, w))
        return out.reshape(n, t, c, h * self.scale, w * self.scale)


class Blend(nn.Module):
    """Midpoint frame as the average of its two neighbours: the simplest interpolation baseline."""

    num_inputs = 2
    size_multiple = 1

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        return 0.5 * (frames[:, 0] + frames[:, 1])
