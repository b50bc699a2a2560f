"""A batch's files after one failed for want of room: each is started only where its output, projected from the bytes
the batch's outputs took so far, fits; else it fails at once. Without this a full disk failed every remaining file,
each at the same point, hours in."""

from __future__ import annotations

import shutil
from pathlib import Path

from vsr_app.disk_full import OutOfRoom
from vsr_app.errors import VsrAppError
from vsr_app.video.disk_space import size_texts


class RoomGuard:
    """Before a file of a batch into `out_dir` starts, `check` it; `ran_out` tells it a file failed for want of room.
    Until then every file starts: a projection alone is no reason to refuse one (outputs differ tenfold in size)."""

    def __init__(self, out_dir: Path):
        self.out_dir = out_dir
        self.full = False
        self.largest: int | None = None  # the size at which an output met its file system's file-size limit

    def ran_out(self, exc: OutOfRoom) -> None:
        self.full = True
        if exc.too_large:
            self.largest = min(exc.written, self.largest or exc.written)

    def check(self, needed: float | None) -> None:
        """Raise VsrAppError where, since a file ran out of room, the next one's output (about `needed` bytes; None or
        0 where unknown) will not fit either."""
        if not self.full or not needed:
            return
        if self.largest and needed >= self.largest:
            more, largest = size_texts(needed, self.largest)
            raise VsrAppError(f"not started: its output, about {more}, would pass the largest file the disk holding "
                              f"'{self.out_dir}' takes (an earlier output stopped at {largest})")
        try:
            free = shutil.disk_usage(self.out_dir).free
        except OSError:  # the folder gone: the batch says so itself
            return
        if needed > free:
            more, free_text = size_texts(needed, free)
            raise VsrAppError(f"not started: the disk holding '{self.out_dir}' is full ({free_text} free, about "
                              f"{more} needed)")
