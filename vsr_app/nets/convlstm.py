"""ConvLSTM that encodes a clip's sequence of feature maps for time distillation (STD).

Teacher and student feature sequences go through the same weights; the distance between the
two final memory cells is the time loss. Only the final cell is returned because that is all
the loss uses.
"""
from __future__ import annotations

import torch
from torch import Tensor, nn


class ConvLSTM(nn.Module):
    """Single-layer ConvLSTM (Shi et al. 2015) without peepholes."""

    def __init__(self, in_channels: int, hidden: int = 16, kernel: int = 3):
        super().__init__()
        self.hidden = hidden
        self.gates = nn.Conv2d(in_channels + hidden, 4 * hidden, kernel, padding=kernel // 2)

    def forward(self, seq: Tensor) -> Tensor:
        """seq [N,T,C,H,W] -> final memory cell [N,hidden,H,W]."""
        n, t, _, h, w = seq.shape
        hid = seq.new_zeros(n, self.hidden, h, w)
        cell = seq.new_zeros(n, self.hidden, h, w)
        for i in range(t):
            i_g, f_g, o_g, g = self.gates(torch.cat([seq[:, i], hid], 1)).chunk(4, 1)
            cell = torch.sigmoid(f_g) * cell + torch.sigmoid(i_g) * torch.tanh(g)
            hid = torch.sigmoid(o_g) * torch.tanh(cell)
        return cell
