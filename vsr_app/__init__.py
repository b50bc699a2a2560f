"""vsr_app: x4 video super-resolution and x2 frame interpolation with distilled compact models."""

import ctypes
import os
import sys

# Idle OpenMP threads must sleep, not spin: spinning torch threads starve the decode/encode threads that share
# the cores (measured under load: student 0.92 fps spinning vs 3.67 fps passive, docs/RESULTS.md). OpenMP reads
# this once when torch loads, so it has to be set before any torch import.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def _open_glibc():
    """The running process's C library where it is glibc (Linux), else None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None)
    except OSError:
        return None


_GLIBC = _open_glibc()


def _glibc(name: str):
    """The C library function `name`, or None where there is none (another C library or platform)."""
    return getattr(_GLIBC, name, None)


_KEPT_MIB = 0  # the largest amount `keep_freed_memory` has set so far


def keep_freed_memory(mib: int) -> None:
    """Let glibc's malloc keep up to `mib` MiB of freed blocks for the next frame instead of returning them to the
    kernel. Only ever raises the amount: it is process-wide, and each caller asks for what its frames need.

    By default glibc hands blocks above a (self-adjusting) threshold back to the kernel when freed, so each of a
    frame's output-sized temporaries was page-faulted in afresh every frame: ~7,800 faults and ~19 ms of
    system time per 320x180 -> 1280x720 student frame in bf16, ~1 ms with 32 MiB (docs/RESULTS.md, Performance,
    "Session 13"). The price: up to `mib` MiB of freed memory stays at the top of each malloc arena (one per
    thread that allocates); 256 MiB kept ~200 MB more over a batch of videos (`benchmarks/memory_flat.py --size
    180x320 --files 5`), 16 MiB brought the faults back. Blocks over 32 MiB (glibc's ceiling) are always mapped
    afresh. No-op outside glibc (musl, Windows, macOS).
    """
    global _KEPT_MIB
    mallopt = _glibc("mallopt")
    if mallopt is None or mib <= _KEPT_MIB:
        return
    m_trim_threshold, m_mmap_threshold = -1, -3
    mallopt(m_mmap_threshold, min(mib, 32) << 20)  # blocks up to this size come from the reusable heap
    mallopt(m_trim_threshold, mib << 20)
    _KEPT_MIB = mib


keep_freed_memory(32)


_MALLOC_TRIM = _glibc("malloc_trim")


def release_free_memory() -> None:
    """Hand the free memory inside glibc's heaps back to the kernel (`malloc_trim`). For long-lived threads whose
    heap holds cached frames between freed per-frame temporaries, where the trim threshold cannot reach: the
    Compare tab's frame worker reached 2.7 GB for a 768 MB cache without it (docs/RESULTS.md). No-op elsewhere."""
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


__version__ = "0.1.0"
APP_NAME = "vsr-app"
