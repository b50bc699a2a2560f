"""Says, while a job runs, when its output will not fit on the disk it is written to.

Why at run time and not up front: an output's size depends on the video's content and the encoder (a CRF encode of
a still scene is a tenth of a noisy one), so no figure known before the first frames is honest. A full disk ends a
job cleanly, but at the moment it fills - hours into a long export or batch. So the output's growth so far is
projected onto the frames still to come and compared with the disk's free space, and a progress display shows the
warning while there is still time to free space or cancel.
"""

from __future__ import annotations

import math
import shutil
import time
from pathlib import Path
from typing import Callable

LOOK_EVERY_S = 2.0  # how often the file and the disk are looked at: a stat and a statfs, cheap but not per frame
# Frames past the first look before the growth is projected: the first keyframe and the headers are left out of
# the rate (a keyframe is many in-between frames' size), and a few frames' rate would swing with the content.
FEWEST_FRAMES = 24


def shortfall_warning(folder: Path, more_bytes: float, what: str) -> str:
    """A warning when `more_bytes` more will not fit on `folder`'s disk (`what` needs them), else ''."""
    try:
        free = shutil.disk_usage(folder).free
    except OSError:  # the folder gone or unreadable: the write itself will say so
        return ""
    if more_bytes <= free:
        return ""
    return (f"at this rate {what} about {size_text(more_bytes)} more, and the disk of {folder} has "
            f"{size_text(free)} free; free some space or cancel")


def size_text(n: float) -> str:
    """'1.2 GB', '340 MB', '15 KB': a size to read, in binary units (1 KB = 1024 bytes), for disk space and memory
    alike (limits' refusals): a fixed 'GB' said '0.3 GB' for 340 MB."""
    for unit, scale in (("GB", 2**30), ("MB", 2**20)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}" if n < 10 * scale else f"{n / scale:.0f} {unit}"
    return f"{math.ceil(n / 2**10)} KB"


class GrowthWatch:
    """Projects the rest of an output (`total` frames in all, written into `folder`) from how fast it grows: `size()`
    is what it has grown by so far.

    `look(frames)` is called as frames are finished; it returns the warning to show ('' while the output fits, or
    while too little is known: no total, too few frames).
    """

    def __init__(self, size: Callable[[], int], total: int | None, folder: Path,
                 clock: Callable[[], float] = time.monotonic):
        self.size = size
        self.total = total
        self.folder = folder
        self.clock = clock
        self.first: tuple[int, int] | None = None  # (frames, bytes) at the first look
        self.last_look = -math.inf
        self.warning = ""

    def look(self, frames: int) -> str:
        now = self.clock()
        if self.total is None or now - self.last_look < LOOK_EVERY_S:
            return self.warning
        self.last_look = now
        size = self.size()
        if self.first is None:
            self.first = (frames, size)
            return self.warning
        first_frames, first_size = self.first
        if frames - first_frames < FEWEST_FRAMES:
            return self.warning
        rate = (size - first_size) / (frames - first_frames)
        self.warning = shortfall_warning(self.folder, rate * max(0, self.total - frames), "the output needs")
        return self.warning
