"""Why a write failed for want of room - the disk full, or the file past the largest its file system or a `ulimit -f`
allows - said one way for videos and training checkpoints alike, and marked (`OutOfRoom`) so a batch can tell it
from a bad input: every file after it would fail the same way, each at the same point, hours later."""

from __future__ import annotations

import errno

from vsr_app.errors import VsrAppError

NO_SPACE = "no space left on the disk"
TOO_LARGE = "the file grew past the largest this system allows (a FAT32 disk's 4 GB, or a `ulimit -f`)"
_WHY = {errno.ENOSPC: NO_SPACE, errno.EFBIG: TOO_LARGE}


class OutOfRoom(VsrAppError):
    """A write that failed for want of room: `written` bytes had been made, `too_large` where the file's size limit,
    not the disk's free space, stopped it."""

    def __init__(self, message: str, written: int = 0, too_large: bool = False):
        super().__init__(message)
        self.written, self.too_large = written, too_large


def out_of_room(exc: BaseException) -> int | None:
    """ENOSPC or EFBIG where `exc` failed for want of room, else None: an OSError's errno, or safetensors' own error,
    which wraps the system's ("I/O error: No space left on device (os error 28)") and is no OSError."""
    return next((number for number in _WHY
                 if getattr(exc, "errno", None) == number or f"(os error {number})" in str(exc)), None)


def why_not_written(exc: BaseException) -> str:
    """Why a write failed, in words: what `out_of_room` finds, else the system's own."""
    number = out_of_room(exc)
    return _WHY[number] if number is not None else getattr(exc, "strerror", None) or str(exc)
