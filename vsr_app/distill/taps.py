"""Tap pruning for the interpolation nets: drop the deformable-kernel taps a trained net barely uses.

Channel pruning (`vsr_app.distill.prune`) thins the convs, but the warping cost is per tap and per
pixel at three scales and does not shrink with the widths. So after the OBProx-SG run the pruned
net is run on training batches, each tap's mean softmax weight is measured per scale, and each scale
keeps its most-used taps until they hold `mass` of the weight (at least one). The head convs lose
exactly the output channels of the dropped taps (2 offsets and 1 logit per frame); the softmax then
renormalises over the kept taps, which fine-tuning absorbs.
"""

from __future__ import annotations

from typing import Iterable

import torch

from vsr_app.nets.vfi_teacher import VFINet

HEADS = ("head_h_out", "head_1_out", "head_2_out")  # 0.5x, 1x, 2x; the 2x one is pixel-shuffled (4 per channel)


@torch.no_grad()
def tap_importance(net: VFINet, batches: Iterable[dict], n: int) -> list[torch.Tensor]:
    """Mean softmax weight of every kept tap, per scale, over `n` batches (eval mode)."""
    was = net.training
    net.eval()
    sums = None
    for i, batch in zip(range(n), batches):
        _, aux = net(batch["frames"], return_aux=True)
        w = [t.float() for t in aux["tap_weight"]]
        sums = w if sums is None else [a + b for a, b in zip(sums, w)]
    net.train(was)
    return [s / n for s in sums]


def choose_taps(importance: list[torch.Tensor], mass: float) -> list[list[int]]:
    """Per scale, positions (into the net's current taps) of the fewest taps holding `mass` of the weight."""
    keep = []
    for imp in importance:
        order = torch.argsort(imp, descending=True)
        share = torch.cumsum(imp[order], 0) / imp.sum()
        count = int((share < mass).sum()) + 1
        keep.append(sorted(int(j) for j in order[:min(count, len(order))]))
    return keep


def _head_channels(k_taps: int, keep: list[int]) -> list[int]:
    """Output channels of one head (layout: o0 [2K], o1 [2K], l0 [K], l1 [K], mask) that the kept taps own."""
    sel = [2 * j + c for j in keep for c in (0, 1)]
    sel += [2 * k_taps + 2 * j + c for j in keep for c in (0, 1)]
    sel += [4 * k_taps + j for j in keep] + [5 * k_taps + j for j in keep] + [6 * k_taps]
    return sel


def prune_taps(net: VFINet, keep: list[list[int]]) -> VFINet:
    """The same net keeping only the taps `keep` (positions into its current taps, per scale)."""
    taps = []
    for k, cur, pos in zip(net.kernels, net.taps, keep):
        full = list(range(k * k)) if cur is None else list(cur)
        taps.append(None if len(pos) == len(full) else [full[j] for j in pos])
    out = net.rebuild(net.widths, taps=taps)
    state = net.state_dict()
    for name, n_taps, pos, copies in zip(HEADS, net.n_taps, keep, (1, 1, 4)):
        sel = torch.tensor([copies * c + i for c in _head_channels(n_taps, pos) for i in range(copies)])
        for part in ("weight", "bias"):
            key = f"convs.{name}.{part}"
            state[key] = state[key][sel]
    out.load_state_dict(state)
    return out
