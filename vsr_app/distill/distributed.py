"""Data-parallel training under torchrun: the process group, and gradients, loss terms and flags shared across
its processes with all_reduce (the same arithmetic as DistributedDataParallel, without wrapping the task's modules).
A process started without torchrun is a world of one, and each helper then does nothing."""
from __future__ import annotations

import atexit
import time

import torch
import torch.distributed as dist
from torch import nn

from vsr_app.distill.runs import world_size


def init_distributed(device: torch.device) -> tuple[int, int]:
    if world_size() == 1:
        return 0, 1
    if not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
        atexit.register(_shutdown_distributed)
    return dist.get_rank(), dist.get_world_size()


def _shutdown_distributed() -> None:
    """Destroy the process group before interpreter exit and let gloo's worker threads drop their finished
    collectives while the interpreter still runs: such a drop needs the GIL, and during finalisation it aborts a
    run that succeeded ("terminate called without an active exception"; seen under gdb in
    ProcessGroupGloo::runLoop -> ~AsyncWork -> TensorImpl::decref_pyobject, cf. pytorch/pytorch#179291)."""
    if dist.is_initialized():
        dist.destroy_process_group()
        time.sleep(0.25)  # releases the GIL to those threads


def average_grads(params: list[nn.Parameter], world: int) -> None:
    grads = [p.grad for p in params if p.grad is not None]
    if world <= 1 or not grads:
        return
    flat = torch.cat([g.reshape(-1) for g in grads])
    dist.all_reduce(flat)
    flat /= world
    offset = 0
    for g in grads:
        g.copy_(flat[offset:offset + g.numel()].view_as(g))
        offset += g.numel()


def average_terms(terms: dict[str, float], world: int) -> dict[str, float]:
    if world <= 1:
        return terms
    keys = sorted(terms)
    vals = torch.tensor([float(terms[k]) for k in keys], dtype=torch.float64)
    dist.all_reduce(vals)
    return {k: float(v) / world for k, v in zip(keys, vals)}


def any_rank(flag: bool, world: int) -> bool:
    if world <= 1:
        return flag
    t = torch.tensor([1 if flag else 0])
    dist.all_reduce(t)
    return bool(t.item())
