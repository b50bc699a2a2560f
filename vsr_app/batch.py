"""Batch processing of a folder of videos: finish what can be done, explain what cannot, damage nothing.

This module runs the batch; `batch_plan` plans it (its inputs and their outputs' names), `batch_resume` judges what
is already at an output's name, `batch_report` keeps its account, `batch_progress` counts its overall progress and
`batch_room`, once a file ran out of room (a full disk, a FAT32 file's 4 GB), fails at once the files that cannot fit.

Why it is built this way:
- One file at a time through `video.pipeline.process_video`, the same code as the single-file commands,
  with the model loaded once but a fresh engine per file, so no recurrent state or buffered frame of one
  video can reach the next (the "queue that fails or degrades after its first job" complaint).
- A failing file never stops the batch: its reason goes into the report and the next file starts. A file with no
  video stream (a song saved as .mp4 in a folder of music videos) is no failure but "no video": nothing to enhance,
  and failed, it made every rerun exit 1, so a script could never tell that the batch was done.
- Outputs appear only complete (the writer renames a checked temporary file into place), so an interrupted batch
  resumes by running it again: a complete output of the same settings and input is skipped (`batch_resume`), one
  finished but kept under its hidden temporary name (its folder was read-only then) is put in place, and other
  temporary files a killed run left behind are removed, saying so. Any other file at an output's name is kept and
  reported ("exists", with what it is) unless `overwrite` says to replace it.
- The report is rewritten (atomically) after every file that made an output, and at most every few seconds
  while others go by (rewriting it after each of thousands of skipped files made a batch quadratic), yet always
  before a file with work to do starts, so even a killed batch leaves an account of what it finished: files failed
  before a long one read "pending" after kill -9. Its path is checked before anything is made
  (`check_report_path`). Later, a failed rewrite (disk full) is said once and retried: the outputs matter more than
  their account; only a failed last one fails the batch.
- An unreadable sub-folder is named in the report and on stderr and makes the batch exit 1 (its videos were
  missed); an unreadable input folder fails the batch saying why.
- A batch stopped before its end - a cancel (the CLI's Ctrl-C or SIGTERM), or a KeyboardInterrupt (a second one)
  that stops it at once - says so: the files it did not finish are "cancelled", and so is the report.
- An output folder takes one batch at a time (an OS lock on a hidden file in it, `claim_output_folder`): a batch
  started twice by accident would otherwise do every file twice, the slower copy of each failing and kept as
  "NAME (2)", and its report would overwrite the first one's. The second is refused at once, before it writes
  anything. The OS drops the lock with the process however it ends, so a crashed batch never blocks the next. The
  same lock tells whether the batch an earlier report names still runs: a --report that a batch into another folder
  is writing is refused (`check_report_not_shared`), as two batches given one report rewrote it in turn.

Nothing here knows about Qt: progress goes to a `ProgressInfo` callback (overall frames, ETA) and each
finished file to an `on_file` callback; `cancel.is_set()` stops the batch within about 0.1 s.
"""

from __future__ import annotations

import logging
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence

from vsr_app.batch_plan import (Queue, SubFolderVideos, check_apart, output_names, own_output, parse_extensions,
                                plan_batch, plan_outputs, why_renamed)
from vsr_app.batch_progress import Estimate, OverallProgress, estimate_all
from vsr_app.batch_report import (CANCELLED, EXISTS, FAILED, IGNORED, NO_VIDEO, OK, PENDING, SKIPPED, BatchReport,
                                  FileResult, ReportFile, another_folder_s_report, check_report_path, earlier_facts)
from vsr_app.batch_room import RoomGuard
from vsr_app.batch_resume import (EarlierOutput, HiddenOutput, batch_settings, earlier_output, earlier_outputs,
                                  existing_output, file_size, hidden_output)
from vsr_app.disk_full import OutOfRoom
from vsr_app.errors import OVERWRITE_HINT, Cancelled, NoVideoStream, VsrAppError
from vsr_app.filelock import LockHeld, hold, lock_now, release_and_delete
from vsr_app.files import shown_name
from vsr_app.media import BATCH_EXTENSIONS
from vsr_app.progress import ProgressCallback
from vsr_app.shell import app_command
from vsr_app.shipped import PREFERRED
from vsr_app.video.disk_space import folder_gone, folder_identity

if TYPE_CHECKING:
    from vsr_app.video.output_paths import MadeFolder
    from vsr_app.video.verify import OutputRead

log = logging.getLogger(__name__)

REPORT_INTERVAL = 5.0  # seconds between rewrites of the report while only skipped/kept/failed files go by
LOCK_NAME = ".vsr-app-batch.lock"  # in the output folder while a batch runs; hidden, so never taken for a video

STOPPED_REASON = "stopped before it ended (Cancel, Ctrl-C or a stop signal); no output was written"
NOT_STARTED_REASON = "not started: the batch was cancelled"
EXISTS_HINT = f"{OVERWRITE_HINT} or choose another output folder"
NO_VIDEO_REASON = "no video stream: nothing to enhance"
NOT_VIDEO = {"audio", "subtitle", "attachment", "cover picture"}  # the streams of a song, its lyrics, fonts, cover
EARLIER_KEPT = ", this input's output as an earlier version named it, is still there"  # after that output's name


def _moved_away(out_dir: Path, home: tuple[int, int] | None) -> bool:
    """Whether the output folder the batch claimed (`home`, its `folder_identity` then) is no longer at `out_dir`: not
    the same folder, and its lock file gone with it (a network disk's inode numbers may change under a folder that
    stays: sshfs without use_ino, CIFS with noserverino)."""
    return folder_identity(out_dir) != home and not (out_dir / LOCK_NAME).exists()


@contextmanager
def claim_output_folder(out_dir: Path) -> Iterator[None]:
    """Hold `out_dir` for one batch: another batch into it (an accidental second start) is refused with a
    VsrAppError. The lock file is removed at the end, so the folder holds only outputs. On a disk without file
    locks the batch runs unguarded, as before locks existed, rather than not at all."""
    path = out_dir / LOCK_NAME
    try:
        fd = hold(path)
    except LockHeld:
        raise VsrAppError(f"another batch is already writing into the output folder '{out_dir}'; wait for it to end "
                          "(running this one again then skips what it made) or choose another output folder") from None
    except OSError as exc:
        log.warning("cannot lock the output folder '%s' (%s): a second batch into it would not be stopped",
                    out_dir, exc.strerror or exc)
        fd = None
    try:
        yield
    finally:
        if fd is not None:
            release_and_delete(fd, path)


def batch_running_into(folder: Path) -> bool:
    """Whether a batch holds `folder` now (its lock file there is locked), this process's included. The file is
    opened, never made: a folder no batch runs into is left as it was."""
    try:
        fd = os.open(folder / LOCK_NAME, os.O_RDWR)
    except OSError:  # none there: each batch deletes its file as it ends
        return False
    try:
        lock_now(fd)
    except LockHeld:
        return True
    except OSError:  # a disk without locks: no batch there is guarded from a second one either
        return False
    finally:
        os.close(fd)  # (a lock taken is dropped with it)
    return False


def check_report_not_shared(report: ReportFile, out_dir: Path) -> None:
    """Refuse a report path that is the report of a batch into another output folder while a batch runs there: two
    batches given one --report rewrote it in turn, and each left an account of its own files alone. Called while
    this batch holds `out_dir`, just before its report is first written, so of two started at once the second to
    get here sees the first one's report. A rerun's own earlier report names `out_dir`: it is replaced as ever."""
    other = report.output_dir
    if other is None or os.path.realpath(other) == os.path.realpath(out_dir) or not batch_running_into(other):
        return
    raise VsrAppError(f"the report '{report.path}' is the report of a batch into '{other}', and a batch is running "
                      "into that folder now; choose another report file, or wait for that batch to end")


def _one_line(exc: BaseException) -> str:
    """A person-readable single line for the report; unexpected errors keep their type for bug reports. Escaped as
    names are shown (`shown_name`), not with its whitespace squeezed: that named "two  spaces\\nnl.mp4" as a file
    "two spaces nl.mp4", which is not there."""
    if isinstance(exc, VsrAppError):
        text = str(exc)
    elif isinstance(exc, MemoryError):
        text = "ran out of memory while processing this file"
    else:
        text = f"unexpected error ({type(exc).__name__}: {exc})"
    return shown_name(text.strip())


def _check_request(in_dir: Path, task: str, self_ensemble: bool, codec: str, crf: int | None,
                   preset: str | None) -> None:
    """Refuse a batch whose task, settings or input folder cannot work, before any file is looked at."""
    from vsr_app.video.encoding import check_encoder_settings

    if task not in PREFERRED:
        raise VsrAppError(f"unknown task '{task}' (use upscale or interpolate)")
    if self_ensemble and task != "upscale":
        raise VsrAppError("self-ensemble is for upscaling, not frame interpolation")
    check_encoder_settings(codec, crf, preset)  # before any file is looked at or the model loaded
    if not in_dir.is_dir():
        raise VsrAppError(f"'{in_dir}' is not a folder: batch takes a folder of videos (one video: "
                          f"{app_command([task, 'IN', '-o', 'OUT'])})"
                          if in_dir.exists() else f"'{in_dir}' does not exist")


def _list_batch(in_dir: Path, out_dir: Path, listed: Queue | None, extensions: str | Sequence[str], recursive: bool,
                codec: str) -> tuple[list[Path], list[Path], list[OSError], SubFolderVideos]:
    """The inputs, their outputs, the sub-folders that could not be read and the videos left in sub-folders, as
    `listed` has them or listed now; no video at all fails the batch. Without sub-folders, the videos left in them
    are said where listed now: the batch did 3 files and said nothing of 300 more there. `listed` said them before the
    start in its own words (the Batch tab's); its batch's log said "add --recursive" too."""
    if listed is None:
        unreadable: list[OSError] = []
        inputs, outputs, left = plan_batch(in_dir, out_dir, extensions, recursive, codec, unreadable)
    else:
        check_apart(in_dir, out_dir)
        inputs, unreadable, left = list(listed.inputs), list(listed.unreadable), listed.in_sub_folders
        outputs = plan_outputs(inputs, in_dir, out_dir, codec)
    for exc in unreadable:
        log.warning("cannot read '%s' (%s): any videos in it are left out", exc.filename, exc.strerror or exc)
    said = left.hint(more=bool(inputs))
    if not inputs:
        looked_for = ", ".join("." + e for e in parse_extensions(extensions))
        raise VsrAppError(f"no videos found in '{in_dir}' (looked for {looked_for}{f'; {said}' if said else ''})")
    if said and listed is None:  # a listing shown before the start (the Batch tab's) said it, in its own words
        log.warning("%s", said)
    return inputs, outputs, unreadable, left


def _check_destinations(out_dir: Path, report_file: ReportFile | None, inputs: list[Path],
                        outputs: list[Path], overwrite: bool) -> None:
    """Refuse an output folder or a report path the batch cannot write."""
    from vsr_app.video.output_paths import check_writable

    # an output folder no file can be made in (a file in its place included) fails the batch at once, before the
    # model loads and before anything is made, instead of failing every file; checked before the report, which is
    # often inside it: "the report's folder" named a folder the user chose as the output folder
    check_writable(out_dir, "the output folder")
    if report_file is not None:
        check_report_path(report_file, inputs, outputs, overwrite)


def _load_for(task: str, model: Any, device: str):
    """The batch's model (the task's preferred student by default), refused when it is for another task."""
    from vsr_app.models import load_model

    loaded = load_model(str(model or PREFERRED[task].student), device)
    if loaded.task != task:
        raise VsrAppError(f"model '{loaded.name}' is for {loaded.task}, not {task}; add --task {loaded.task}")
    return loaded


def _new_report(in_dir: Path, out_dir: Path, task: str, model: str, settings: dict, unreadable: list[OSError],
                left: SubFolderVideos, inputs: list[Path], outputs: list[Path], before: dict[str, dict]) -> BatchReport:
    """The report as the batch starts: every file pending."""
    report = BatchReport(str(in_dir), str(out_dir), task, model,
                         datetime.now(timezone.utc).isoformat(timespec="seconds"), settings=settings)
    report.unreadable = [{"folder": exc.filename, "reason": exc.strerror or str(exc)} for exc in unreadable]
    if left.count:
        report.left_in_sub_folders = left
    # each with what the report before said of its output, until this run decides about it: a rerun stopped before
    # an output it would skip wrote it "pending" or "cancelled" with no notes, and the next one skipped it with none
    report.files = [FileResult(str(s.relative_to(in_dir)), str(d), earlier=before.get(str(d), {}),
                               input_bytes=file_size(s)) for s, d in zip(inputs, outputs)]
    return report


class _ReportSaver:
    """Writes the report as the batch goes; unless it `must` be written (the first and last time), a failure is
    said once and the batch goes on: the next save tries again."""

    def __init__(self, report: BatchReport, path: str | os.PathLike | None, out_dir: Path,
                 home: tuple[int, int] | None, started: float):
        self.report, self.path, self.out_dir, self.home, self.started = report, path, out_dir, home, started
        self.last_save = 0.0
        self.warned = False
        self.unsaved = False  # a file's status became final since the last save

    def save(self, must: bool = True) -> None:
        self.report.seconds = time.monotonic() - self.started
        self.last_save = time.monotonic()
        self.unsaved = False
        if self.path is None:
            return
        try:
            inside = Path(os.path.abspath(self.path)).is_relative_to(self.out_dir)
            if inside and _moved_away(self.out_dir, self.home):
                # its folder would be made again: under an unplugged drive's mount point, or beside a moved folder
                raise VsrAppError(f"the report '{self.path}' was not written: the output folder is gone")
            self.report.write(self.path)
        except VsrAppError as exc:
            if must:
                raise
            if not self.warned:
                log.warning("%s; the batch goes on and tries again later", exc)
            self.warned = True

    def file_done(self, result: FileResult) -> None:
        """Save after a file that made an output, else where REPORT_INTERVAL has passed since the last save: after
        each of thousands of skipped files, the saves made a batch quadratic."""
        self.unsaved = True
        if result.status == OK or time.monotonic() - self.last_save >= REPORT_INTERVAL:
            self.save(must=False)

    def before_work(self) -> None:
        """Save what is not saved yet before a file with work to do starts: it may take hours, and files failed
        before it read "pending" in the report a kill -9 then left."""
        if self.unsaved:
            self.save(must=False)


@dataclass
class _Job:
    """What deciding about one file's output, and making it, needs to know of the whole batch."""

    task: str
    out_dir: Path
    home: tuple[int, int] | None  # the output folder's `folder_identity` as the batch claimed it
    made: list[MadeFolder]  # the folders the batch made (`make_folder`)
    input_set: set[str]  # the inputs' real paths
    planned: set[str]  # the outputs' real paths
    named: dict[str, tuple[str, Path]]  # by each output's name as compared: its input, and it (`output_names`)
    settings: dict  # what the outputs record (`report.settings`)
    scale: int
    factor: int
    codec: str
    overwrite: bool
    before: dict[str, dict]  # what the replaced report said of each output, by its path (`earlier_facts`)
    make: Callable[..., Any]  # process_video with the batch's model and settings: (src, dst, progress=...)
    room: RoomGuard  # after a file ran out of room, the next ones start only where they fit
    replaces_report: bool  # a batch report was at the report's path as the batch started (`_fill_from_file`)


def _process(job: _Job, src: Path, dst: Path, result: FileResult, left_because: EarlierOutput | None,
             progress: ProgressCallback, needs_bytes: int) -> None:
    """Leave an earlier output as it is (`left_because` says why), skip or keep what is at `dst`, else make it (if
    its `needs_bytes` fit, once a file ran out of room: one to be skipped was failed as not fitting); fills `result`,
    raises when the file fails."""
    from vsr_app.video.output_paths import check_output_path, remove_stale_partials

    if _moved_away(job.out_dir, job.home):
        # the writer makes a missing folder: the rest went to the system disk under an unplugged drive's mount
        # point (hidden once it is back), or beside a folder moved away, and another batch could start into it
        job.made.clear()  # the folders this batch made are gone with it; one at their place now is not its own
        raise folder_gone(job.out_dir, "the batch ran")
    if os.path.realpath(dst) in job.input_set:
        raise VsrAppError(f"its output '{dst}' would overwrite an input video; choose another output folder")
    if left_because is not None or job.overwrite:
        remove_stale_partials(dst)  # as ever, without a word: no output is taken from them
        hidden = HiddenOutput()
    else:
        hidden = hidden_output(src, dst, job.settings, job.scale, job.factor)  # the temporary files left, judged
    if left_because is not None:  # its planned output is never made: the report names none
        result.status, result.output, result.reason = IGNORED, None, left_because.reason()
        return
    if hidden.placed is not None:
        _took_hidden(result, dst, hidden, job.replaces_report)
        return
    removed = [hidden.removed] if hidden.removed else []
    earlier = (None if dst.exists()
               else earlier_output(src, dst, job.settings, job.scale, job.factor, job.planned, job.codec))
    if earlier is not None and not job.overwrite:  # made before an update changed its container: not made again
        result.take_earlier(job.before.get(str(earlier), {}))
        result.notes += removed
        result.status, result.output, result.output_bytes = SKIPPED, str(earlier), file_size(earlier)
        result.reason = (f"a complete output already exists as {earlier.name}, the name an earlier version gave "
                         f"it ({dst.name} now)")
        return
    if dst.is_file():  # a folder in the way fails in check_output_path
        read: list[OutputRead] = []
        existing = existing_output(src, dst, job.settings, job.scale, job.factor, read)
        if not job.overwrite:
            if existing is None:
                result.status, result.reason = SKIPPED, "a complete output already exists" + _as_named(src, dst)
                result.take_earlier()
                result.notes = _still_true(result.notes, dst.parent)
                _fill_from_file(result, read[0], job.replaces_report)
                result.notes += removed
            else:
                result.status, result.reason = EXISTS, f"kept {existing}; {EXISTS_HINT}"
            result.output_bytes = file_size(dst)
            return
        result.reason = f"replaced {existing or 'a complete output made with the same settings'}"
    if dst.is_dir():  # check_output_path's advice ("give a file name") is for one output named by the user
        raise VsrAppError(f"a folder is in the way at its output's name '{dst}'; move or rename it, or choose "
                          f"another output folder")
    check_output_path(dst, src, overwrite=job.overwrite)
    job.room.check(needs_bytes)
    try:
        made = job.make(src, dst, progress=progress)
    except NoVideoStream as exc:
        if (held := _held_instead_of_video(exc.streams)) is None:
            raise
        result.status, result.output = NO_VIDEO, None  # none is made: the report names none, as for "ignored"
        result.reason = f"{NO_VIDEO_REASON} (it holds only {held})"
        return
    _fill(result, made, job.task)
    result.notes += removed
    # the command line's "ok" line names no output: one not at its input's own name is named, and why
    result.reason = "; ".join(filter(None, [result.reason, why_renamed(src, dst, job.named)])) or None
    if earlier is not None:  # made again at today's name: the earlier one is the user's to remove
        result.notes.append(earlier.name + EARLIER_KEPT)


def _took_hidden(result: FileResult, dst: Path, hidden: HiddenOutput, say: bool) -> None:
    """`result` for an output an earlier run finished but kept hidden, now put in place (`hidden_output`); `say`
    whether its facts were read from the file for want of a report's (`_fill_from_file`)."""
    result.status, result.output_bytes = SKIPPED, file_size(dst)
    result.reason = (f"its output, finished by an earlier run that could not put it in place, was kept as the hidden "
                     f"file '{hidden.placed}': put in place now")
    _fill_from_file(result, hidden.read[0], say)
    result.notes += [hidden.removed] if hidden.removed else []


def _as_named(src: Path, dst: Path) -> str:
    """Which output a skipped file's is, where it is not at its input's own name: "a complete output already
    exists" left the user to guess which of clip.mp4, clip.avi.mp4 and clip.avi-2.mp4 it meant."""
    return "" if own_output(src, dst).name == dst.name else f" as '{dst.name}'"


def _held_instead_of_video(streams: tuple[str, ...]) -> str | None:
    """What a file with no video stream holds instead ("audio and a cover picture"), from the kinds of its streams
    that the reader's `NoVideoStream` names, where they are what a file made without a video holds (NOT_VIDEO);
    None for a file with no stream at all, or with a data stream or one of no known kind, which is damaged and fails
    as such: an MP4 cut inside its video track's header lists that track as data, and was called "no video"."""
    if not streams or not set(streams) <= NOT_VIDEO:
        return None
    return " and ".join(dict.fromkeys(f"a {kind}" if kind == "cover picture" else kind for kind in streams))


def _estimate_work(inputs: list[Path], outputs: list[Path], left: dict[Path, EarlierOutput], factor: int,
                   overwrite: bool, cancel) -> list[Estimate]:
    """Each file's work for the overall progress; none is counted for an input `left` as it is, nor for one whose
    output's name holds a file: without `overwrite` it is skipped or kept (`_process`)."""
    already_there = set() if overwrite else {src for src, dst in zip(inputs, outputs) if os.path.isfile(dst)}
    return estimate_all(inputs, factor, cancel, left.keys() | already_there)


def _process_one(job: _Job, src: Path, dst: Path, result: FileResult, left_because: EarlierOutput | None,
                 overall: OverallProgress, estimate: Estimate) -> None:
    """`_process` one file, its failure or cancel recorded in `result` instead of raised, and count it in the
    overall progress."""
    t0 = time.monotonic()
    try:
        _process(job, src, dst, result, left_because, overall.on_progress, overall.bytes_for(estimate))
    except Cancelled:
        result.status, result.reason = CANCELLED, STOPPED_REASON
    except Exception as exc:  # one bad file must never stop the batch
        log.debug("batch: %s failed", src, exc_info=True)
        if isinstance(exc, OutOfRoom):
            job.room.ran_out(exc)
            overall.count_unfinished(exc.written)
        result.status, result.reason = FAILED, _one_line(exc)
    if result.status in (FAILED, CANCELLED):
        result.no_output()
    if result.status == OK:
        overall.end_file(estimate, result.output_bytes)
    else:
        overall.drop(estimate)
    result.seconds = round(time.monotonic() - t0, 3)


def run_batch(in_dir: str | os.PathLike, out_dir: str | os.PathLike, *, task: str = "upscale", model: Any = None,
              device: str = "auto", recursive: bool = False, extensions: str | Sequence[str] = BATCH_EXTENSIONS,
              codec: str = "libx264", crf: int | None = None, preset: str | None = None, overwrite: bool = False,
              self_ensemble: bool = False, deinterlace: bool = True,
              report_path: str | os.PathLike | ReportFile | None = None,
              progress: ProgressCallback | None = None, on_file: Callable[[int, int, FileResult], None] | None = None,
              on_start: Callable[[int, int, FileResult], None] | None = None, cancel=None,
              listed: Queue | None = None, replace_report: bool = False) -> BatchReport:
    """Process every video in `in_dir` into the mirrored tree `out_dir`; returns the report (also written
    to `report_path` as it goes, and finished at the end).

    `on_start(index, count, result)` is called as each file starts (1-based index), `on_file` as it finishes. Raises
    VsrAppError only for problems with the batch as a whole (missing input folder, output folder = input folder or
    holding it where outputs would land in it, unknown model, a report path that would replace an input, an output,
    another file or the report another running batch writes, an output folder another batch is writing into);
    problems with one file are recorded in the report. A file already at an output's name is skipped when it is a
    complete output made with the same settings, otherwise kept and reported as "exists"; `overwrite` replaces
    either. An input that is this app's output, by the same task, of another input
    (an earlier batch's, left in the input tree) is "ignored", with no output. A cancel marks the file in flight and
    the ones not started as cancelled and sets `report.cancelled`; so does a KeyboardInterrupt, after writing the
    report, before it propagates (no `on_file` for those files). `self_ensemble` is process_video's (upscaling only),
    and so is `deinterlace`.
    `listed`: a listing of this batch made before the start (the Batch tab's queue, which the user saw, listed for
    `task`), run as it was: its inputs, unreadable folders and earlier outputs left as they are; a file gone since
    fails, one come since waits for the next batch. None: `in_dir` is listed now.
    `replace_report`: a file at `report_path` that is not a batch report may be replaced without `overwrite`, which
    would make every output again too (the Batch tab asks the user first, naming it). `report_path` may be given as
    the `ReportFile` the caller read (the Batch tab, for its question): the batch reads it only where it changed since.
    """
    started = time.monotonic()
    in_dir, out_dir = Path(in_dir).absolute(), Path(out_dir).absolute()
    _check_request(in_dir, task, self_ensemble, codec, crf, preset)  # before torch's import (seconds): a typo at once
    from vsr_app.video.output_paths import make_folder, removed_if_left_empty
    from vsr_app.video.pipeline import process_video

    inputs, outputs, unreadable, left_in_sub_folders = _list_batch(in_dir, out_dir, listed, extensions, recursive,
                                                                   codec)
    report_file = ReportFile(report_path) if isinstance(report_path, (str, os.PathLike)) else report_path
    _check_destinations(out_dir, report_file, inputs, outputs, overwrite or replace_report)
    loaded = _load_for(task, model, device)
    made = make_folder(out_dir)
    scale, factor = (loaded.info.scale, 1) if task == "upscale" else (1, 2)
    settings = batch_settings(loaded, task, codec, crf, preset, self_ensemble, deinterlace)
    before = earlier_facts(report_file, settings, out_dir)
    replaces_report = report_file is not None and report_file.data is not None  # (before this batch writes its own)
    report = _new_report(in_dir, out_dir, task, loaded.name, settings, unreadable, left_in_sub_folders, inputs,
                         outputs, before)
    models = {"upscale": loaded, "self_ensemble": self_ensemble} if task == "upscale" else {"interpolate": loaded}
    make = partial(process_video, device=device, codec=codec, crf=crf, preset=preset, overwrite=overwrite,
                   deinterlace=deinterlace, cancel=cancel, **models)

    # the lock before the report is first written (it may be the other batch's too); a batch that made nothing
    # (stopped before its first output, every file failed) leaves no empty folder it made
    with removed_if_left_empty(made), claim_output_folder(out_dir):
        home = folder_identity(out_dir)
        if report_file is not None:
            check_report_not_shared(report_file, out_dir)
            if (other := another_folder_s_report(report_file, out_dir)) is not None:  # the Batch tab asked
                log.warning("replacing the report of a batch into '%s'", shown_name(str(other)))
        saver = _ReportSaver(report, report_file and report_file.path, out_dir, home, started)
        saver.save()
        job = _Job(task=task, out_dir=out_dir, home=home, made=made, input_set={os.path.realpath(p) for p in inputs},
                   planned={os.path.realpath(p) for p in outputs}, named=output_names(inputs, outputs, in_dir),
                   settings=settings, scale=scale, factor=factor, codec=codec, overwrite=overwrite, before=before,
                   make=make, room=RoomGuard(out_dir), replaces_report=replaces_report)
        count = len(inputs)
        in_flight = None
        try:
            # decided before the estimates: an earlier output is left as it is, so no work is counted for it
            left = listed.earlier if listed is not None else earlier_outputs(inputs, in_dir, task, cancel)
            estimates = _estimate_work(inputs, outputs, left, factor, overwrite, cancel)
            overall = OverallProgress(estimates, progress, out_dir)
            for index, (src, dst, result, estimate) in enumerate(zip(inputs, outputs, report.files, estimates), 1):
                if cancel is not None and cancel.is_set():
                    break
                if estimate.frames:
                    saver.before_work()
                in_flight = result
                overall.start_file(f"[{index}/{count}] {result.input}", estimate)
                if on_start is not None:
                    on_start(index, count, result)
                _process_one(job, src, dst, result, left.get(src), overall, estimate)
                saver.file_done(result)
                if on_file is not None:
                    on_file(index, count, result)
        except KeyboardInterrupt:  # stopped at once (a second Ctrl-C or SIGTERM): still leave a true report
            _cancel_unfinished(report, in_flight)
            saver.save(must=False)  # the interrupt, not a full disk, is what ends the run
            raise
        _cancel_unfinished(report, in_flight)
        if not report.cancelled:  # a cancelled batch did not reach the total; one that skipped every file did
            overall.finish(report.nothing_made())
        try:
            saver.save()
        except VsrAppError as exc:  # the files are done: say so beside the failure
            raise VsrAppError(f"{exc}; the batch itself ran: {report.summary()}") from exc
        return report


def _still_true(notes: list[str], folder: Path) -> list[str]:
    """An earlier report's notes of an output a rerun skips, less those about a file in `folder` the user has removed
    since (an earlier version's output "is still there")."""
    return [n for n in notes if not (n.endswith(EARLIER_KEPT) and not (folder / n[:-len(EARLIER_KEPT)]).exists())]


def _cancel_unfinished(report: BatchReport, in_flight: FileResult | None) -> None:
    """Mark the files a stopped batch did not finish (`in_flight` was started) as cancelled, and the batch with
    them when there are any: one cancelled after its last file finished lost nothing. The batch is finished."""
    for f in report.files:
        if f.status == PENDING:
            f.status, f.reason = CANCELLED, STOPPED_REASON if f is in_flight else NOT_STARTED_REASON
            f.no_output()
    report.cancelled = any(f.status == CANCELLED for f in report.files)
    report.finished = True


# a skipped output's facts as its report names them, and in words
FACTS_READ = {"frames_out": "frame count", "output_size": "size", "output_duration": "duration"}


def _fill_from_file(result: FileResult, read: OutputRead, say: bool) -> None:
    """A skipped output's facts that the report before lacks, from what judging the output read of it (its header
    and packets; nothing decoded): a batch killed after the file was made, before its report was rewritten, left the
    rerun to report the file with nulls, as if nothing were known of it. Where a report was there (`say`), a note says
    so; a first report has nothing to say it of, and its every skipped file's line had that note."""
    found = {"frames_out": read.span.frames, "output_size": [read.info.width, read.info.height],
             "output_duration": round(read.span.duration, 6)}
    missing = [key for key in FACTS_READ if getattr(result, key) is None]
    if not missing:
        return
    for key in missing:
        setattr(result, key, found[key])
    if not say:
        return
    words = [FACTS_READ[key] for key in missing]
    said = ", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1 else words[0]
    result.notes.append(f"{said} read from the output file itself, as the report before had none for it")


def _fill(result: FileResult, summary, task: str) -> None:
    result.status = OK
    result.notes = list(summary.notes)
    result.output_bytes = file_size(Path(summary.output))
    result.frames_in, result.frames_out = summary.frames_in, summary.frames_out
    result.input_size, result.output_size = list(summary.input_size), list(summary.output_size)
    result.input_duration = round(summary.input_duration, 6)
    result.output_duration = round(summary.output_duration, 6)
    if task == "interpolate":
        result.scene_cuts, result.flashes, result.pauses = summary.scene_cuts, summary.flashes, summary.pauses

