"""A batch's overall progress: its files' progress as one bar over the whole batch, with a time left and a warning
when the outputs still to come will not fit on the disk.

Apart from the batch's run because it is arithmetic over estimates, tested on its own with a fake clock: the bar
counts frames, the time left counts pixels (frames of different sizes cost different time), and each file's
estimate is corrected by its real length as it ends.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Container, Sequence

from vsr_app.errors import VsrAppError
from vsr_app.progress import ProgressCallback, ProgressInfo, ProgressMeter
from vsr_app.video.disk_space import LOOK_EVERY_S, shortfall_warning


@dataclass(frozen=True)
class Estimate:
    """An input's likely output frames, and its pixels a frame: the work a frame costs grows with its size."""

    frames: int
    pixels: int


class OverallProgress:
    """Turns per-file progress (output frames of one file) into progress over the whole batch: the bar counts
    frames, the time left counts pixels (a 704x576 file after a 176x144 one took 16 times longer a frame, and an
    ETA from the small file's frame rate promised seconds where minutes were left)."""

    def __init__(self, estimates: list[Estimate], callback: ProgressCallback | None, out_dir: Path,
                 clock: Callable[[], float] = time.monotonic):
        self.callback = callback
        self.meter = ProgressMeter(sum(e.frames for e in estimates), self._report, interval=0.2, clock=clock)
        self.work = ProgressMeter(sum(e.frames * e.pixels for e in estimates), None, clock=clock)
        self.file_done = 0
        self.pixels = 0
        self.waiting = 0  # the file's frames its encoder holds (ProgressInfo.waiting)
        self.out_dir = out_dir
        self.made_bytes = self.made_work = 0  # the finished outputs' size, and the work (frames x pixels) they took
        self.file_warning = ""  # the file's own (its output will not fit); the batch's, counting it too, comes first
        self.clock = clock
        self.projected_at = -math.inf

    def _report(self, info: ProgressInfo) -> None:
        if self.callback is None:
            return
        work_eta = self.work.info().eta
        # neither unknown nor the end; nor a file longer than its header said, whose pixels outran the total
        if info.eta and work_eta:
            info = replace(info, eta=work_eta)
        self.callback(replace(info, waiting=0 if info.ended else self.waiting,
                              warning=info.warning or self.file_warning))

    def start_file(self, label: str, estimate: Estimate) -> None:
        """Announce the file now: its first output frames can be many seconds away (model, encoder look-ahead). Not in
        a batch with no work at all (a rerun over outputs all there): each file read "0 frames -- fps", and a log,
        whose plain lines say the end only where the count changed, then lost the end's "nothing to do"."""
        self.meter.stage = label
        self.file_done = self.waiting = 0
        self.file_warning = ""
        self.pixels = estimate.pixels
        if self.meter.total:
            self.meter.report()

    def on_progress(self, info: ProgressInfo) -> None:
        self.waiting = info.waiting
        self.file_warning = info.warning
        self._project()
        if info.done > self.file_done:
            self.work.advance((info.done - self.file_done) * self.pixels)
            self.meter.advance(info.done - self.file_done)
            self.file_done = info.done
        else:
            self.meter.tick()  # frames made, none finished: the batch's clock goes on

    def drop(self, estimate: Estimate) -> None:
        """Remove the file's work that will not be done (a skipped or failed file) from the total."""
        left = estimate.frames - self.file_done
        self.file_warning = ""
        self.meter.total = max(self.meter.done, self.meter.total - left)
        self.work.total = max(self.work.done, self.work.total - left * self.pixels)
        self._project(now=True)

    def end_file(self, estimate: Estimate, output_bytes: int | None) -> None:
        """Correct the total by the difference between the file's real and estimated length, and project the
        outputs still to come from the size of those made so far: warned of a disk too small while files remain."""
        self.meter.total += self.file_done - estimate.frames
        self.work.total += (self.file_done - estimate.frames) * self.pixels
        if output_bytes is not None:
            self.made_bytes += output_bytes
            self.made_work += self.file_done * self.pixels
        self.file_done = 0
        self.file_warning = ""
        self._project(now=True)

    def count_unfinished(self, written: int) -> None:
        """The file in work failed for want of room after `written` bytes: counted with the finished outputs' bytes and
        work, they project the files after it (`bytes_for`) where none has finished yet."""
        self.made_bytes += written  # for the frames written: those made, less those its encoder still held
        self.made_work += (self.file_done - self.waiting) * self.pixels

    def bytes_for(self, estimate: Estimate) -> float | None:
        """The bytes the output of a file of `estimate` will likely take, at the bytes a unit of work took so far;
        None before that is known."""
        return self.made_bytes / self.made_work * estimate.frames * estimate.pixels if self.made_work else None

    def finish(self, nothing_made: str | None) -> None:
        """The bar's end, at 100%. Where no frame was made (every file skipped, kept or failed) `nothing_made` says why,
        in place of the last file's name: the figures alone read "0/0 frames -- fps"."""
        if nothing_made is not None:
            self.meter.stage = nothing_made
        self.meter.finish()

    def _project(self, now: bool = False) -> None:
        """The batch's warning: the work still to do (the file in work's rest included) at the bytes a unit of work
        took so far, against the output disk's free space; again every few seconds (space freed meanwhile clears it)
        and as each file ends, is skipped or fails."""
        if not now and self.clock() - self.projected_at < LOOK_EVERY_S:
            return
        self.projected_at = self.clock()
        left = self.work.total - self.work.done
        self.meter.warning = shortfall_warning(self.out_dir, self.made_bytes / self.made_work * left,
                                               "the batch's remaining outputs need") if self.made_work else ""


def estimate_all(inputs: Sequence[Path], factor: int, cancel, left: Container[Path] = ()) -> list[Estimate]:
    """Each input's likely output frames and size, for the overall progress; none for those `left` as they are (earlier
    outputs among the inputs, and inputs whose output is there already, which a rerun skips: counted, they overstated
    the time left, hours for a library done but for one new clip, and the bar jumped as each was reached). Opening
    thousands of files takes minutes, so a cancel stops it: the list then ends early, and so does the batch, before
    its first file."""
    estimates = []
    for src in inputs:
        if cancel is not None and cancel.is_set():
            break
        estimates.append(Estimate(0, 0) if src in left else estimate(src, factor))
    return estimates


def estimate(src: Path, factor: int) -> Estimate:
    """What the file will likely give (nothing when it cannot be told cheaply: it counts for no time then)."""
    from vsr_app.video.reader import probe
    from vsr_app.video.packet_times import with_counted_frames

    try:
        info = with_counted_frames(probe(src))  # a browser's WebM states no length: its packets are counted
    except VsrAppError:
        return Estimate(0, 0)
    return Estimate((info.estimated_frames or 0) * factor, info.width * info.height)
