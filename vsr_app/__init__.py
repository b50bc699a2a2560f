"""vsr_app: x4 video super-resolution and x2 frame interpolation with distilled compact models."""

import os

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

from vsr_app import memory  # noqa: E402,F401 (tunes glibc's malloc as it is imported, before anything allocates)

__version__ = "0.1.0"
APP_NAME = "vsr-app"
