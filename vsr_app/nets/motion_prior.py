"""Parameter-free motion priors for the interpolation nets: a flow for the middle frame, [N,3,H,W].

Both give d (x, y, in pixels; the middle frame sees t1 at q + d and t0 at q - d) and a per-pixel
matching cost (the windowed mean absolute grey difference of t0(q - d) and t1(q + d): a confidence).
The net adds its learned offsets on top of d and reads all three channels, so either prior can feed the
same weights:
- "block": coarse-to-fine symmetric block matching in plain torch (the first fixed nets' prior; searches
  up to +-11 px each way, misses larger motions and fine structure).
- "dis": OpenCV's DIS optical flow both ways, turned into the middle frame's flow as in Super SloMo
  (t = 0.5). It is what the `opencv-flow` baseline warps with, so a net on this prior starts where
  that baseline is. Runs on the CPU (a GPU net copies the two grey frames over, a few ms).
"""

from __future__ import annotations

import threading

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from vsr_app.nets.ops import flow_warp

PRIORS = ("block", "dis")
COST_WINDOW = 7  # the window of the matching cost (the block matcher's finest level)
DIS_MIN_SIDE = 16  # OpenCV's DIS asserts width and height >= 12, and crashes (SIGSEGV) on 12-15 px high frames
_DIS = threading.local()  # one DIS object per thread and setting: OpenCV algorithm objects are not thread-safe


def resize(x: torch.Tensor, size) -> torch.Tensor:
    """Bilinear resize to `size` (H, W), pixel centres aligned."""
    return F.interpolate(x, size=size, mode="bilinear", align_corners=False)


def dis_flow(src: np.ndarray, dst: np.ndarray, preset: int = cv2.DISOPTICAL_FLOW_PRESET_MEDIUM,
             finest_scale: int | None = None, refinement: int | None = None) -> np.ndarray:
    """[H,W,2] float32 flow (x, y) with src(p) ~ dst(p + flow(p)), for uint8 RGB (or grey) frames.
    `finest_scale`: the pyramid level DIS stops at (0 = full resolution), in place of the preset's;
    `refinement`: its variational refinement iterations per level, in place of the preset's."""
    per_thread = _DIS.__dict__
    key = (preset, finest_scale, refinement)
    if key not in per_thread:
        dis = cv2.DISOpticalFlow_create(preset)
        if refinement is not None:
            dis.setVariationalRefinementIterations(refinement)
        per_thread[key] = dis, dis.getFinestScale() if finest_scale is None else finest_scale
    dis, finest = per_thread[key]
    # set on every call: DIS lowers its own finest scale for good on the first frame too small for it (<= 128 px),
    # so without this a flow would depend on what the thread matched before
    dis.setFinestScale(finest)
    gray = [f if f.ndim == 2 else cv2.cvtColor(np.ascontiguousarray(f), cv2.COLOR_RGB2GRAY) for f in (src, dst)]
    h, w = gray[0].shape
    pad_h, pad_w = max(0, DIS_MIN_SIDE - h), max(0, DIS_MIN_SIDE - w)
    if pad_h or pad_w:  # DIS fails on frames under 16 px a side: match on edge-replicated ones, keep the frame's part
        gray = [np.pad(g, ((0, pad_h), (0, pad_w)), mode="edge") for g in gray]
    flow = dis.calc(np.ascontiguousarray(gray[0]), np.ascontiguousarray(gray[1]), None)
    return flow[:h, :w]


def middle_flow(g0: np.ndarray, g1: np.ndarray, preset: int = cv2.DISOPTICAL_FLOW_PRESET_MEDIUM) -> np.ndarray:
    """[H,W,2] float32 flow d of the frame halfway between g0 and g1 (it sees g1 at q + d and g0 at q - d), from DIS
    flows g0->g1 and g1->g0 by Super SloMo's intermediate-flow approximation at t = 0.5."""
    return 0.25 * (dis_flow(g0, g1, preset) - dis_flow(g1, g0, preset))


def _window_mean(x: torch.Tensor, win: int) -> torch.Tensor:
    """Mean over a win x win window (separable; windows cut at the borders average fewer pixels)."""
    pad = win // 2
    x = F.avg_pool2d(x, (win, 1), 1, (pad, 0), count_include_pad=False)
    return F.avg_pool2d(x, (1, win), 1, (0, pad), count_include_pad=False)


def grey_bytes(grey: torch.Tensor) -> np.ndarray:
    """[N,H,W] grey frames in [0, 1] (any float dtype or device) -> [N,H,W] uint8 on the host: what DIS reads."""
    return (grey.detach().float().clamp(0, 1) * 255).round().to(torch.uint8).cpu().numpy()


def dis_prior(i0: torch.Tensor, i1: torch.Tensor) -> torch.Tensor:
    """The middle frame's flow from DIS flows t0->t1 and t1->t0 (Super SloMo at t = 0.5), plus its cost."""
    with torch.autocast(device_type=i0.device.type, enabled=False):
        g0, g1 = i0.float().mean(1, keepdim=True), i1.float().mean(1, keepdim=True)
        grey = zip(grey_bytes(g0[:, 0]), grey_bytes(g1[:, 0]))
        d = np.stack([middle_flow(a, b).transpose(2, 0, 1) for a, b in grey])
        d = torch.from_numpy(d).to(i0.device)
        cost = _window_mean((flow_warp(g0, -d) - flow_warp(g1, d)).abs(), COST_WINDOW)
        return torch.cat([d, cost], 1)


def motion_prior(i0: torch.Tensor, i1: torch.Tensor, method: str = "block") -> torch.Tensor:
    """[N,3,H,W] prior for the frame between i0 and i1 ([N,3,H,W] in [0, 1]) by `method` (one of PRIORS)."""
    if method == "dis":
        return dis_prior(i0, i1)
    if method == "block":
        return block_match_flow(i0, i1)
    raise ValueError(f"unknown motion prior {method!r} (known: {', '.join(PRIORS)})")


BM_LEVELS = ((4, 2, 7), (2, 1, 7), (1, 1, 7))  # block matching, coarse to fine: (downscale, radius, window)
BM_SHARPNESS = 200.0


def _symmetric_search(g0: torch.Tensor, g1: torch.Tensor, r: int, win: int, sharpness: float):
    """Soft-argmin over d in [-r, r]^2 of the windowed mean |g0(q - d) - g1(q + d)|: (d [N,2,H,W], best cost)."""
    h, w = g0.shape[-2:]
    p0, p1 = F.pad(g0, (r,) * 4, mode="replicate"), F.pad(g1, (r,) * 4, mode="replicate")
    diffs = torch.cat([(p0[..., r - dy:r - dy + h, r - dx:r - dx + w] - p1[..., r + dy:r + dy + h, r + dx:r + dx + w])
                       .abs() for dy in range(-r, r + 1) for dx in range(-r, r + 1)], 1)
    cost = _window_mean(diffs, win)
    prob = torch.softmax(-sharpness * cost, 1)
    d = torch.arange(-r, r + 1, device=g0.device, dtype=torch.float32)
    dy, dx = torch.meshgrid(d, d, indexing="ij")
    ex = (prob * dx.reshape(1, -1, 1, 1)).sum(1, keepdim=True)
    ey = (prob * dy.reshape(1, -1, 1, 1)).sum(1, keepdim=True)
    return torch.cat([ex, ey], 1), cost.amin(1, keepdim=True)


def block_match_flow(i0: torch.Tensor, i1: torch.Tensor, levels=BM_LEVELS, sharpness: float = BM_SHARPNESS
                     ) -> torch.Tensor:
    """Parameter-free motion prior for the middle frame: coarse-to-fine symmetric block matching, [N,3,H,W].

    At each level (downscale, radius, window) the grey images, shifted by the estimate so far, are
    compared along straight motions through each pixel, t0(q - d) against t1(q + d), by the mean absolute
    difference over a window; a soft-argmin (softmax of -sharpness * cost) refines d. With the default
    levels the search reaches +-11 pixels each way (22 between t0 and t1) for 1/40 of the cost of a
    full-resolution search of that range (levels chosen on the held-out validation crops). Channels: d (x, y, pixels: the flow to t1 is +d, to t0 -d) and
    the final best cost (a confidence). Plain torch, float32 under any autocast.
    """
    with torch.autocast(device_type=i0.device.type, enabled=False):
        g0, g1 = i0.float().mean(1, keepdim=True), i1.float().mean(1, keepdim=True)
        h, w = g0.shape[-2:]
        d = None
        for down, r, win in levels:
            a, b = (F.avg_pool2d(g, down) if down > 1 else g for g in (g0, g1))
            if d is None:
                d = a.new_zeros((a.shape[0], 2, *a.shape[-2:]))
            else:
                d = resize(d, a.shape[-2:]) * (d_down / down)
                a, b = flow_warp(a, -d), flow_warp(b, d)
            delta, cost = _symmetric_search(a, b, r, win, sharpness)
            d = d + delta
            d_down = down
        if d.shape[-2:] != (h, w):
            d, cost = resize(d, (h, w)) * d_down, resize(cost, (h, w))
        return torch.cat([d, cost], 1)
