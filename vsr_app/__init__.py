"""vsr_app: x4 video super-resolution and x2 frame interpolation with distilled compact models."""

import ctypes
import os
import sys
import threading

# Idle OpenMP threads must sleep, not spin: spinning torch threads starve the decode/encode threads that share
# the cores (measured under load: student 0.92 fps spinning vs 3.67 fps passive, docs/RESULTS.md). OpenMP reads
# this once when torch loads, so it has to be set before any torch import.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
# torch's CPU allocator asks Linux to back its blocks of 2 MiB and more with transparent huge pages (it page-aligns
# them and calls madvise; the 2 MiB-aligned parts then fault in 2 MiB at a time). glibc maps every block over 32 MiB
# afresh and unmaps it when freed, so without huge pages such blocks are page-faulted in 4 KiB at a time on every
# frame: the VFI student at 720p took 1.15 M faults and 5.2 s of system time per 8.1 s frame, 32-37 K faults and
# 2.0-2.4 s per 5.9-6.3 s frame with them; peaks rose by up to 14% and a batch ends holding up to 180 MB more
# (docs/RESULTS.md, "Session 17"). Read at torch's first allocation. Only where the kernel has THP support: on one
# without, torch would print a warning on every run.
if os.path.exists("/sys/kernel/mm/transparent_hugepage/enabled"):
    os.environ.setdefault("THP_MEM_ALLOC_ENABLE", "1")


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


M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt options
MAX_KEPT_MIB = 256  # past ~1080p output the big temporaries exceed glibc's 32 MiB mmap ceiling: more gains nothing
_kept_mib = 0  # what `keep_freed_memory` has set so far
_kept_lock = threading.Lock()  # engines on several threads may ask at once


def keep_freed_memory(mib: int) -> None:
    """Let glibc's malloc keep up to `mib` MiB (at most MAX_KEPT_MIB) of freed memory at the top of its heaps for
    the next frame instead of returning it to the kernel. Only ever raises the amount: it is process-wide, and
    each caller asks for what its frames need.

    Returned memory is page-faulted in afresh on the next frame: ~7,800 faults and ~19 ms of system time per 320x180
    -> 1280x720 student frame in bf16, ~1 ms with 32 MiB (docs/RESULTS.md, Performance, "Session 13"); fp32 needs
    about twice that ("Session 16"). The price: up to `mib` MiB of freed memory stays at the top of each malloc arena
    (one per thread that allocates); 256 MiB for every process kept ~200 MB more over a batch of videos, 16 MiB
    brought the faults back. No-op outside glibc (musl, Windows, macOS).
    """
    global _kept_mib
    mallopt = _glibc("mallopt")
    mib = min(mib, MAX_KEPT_MIB)
    with _kept_lock:
        if mallopt is None or mib <= _kept_mib:
            return
        mallopt(M_TRIM_THRESHOLD, mib << 20)
        _kept_mib = mib


def _serve_frames_from_heap() -> None:
    """Blocks up to 32 MiB (glibc's ceiling) come from the reusable heap, not fresh mappings; keep 32 MiB freed."""
    mallopt = _glibc("mallopt")
    if mallopt is not None:
        mallopt.argtypes = [ctypes.c_int, ctypes.c_int]  # a value past int range raises instead of wrapping
        mallopt(M_MMAP_THRESHOLD, 32 << 20)
    keep_freed_memory(32)


_serve_frames_from_heap()


_MALLOC_TRIM = _glibc("malloc_trim")


def release_free_memory() -> None:
    """Hand the free memory inside glibc's heaps back to the kernel (`malloc_trim`). For long-lived threads whose
    heap holds cached frames between freed per-frame temporaries, where the trim threshold cannot reach: the
    Compare tab's frame worker reached 2.7 GB for a 768 MB cache without it (docs/RESULTS.md). No-op elsewhere."""
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


__version__ = "0.1.0"
APP_NAME = "vsr-app"
