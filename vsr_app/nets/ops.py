"""Small tensor operations the nets share."""
from __future__ import annotations

import functools

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor


def cat_channels(tensors: list[Tensor], dtype: torch.dtype | None = None,
                 memory_format: torch.memory_format = torch.contiguous_format) -> Tensor:
    """Channel concatenation in the dtype the conv that reads it computes in: `dtype` when given, else
    autocast's when it is on, else as they are.

    The conv would cast its input to that dtype anyway, so the values it sees are the same, without first
    building the whole input in float32 and copying it again. `memory_format=torch.channels_last` (see
    `input_layout`) fills a channels-last result in place: torch.cat of mixed layouts returns a contiguous
    tensor that a channels-last conv must reorder first (a 38-channel 320x180 frame: 1.75 ms and the reorder,
    against 0.44 ms filled; docs/RESULTS.md, Performance, "Session 28").
    """
    device = tensors[0].device.type
    if dtype is None and torch.is_autocast_enabled(device):
        dtype = torch.get_autocast_dtype(device)
    if memory_format != torch.channels_last:
        return torch.cat([t.to(dtype) for t in tensors] if dtype is not None else tensors, 1)
    n, _, h, w = tensors[0].shape
    if any(t.shape[0] != n or t.shape[2:] != (h, w) for t in tensors):  # as torch.cat refuses (no broadcasting)
        raise ValueError(f"cat_channels: shapes differ beyond the channels: {[tuple(t.shape) for t in tensors]}")
    if dtype is None:  # torch.cat's promotion
        dtype = functools.reduce(torch.promote_types, (t.dtype for t in tensors))
    out = torch.empty((n, sum(t.shape[1] for t in tensors), h, w), dtype=dtype, device=tensors[0].device,
                      memory_format=torch.channels_last)
    start = 0
    for t in tensors:
        out[:, start:start + t.shape[1]] = t
        start += t.shape[1]
    return out


def input_layout(conv: torch.nn.Module) -> torch.memory_format:
    """The memory format `conv` reads fastest: channels-last where the engine made a 2-D conv's weight so (bf16
    and fp16, and fp32 for the nets that ask for it on the CPU), else the default (training, 3-D convs)."""
    weight = conv.weight
    channels_last = weight.dim() == 4 and weight.is_contiguous(memory_format=torch.channels_last)
    return torch.channels_last if channels_last and not weight.is_contiguous() else torch.contiguous_format


def conv3d(conv: torch.nn.Conv3d, x: Tensor) -> Tensor:
    """`conv(x)`, through oneDNN for float32 CPU inference, where torch would take its slow im2col kernel.

    torch picks oneDNN for a float32 conv by a size rule written for 2-D inputs (batch x channels x height x
    width > 20480); on a 5-D input it multiplies batch x channels x time x height instead, so a one-clip batch
    of narrow, short feature maps (14 channels x 5 frames x 180 rows) falls to `slow_conv3d_forward`: 10x slower,
    and 47% of the interpolation student's time on CPUs without bf16 (docs/RESULTS.md). Same values to float
    rounding. Reduced precision (autocast) and training keep torch's own choice, which is oneDNN there anyway.
    """
    if (x.device.type != "cpu" or x.dtype != torch.float32 or torch.is_grad_enabled()
            or torch.is_autocast_enabled("cpu") or conv.padding_mode != "zeros" or not torch.backends.mkldnn.is_available()):
        return conv(x)
    return torch.ops.aten.mkldnn_convolution(x, conv.weight, conv.bias, conv.padding, conv.stride, conv.dilation,
                                             conv.groups)


def flow_warp(x: Tensor, flow: Tensor, fast: bool = False) -> Tensor:
    """Sample x at (pixel + flow); flow [N,2,H,W] in pixels (dx, dy).

    Computed in float32 even under bf16/fp16 autocast: bf16 has 8 significant bits, so sampling positions in
    a 320-pixel-wide frame would snap to 2-pixel steps (found in the VFI net, whose warp does the same).
    `fast`: on the CPU outside autograd, OpenCV's remap instead of grid_sample, ~5x faster on this CPU
    (docs/RESULTS.md, Round V), but it places samples on a 1/32-pixel grid; the aligned student asks for it,
    the teacher keeps the exact sampler its shipped scores were measured with.
    """
    if fast and x.device.type == "cpu" and not torch.is_grad_enabled():
        return _remap_warp(x, flow)
    n, _, h, w = x.shape
    with torch.autocast(device_type=x.device.type, enabled=False):
        flow = flow.float()
        ys, xs = torch.meshgrid(
            torch.arange(h, device=x.device, dtype=torch.float32),
            torch.arange(w, device=x.device, dtype=torch.float32),
            indexing="ij",
        )
        gx = 2.0 * (xs + flow[:, 0]) / max(w - 1, 1) - 1.0
        gy = 2.0 * (ys + flow[:, 1]) / max(h - 1, 1) - 1.0
        grid = torch.stack([gx, gy], dim=-1)
        warped = F.grid_sample(x.float(), grid, mode="bilinear", padding_mode="border", align_corners=True)
    return warped.to(x.dtype)


REMAP_CHANNELS = 128


def _remap_warp(x: Tensor, flow: Tensor) -> Tensor:
    """flow_warp's sampling (bilinear, border clamped) by cv2.remap on channels-last float32 images."""
    n, c, h, w = x.shape
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    images = x.float().permute(0, 2, 3, 1).contiguous().numpy()
    warped = []
    for image, f in zip(images, flow.float().numpy()):
        mx, my = xs + f[0], ys + f[1]
        # OpenCV remaps at most 128 channels at once (5.x; 512 in 4.x)
        parts = [cv2.remap(image[..., i:i + REMAP_CHANNELS], mx, my, cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_REPLICATE).reshape(h, w, -1) for i in range(0, c, REMAP_CHANNELS)]
        warped.append(parts[0] if len(parts) == 1 else np.concatenate(parts, -1))
    out = warped[0][None] if n == 1 else np.stack(warped)
    return torch.from_numpy(out).permute(0, 3, 1, 2).to(x.dtype)


CV2_INTERPOLATION = {"bilinear": cv2.INTER_LINEAR, "bicubic": cv2.INTER_CUBIC}


def upsample_base(lr: Tensor, scale: int, mode: str = "bilinear") -> Tensor:
    """The plain upsample the nets add their residual to: bilinear for the student (bicubic added
    9% to its CPU time per 720p frame), bicubic for the teacher (a better start for free) and the
    built-in bicubic baseline.

    On the CPU OpenCV's resize does it (images of up to 4 channels): the same values as torch's to float
    rounding (≤ 4e-7 at x4; both use half-pixel centres, clamped edges and a = -0.75 cubic), ~10x faster at
    720p (torch's kernel took a tenth of the student's time), and laid out channels-last like the output
    conv's result it is added to, so that sum and the frame conversion after it stay cheap (docs/RESULTS.md).
    It runs on OpenCV's threads: `set_threads` sets them with torch's.
    """
    if lr.device.type != "cpu" or lr.requires_grad or lr.dtype != torch.float32 or lr.shape[1] > 4:
        return F.interpolate(lr, scale_factor=scale, mode=mode, align_corners=False)
    n, c, h, w = lr.shape
    images = [cv2.resize(image, (w * scale, h * scale), interpolation=CV2_INTERPOLATION[mode]).reshape(
        h * scale, w * scale, c) for image in lr.permute(0, 2, 3, 1).contiguous().numpy()]
    return torch.from_numpy(images[0][None] if n == 1 else np.stack(images)).permute(0, 3, 1, 2)


def set_threads(count: int) -> None:
    """Threads for torch's ops and for OpenCV's (the CPU base upsample, DIS flow): one setting for both, so a
    run asked to use `count` threads does."""
    torch.set_num_threads(count)
    cv2.setNumThreads(count)
