"""Batch processing of a folder of videos: finish what can be done, explain what cannot, damage nothing.

Why it is built this way:
- One file at a time through `video.pipeline.process_video`, the same code as the single-file commands,
  with the model loaded once but a fresh engine per file, so no recurrent state or buffered frame of one
  video can reach the next (the "queue that fails or degrades after its first job" complaint).
- A failing file never stops the batch: its reason goes into the report and the next file starts.
- Outputs mirror the input tree and appear only complete (the writer renames a checked temporary file
  into place), so an interrupted batch - Ctrl-C, kill -9, power loss - resumes by running it again:
  an output that records the same settings (task, model, codec, CRF, preset: the writer's `made_by` tag)
  and the same version of its input (`input_record`; outputs of versions before it have none and are matched
  without it, so an upgrade does not flag them all) and whose frame count, duration and size match what the
  input would give is skipped, and temporary files a killed run left behind are removed.
- Because of that, any other file at an output's name is not a half-written output of ours but something
  the user may want: another program's video, an output made with other settings, a text file. It is kept
  and reported ("exists", with what it is) unless `overwrite` says to replace it.
- The report is rewritten (atomically) after every file that made an output, and at most every few seconds
  while others go by (rewriting it after each of thousands of skipped files made a batch quadratic), so even a
  killed batch leaves an account of what it finished; until the batch ends it says "finished": false and has no
  exit code, so that account never reads as a success. Its path is checked first: it may replace an earlier report
  but never an input, a planned output or any other file (unless `overwrite`), since writing it is the first thing
  the batch does. Later, a failed rewrite (disk full) is said once and retried: the outputs matter more than their
  account; only a failed last one fails the batch. Its paths are absolute, so it reads the same from anywhere.
- A folder that cannot be read is not a folder without videos: the input folder fails the batch saying why, an
  unreadable sub-folder is named in the report and on stderr and makes the batch exit 1 (its videos were missed).
- A batch stopped before its end - a cancel (the CLI's Ctrl-C or SIGTERM), or a KeyboardInterrupt (a second one)
  that stops it at once - says so: the files it did not finish are "cancelled", and so is the report.
- An output folder takes one batch at a time (an OS lock on a hidden file in it, `claim_output_folder`): a batch
  started twice by accident would otherwise do every file twice, the slower copy of each failing and kept as
  "NAME (2)", and its report would overwrite the first one's. The second is refused at once, before it writes
  anything. The OS drops the lock with the process however it ends, so a crashed batch never blocks the next.

Nothing here knows about Qt: progress goes to a `ProgressInfo` callback (overall frames, ETA) and each
finished file to an `on_file` callback; `cancel.is_set()` stops the batch within about 0.1 s.
"""

from __future__ import annotations

import errno
import itertools
import json
import logging
import math
import os
import re
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from vsr_app import APP_NAME
from vsr_app.errors import OVERWRITE_HINT, RECURSIVE_HINT, Cancelled, VsrAppError
from vsr_app.filelock import LockHeld, hold, release_and_delete
from vsr_app.media import BATCH_EXTENSIONS, OPEN_VIDEO_EXTS
from vsr_app.progress import ProgressCallback, ProgressInfo, ProgressMeter
from vsr_app.shipped import PREFERRED
from vsr_app.video.disk_space import LOOK_EVERY_S, shortfall_warning

log = logging.getLogger(__name__)

REPORT_VERSION = 3  # 2: status "exists", the "settings" of the run; 3: "finished", absolute paths, "unreadable"
REPORT_INTERVAL = 5.0  # seconds between rewrites of the report while only skipped/kept/failed files go by
LOCK_NAME = ".vsr-app-batch.lock"  # in the output folder while a batch runs; hidden, so never taken for a video

PENDING, OK, SKIPPED, EXISTS, FAILED, CANCELLED = "pending", "ok", "skipped", "exists", "failed", "cancelled"
STOPPED_REASON = "stopped before it ended (Cancel, Ctrl-C or a stop signal); no output was written"
NOT_STARTED_REASON = "not started: the batch was cancelled"
EXISTS_HINT = f"{OVERWRITE_HINT} or choose another output folder"


@dataclass
class FileResult:
    """One line of the report: what happened to one input file and why."""

    input: str
    output: str
    status: str = PENDING  # ok | skipped (already done) | exists (another file kept) | failed | cancelled; pending:
    # not finished yet (only in the report of a batch still running or killed)
    reason: str | None = None  # why it was skipped, kept, failed or what it replaced; None for a plain success
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
    scene_cuts: int | None = None  # where interpolation repeated a frame instead of blending two shots; None: upscaled


@dataclass
class BatchReport:
    """Everything `--report` writes; `exit_code` is 0 when every file was done or already done and every folder
    read. Until `finished` (set as the batch ends, cancelled or not) the written report has no exit code."""

    input_dir: str
    output_dir: str
    task: str
    model: str
    started: str
    settings: dict = field(default_factory=dict)  # what the outputs record (encoding.made_by)
    files: list[FileResult] = field(default_factory=list)
    unreadable: list[dict] = field(default_factory=list)  # {"folder", "reason"}: sub-folders whose videos were missed
    seconds: float = 0.0
    cancelled: bool = False
    finished: bool = False

    def counts(self) -> dict[str, int]:
        counts = {OK: 0, SKIPPED: 0, EXISTS: 0, FAILED: 0, CANCELLED: 0}
        for f in self.files:
            counts[f.status] = counts.get(f.status, 0) + 1
        return counts

    @property
    def exit_code(self) -> int:
        """130 when cancelled (what a shell reports for Ctrl-C), else 1 when a file failed or was kept or a folder
        could not be read, else 0."""
        if self.cancelled:
            return 130
        return 1 if self.unreadable or any(f.status in (FAILED, EXISTS) for f in self.files) else 0

    def as_dict(self) -> dict:
        return {"version": REPORT_VERSION, "input_dir": self.input_dir, "output_dir": self.output_dir,
                "task": self.task, "model": self.model, "settings": self.settings, "started": self.started,
                "seconds": round(self.seconds, 3), "finished": self.finished,
                "cancelled": self.cancelled, "counts": self.counts(),
                "exit_code": self.exit_code if self.finished else None,
                "unreadable": self.unreadable, "files": [asdict(f) for f in self.files]}

    def summary(self) -> str:
        c = self.counts()
        text = f"{c[OK]} ok, {c[SKIPPED]} skipped, {c[FAILED]} failed"
        if c[EXISTS]:
            text += f", {c[EXISTS]} existing file{'s' if c[EXISTS] > 1 else ''} kept"
        if c[CANCELLED]:
            text += f", {c[CANCELLED]} cancelled"
        if self.unreadable:
            text += f", {len(self.unreadable)} unreadable folder{'s' if len(self.unreadable) > 1 else ''} left out"
        return f"{text} in {self.seconds:.1f} s"

    def write(self, path: str | os.PathLike) -> None:
        """Atomic: a reader (or a crash) never sees a half-written report. A name's undecodable bytes (lone
        surrogates) are written as JSON escapes, which read back to the same name."""
        from vsr_app.files import atomic_write

        target = Path(path)
        text = json.dumps(self.as_dict(), indent=2, ensure_ascii=False) + "\n"
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(target, lambda tmp: Path(tmp).write_text(text, encoding="utf-8", errors="backslashreplace"))
        except OSError as exc:
            raise VsrAppError(f"cannot write the report '{target}': {exc.strerror or exc}") from exc


# ---- planning -------------------------------------------------------------------------------------------

def parse_extensions(text: str | Sequence[str]) -> tuple[str, ...]:
    """'mp4, .MKV' -> ('mp4', 'mkv'); also as file dialogs and shells write them ('*.mp4; *.avi', 'mp4 avi')."""
    items = re.split(r"[,;\s]+", text) if isinstance(text, str) else list(text)
    exts = tuple(dict.fromkeys(e.strip().lower().lstrip("*.") for e in items if e.strip().strip("*.")))
    if not exts:
        raise VsrAppError("--ext lists no extensions (example: --ext mp4,mkv)")
    return exts


def find_videos(root: Path, extensions: Sequence[str], recursive: bool, exclude: Path | None = None,
                unreadable: list[OSError] | None = None, cancel=None,
                excluded_at: list[Path] | None = None) -> list[Path]:
    """Files under `root` with one of `extensions`, sorted; hidden files/folders and the folder `exclude` (the
    batch's output folder, when it lies inside `root`: its files are outputs, not inputs) are left out; the path
    the walk met `exclude` by (through a link, maybe) is added to `excluded_at`.

    A `root` that cannot be read raises VsrAppError saying why; the error of each sub-folder that cannot be read
    is added to `unreadable` (or ignored without one), so its missed videos can be told.

    Hidden names are skipped because that is where the writer keeps its temporary files (`.name.partial-*`).
    Symlinked sub-folders are followed (a user links footage in), each real folder once: a link back up the tree
    would loop, and two links to one folder would process its videos twice. A set `cancel` stops the walk between
    folders (raising Cancelled): a large tree on a network share takes minutes.
    """
    wanted = {"." + e.lower() for e in extensions}
    excluded = None if exclude is None else os.path.realpath(exclude)
    seen = {os.path.realpath(root)}
    found = []

    def on_error(exc: OSError) -> None:
        if _same_path(Path(exc.filename), root):
            raise VsrAppError(f"cannot read the folder '{root}': {exc.strerror or exc}") from exc
        if unreadable is not None:
            unreadable.append(exc)

    for dirpath, dirnames, filenames in os.walk(root, onerror=on_error, followlinks=True):
        if _cancelled(cancel):
            raise Cancelled()
        here = Path(dirpath)
        kept = []
        for d in sorted(dirnames) if recursive else []:
            if d.startswith("."):
                continue
            real = os.path.realpath(here / d)
            if real == excluded:
                if excluded_at is not None:
                    excluded_at.append(here / d)
            elif real not in seen:
                seen.add(real)
                kept.append(d)
        dirnames[:] = kept
        found += [here / f for f in sorted(filenames) if not f.startswith(".") and Path(f).suffix.lower() in wanted]
        for gone in _gone_links(here, filenames, wanted) if recursive else []:
            on_error(FileNotFoundError(errno.ENOENT, "it links to something that is not there (a drive not "
                                                     "connected, a share not mounted?)", str(gone)))
    return found


def _gone_links(folder: Path, names: list[str], wanted: set[str]) -> list[Path]:
    """The links in `folder` whose target is gone, but for those named like a video (listed as inputs, each fails
    saying so): os.walk lists a link to a gone folder with the files, where a video extension is looked for, so
    footage on an unplugged drive was left out without a word. Whether it was a folder cannot be told."""
    links = (folder / name for name in sorted(names)
             if not name.startswith(".") and Path(name).suffix.lower() not in wanted)
    return [link for link in links if link.is_symlink() and not link.exists()]


def check_apart(in_dir: Path, out_dir: Path) -> None:
    """Refuse an output folder that is the input folder: outputs would land beside (or on) their inputs."""
    if _same_path(in_dir, out_dir):
        raise VsrAppError("the output folder is the input folder; choose another one so no input is overwritten")


def check_no_sources_in_output(in_dir: Path, out_dir: Path, met_at: Path, extensions: Sequence[str],
                               cancel=None) -> None:
    """Refuse an output folder that the walk of the input folder met (at `met_at`, its path there) and that holds
    videos with no record of being made by this app: the walk leaves that folder out, its files taken for outputs,
    so a user's own clips filed there were neither processed nor named, and one at an output's name was replaced by
    --overwrite (a batch tester's find). Opens each video there: only a batch whose output folder is in its input
    tree pays for it."""
    from vsr_app.video.encoding import read_made_by

    sources = []
    for video in find_videos(out_dir, extensions, recursive=True, cancel=cancel):
        if _cancelled(cancel):  # opening thousands of files on a share takes minutes
            raise Cancelled()
        try:
            if read_made_by(video) is None:
                sources.append((met_at / video.relative_to(out_dir)).relative_to(in_dir))
        except VsrAppError:  # not a media file: no one's footage
            pass
    if sources:
        named = ", ".join(map(str, sources[:3])) + (" and more" if len(sources) > 3 else "")
        raise VsrAppError(f"the output folder '{out_dir}' is inside the input folder and holds {len(sources)} "
                          f"video{'s' if len(sources) > 1 else ''} with no record of being made by {APP_NAME} "
                          f"(another program's, or an older {APP_NAME}'s: {named}): with sub-folders included they "
                          "would be inputs, yet an output folder's files are taken for outputs; choose an output "
                          "folder outside the input folder, or move them out of it")


def _same_path(a: Path, b: Path) -> bool:
    return os.path.realpath(a) == os.path.realpath(b)


def plan_outputs(inputs: Sequence[Path], in_dir: Path, out_dir: Path, codec: str) -> list[Path]:
    """Mirror each input's place under `in_dir` into `out_dir`, changing the suffix only where the codec needs it.

    Outputs are unique, or one input's output would be skipped as another's: an input that keeps its suffix
    keeps its name; a converted one whose name is taken (clip.avi and clip.mp4 both -> clip.mp4) keeps its old
    extension in it (clip.avi.mp4), then a number (clip.avi-2.mp4, ...). Names are compared ignoring case, as a
    case-insensitive disk (macOS, Windows, exFAT drives, SMB shares) takes Clip.mp4 and clip.mp4 for one file: of
    two inputs whose names differ only in case the second is numbered too (clip-2.mp4), as is a converted name that
    is a mirrored sub-folder's (a.avi beside a folder a.mp4/ becomes a.avi.mp4). A new name is shortened to
    the disk's limit (`fit_name`): clip.avi.mp4 is longer than clip.avi. Inputs come sorted, so a rerun plans the
    same names and resumes.
    """
    from vsr_app.files import fit_name, name_max, name_size
    from vsr_app.video.output_paths import output_suffix

    def key(rel: Path) -> str:
        return os.path.normcase(str(rel)).casefold()

    room = name_max(out_dir)
    rels = [src.relative_to(in_dir) for src in inputs]
    suffixes = [output_suffix(src, codec) for src in inputs]
    keepers: dict[str, int] = {}  # the names inputs that keep their suffix will use, each by the first such input
    for index, (rel, suffix) in enumerate(zip(rels, suffixes)):
        if suffix == rel.suffix:
            keepers.setdefault(key(rel), index)
    # a mirrored sub-folder's name is taken too: a.avi -> a.mp4 beside the folder a.mp4/ of another input failed it
    taken = set(keepers) | {key(folder) for rel in rels for folder in rel.parents if folder != Path(".")}
    outputs = []
    for index, (rel, suffix) in enumerate(zip(rels, suffixes)):
        if keepers.get(key(rel)) != index:
            base = rel.stem if suffix == rel.suffix else rel.name
            parts = itertools.chain([(rel.stem, suffix), (base, suffix)],
                                    ((base, f"-{n}{suffix}") for n in itertools.count(2)))
            names = (fit_name(stem, room - name_size(ending)) + ending for stem, ending in parts)
            rel = next(rel.parent / name for name in names if key(rel.parent / name) not in taken)
            taken.add(key(rel))
        outputs.append(out_dir / rel)
    return outputs


def plan_batch(in_dir: Path, out_dir: Path | None, extensions: str | Sequence[str], recursive: bool, codec: str,
               unreadable: list[OSError] | None = None, cancel=None) -> tuple[list[Path], list[Path | None]]:
    """The batch's inputs and their planned outputs (None without an output folder), for `run_batch` and for the
    Batch tab's listing before a start: one sequence, so the queue the user approves is what the batch then does.
    `unreadable` and `cancel` are find_videos'."""
    extensions = parse_extensions(extensions)
    if out_dir is not None:
        check_apart(in_dir, out_dir)
    met: list[Path] = []
    inputs = find_videos(in_dir, extensions, recursive, exclude=out_dir, unreadable=unreadable, cancel=cancel,
                         excluded_at=met)
    if met:
        check_no_sources_in_output(in_dir, out_dir, met[0], extensions, cancel)
    outputs = plan_outputs(inputs, in_dir, out_dir, codec) if out_dir is not None else [None] * len(inputs)
    return inputs, outputs


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


def check_report_path(path: Path, inputs: Sequence[Path], outputs: Sequence[Path], overwrite: bool) -> None:
    """Refuse a report path that would destroy a file: an input, a planned output (the report is written before
    any file is processed, so that output would then be kept as "exists"), an existing video even with `overwrite`
    (an earlier batch's output was replaced by the report), or another existing file that is not an earlier batch
    report unless `overwrite`. An earlier report is replaced, so a rerun needs no flag. A folder, or a
    place that cannot be written, is refused here too: before the output folder is made, so nothing is left behind."""
    from vsr_app.video.output_paths import check_writable

    real = os.path.realpath(path)
    for src, dst in zip(inputs, outputs):
        if real == os.path.realpath(src):
            raise VsrAppError(f"the report '{path}' would overwrite the input video '{src}'; "
                              "choose another report file")
        if real == os.path.realpath(dst):
            raise VsrAppError(f"the report '{path}' is where the output of '{src}' goes; choose another report file")
    if path.is_file() and path.suffix.lower() in OPEN_VIDEO_EXTS:  # --overwrite is given for outputs, not for this
        raise VsrAppError(f"the report '{path}' would replace a video (an earlier batch's output, perhaps); a report "
                          "is JSON: give a file name such as report.json")
    if path.is_file() and not overwrite and not _is_report(path):
        raise VsrAppError(f"the report '{path}' would replace an existing file that is not a batch report; "
                          f"{OVERWRITE_HINT} or choose another report file")
    if path.is_dir():
        raise VsrAppError(f"the report '{path}' is a folder; give a file name such as report.json")
    check_writable(path.parent, "the report's folder")


def _read_report(path: Path) -> dict | None:
    """The batch report at `path`, or None where it holds none; the first byte is checked first so a large video is
    not read whole."""
    try:
        with open(path, "rb") as f:
            if f.read(1) != b"{":
                return None
            f.seek(0)
            data = json.load(f)
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and {"input_dir", "output_dir", "files"} <= data.keys() else None


def _is_report(path: Path) -> bool:
    return _read_report(path) is not None


def _earlier_notes(report_path: str | Path | None) -> dict[str, list[str]]:
    """The notes the report being replaced holds for each output it made or found made (audio re-encoded, frames
    lost to damage, subtitles dropped), by output path: a rerun skips those outputs, and its report would otherwise
    drop the only record of what they lost."""
    data = _read_report(Path(report_path)) if report_path is not None else None
    files = data.get("files") if data is not None else None
    if not isinstance(files, list):
        return {}
    return {f["output"]: [str(n) for n in f["notes"]] for f in files
            if isinstance(f, dict) and f.get("status") in (OK, SKIPPED) and isinstance(f.get("output"), str)
            and isinstance(f.get("notes"), list) and f["notes"]}


# ---- resume ---------------------------------------------------------------------------------------------

def existing_output(src: Path, dst: Path, settings: dict, scale: int, factor: int) -> str | None:
    """None when the file at `dst` is a complete output of this job: it records the same `settings` and version of
    `src` (where it records one) and matches `src` (enlarged `scale` times, `factor` times the frames). Otherwise
    what it is, for the report."""
    from vsr_app.video.verify import output_mismatch
    from vsr_app.video.encoding import input_record, read_made_by, same_version

    try:
        found = read_made_by(dst)
    except VsrAppError:
        return "an existing file that is not a readable video"
    if found is None:
        return "an existing video with no record of the settings that made it (another program's or an older vsr-app's)"
    made_from = found.pop("input", None)
    if "weights" not in found and not any(settings.get("weights") or []):
        found["weights"] = settings.get("weights")  # recorded before digests were: a built-in model has none anyway
    if found != settings:
        changes = [f"{key} {_setting(found.get(key))} (this run: {_setting(settings.get(key))})"
                   for key in dict.fromkeys([*settings, *found]) if found.get(key) != settings.get(key)]
        unknown = not any(found.get("weights") or [])
        if unknown and [key for key in settings if found.get(key) != settings.get(key)] == ["weights"]:
            return ("an existing output of these settings from an earlier vsr-app, which did not record the model's "
                    "weights, so whether they were these cannot be told")  # it read "weights none (this run: 1c2f...)"
        return f"an existing output made with other settings: {', '.join(changes)}"
    if made_from is not None:
        current = input_record(src)
        if not same_version(made_from, current):
            return f"an existing output made from {_other_input(made_from, current)}"
    mismatch = output_mismatch(src, dst, scale, factor)
    if mismatch is not None:
        return f"an existing output made with these settings that does not match the input ({mismatch})"
    return None


def _earlier_output(src: Path, dst: Path, settings: dict, scale: int, factor: int, planned: set[str],
                    codec: str) -> Path | None:
    """A complete output of this job beside `dst` under another container's name, which an earlier version chose
    (a WebM's H.264 went to .mp4 before .mkv, an .mp4's ProRes to .mkv before .mov): after the update a resumed batch
    made every such file again and left both. None when there is none, or the name is another input's output now."""
    from vsr_app.video.encoding import codec_spec, read_made_by

    suffixes = sorted(codec_spec(codec).containers - {dst.suffix.lower()})
    # its own name in another container, or the form a name taken by another input got (clip.webm.mp4)
    names = [dst.with_suffix(s) for s in suffixes] + [dst.parent / f"{src.name}{s}" for s in suffixes]
    for other in names:
        if other == dst or not other.is_file() or os.path.realpath(other) in planned:
            continue
        try:  # only one that records this very input: size, frames and length alone matched another video
            recorded = (read_made_by(other) or {}).get("input") is not None
        except VsrAppError:
            continue
        if recorded and existing_output(src, other, settings, scale, factor) is None:
            return other
    return None


def _other_input(recorded: Any, current: dict) -> str:
    """What an output that `same_version` says was not made from this input was made from, as far as its record
    tells: not always an older version of it, as the inputs of a folder may change between runs (clip.mp4 added
    beside clip.avi takes the name clip.mp4 that clip.avi's output had)."""
    name = recorded.get("name") if isinstance(recorded, dict) else None
    if not isinstance(name, str):  # recorded by a version that did not record names
        return "another input, or another version of this one"
    return "another version of this input" if name == current["name"] else f"another input, '{name}'"


def _setting(value: Any) -> str:
    if isinstance(value, list):
        return " + ".join(map(_setting, value))
    return "none" if value is None else str(value)


# ---- running --------------------------------------------------------------------------------------------

def _one_line(exc: BaseException) -> str:
    """A person-readable single line for the report; unexpected errors keep their type for bug reports."""
    if isinstance(exc, VsrAppError):
        text = str(exc)
    elif isinstance(exc, MemoryError):
        text = "ran out of memory while processing this file"
    else:
        text = f"unexpected error ({type(exc).__name__}: {exc})"
    return " ".join(text.split())


@dataclass(frozen=True)
class _Estimate:
    """An input's likely output frames, and its pixels a frame: the work a frame costs grows with its size."""

    frames: int
    pixels: int


class _OverallProgress:
    """Turns per-file progress (output frames of one file) into progress over the whole batch: the bar counts
    frames, the time left counts pixels (a 704x576 file after a 176x144 one took 16 times longer a frame, and an
    ETA from the small file's frame rate promised seconds where minutes were left)."""

    def __init__(self, estimates: list[_Estimate], callback: ProgressCallback | None, out_dir: Path,
                 clock: Callable[[], float] = time.monotonic):
        self.callback = callback
        self.meter = ProgressMeter(sum(e.frames for e in estimates), self._report, interval=0.2, clock=clock)
        self.work = ProgressMeter(sum(e.frames * e.pixels for e in estimates), None, clock=clock)
        self.file_done = 0
        self.pixels = 0
        self.waiting = 0  # the file's frames its encoder holds (ProgressInfo.waiting)
        self.out_dir = out_dir
        self.made_bytes = self.made_work = 0  # the finished outputs' size, and the work (frames x pixels) they took
        self.file_warning = ""  # the file's own (its output will not fit); the batch's, which counts it too, comes first
        self.clock = clock
        self.projected_at = -math.inf

    def _report(self, info: ProgressInfo) -> None:
        if self.callback is None:
            return
        work_eta = self.work.info().eta
        # neither unknown nor the end; nor a file longer than its header said, whose pixels outran the total
        if info.eta and work_eta:
            info = replace(info, eta=work_eta)
        self.callback(replace(info, waiting=self.waiting if info.eta != 0.0 else 0,
                              warning=info.warning or self.file_warning))

    def start_file(self, label: str, estimate: _Estimate) -> None:
        """Announce the file now: its first output frames can be many seconds away (model, encoder look-ahead)."""
        self.meter.stage = label
        self.file_done = self.waiting = 0
        self.file_warning = ""
        self.pixels = estimate.pixels
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

    def drop(self, estimate: _Estimate) -> None:
        """Remove the file's work that will not be done (a skipped or failed file) from the total."""
        left = estimate.frames - self.file_done
        self.file_warning = ""
        self.meter.total = max(self.meter.done, self.meter.total - left)
        self.work.total = max(self.work.done, self.work.total - left * self.pixels)
        self._project(now=True)

    def end_file(self, estimate: _Estimate, output_bytes: int | None) -> None:
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


def run_batch(in_dir: str | os.PathLike, out_dir: str | os.PathLike, *, task: str = "upscale", model: Any = None,
              device: str = "auto", recursive: bool = False, extensions: str | Sequence[str] = BATCH_EXTENSIONS,
              codec: str = "libx264", crf: int | None = None, preset: str | None = None, overwrite: bool = False,
              self_ensemble: bool = False, report_path: str | os.PathLike | None = None,
              progress: ProgressCallback | None = None, on_file: Callable[[int, int, FileResult], None] | None = None,
              cancel=None, listed: tuple[Sequence[Path], Sequence[OSError]] | None = None) -> BatchReport:
    """Process every video in `in_dir` into the mirrored tree `out_dir`; returns the report (also written
    to `report_path` as it goes, and finished at the end).

    `on_file(index, count, result)` is called as each file finishes (1-based index). Raises VsrAppError only
    for problems with the batch as a whole (missing input folder, output folder = input folder, unknown
    model, a report path that would replace an input, an output or another file, an output folder another
    batch is writing into); problems with one file are recorded in the report. A file already at an output's
    name is skipped when it is a complete output made with the same settings, otherwise kept and reported as
    "exists"; `overwrite` replaces either. A cancel marks the file in flight and the ones not started as
    cancelled and sets `report.cancelled`; so does a KeyboardInterrupt, after writing the report, before it
    propagates (no `on_file` for those files). `self_ensemble` is process_video's (upscaling only). `listed`: the
    inputs and unreadable folders of a listing made before the start (the Batch tab's queue, which the user saw), run
    as they were; a file gone since fails, one come since waits for the next batch. None: `in_dir` is listed now.
    """
    from vsr_app.inference import upscaler_label
    from vsr_app.models import load_model
    from vsr_app.video.pipeline import process_video
    from vsr_app.video.encoding import check_encoder_settings, made_by
    from vsr_app.video.output_paths import (check_output_path, check_writable, make_folder, remove_stale_partials,
                                            removed_if_left_empty)

    started = time.monotonic()
    in_dir, out_dir = Path(in_dir).absolute(), Path(out_dir).absolute()
    if task not in PREFERRED:
        raise VsrAppError(f"unknown task '{task}' (use upscale or interpolate)")
    if self_ensemble and task != "upscale":
        raise VsrAppError("self-ensemble is for upscaling, not frame interpolation")
    check_encoder_settings(codec, crf, preset)  # before any file is looked at or the model loaded
    if not in_dir.is_dir():
        raise VsrAppError(f"'{in_dir}' is not a folder" if in_dir.exists() else f"'{in_dir}' does not exist")
    if listed is None:
        unreadable: list[OSError] = []
        inputs, outputs = plan_batch(in_dir, out_dir, extensions, recursive, codec, unreadable)
    else:
        check_apart(in_dir, out_dir)
        inputs, unreadable = list(listed[0]), list(listed[1])
        outputs = plan_outputs(inputs, in_dir, out_dir, codec)
    for exc in unreadable:
        log.warning("cannot read '%s' (%s): any videos in it are left out", exc.filename, exc.strerror or exc)
    if not inputs:
        hint = "" if recursive else f"; {RECURSIVE_HINT}"
        looked_for = ", ".join("." + e for e in parse_extensions(extensions))
        raise VsrAppError(f"no videos found in '{in_dir}' (looked for {looked_for}{hint})")
    # an output folder no file can be made in (a file in its place included) fails the batch at once, before the
    # model loads and before anything is made, instead of failing every file; checked before the report, which is
    # often inside it: "the report's folder" named a folder the user chose as the output folder
    check_writable(out_dir, "the output folder")
    if report_path is not None:
        check_report_path(Path(report_path), inputs, outputs, overwrite)
    loaded = load_model(str(model or PREFERRED[task].student), device)
    if loaded.task != task:
        raise VsrAppError(f"model '{loaded.name}' is for {loaded.task}, not {task}; add --task {loaded.task}")
    made = make_folder(out_dir)
    scale, factor = (loaded.info.scale, 1) if task == "upscale" else (1, 2)
    input_set = {os.path.realpath(p) for p in inputs}
    planned = {os.path.realpath(p) for p in outputs}

    report = BatchReport(str(in_dir), str(out_dir), task, loaded.name,
                         datetime.now(timezone.utc).isoformat(timespec="seconds"),
                         settings=made_by(task, [upscaler_label(loaded.name, self_ensemble)], codec, crf, preset,
                                          [loaded.weights_digest]))
    report.unreadable = [{"folder": exc.filename, "reason": exc.strerror or str(exc)} for exc in unreadable]
    earlier_notes = _earlier_notes(report_path)
    report.files = [FileResult(str(s.relative_to(in_dir)), str(d), input_bytes=_size(s))
                    for s, d in zip(inputs, outputs)]

    last_save, warned = 0.0, False

    def save(must: bool = True) -> None:
        """Write the report; unless it `must` be written (the first and last time), a failure is said once and the
        batch goes on: the next save tries again."""
        nonlocal last_save, warned
        report.seconds = time.monotonic() - started
        last_save = time.monotonic()
        if report_path is None:
            return
        try:
            if Path(os.path.abspath(report_path)).is_relative_to(out_dir) and _identity(out_dir) != home:
                # its folder would be made again: under an unplugged drive's mount point, or beside a moved folder
                raise VsrAppError(f"the report '{report_path}' was not written: the output folder is gone")
            report.write(report_path)
        except VsrAppError as exc:
            if must:
                raise
            if not warned:
                log.warning("%s; the batch goes on and tries again later", exc)
            warned = True

    def process(src: Path, dst: Path, result: FileResult) -> None:
        """Skip or keep what is at `dst`, else make it; fills `result`, raises when the file fails."""
        if _identity(out_dir) != home:
            # the writer makes a missing folder: the rest went to the system disk under an unplugged drive's mount
            # point (hidden once it is back), or beside a folder moved away, and another batch could start into it
            made.clear()  # the folders this batch made are gone with it; one at their place now is not its own
            raise VsrAppError(f"the output folder '{out_dir}' is gone or was replaced while the batch ran (a drive "
                              "unplugged, the folder moved or deleted); nothing more is written")
        remove_stale_partials(dst)
        if os.path.realpath(dst) in input_set:
            raise VsrAppError(f"its output '{dst}' would overwrite an input video; choose another output folder")
        earlier = None if dst.exists() else _earlier_output(src, dst, report.settings, scale, factor, planned, codec)
        if earlier is not None and not overwrite:  # made before an update changed its container: not made again
            result.status, result.output, result.output_bytes = SKIPPED, str(earlier), _size(earlier)
            result.notes = earlier_notes.get(str(earlier), [])
            result.reason = (f"a complete output already exists as {earlier.name}, the name an earlier version gave "
                             f"it ({dst.name} now)")
            return
        if dst.is_file():  # a folder in the way fails in check_output_path
            existing = existing_output(src, dst, report.settings, scale, factor)
            if not overwrite:
                if existing is None:
                    result.status, result.reason = SKIPPED, "a complete output already exists"
                    result.notes = earlier_notes.get(str(dst), [])
                else:
                    result.status, result.reason = EXISTS, f"kept {existing}; {EXISTS_HINT}"
                result.output_bytes = _size(dst)
                return
            result.reason = f"replaced {existing or 'a complete output made with the same settings'}"
        if dst.is_dir():  # check_output_path's advice ("give a file name") is for one output named by the user
            raise VsrAppError(f"a folder is in the way at its output's name '{dst}'; move or rename it, or choose "
                              f"another output folder")
        check_output_path(dst, src, overwrite=overwrite)
        models = {"upscale": loaded, "self_ensemble": self_ensemble} if task == "upscale" else {"interpolate": loaded}
        _fill(result, process_video(src, dst, device=device, codec=codec, crf=crf, preset=preset,
                                    overwrite=overwrite, progress=overall.on_progress, cancel=cancel, **models), task)
        if earlier is not None:  # made again at today's name: the earlier one is the user's to remove
            result.notes.append(f"{earlier.name}, this input's output as an earlier version named it, is still there")

    # the lock before the report is first written (it may be the other batch's too); a batch that made nothing
    # (stopped before its first output, every file failed) leaves no empty folder it made
    with removed_if_left_empty(made), claim_output_folder(out_dir):
        home = _identity(out_dir)
        save()
        count = len(inputs)
        in_flight = None
        try:
            estimates = _estimate_all(inputs, factor, cancel)
            overall = _OverallProgress(estimates, progress, out_dir)
            for index, (src, dst, result, estimate) in enumerate(zip(inputs, outputs, report.files, estimates), 1):
                if _cancelled(cancel):
                    break
                in_flight = result
                overall.start_file(f"[{index}/{count}] {result.input}", estimate)
                t0 = time.monotonic()
                try:
                    process(src, dst, result)
                except Cancelled:
                    result.status, result.reason = CANCELLED, STOPPED_REASON
                except Exception as exc:  # one bad file must never stop the batch
                    log.debug("batch: %s failed", src, exc_info=True)
                    result.status, result.reason = FAILED, _one_line(exc)
                if result.status == OK:
                    overall.end_file(estimate, result.output_bytes)
                else:
                    overall.drop(estimate)
                result.seconds = round(time.monotonic() - t0, 3)
                if result.status == OK or time.monotonic() - last_save >= REPORT_INTERVAL:
                    save(must=False)
                if on_file is not None:
                    on_file(index, count, result)
        except KeyboardInterrupt:  # stopped at once (a second Ctrl-C or SIGTERM): still leave a true report
            _cancel_unfinished(report, in_flight)
            save(must=False)  # the interrupt, not a full disk, is what ends the run
            raise
        _cancel_unfinished(report, in_flight)
        if not report.cancelled:  # a cancelled batch did not reach the total; one that skipped every file did
            overall.meter.finish()
        try:
            save()
        except VsrAppError as exc:  # the files are done: say so beside the failure
            raise VsrAppError(f"{exc}; the batch itself ran: {report.summary()}") from exc
        return report


def _cancel_unfinished(report: BatchReport, in_flight: FileResult | None) -> None:
    """Mark the files a stopped batch did not finish (`in_flight` was started) as cancelled, and the batch with
    them when there are any: one cancelled after its last file finished lost nothing. The batch is finished."""
    for f in report.files:
        if f.status == PENDING:
            f.status, f.reason = CANCELLED, STOPPED_REASON if f is in_flight else NOT_STARTED_REASON
    report.cancelled = any(f.status == CANCELLED for f in report.files)
    report.finished = True


def _fill(result: FileResult, summary, task: str) -> None:
    result.status = OK
    result.notes = list(summary.notes)
    result.output_bytes = _size(Path(summary.output))
    result.frames_in, result.frames_out = summary.frames_in, summary.frames_out
    result.input_size, result.output_size = list(summary.input_size), list(summary.output_size)
    result.input_duration = round(summary.input_duration, 6)
    result.output_duration = round(summary.output_duration, 6)
    if task == "interpolate":
        result.scene_cuts = summary.scene_cuts


def _identity(folder: Path) -> tuple[int, int] | None:
    """Which folder is at `folder` now (its device and inode), or None where none is."""
    try:
        stat = folder.stat()
    except OSError:
        return None
    return stat.st_dev, stat.st_ino


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None


def _cancelled(cancel) -> bool:
    return cancel is not None and cancel.is_set()


def _estimate_all(inputs: Sequence[Path], factor: int, cancel) -> list[_Estimate]:
    """Each input's likely output frames and size, for the overall progress. Opening thousands of files takes
    minutes, so a cancel stops it: the list then ends early, and so does the batch, before its first file."""
    estimates = []
    for src in inputs:
        if _cancelled(cancel):
            break
        estimates.append(_estimate(src, factor))
    return estimates


def _estimate(src: Path, factor: int) -> _Estimate:
    """What the file will likely give (nothing when it cannot be told cheaply: it counts for no time then)."""
    from vsr_app.video.reader import probe
    from vsr_app.video.verify import with_counted_frames

    try:
        info = with_counted_frames(probe(src))  # a browser's WebM states no length: its packets are counted
    except VsrAppError:
        return _Estimate(0, 0)
    return _Estimate((info.estimated_frames or 0) * factor, info.width * info.height)
