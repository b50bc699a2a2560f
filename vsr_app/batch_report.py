"""The batch report: what happened to each file of a batch and why (`FileResult`, `BatchReport`), as `--report`
writes it in JSON.

A module of its own because the report lives apart from the run that writes it: the CLI and the Batch tab show it,
and a rerun reads the one it replaces for what it said of the outputs it skips (`earlier_facts`). Its path is checked
before anything is made (`check_report_path`): it may replace an earlier report but never an input, a planned output
or any other file (unless `overwrite`), since writing it is the first thing the batch does. Its paths are absolute,
so it reads the same from anywhere; until the batch ends it says "finished": false and has no exit code, so the
account a killed batch leaves never reads as a success.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from vsr_app.batch_plan import SubFolderVideos, same_path
from vsr_app.batch_resume import SAME_FILE, file_size
from vsr_app.errors import OVERWRITE_HINT, VsrAppError
from vsr_app.files import FileStamp, atomic_write, file_stamp
from vsr_app.media import OPEN_VIDEO_EXTS
from vsr_app.words import counted

REPORT_VERSION = 7  # 2: status "exists", the "settings" of the run; 3: "finished", absolute paths, "unreadable";
# 4: status "ignored"; 5: status "no video"; 6: "left_in_sub_folders"; 7: "output" null for a failed or cancelled
# file with no output there (before, its planned path, never made); an older report reads as ever
PENDING, OK, SKIPPED, EXISTS, FAILED, CANCELLED = "pending", "ok", "skipped", "exists", "failed", "cancelled"
IGNORED = "ignored"  # an input that is this app's output of another input the batch processes the same way, or the
# same file as another input (a link to it)
NO_VIDEO = "no video"  # a file with no video stream (audio only): nothing to enhance, and nothing wrong
# what a report says of an output rather than of this run's work on it, carried to a rerun that skips the output
OUTPUT_FACTS = ("notes", "frames_in", "frames_out", "input_size", "output_size", "input_duration", "output_duration",
                "scene_cuts", "flashes", "pauses")


@dataclass
class FileResult:
    """One line of the report: what happened to one input file and why."""

    input: str
    # None where there is no output: for an ignored input (its name free for another), one with no video, a failed one,
    # and a cancelled one but where the report before recorded its output (`earlier`)
    output: str | None
    status: str = PENDING  # ok | skipped (already done) | exists (another file kept) | failed | cancelled | ignored
    # (an earlier output of another input, or the same file as one, not processed a second time) | no video (nothing
    # to enhance); pending: not finished yet (only in the report of a batch still running or killed)
    # why it was skipped, kept, failed, ignored or held no video, what it replaced, where an output not at its input's
    # own name went; None for a plain success
    reason: str | None = None
    notes: list[str] = field(default_factory=list)  # warnings and facts from the pipeline (audio copied, ...)
    input_bytes: int | None = None
    output_bytes: int | None = None
    seconds: float = 0.0
    frames_in: int | None = None
    frames_out: int | None = None
    input_size: list[int] | None = None  # [width, height]
    output_size: list[int] | None = None
    input_duration: float | None = None
    output_duration: float | None = None
    # where interpolation repeated a frame instead of blending two shots (`PipelineSummary`); None: upscaled
    scene_cuts: int | None = None
    flashes: int | None = None
    pauses: int | None = None
    # what the report this run replaces said of the output (`earlier_facts`): written in this file's entry while this
    # run has not decided about it (pending, cancelled), taken on if it skips the output (`take_earlier`); not a key
    # of its own in the report
    earlier: dict = field(default_factory=dict, repr=False)

    @property
    def shown_notes(self) -> list[str]:
        """The notes a person is shown: those of an output made or kept as done."""
        return self.notes if self.status in (OK, SKIPPED) else []

    def take_earlier(self, facts: dict | None = None) -> None:
        """Say of an output this run skips what the report before said of it (`facts`, else `earlier`): a rerun's
        report had nulls for its frames, flashes and sizes, as if nothing were known of it."""
        for key, value in (self.earlier if facts is None else facts).items():
            setattr(self, key, list(value) if isinstance(value, list) else value)

    def no_output(self) -> None:
        """Name no output for a file that failed or was cancelled: its planned path, written in the report, read as an
        output that was never made. A cancelled file keeps the one the report before recorded (`earlier`), still
        there: a rerun stopped before it carries its facts on."""
        if self.status == FAILED or not self.earlier:
            self.output = None

    def as_dict(self) -> dict:
        """Its entry in the report: a file not finished keeps what the report before said of its output, or a
        rerun stopped before that output would lose it for good."""
        entry = asdict(self)
        earlier = entry.pop("earlier")
        return {**entry, **earlier} if self.status in (PENDING, CANCELLED) else entry


@dataclass
class BatchReport:
    """Everything `--report` writes; `exit_code` is 0 when every file was done, already done, ignored or held no
    video and every folder read. Until `finished` (set as the batch ends, cancelled or not) the written report has no
    exit code."""

    input_dir: str
    output_dir: str
    task: str
    model: str
    started: str
    settings: dict = field(default_factory=dict)  # what the outputs record (encoding.made_by)
    files: list[FileResult] = field(default_factory=list)
    unreadable: list[dict] = field(default_factory=list)  # {"folder", "reason"}: sub-folders whose videos were missed
    # the videos a batch without sub-folders left in them, as `count_in_sub_folders` counted them, written as
    # {"videos", "whole"}; None where it took them or none were seen
    left_in_sub_folders: SubFolderVideos | None = None
    seconds: float = 0.0
    cancelled: bool = False
    finished: bool = False

    def counts(self) -> dict[str, int]:
        counts = {OK: 0, SKIPPED: 0, EXISTS: 0, FAILED: 0, CANCELLED: 0, IGNORED: 0, NO_VIDEO: 0}
        for f in self.files:
            counts[f.status] = counts.get(f.status, 0) + 1
        return counts

    @property
    def exit_code(self) -> int:
        """130 when cancelled (what a shell reports for Ctrl-C), else 1 when a file failed or was kept or a folder
        could not be read, else 0: a file with no video is no failure, or a folder with a song in it failed every
        rerun and a script could never tell that the batch was done."""
        if self.cancelled:
            return 130
        return 1 if self.unreadable or any(f.status in (FAILED, EXISTS) for f in self.files) else 0

    def as_dict(self) -> dict:
        return {"version": REPORT_VERSION, "input_dir": self.input_dir, "output_dir": self.output_dir,
                "task": self.task, "model": self.model, "settings": self.settings, "started": self.started,
                "seconds": round(self.seconds, 3), "finished": self.finished,
                "cancelled": self.cancelled, "counts": self.counts(),
                "exit_code": self.exit_code if self.finished else None,
                "unreadable": self.unreadable, "left_in_sub_folders": _written(self.left_in_sub_folders),
                "files": [f.as_dict() for f in self.files]}

    def summary(self) -> str:
        c = self.counts()
        text = f"{c[OK]} ok, {c[SKIPPED]} skipped, {c[FAILED]} failed"
        if c[EXISTS]:
            text += f", {_kept(c[EXISTS])}"
        if c[CANCELLED]:
            text += f", {c[CANCELLED]} cancelled"
        text += "".join(f", {words}" for words in self._ignored())
        if c[NO_VIDEO]:
            text += f", {with_no_video(c[NO_VIDEO])}"
        text += f" in {self.seconds:.1f} s"
        # what was left out comes after the time: before it, "2 videos in sub-folders left out in 0.1 s" read as if
        # leaving them out had taken the time
        left_out = []
        if self.unreadable:
            left_out.append(counted(len(self.unreadable), "unreadable folder"))
        if left := self.left_in_sub_folders:  # said before the progress lines; said again where the user looks last
            left_out.append(f"{left.in_words()} in sub-folders")
        return f"{text}; {' and '.join(left_out)} left out" if left_out else text

    def nothing_made(self) -> str | None:
        """Why a batch that ran to its end made no output, for its progress bar, whose figures read "0/0 frames
        -- fps" then; None where it made one, or was stopped. Every file is counted: a rerun that found 8 outputs
        made and 1 file failing again read "no output made", as if nothing had been done."""
        c, n = self.counts(), len(self.files)
        if c[OK] or self.cancelled:
            return None
        if not n:
            return "nothing to do: no videos"
        if c[SKIPPED] == n:  # a rerun after every file was done
            return f"nothing to do: {'its output already exists' if n == 1 else f'all {n} outputs already exist'}"
        # "all 4 outputs already exist" was said of 3 and an earlier output left as it is
        done = {0: [], 1: ["1 output already exists"]}.get(c[SKIPPED], [f"{c[SKIPPED]} outputs already exist"])
        done += self._ignored()
        done += [with_no_video(c[NO_VIDEO])] if c[NO_VIDEO] else []
        undone = ([_kept(c[EXISTS])] if c[EXISTS] else []) + ([f"{c[FAILED]} failed"] if c[FAILED] else [])
        return ("nothing to do: " if done else "no output made: ") + ", ".join(done + undone)

    def _ignored(self) -> list[str]:
        """The ignored inputs in words, the earlier outputs apart from the files met a second time by another name
        (`batch_resume.SameFile`): those are no earlier outputs."""
        ignored = [f for f in self.files if f.status == IGNORED]
        twice = sum((f.reason or "").startswith(SAME_FILE) for f in ignored)
        return ignored_in_words(len(ignored) - twice, twice)

    def write(self, path: str | os.PathLike) -> None:
        """Atomic: a reader (or a crash) never sees a half-written report. A name's undecodable bytes (lone
        surrogates) are written as JSON escapes, which read back to the same name."""
        target = Path(path)
        text = json.dumps(self.as_dict(), indent=2, ensure_ascii=False) + "\n"
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(target, lambda tmp: Path(tmp).write_text(text, encoding="utf-8", errors="backslashreplace"))
        except OSError as exc:
            raise VsrAppError(f"cannot write the report '{target}': {exc.strerror or exc}") from exc


def _written(left: SubFolderVideos | None) -> dict | None:
    """The videos left in sub-folders as the report writes them (its keys since version 6)."""
    return None if left is None else {"videos": left.count, "whole": left.whole}


def left_as_they_are(n: int) -> str:
    """The ignored inputs, as the summary, the bar and the Batch tab's listing count them."""
    return "1 earlier output left as it is" if n == 1 else f"{n} earlier outputs left as they are"


def ignored_in_words(earlier: int, twice: int) -> list[str]:
    """The inputs left as they are, as the summary and the Batch tab's listing say them: `earlier` outputs, and
    `twice` files met a second time by another name (`batch_resume.SameFile`), which are no earlier outputs."""
    return ([left_as_they_are(earlier)] if earlier else []) + ([duplicates_left(twice)] if twice else [])


def duplicates_left(n: int) -> str:
    """The inputs that were the same file as another input, as the summary and the bar count them."""
    return "1 duplicate left as it is" if n == 1 else f"{n} duplicates left as they are"


def with_no_video(n: int) -> str:
    """The inputs with no video stream ("no video"), as the summary and the bar count them."""
    return f"{counted(n, 'file')} with no video"


def _kept(n: int) -> str:
    """The files kept at outputs' names ("exists"), as the summary and the bar count them."""
    return f"{counted(n, 'existing file')} kept"


class ReportFile:
    """The file at a batch's report path, read once as the batch starts: its checks, the Batch tab's question and the
    facts a rerun carries on go by that one reading (a start read the file up to five times). Read again only where
    the file changed since (by its identity, size and times): a batch into another folder, started at once, may have
    written it before this one's check under its lock (`batch.check_report_not_shared`)."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._stamp, self._data = _read_report(self.path)  # (the file read, as `file_stamp` has it; what it held)

    @property
    def data(self) -> dict | None:
        """The batch report in the file now, None where it holds none."""
        if file_stamp(self.path) != self._stamp:
            self._stamp, self._data = _read_report(self.path)
        return self._data

    @property
    def output_dir(self) -> Path | None:
        """The output folder the report names, None where no report is there."""
        data = self.data
        return Path(data["output_dir"]) if data is not None and isinstance(data["output_dir"], str) else None


def _read_report(path: Path) -> tuple[FileStamp | None, dict | None]:
    """The `file_stamp` of the file at `path` and the batch report in it, None where it holds none; the first byte is
    checked first so a large video is not read whole."""
    stamp = file_stamp(path)  # before the read: a file replaced in between is read again, never taken for this one
    try:
        with open(path, "rb") as f:
            if f.read(1) != b"{":
                return stamp, None
            f.seek(0)
            data = json.load(f)
    except (OSError, ValueError):
        return stamp, None
    return stamp, data if isinstance(data, dict) and {"input_dir", "output_dir", "files"} <= data.keys() else None


def check_report_path(report: ReportFile, inputs: Sequence[Path], outputs: Sequence[Path], overwrite: bool) -> None:
    """Refuse a report path that would destroy a file: an input, a planned output (the report is written before
    any file is processed, so that output would then be kept as "exists"), an existing video even with `overwrite`
    (an earlier batch's output was replaced by the report), or another existing file that is not an earlier batch
    report unless `overwrite`. An earlier report is replaced, so a rerun needs no flag (one a batch into another folder
    is writing now is refused once this batch holds its own folder: `batch.check_report_not_shared`). A folder, or a
    place that cannot be written, is refused here too: before the output folder is made, so nothing is left behind."""
    from vsr_app.video.output_paths import check_writable

    path = report.path
    real_path = _real_paths()
    real = real_path(path)
    for src, dst in zip(inputs, outputs):
        if real == real_path(src):
            raise VsrAppError(f"the report '{path}' would overwrite the input video '{src}'; "
                              "choose another report file")
        if real == real_path(dst):
            raise VsrAppError(f"the report '{path}' is where the output of '{src}' goes; choose another report file")
    if path.is_file() and path.suffix.lower() in OPEN_VIDEO_EXTS:  # --overwrite is given for outputs, not for this
        raise VsrAppError(f"the report '{path}' would replace a video (an earlier batch's output, perhaps); a report "
                          "is JSON: give a file name such as report.json")
    if path.is_file() and not overwrite and report.data is None:
        raise VsrAppError(f"the report '{path}' would replace an existing file that is not a batch report; "
                          f"{OVERWRITE_HINT} or choose another report file")
    if path.is_dir():
        raise VsrAppError(f"the report '{path}' is a folder; give a file name such as report.json")
    check_writable(path.parent, "the report's folder")


def _real_paths() -> Callable[[Path], str]:
    """`os.path.realpath` for the many files of a batch in few folders, each folder resolved once and a file whole
    only where it is a link: resolving each file's whole path looks up every folder above it, which took 0.68 s for
    5,000 files on a local disk and far longer on a network share. In the case Windows compares names in
    (`os.path.normcase`): its realpath gives an existing file's name as on the disk, and the name joined here is as
    typed."""
    folders: dict[str, str] = {}

    def real_path(path: Path) -> str:
        folder, name = os.path.split(os.fspath(path))
        if os.path.islink(path):
            return os.path.normcase(os.path.realpath(path))
        if folder not in folders:
            folders[folder] = os.path.realpath(folder)
        return os.path.normcase(os.path.join(folders[folder], name))

    return real_path


def another_folder_s_report(report: ReportFile, out_dir: Path) -> Path | None:
    """The output folder of another batch whose report is at `report`'s path, where that folder is there: replacing
    the report loses that batch's account, which a rerun's report does not (`--report` replaced it without a word).
    None for no report, one of `out_dir` or of a folder gone (renamed to `out_dir`, perhaps), and one in `out_dir`:
    that is the folder's own whatever it records (the folder copied or renamed since, or a share under another mount
    path)."""
    recorded = report.output_dir
    return recorded if recorded is not None and _of_another_folder(report.path, recorded, out_dir) else None


def _of_another_folder(path: Path, recorded: Path, out_dir: Path) -> bool:
    """Whether the report at `path`, of a batch into `recorded`, is another output folder's there now."""
    return recorded.is_dir() and not is_own_report(path, recorded, out_dir)


def is_own_report(path: Path, recorded: Path, out_dir: Path) -> bool:
    """Whether the report at `path`, of a batch into `recorded`, is `out_dir`'s own: a report of that folder, or one
    anywhere under it whatever folder it records (the folder renamed since, or a share under another mount path).
    The batch and the Batch tab's question go by this one rule (the tab took `reports/r.json` for the folder's own
    where the batch took it for another's, and carried none of its notes)."""
    return (same_path(recorded, out_dir) or same_path(path.parent, out_dir)
            or Path(os.path.realpath(path)).is_relative_to(os.path.realpath(out_dir)))


def earlier_facts(report: ReportFile | None, settings: dict, out_dir: Path) -> dict[str, dict]:
    """What the report being replaced says of each output it made or found made, by output path: its `OUTPUT_FACTS`
    (notes - audio re-encoded, frames lost to damage - frames, sizes, durations, cuts and flashes) and the size it
    recorded (`output_bytes`); an entry that states none of those facts (a killed first run's unfinished file) has
    nothing to carry. A rerun skips those outputs, and its report would otherwise drop the only record of them. A
    stopped batch's files it had not finished ("pending", "cancelled") hold what it carried over from the report
    before, the size too: a rerun stopped early lost them for good, and without the size the next rerun gave them to
    whatever output was at that path by then. Only a report of a run with these `settings`, and only for an output
    still of the size it recorded: an upscale made over an interpolation's outputs (with --overwrite, no report) was
    given the interpolation's notes. Outputs are found in `out_dir` at their place in the output folder the report
    records: an output folder renamed (or moved) since kept them, and its report's notes, facts and all, were lost.
    Nothing is taken from the report of a batch into another folder that is there (`another_folder_s_report`): its
    notes were given to this batch's outputs of the same size."""
    data = report.data if report is not None else None
    if data is not None and isinstance(data["output_dir"], str) and _of_another_folder(
            report.path, Path(data["output_dir"]), out_dir):
        return {}
    files = data.get("files") if data is not None and data.get("settings") == settings else None
    if not isinstance(files, list):
        return {}
    found = {}
    for f in files:
        output = _moved_with(f.get("output"), data["output_dir"], out_dir) if isinstance(f, dict) else None
        if (output is not None and f.get("status") in (OK, SKIPPED, PENDING, CANCELLED)
                and f.get("output_bytes") in (None, file_size(output))):
            facts = {key: _fact(key, f.get(key)) for key in OUTPUT_FACTS}
            if facts["notes"] or any(facts[key] is not None for key in OUTPUT_FACTS if key != "notes"):
                found[str(output)] = {**facts, "output_bytes": f.get("output_bytes")}
    return found


def _moved_with(output, recorded_dir, out_dir: Path) -> Path | None:
    """A report's `output` path (None where it holds none) at its place in `out_dir` where it lay in the output
    folder the report records, `recorded_dir`; else as recorded."""
    if not isinstance(output, str):
        return None
    if isinstance(recorded_dir, str) and Path(output).is_relative_to(recorded_dir):
        return Path(out_dir) / Path(output).relative_to(recorded_dir)
    return Path(output)


def _fact(key: str, value):
    """A fact as a report holds it, None where the (hand-edited, older) report holds something else."""
    if key == "notes":
        return [str(n) for n in value] if isinstance(value, list) else []
    if isinstance(value, list):
        return value if len(value) == 2 and all(isinstance(v, int) and not isinstance(v, bool) for v in value) else None
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
