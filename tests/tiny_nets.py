"""Small random nets for engine and pipeline tests: real convolutions and a recurrent state, no training."""

import torch
from torch import nn


class TinyRecurrent(nn.Module):
    """A random x`scale` recurrent net (per-pixel context of 2 px, state = the previous input)."""

    kind = "recurrent"

    def __init__(self, scale: int = 4):
        super().__init__()
        self.scale = scale
        torch.manual_seed(0)
        self.body = nn.Sequential(nn.Conv2d(6, 8, 3, padding=1), nn.ReLU(),
                                  nn.Conv2d(8, 3 * scale * scale, 3, padding=1))
        self.shuffle = nn.PixelShuffle(scale)

    def step(self, x, state):
        prev = x if state is None else state
        return self.shuffle(torch.sigmoid(self.body(torch.cat([x, prev], 1)))), x
