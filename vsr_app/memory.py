"""glibc's malloc tuned for frame-sized blocks: served from the reusable heap and kept there between frames, and
handed back on request. Imported by the package before anything allocates (`vsr_app/__init__.py`). No-op outside
glibc (musl, Windows, macOS)."""

import ctypes
import sys
import threading


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
