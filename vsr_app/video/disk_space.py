"""Says, while a job runs, when its output will not fit on the disk it is written to.

Why at run time and not up front: an output's size depends on the video's content and the encoder (a CRF encode of
a still scene is a tenth of a noisy one), so no figure known before the first frames is honest. A full disk ends a
job cleanly, but at the moment it fills - hours into a long export or batch. So the output's growth so far is
projected onto the frames still to come and compared with the disk's free space, and a progress display shows the
warning while there is still time to free space or cancel; so is an output that will pass the 4 GB a FAT32 disk (a
USB stick's usual format) holds in one file. The same look stops a job whose output folder is gone (deleted, or its
drive unplugged): the encoder would write on into a deleted folder until its end.
"""

from __future__ import annotations

import math
import os
import shutil
import time
from pathlib import Path
from typing import Callable

from vsr_app.errors import VsrAppError
from vsr_app.video.file_systems import FAT_TYPES, file_system_type

LOOK_EVERY_S = 2.0  # how often the file and the disk are looked at: a stat and a statfs, cheap but not per frame
# Frames past the first look before the growth is projected: the first keyframe and the headers are left out of
# the rate (a keyframe is many in-between frames' size), and a few frames' rate would swing with the content.
FEWEST_FRAMES = 24
FAT_FILE_LIMIT = 2**32 - 1  # bytes in FAT32's largest file


def shortfall_warning(folder: Path, more_bytes: float, what: str) -> str:
    """A warning when `more_bytes` more will not fit on `folder`'s disk (`what` needs them), else ''."""
    try:
        free = shutil.disk_usage(folder).free
    except OSError:  # the folder gone or unreadable: the write itself will say so
        return ""
    if more_bytes <= free:
        return ""
    more, free_text = size_texts(more_bytes, free)
    return (f"at this rate {what} about {more} more, and the disk of {folder} has {free_text} free; free some space or "
            "cancel")


def folder_identity(folder: Path) -> tuple[int, int] | None:
    """Which folder is at `folder` now (its device and inode), or None where none is. On a disk without inodes
    (st_ino 0) any two folders compare equal: a replaced folder goes unseen there, one gone does not."""
    try:
        stat = folder.stat()
    except OSError:
        return None
    return stat.st_dev, stat.st_ino


def folder_gone(folder: Path, during: str) -> VsrAppError:
    """The error for an output folder gone or replaced `during` ("the batch ran"): a write into a deleted folder goes
    on unseen until it ends, and a missing one made again lands on the system disk under an unplugged drive's mount
    point."""
    return VsrAppError(f"the output folder '{folder}' is gone or was replaced while {during} (a drive unplugged, the "
                       "folder moved or deleted); nothing more is written")


UNITS = (("GB", 2**30), ("MB", 2**20), ("KB", 2**10), ("bytes", 1))


def size_text(n: float) -> str:
    """'1.2 GB', '340 MB', '15 KB', '48 bytes': a size to read, in binary units (1 KB = 1024 bytes), for disk space
    and memory alike (limits' refusals): a fixed 'GB' said '0.3 GB' for 340 MB, and KB alone '1 KB' for 48 bytes."""
    unit, scale = _unit(n)
    if scale > 2**10:
        return _in_unit(n, unit, scale, _decimals(n, scale))
    whole = math.ceil(n / scale)
    return "1 byte" if (whole, unit) == (1, "bytes") else f"{whole} {unit}"


def size_texts(a: float, b: float) -> tuple[str, str]:
    """Two sizes one message compares ("needs about A, but only B is free"), as `size_text` says them unless they
    would not read in their order: then both in the larger one's unit with as many more decimals as tell them apart
    ('12.4 GB' and '12.1 GB', not '12 GB' twice; '1.0001 GB' and '0.9999 GB', not '1.0 GB' and '1024 MB')."""
    texts = size_text(a), size_text(b)
    if _order(*map(_read, texts)) == _order(a, b):
        return texts
    unit, scale = _unit(max(a, b))
    decimals = _decimals(max(a, b), scale)
    tries = [(_in_unit(a, unit, scale, d), _in_unit(b, unit, scale, d)) for d in range(decimals, decimals + 4)]
    return next((texts for texts in tries if texts[0] != texts[1]), tries[0])  # a few bytes apart: "about" the same


def _unit(n: float) -> tuple[str, int]:
    return next(((unit, scale) for unit, scale in UNITS if n >= scale), UNITS[-1])


def _decimals(n: float, scale: int) -> int:
    return 1 if scale > 2**10 and n < 10 * scale else 0


def _order(a: float, b: float) -> int:
    return (a > b) - (a < b)


def _read(text: str) -> float:
    """The bytes a size's text says."""
    figure, unit = text.split()
    return float(figure) * dict(UNITS, byte=1)[unit]


def _in_unit(n: float, unit: str, scale: int, decimals: int) -> str:
    return f"{n / scale:.{decimals}f} {unit}"


class GrowthWatch:
    """Projects the rest of an output (`total` frames in all, written into `folder`) from how fast it grows: `size()`
    is what it has grown by so far.

    `look(frames)` is called as frames are finished; it returns the warning to show ('' while the output fits, or
    while too little is known: no total, too few frames), and raises `folder_gone` once `folder` is gone or replaced
    and with it `partial`, the file being written (`folder` itself where none is named). The folder's identity alone
    would stop live writes: sshfs without use_ino and CIFS with noserverino report new inode numbers for one folder.
    """

    def __init__(self, size: Callable[[], int], total: int | None, folder: Path,
                 clock: Callable[[], float] = time.monotonic, partial: Path | None = None):
        self.size = size
        self.total = total
        self.folder = folder
        self.clock = clock
        self.written = partial or folder
        self.home = folder_identity(folder)
        self.fat = file_system_type(folder) in FAT_TYPES
        self.first: tuple[int, int] | None = None  # (frames, bytes) at the first look
        self.last_look = -math.inf
        self.warning = ""

    def look(self, frames: int) -> str:
        now = self.clock()
        if now - self.last_look < LOOK_EVERY_S:
            return self.warning
        self.last_look = now
        if folder_identity(self.folder) != self.home and not os.path.exists(self.written):
            raise folder_gone(self.folder, "the video was written")
        if self.total is None:
            return self.warning
        size = self.size()
        if self.first is None:
            self.first = (frames, size)
            return self.warning
        first_frames, first_size = self.first
        if frames - first_frames < FEWEST_FRAMES:
            return self.warning
        rate = (size - first_size) / (frames - first_frames)
        more = rate * max(0, self.total - frames)
        self.warning = shortfall_warning(self.folder, more, "the output needs") or self._past_fat_limit(size + more)
        return self.warning

    def _past_fat_limit(self, final: float) -> str:
        """A warning where the output, `final` bytes at the end, will not fit in one file of the FAT disk it is on."""
        if not self.fat or final <= FAT_FILE_LIMIT:
            return ""
        return (f"at this rate the output will be about {size_text(final)}, and the disk of {self.folder} is FAT32, "
                "which holds at most 4 GB in one file; write it to another disk or cancel")
