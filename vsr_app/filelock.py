"""Non-blocking exclusive locks on open files, one call for POSIX and Windows.

Why OS locks and not a "busy" marker file: the OS drops them with the process however it ends (`kill -9`, a crash,
power loss), so nothing stale is ever left to block the next run. Used by training (one trainer per run folder) and
batch (one batch per output folder).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


class LockHeld(OSError):
    """The file is locked by another process (or another open descriptor in this one)."""


class NoLock(OSError):
    """The disk takes no locks (or misreports its files): the caller warns and goes on unguarded, as before locks
    existed, rather than not at all."""


def hold(path: Path) -> int:
    """Create (if need be), open and lock `path` without waiting; returns its descriptor, which holds the lock until
    it is closed. Raises LockHeld when someone else holds it, NoLock where the disk cannot lock it, and OSError when
    it cannot be opened. Locking a file its last holder has just deleted would guard nothing: then the file now at
    `path` is locked instead (Windows deletes no open file)."""
    for _ in range(10):  # each new try needs a holder that deleted the file just now
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            lock_now(fd)
        except LockHeld:
            os.close(fd)
            raise
        except OSError as exc:
            os.close(fd)
            raise NoLock(exc.errno, exc.strerror) from exc
        if os.name == "nt" or _names_file(path, fd):
            return fd
        os.close(fd)
    raise NoLock(f"'{path}' changed each time it was locked")


def release_and_delete(fd: int, path: Path) -> None:
    """Delete the lock file and drop the lock. On POSIX it is deleted while still locked, so a process that opened it
    meanwhile finds it gone (`hold`); Windows cannot delete a file another process has open, so there the lock is
    dropped first and the file stays when another process opened it meanwhile: that one holds it now."""
    if os.name == "nt":
        os.close(fd)
    with contextlib.suppress(OSError):  # Windows: another process has it open, and locked
        path.unlink()
    if os.name != "nt":
        os.close(fd)


def _names_file(path: Path, fd: int) -> bool:
    """Whether `path` is still the open file `fd`, not deleted (or deleted and made anew) by its last holder."""
    try:
        return os.path.samestat(os.fstat(fd), os.stat(path))
    except FileNotFoundError:
        return False


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
