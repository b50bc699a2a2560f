"""Data-parallel training under torchrun: the process group, and gradients, loss terms and flags shared across
its processes with all_reduce (the same arithmetic as DistributedDataParallel, without wrapping the task's modules).
A process started without torchrun is a world of one, and each helper then does nothing."""
from __future__ import annotations

import atexit
import os
import time

import torch
import torch.distributed as dist
from torch import nn

from vsr_app.distill.runs import world_size
from vsr_app.errors import VsrAppError


def init_distributed(device: torch.device) -> tuple[int, int, torch.device]:
    """This process's rank, the world's size and the device it trains on (`process_device`)."""
    if world_size() == 1:
        return 0, 1, device
    device = process_device(device)
    if device.type == "cuda":
        torch.cuda.set_device(device)
    if not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
        atexit.register(_shutdown_distributed)
    return dist.get_rank(), dist.get_world_size(), device


def process_device(device: torch.device, gpus: int | None = None) -> torch.device:
    """The device of one of torchrun's processes on this node: on CUDA, the GPU of its LOCAL_RANK among the `gpus` it
    sees (default: torch's count), as torchrun gives each process one (every process took the first GPU: the world's
    models on one card, the others idle), or the one GPU a scheduler shows each process. Processes of this node that
    would share a GPU are refused in words: NCCL cannot run two of them on one card (it failed raw)."""
    here = _local_world_size()
    if device.type != "cuda" or here == 1:
        return device
    gpus = torch.cuda.device_count() if gpus is None else gpus
    if device.index is None and gpus == 1:  # each process shown its own GPU (CUDA_VISIBLE_DEVICES per process)
        return torch.device("cuda", 0)
    if device.index is None and gpus >= here:
        return torch.device("cuda", int(os.environ.get("LOCAL_RANK") or 0))
    on = device if device.index is not None else f"{gpus} GPUs"
    raise VsrAppError(f"{here} processes on this machine cannot train on {on}: each needs a GPU of its own (start as "
                      f"many processes as there are GPUs, with \"device\": \"cuda\"; CUDA_VISIBLE_DEVICES picks them)")


def _local_world_size() -> int:
    """torchrun's processes on this machine (LOCAL_WORLD_SIZE); the world's where it is not given."""
    try:
        return max(1, int(os.environ.get("LOCAL_WORLD_SIZE") or world_size()))
    except ValueError:
        return world_size()


def _group_tensor(values: list, dtype: torch.dtype) -> torch.Tensor:
    """`values` as a tensor where the process group's collectives take it: NCCL's on this process's GPU."""
    device = f"cuda:{torch.cuda.current_device()}" if dist.get_backend() == "nccl" else "cpu"
    return torch.tensor(values, dtype=dtype, device=device)


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
    vals = _group_tensor([float(terms[k]) for k in keys], torch.float64)
    dist.all_reduce(vals)
    return {k: float(v) / world for k, v in zip(keys, vals)}


def any_rank(flag: bool, world: int) -> bool:
    if world <= 1:
        return flag
    t = _group_tensor([1 if flag else 0], torch.int64)
    dist.all_reduce(t)
    return bool(t.item())
