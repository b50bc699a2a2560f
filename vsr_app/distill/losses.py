"""Training losses: Charbonnier reconstruction and Space-Time Distillation (Xiao et al., CVPR 2021).

STD matches the HR feature maps of teacher and student (just before their output convs):
- space (`space_loss`): per-frame spatial attention map = sum over channels of squared activations,
  normalised to unit L2 norm per frame; the *squared* L2 distance between teacher and student maps,
  summed over the pixels and averaged over batch and frames (not the L2 distance itself). With unit-norm
  maps it lies in [0, 2] whatever the crop size;
- time (`time_loss`): one ConvLSTM (shared weights) encodes each net's sequence of feature maps; the
  mean squared difference of the two final memory cells, a mean over every element (batch, channels,
  pixels). With `normalise` (the VSR task's `time_norm`, on by default) it is divided by the teacher
  cell's mean square, so the VSR task's 1e-8 freeze threshold is compared with this ratio.
`charbonnier` is a mean over elements too.
"""
from __future__ import annotations

import torch
from torch import Tensor


def charbonnier(pred: Tensor, target: Tensor, eps: float = 1e-3) -> Tensor:
    """Mean sqrt((x - y)^2 + eps^2): L1-like, smooth at zero."""
    diff = pred.float() - target.float()
    return torch.sqrt(diff * diff + eps * eps).mean()


def attention_map(feat: Tensor, eps: float = 1e-8, center: bool = False) -> Tensor:
    """[..., C, H, W] -> [..., H*W]: channel sum of squares, L2-normalised over the pixels.

    center=True first removes each channel's spatial mean: the teacher's HR channels carry most of their
    energy as constant offsets (measured, docs/RESULTS.md), which would otherwise dominate the map.
    """
    feat = feat.float()
    if center:
        feat = feat - feat.mean((-2, -1), keepdim=True)
    att = feat.pow(2).sum(-3).flatten(-2)
    return att / (att.norm(dim=-1, keepdim=True) + eps)


def space_loss(student_feats: Tensor, teacher_feats: Tensor, center: bool = False) -> Tensor:
    """STD space term for clips of features [N,T,C,H,W] (channel counts may differ).

    Squared L2 distance between normalised maps, summed over pixels, averaged over batch and frames
    (as in attention transfer; each map has unit norm so the term lies in [0, 2]).
    """
    diff = attention_map(student_feats, center=center) - attention_map(teacher_feats, center=center)
    return diff.pow(2).sum(-1).mean()


def time_loss(student_cell: Tensor, teacher_cell: Tensor, normalise: bool = False) -> Tensor:
    """STD time term: mean squared difference of the ConvLSTM final memory cells.

    normalise=True divides by the teacher cell's mean square (detached): shrinking every cell
    towards zero then no longer lowers the loss, one of the ways the shared ConvLSTM collapses.
    """
    loss = (student_cell.float() - teacher_cell.float()).pow(2).mean()
    if normalise:
        loss = loss / (teacher_cell.detach().float().pow(2).mean() + 1e-12)
    return loss
