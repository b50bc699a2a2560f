"""Non-blocking exclusive locks on open files, one call for POSIX and Windows.

Why OS locks and not a "busy" marker file: the OS drops them with the process however it ends (`kill -9`, a crash,
power loss), so nothing stale is ever left to block the next run. Used by training (one trainer per run folder) and
batch (one batch per output folder).
"""

from __future__ import annotations

import os


class LockHeld(OSError):
    """The file is locked by another process (or another open descriptor in this one)."""


def lock_now(fd: int) -> None:
    """Lock the open file `fd` without waiting. Raises LockHeld when someone else holds it, and OSError when the disk
    takes no locks."""
    try:
        if os.name == "nt":
            import msvcrt

            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except (BlockingIOError, PermissionError) as exc:  # held: EWOULDBLOCK (flock), EACCES (msvcrt)
        raise LockHeld(exc.errno, exc.strerror) from exc
