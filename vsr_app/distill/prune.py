"""Optimisation-based channel pruning (as in CDFI and ST-MFNet Mini): sparsify, then shrink widths.

1. Fine-tune the trained net with an L1 penalty on its prunable conv weights through OBProx-SG
   (Chen et al. 2020): first proximal-gradient steps (gradient step, then soft-thresholding, which
   makes weights exactly zero), then orthant steps (stay on the sign pattern found so far; a weight
   whose sign would flip is set to zero). `SparsityController` tunes the L1 strength so the net
   reaches the wanted size within the step budget.
2. `width_plan`: each width group keeps the share of its weights that is non-zero (so a layer that
   is 80% zeros keeps 20% of its output channels); the channels kept are those with the largest
   weight norms.
3. `extract_pruned`: build the same architecture with the new widths and copy the surviving
   weights (output channels of each conv, and the matching input channels of its consumers).

It works on any net exposing `widths` (group -> channels) and `graph` (conv name -> ConvNode) with
convs in `net.convs`, as `vsr_app.nets.vfi_teacher.VFINet` does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from vsr_app.models import count_params


def prunable_weights(net: nn.Module) -> dict[str, nn.Parameter]:
    """Conv weights whose output channels form a prunable width group (not the fixed flow/RGB heads)."""
    return {name: net.convs[name].weight for name, node in net.graph.items() if isinstance(node.out, str)}


def group_producers(net: nn.Module) -> dict[str, list[str]]:
    """Width group -> the convs writing it (several when their outputs are summed)."""
    producers: dict[str, list[str]] = {g: [] for g in net.widths}
    for name, node in net.graph.items():
        if isinstance(node.out, str):
            producers[node.out].append(name)
    return producers


class OBProxSG(torch.optim.Optimizer):
    """OBProx-SG for min f(x) + lambda*||x||_1 over the `sparse` param group; others get plain SGD.

    `prox_steps` proximal steps come first; after them each step is an orthant step: the search
    direction is grad + lambda*sign(x) on the non-zero entries only, and entries that would cross
    zero are projected to exactly zero (zeros stay zero). `momentum` is applied to the gradient.
    """

    def __init__(self, params, lr: float, lambda_: float, prox_steps: int, momentum: float = 0.9):
        super().__init__(params, {"lr": lr, "lambda_": lambda_, "momentum": momentum, "sparse": False})
        self.prox_steps = prox_steps
        self.steps_done = 0

    @property
    def in_orthant_phase(self) -> bool:
        return self.steps_done >= self.prox_steps

    @torch.no_grad()
    def step(self, closure=None):
        loss = closure() if closure is not None else None
        orthant = self.in_orthant_phase
        for group in self.param_groups:
            lr, lam, mom = group["lr"], group["lambda_"], group["momentum"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = p.grad
                if mom:
                    buf = self.state[p].get("momentum")
                    buf = grad.clone() if buf is None else buf.mul_(mom).add_(grad)
                    self.state[p]["momentum"] = buf
                    grad = buf
                if not group["sparse"]:
                    p.add_(grad, alpha=-lr)
                elif not orthant:
                    p.add_(grad, alpha=-lr)
                    p.copy_(torch.sign(p) * torch.clamp(p.abs() - lr * lam, min=0.0))
                else:
                    sign = torch.sign(p)
                    trial = p - lr * (grad + lam * sign)
                    trial[(trial * sign) <= 0] = 0.0  # crossed (or was on) zero: project onto the orthant face
                    p.copy_(trial)
        self.steps_done += 1
        return loss


def make_obproxsg(net: nn.Module, lr: float, lambda_: float, prox_steps: int, momentum: float = 0.9) -> OBProxSG:
    """OBProx-SG with the L1 term on the prunable conv weights only (biases and fixed heads stay dense)."""
    sparse_ids = {id(p) for p in prunable_weights(net).values()}
    sparse = [p for p in net.parameters() if id(p) in sparse_ids]
    dense = [p for p in net.parameters() if id(p) not in sparse_ids]
    return OBProxSG([{"params": sparse, "sparse": True}, {"params": dense, "sparse": False, "lambda_": 0.0}],
                    lr=lr, lambda_=lambda_, prox_steps=prox_steps, momentum=momentum)


def nonzero_shares(net: nn.Module) -> dict[str, float]:
    """Per width group: share of its producers' weights that are not zero."""
    shares = {}
    for group, convs in group_producers(net).items():
        weights = [net.convs[c].weight for c in convs]
        total = sum(w.numel() for w in weights)
        shares[group] = sum(int((w != 0).sum()) for w in weights) / total
    return shares


def apply_threshold(net: nn.Module, threshold: float) -> int:
    """Set prunable weights with |w| <= threshold to exactly zero; returns how many are zero now."""
    zeros = 0
    with torch.no_grad():
        for w in prunable_weights(net).values():
            w[w.abs() <= threshold] = 0.0
            zeros += int((w == 0).sum())
    return zeros


@dataclass
class PrunePlan:
    """New width per group and which of the original channels each group keeps (sorted).

    `shares` are the measured non-zero shares; widths follow `scale * share` (scale < 1 only when
    the sparsity run ended above the size target, see `scaled_plan`).
    """

    widths: dict[str, int]
    kept: dict[str, list[int]]
    shares: dict[str, float]
    scale: float = 1.0

    def report(self, before: dict[str, int]) -> dict:
        return {g: {"before": before[g], "after": self.widths[g], "nonzero_share": round(self.shares[g], 4),
                    "kept": self.kept[g]} for g in self.widths}


def channel_scores(net: nn.Module) -> dict[str, torch.Tensor]:
    """Per group, the L2 norm of each output channel's weights summed over the convs producing it."""
    scores = {}
    for group, convs in group_producers(net).items():
        total = torch.zeros(net.widths[group])
        for c in convs:
            w = net.convs[c].weight.detach().float().cpu()
            total += w.flatten(1).norm(dim=1)
        scores[group] = total
    return scores


def width_plan(net: nn.Module, min_width: int = 4, shares: dict[str, float] | None = None,
               scale: float = 1.0) -> PrunePlan:
    """Widths from the non-zero shares times `scale` (at least `min_width`), keeping the highest-norm channels."""
    shares = nonzero_shares(net) if shares is None else shares
    scores = channel_scores(net)
    widths, kept = {}, {}
    for group, width in net.widths.items():
        new = min(width, max(min_width, math.ceil(width * shares[group] * scale)))
        top = torch.topk(scores[group], new).indices
        widths[group] = new
        kept[group] = sorted(int(i) for i in top)
    return PrunePlan(widths, kept, shares, scale)


def scaled_plan(net: nn.Module, plan: PrunePlan, target_params: int, build, min_width: int = 4) -> PrunePlan:
    """Shrink all shares by one common factor until the pruned net has at most `target_params` parameters.

    Used when the sparsity run ends above the target: the relative widths it found are kept.
    """
    if count_params(build(plan.widths)) <= target_params:
        return plan
    lo, hi = 0.0, 1.0
    for _ in range(20):
        mid = (lo + hi) / 2
        if count_params(build(width_plan(net, min_width, plan.shares, mid).widths)) <= target_params:
            lo = mid
        else:
            hi = mid
    return width_plan(net, min_width, plan.shares, lo)


def _input_index(node, kept: dict[str, list[int]], before: dict[str, int]) -> torch.Tensor:
    """Indices of the original input channels a pruned conv still reads, in the order it reads them."""
    idx, offset = [], 0
    for spec in node.inputs:
        if isinstance(spec, int):
            idx.append(torch.arange(offset, offset + spec))
            offset += spec
            continue
        group, repeat = spec
        for _ in range(repeat):
            idx.append(torch.tensor(kept[group], dtype=torch.long) + offset)
            offset += before[group]
    return torch.cat(idx)


def extract_pruned(net: nn.Module, plan: PrunePlan, build) -> nn.Module:
    """`build(widths)` -> a fresh net of the same architecture; copy the kept channels of every conv into it."""
    student = build(plan.widths)
    before = net.widths
    with torch.no_grad():
        for name, node in net.graph.items():
            src, dst = net.convs[name], student.convs[name]
            w, b = src.weight, src.bias
            if isinstance(node.out, str):
                out_idx = torch.tensor(plan.kept[node.out], dtype=torch.long)
                w, b = w[out_idx], b[out_idx]
            w = w[:, _input_index(node, plan.kept, before)]
            dst.weight.copy_(w)
            dst.bias.copy_(b)
    return student


def initial_lambda(net: nn.Module, lr: float, prox_steps: int, keep_share: float) -> float:
    """L1 strength at which soft-thresholding alone (lr*lambda per step) would zero every weight smaller
    than the `1 - keep_share` quantile of |w| within the proximal phase: a scale-aware first guess."""
    mags = torch.cat([w.detach().abs().flatten().float() for w in prunable_weights(net).values()])
    k = max(1, int((1 - keep_share) * mags.numel()))
    return float(torch.kthvalue(mags.cpu(), k).values) / (lr * prox_steps)


class SparsityController:
    """Adjusts OBProx-SG's lambda so the planned size falls along a straight line to the target.

    Every `every` steps during the proximal phase it compares the params of the current width plan
    with the schedule and multiplies lambda up (behind) or down (ahead); the orthant phase keeps
    the last lambda.
    """

    def __init__(self, net: nn.Module, optimizer: OBProxSG, target_params: int, build, every: int = 10,
                 factor: float = 1.25, min_width: int = 4):
        self.net, self.opt, self.build = net, optimizer, build
        self.start = count_params(net)
        self.target = target_params
        self.every, self.factor, self.min_width = every, factor, min_width
        self.planned = self.start

    def planned_params(self) -> int:
        return count_params(self.build(width_plan(self.net, self.min_width).widths))

    def update(self, step: int) -> None:
        if step % self.every or self.opt.in_orthant_phase:
            return
        self.planned = self.planned_params()
        progress = min(1.0, step / max(1, self.opt.prox_steps * 0.8))
        wanted = self.start - progress * (self.start - self.target)
        group = self.opt.param_groups[0]
        group["lambda_"] *= self.factor if self.planned > wanted else 1 / self.factor
