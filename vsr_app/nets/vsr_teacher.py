"""Bidirectional recurrent x4 VSR teacher with learned flow alignment (BasicVSR-like, no SpyNet).

Why this shape: the teacher only has to be clearly better than the student and cheap enough to
train on a CPU. Temporal context from both directions is what a streaming student cannot have,
so the teacher propagates features backward then forward through the clip; before each
propagation step the carried features are warped onto the current frame with an optical flow
predicted by a small net from the two LR frames (trained end-to-end, plus an optional
photometric warping loss the task adds, since there is no pretrained flow net offline).
The head pixel-shuffles to a few HR channels, runs one thin HR conv and then the output conv, so
the distillation layer (HR features just before the output conv) matches the student's.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from vsr_app.models import register_arch

from .ops import cat_channels, flow_warp, input_layout
from .vsr_student import HRHead, ResBlock


class FlowNet(nn.Module):
    """Tiny coarse-to-fine-free flow estimator: two LR frames -> flow from the first to the second.

    Works at half LR resolution (cheap, and motion at LR is small) and upsamples the result.
    """

    def __init__(self, channels: int = 32):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(6, channels, 3, stride=2, padding=1), nn.LeakyReLU(0.1, inplace=True),
            nn.Conv2d(channels, channels, 3, padding=1), nn.LeakyReLU(0.1, inplace=True),
            nn.Conv2d(channels, channels, 3, padding=2, dilation=2), nn.LeakyReLU(0.1, inplace=True),
            nn.Conv2d(channels, channels, 3, padding=4, dilation=4), nn.LeakyReLU(0.1, inplace=True),
            nn.Conv2d(channels, channels, 3, padding=1), nn.LeakyReLU(0.1, inplace=True),
            nn.Conv2d(channels, 2, 3, padding=1),
        )
        nn.init.zeros_(self.net[-1].weight)
        nn.init.zeros_(self.net[-1].bias)

    def forward(self, a: Tensor, b: Tensor) -> Tensor:
        h, w = a.shape[-2:]
        flow = self.net(torch.cat([a, b], 1))
        return 2.0 * F.interpolate(flow, size=(h, w), mode="bilinear", align_corners=False)


class VSRTeacher(nn.Module):
    """Bidirectional recurrent x4 teacher (see module docstring)."""

    kind = "clip"
    # fp32 CPU engines: its 64-channel convs ran ~20% faster channels-last on an AVX2 CPU (docs/RESULTS.md,
    # Performance, "Session 15")
    fp32_channels_last = True
    # host memory of one clip call's temporaries (8 frames and 3 of context each side) in fp32 on the CPU, (bytes,
    # bytes per input pixel of a frame): fitted to the peak of 320x180 and 640x360 clips of the shipped teacher
    # (hr_channels 4, hr_convs 0; docs/RESULTS.md, "Refusing jobs that cannot fit"); a model's card may carry its own
    working_memory = (490 << 20, 15_042)

    def __init__(self, channels: int = 64, blocks: int = 7, hr_channels: int = 8, scale: int = 4,
                 flow_channels: int = 32, base: str = "bicubic", hr_convs: int = 1,
                 out_init: float = 1.0):
        super().__init__()
        self.scale = scale
        self.channels = channels
        self.hr_channels = hr_channels
        self.feat = nn.Sequential(nn.Conv2d(3, channels, 3, padding=1), nn.LeakyReLU(0.1, inplace=True),
                                  ResBlock(channels))
        self.flow = FlowNet(flow_channels)
        self.back_in = nn.Conv2d(2 * channels, channels, 3, padding=1)
        self.back = nn.Sequential(*[ResBlock(channels) for _ in range(blocks)])
        self.fwd_in = nn.Conv2d(3 * channels, channels, 3, padding=1)
        self.fwd = nn.Sequential(*[ResBlock(channels) for _ in range(blocks)])
        # hr_convs=0 with the student's hr_channels gives both nets the same distilled HR layer by construction
        self.head = HRHead(channels, hr_channels, scale, base, hr_convs=hr_convs, out_init=out_init)

    def flows(self, clip: Tensor) -> tuple[Tensor, Tensor]:
        """Flows between neighbours: (t -> t+1, t+1 -> t), each [N,T-1,2,h,w]."""
        n, t, c, h, w = clip.shape
        a = clip[:, :-1].reshape(-1, c, h, w)
        b = clip[:, 1:].reshape(-1, c, h, w)
        both = self.flow(torch.cat([a, b]), torch.cat([b, a]))
        fwd, bwd = both.chunk(2)
        return fwd.view(n, t - 1, 2, h, w), bwd.view(n, t - 1, 2, h, w)

    def forward(self, clip: Tensor, return_features: bool = False, return_flows: bool = False):
        """clip [N,T,3,h,w] -> [N,T,3,4h,4w] (+ HR features [N,T,C,4h,4w]) (+ flows)."""
        n, t, c, h, w = clip.shape
        feats = self.feat(clip.reshape(-1, c, h, w)).view(n, t, -1, h, w)
        to_next, to_prev = self.flows(clip) if t > 1 else (None, None)

        back = [None] * t
        hid = clip.new_zeros(n, self.channels, h, w)
        for i in range(t - 1, -1, -1):
            if i < t - 1:
                hid = flow_warp(hid, to_next[:, i])
            x = cat_channels([feats[:, i], hid], memory_format=input_layout(self.back_in))
            hid = self.back(F.leaky_relu(self.back_in(x), 0.1))
            back[i] = hid

        outs, hr_feats = [], []
        hid = clip.new_zeros(n, self.channels, h, w)
        for i in range(t):
            if i > 0:
                hid = flow_warp(hid, to_prev[:, i - 1])
            x = cat_channels([feats[:, i], back[i], hid], memory_format=input_layout(self.fwd_in))
            hid = self.fwd(F.leaky_relu(self.fwd_in(x), 0.1))
            f = self.head.features(hid)
            outs.append(self.head.frames(f, clip[:, i].contiguous()))
            hr_feats.append(f)

        result = [torch.stack(outs, 1)]
        if return_features:
            result.append(torch.stack(hr_feats, 1))
        if return_flows:
            result.append((to_next, to_prev))
        return result[0] if len(result) == 1 else tuple(result)


@register_arch("vsr_teacher")
def build_vsr_teacher(**config) -> VSRTeacher:
    return VSRTeacher(**config)
