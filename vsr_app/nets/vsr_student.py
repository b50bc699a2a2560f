"""Compact unidirectional recurrent x4 VSR net: the model users run.

It streams: each frame sees the current and previous LR frame plus a fixed-size hidden state
(LR-resolution features) carried from the previous step, so memory stays flat for any video
length. With `align="dis"` the previous frame and state are first warped onto the current frame
by OpenCV's DIS flow (Rounds V-X in docs/RESULTS.md: +0.15 and +0.20 dB on Vid4 over two
seeds from scratch; shipped as vsr-x4-student-aligned at about two-thirds of the plain net's
frame rate; `"dis_half"` finds the flow on half-size frames, a quarter of DIS's time). The HR output is a
residual over a bilinear upsample. Just before the output conv the net has a small HR feature
map (pixel-shuffle to `hr_channels` at 4x resolution), which is the layer Space-Time Distillation
matches against the teacher (Xiao et al. found HR features better than LR ones).
"""
from __future__ import annotations

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from vsr_app.models import register_arch
from vsr_app.nets.motion_prior import dis_flow, grey_bytes
from vsr_app.nets.ops import cat_channels, flow_warp, input_layout, upsample_base


class ResBlock(nn.Module):
    """conv-ReLU-conv with identity skip; no normalisation (it hurts SR and costs time)."""

    def __init__(self, channels: int):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x: Tensor) -> Tensor:
        return x + self.conv2(F.relu(self.conv1(x), inplace=True))


class HRHead(nn.Module):
    """LR features -> HR feature map (pixel-shuffle) -> output conv, plus the upsampled LR frame.

    `features(x)` returns the HR map distillation uses; `frames(f, lr)` the HR frame built from it, which is how
    both nets finish a step and how a distillation task rebuilds the teacher's frames from cached features.
    `hr_convs` extra 3x3 convs at HR (the teacher uses one; the student none, to stay fast).
    """

    def __init__(self, channels: int, hr_channels: int, scale: int, base: str, hr_convs: int = 0,
                 out_init: float = 1.0):
        super().__init__()
        self.scale = scale
        self.base = base
        self.up = nn.Conv2d(channels, hr_channels * scale * scale, 3, padding=1)
        self.shuffle = nn.PixelShuffle(scale)
        self.hr = nn.ModuleList(nn.Conv2d(hr_channels, hr_channels, 3, padding=1) for _ in range(hr_convs))
        self.out_conv = nn.Conv2d(hr_channels, 3, 3, padding=1)
        if out_init != 1.0:  # < 1: start close to the plain upsample (faster from scratch, see RESULTS.md)
            with torch.no_grad():
                self.out_conv.weight.mul_(out_init)
                self.out_conv.bias.zero_()

    def features(self, x: Tensor) -> Tensor:
        # No .contiguous() here: pixel-shuffle straight from channels_last is ~6x faster on this CPU
        # (profiled in the bench, docs/RESULTS.md), with bit-identical output.
        f = F.leaky_relu(self.shuffle(self.up(x)), 0.1)
        for conv in self.hr:
            f = F.leaky_relu(conv(f), 0.1)
        return f

    def frames(self, f: Tensor, lr: Tensor) -> Tensor:
        """HR features [N,C,H,W] and their LR frame [N,3,h,w] -> HR frame: a residual over a plain upsample."""
        return self.out_conv(f) + upsample_base(lr, self.scale, self.base)


def _flow(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """DIS's fast preset at full resolution, without its variational refinement: that halved DIS's time and moved
    held-out clips by -0.002 dB with weights trained on refined flows (docs/RESULTS.md, Round X)."""
    return dis_flow(src, dst, cv2.DISOPTICAL_FLOW_PRESET_FAST, finest_scale=0, refinement=0)


def _half_size_flow(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """`_flow` of the frames at half size (area-averaged), brought back to full size and pixel units."""
    h, w = src.shape
    small = [cv2.resize(g, ((w + 1) // 2, (h + 1) // 2), interpolation=cv2.INTER_AREA) for g in (src, dst)]
    gain = np.float32([w / small[0].shape[1], h / small[0].shape[0]])
    return cv2.resize(_flow(*small), (w, h), interpolation=cv2.INTER_LINEAR) * gain


FLOWS = {"dis": _flow, "dis_half": _half_size_flow}  # align option -> how the flow is found
ALIGNMENTS = ("none", *FLOWS)


class VSRStudent(nn.Module):
    """Unidirectional recurrent x4 student (see module docstring)."""

    kind = "recurrent"
    # fp32 CPU engines: about 10% faster channels-last on an idle AVX2 CPU (docs/RESULTS.md, Performance,
    # "Session 16"; sessions 14-15 measured it on a busy machine and saw no difference)
    fp32_channels_last = True
    # host memory of a step's temporaries in fp32 on the CPU, (bytes, bytes per input pixel): fitted to the peak
    # of 320x180 and 640x360 frames of this default config (docs/RESULTS.md, "Refusing jobs that cannot fit"); a
    # model's card may carry its own
    working_memory = (0, 2549)
    # with align="dis": 12% more at 640x360 (609 against 544 MB, the same method, session 27: the float32 copies
    # of the 35 warped channels and the flow), so the plain figure scaled by that
    aligned_working_memory = (0, 2860)

    def __init__(self, channels: int = 32, blocks: int = 4, hr_channels: int = 4, scale: int = 4,
                 base: str = "bilinear", out_init: float = 0.1, align: str = "none"):
        super().__init__()
        if align not in ALIGNMENTS:
            raise ValueError(f"align must be {', '.join(ALIGNMENTS[:-1])} or {ALIGNMENTS[-1]}, not {align!r}")
        self.align = align
        if align != "none":
            self.working_memory = self.aligned_working_memory
        self.scale = scale
        self.channels = channels
        self.hr_channels = hr_channels
        self.conv_in = nn.Conv2d(6 + channels, channels, 3, padding=1)
        self.body = nn.Sequential(*[ResBlock(channels) for _ in range(blocks)])
        self.head = HRHead(channels, hr_channels, scale, base, out_init=out_init)

    def _core(self, lr: Tensor, state):
        if state is None:
            prev, hidden = lr, lr.new_zeros(lr.shape[0], self.channels, lr.shape[2], lr.shape[3])
        else:
            prev, hidden = state
            if self.align != "none":
                prev, hidden = self._aligned(lr, prev, hidden)
        x = cat_channels([lr, prev, hidden], memory_format=input_layout(self.conv_in))
        x = F.relu(self.conv_in(x), inplace=True)
        hidden = self.body(x)
        feat = self.head.features(hidden)
        hr = self.head.frames(feat, lr)
        # tanh bounds the carried state: trained on 7-frame clips, an unbounded state grew
        # exponentially over long videos (measured: PSNR fell from 23.8 to 19 dB by frame 30).
        return hr, feat, (lr, torch.tanh(hidden))

    def _aligned(self, lr: Tensor, prev: Tensor, hidden: Tensor) -> tuple[Tensor, Tensor]:
        """The previous frame and state warped onto this frame by OpenCV's DIS flow (fast preset, on grey LR
        frames): a fixed flow, no parameters. At full resolution (finest scale 0): on frames up to 128 px the
        preset falls back to that by itself, so the 32-px training crops had it, while on whole frames it stopped
        at a quarter of the resolution, with 1.5x the warp error (docs/RESULTS.md, Round W). A tiled frame (over
        640x360) gets a flow per tile: on Vid4 through 64-px tiles the same score as whole frames.
        "dis_half" finds the flow on half-size frames: a quarter of DIS's time (a faster frame on the Intel host of
        Round X, not on the AMD one of Round W)."""
        luma = torch.tensor([0.299, 0.587, 0.114], device=lr.device).view(1, 3, 1, 1)  # BT.601, as OpenCV's grey
        grey = [grey_bytes((frames.detach().float() * luma).sum(1)) for frames in (lr, prev)]
        flows = [FLOWS[self.align](a, b) for a, b in zip(*grey)]
        flow = torch.from_numpy(np.stack(flows)).permute(0, 3, 1, 2).to(lr.device)
        # float32 channels-last: the remap's own layout (a torch.cat of the two took 3.8 ms at 320x180, this 0.4)
        warped = flow_warp(cat_channels([prev, hidden], torch.float32, torch.channels_last), flow, fast=True)
        return warped[:, :3], warped[:, 3:]  # the conv input's concatenation casts them

    def step(self, lr: Tensor, state=None):
        """One frame: (lr [N,3,h,w], state|None) -> (hr [N,3,4h,4w], new state)."""
        hr, _, state = self._core(lr, state)
        return hr, state

    def forward(self, clip: Tensor, return_features: bool = False, state=None):
        """clip [N,T,3,h,w] -> [N,T,3,4h,4w] (+ HR features [N,T,C,4h,4w]), from `state` (that of `step`) if given."""
        outs, feats = [], []
        for t in range(clip.shape[1]):
            hr, feat, state = self._core(clip[:, t], state)
            outs.append(hr)
            feats.append(feat)
        out = torch.stack(outs, 1)
        return (out, torch.stack(feats, 1)) if return_features else out


@register_arch("vsr_student")
def build_vsr_student(**config) -> VSRStudent:
    return VSRStudent(**config)
