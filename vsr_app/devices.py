"""Where nets run and in what precision: the devices a user may pick, the one "auto" means, and the reduced precision
worth using there (bf16 on a CPU only where `cpu_precision` measured it faster).

Torch is imported by the functions, not here: the desktop window's modules import this one for the device picker
before torch has loaded (models.py's docstring says why).
"""

from __future__ import annotations

import contextlib
import functools
import platform
import sys
from typing import TYPE_CHECKING

from vsr_app.errors import VsrAppError

if TYPE_CHECKING:
    import torch


def device_choices() -> list[tuple[str, str]]:
    """The devices a picker offers, as (what resolve_device takes, what the user reads): Auto says which it means."""
    import torch

    cuda = torch.cuda.is_available()
    choices = [("auto", f"Auto ({'CUDA' if cuda else 'CPU'})"), ("cpu", "CPU")]
    if cuda:
        choices.append(("cuda", f"CUDA ({torch.cuda.get_device_name(0)})"))
    return choices


def resolve_device(device: str | torch.device, cpu_hint: str = "use --device cpu") -> torch.device:
    """'auto' picks CUDA when present; asking for CUDA without one is a user error, `cpu_hint` says what to do in
    the command that asked (training takes its device from the options, not from --device)."""
    import torch

    if isinstance(device, torch.device):
        return device
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise VsrAppError(f"CUDA was requested but {_why_no_cuda()}; {cpu_hint}")
    if device not in ("cpu",) and not device.startswith("cuda"):
        raise VsrAppError(f"unknown device '{device}' (use auto, cpu or cuda)")
    return torch.device(device)


def _why_no_cuda() -> str:
    """Why CUDA cannot be used: a CPU-only torch (the packaged app's, the default install's) is not helped by a GPU,
    so "no CUDA GPU is available" sent a user with one looking for a driver problem. A ROCm build runs AMD GPUs
    under the "cuda" name, so it lacks a GPU, not CUDA. The version to install is this torch's own (constraints.txt
    pins it), without its local part ("+cpu")."""
    import torch

    if torch.version.cuda is not None:
        return "no CUDA GPU is available"
    if torch.version.hip is not None:
        return "no GPU is available to this torch (a ROCm build, for AMD GPUs)"
    if getattr(sys, "frozen", False):
        return ("this packaged app is built for the CPU only (for a GPU, run vsr-app from its source folder with a "
                "CUDA build of torch, as its README says)")
    version = str(torch.__version__).split("+")[0]
    return (f"this torch is a CPU-only build (install a CUDA build of torch {version} into .venv for the GPU, see "
            "README)")


@functools.cache
def cpu_name() -> str:
    """The CPU's model name as Linux reports it, else as Python's platform module does: what a timing was taken on
    (read once: the precision's key asks for it wherever a net's precision is asked)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def cpu_supports_bf16() -> bool:
    """True on CPUs with native bf16 (AVX512-BF16 or AMX); without, bf16 is emulated, ~50x slower than fp32."""
    return _cpu_has("_is_avx512_bf16_supported") or cpu_has_amx()


def cpu_has_amx() -> bool:
    """True on CPUs with AMX tiles (Intel Xeon 4th generation and later)."""
    return _cpu_has("_is_amx_tile_supported")


@functools.cache
def _cpu_has(check_name: str) -> bool:
    """torch's check of a CPU feature by name; False where this torch has no such check. Asked once: the engine and
    the teacher-feature cache ask for the precision again at every batch."""
    import torch

    check = getattr(torch.cpu, check_name, None)
    return bool(check is not None and check())


def autocast_dtype(device: torch.device) -> torch.dtype | None:
    """The reduced precision worth using on `device`, or None for plain fp32."""
    import torch

    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if device.type == "cpu" and cpu_prefers_bf16():
        return torch.bfloat16
    return None


def cpu_prefers_bf16() -> bool:
    """Whether bf16 is worth it on this CPU: native, and measured faster than fp32 (`cpu_precision`: native bf16
    ran 1.6-1.8x slower than fp32 on a Xeon without AMX)."""
    from vsr_app.cpu_precision import cpu_bf16_measure

    return cpu_supports_bf16() and cpu_bf16_measure().bf16_faster


PRECISION_NAMES = {"torch.bfloat16": "bf16", "torch.float16": "fp16"}  # as results name a dtype; None is fp32


def precision_name(dtype: torch.dtype | None) -> str:
    """"bf16", "fp16" or "fp32" (None: no autocast), as results name an engine's `dtype`."""
    return PRECISION_NAMES.get(str(dtype), "fp32")


def default_precision(device: torch.device) -> str:
    """The precision name the app runs trained nets in on `device` (`autocast_dtype`)."""
    return precision_name(autocast_dtype(device))


def autocast(device: torch.device, dtype: torch.dtype | None):
    """Autocast to `dtype` on `device`; nothing for None (fp32)."""
    import torch

    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=dtype)
