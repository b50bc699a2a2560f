"""Flow-guided warm-up for the interpolation nets' deformable heads (training only; inference stays plain torch).

Deformable kernels learn their offsets only through the image gradient at the sampled positions, so
from a zero start they see motion within about a pixel and little else; on mostly slow training
video the heads stayed at zero offsets and the net matched a plain blend. The warm-up gives each head
a direct target for a while: OpenCV DIS optical flow from the true middle frame to t0 and to t1
(computed per training crop in the data loader), compared (L1) with the head's softmax-weighted mean
sampling displacement, at each head's scale. Its weight decays linearly to zero over `flow_steps`,
after which the reconstruction loss alone trains the net.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from vsr_app.nets.motion_prior import dis_flow

SCALES = (0.5, 1.0, 2.0)  # the heads' scales, in the order the net returns their displacements


def middle_flows(clip: np.ndarray, mid: int, t0: int, t1: int) -> np.ndarray:
    """[2 (t0, t1), 2 (x, y), H, W] flows from frame `mid` of a [T,H,W,3] uint8 clip to frames t0 and t1."""
    return np.stack([dis_flow(clip[mid], clip[t]).transpose(2, 0, 1) for t in (t0, t1)])


def flow_guide_loss(displacements: list[torch.Tensor], flow: torch.Tensor) -> torch.Tensor:
    """Mean over the heads of L1(head displacement, flow at the head's scale), in full-resolution pixels.

    displacements: per scale in SCALES, [N,2,2,H*s,W*s] in that scale's pixels; flow [N,2,2,H,W].
    """
    n, f, c, h, w = flow.shape
    flat = flow.float().reshape(n, f * c, h, w)
    total = flow.new_zeros((), dtype=torch.float32)
    for disp, s in zip(displacements, SCALES):
        if s < 1:
            target = F.avg_pool2d(flat, round(1 / s)) * s
        elif s > 1:
            target = F.interpolate(flat, scale_factor=s, mode="bilinear", align_corners=False) * s
        else:
            target = flat
        d = disp.float().reshape(n, f * c, *disp.shape[-2:])
        total = total + (d - target).abs().mean() / s
    return total / len(displacements)


def warmup_weight(step: int, weight: float, steps: int) -> float:
    """`weight` at step 0, falling linearly to 0 at `steps` (0 steps: off)."""
    if steps <= 0 or weight <= 0:
        return 0.0
    return weight * max(0.0, 1.0 - step / steps)
