"""Whether the file at an output's name is this job's complete output, so a batch run again skips it (resume), and
if not, what it is, for the report.

Outputs appear only complete (the writer renames a checked temporary file into place), so an interrupted batch -
Ctrl-C, kill -9, power loss - resumes by running it again: an output that records the same settings (task, model,
codec, CRF, preset, deinterlacing: the writer's `made_by` tag; deinterlacing only for an input with frames flagged
interlaced, as it changes nothing in another) and the same version of its input (`input_record`; outputs of versions
before it have none and are matched without it, so an upgrade does not flag them all) and whose frame count, duration
and size match what the input would give is skipped. Any other file at an output's name is not a
half-written output of ours but something the user may want (another program's video, an output made with other
settings, a text file): the batch keeps it and reports what it is. A module of its own: judging a file already
there (its recorded settings and input, then its packets) is a question apart from running the batch.

Also here, as it reads the same records: which inputs are this app's outputs of other inputs of the batch, or the
same file as another input (a link to it), left as they are rather than processed a second time (`earlier_outputs`).
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from vsr_app.errors import VsrAppError

# the frames of an input looked at for a flag of interlacing, only where an output's deinterlacing is not this run's:
# decoding them took 0.08 s for 1080p H.264 and 0.5 s for 4K HEVC (2 cores)
OPENING_FRAMES = 8
NOT_A_VIDEO = "an existing file that is not a readable video"  # what `existing_output` says of one it cannot read
# a hidden temporary file that is not a readable video: what a run stopped before it ended leaves (`hidden_output`)
UNFINISHED = "an unfinished output, left by a run that was killed, crashed or lost power"


def existing_output(src: Path, dst: Path, settings: dict, scale: int, factor: int,
                    read: list | None = None) -> str | None:
    """None when the file at `dst` is a complete output of this job: it records the same `settings` and version of
    `src` (where it records one) and matches `src` (enlarged `scale` times, `factor` times the frames). Otherwise
    what it is, for the report. What its packets were read for, where they were, is appended to `read`
    (`verify.OutputRead`)."""
    from vsr_app.video.verify import output_mismatch

    recorded = recorded_difference(src, dst, settings)
    if recorded is not None:
        return recorded
    mismatch = output_mismatch(src, dst, scale, factor, read)
    if mismatch is not None:
        return f"an existing output made with these settings that does not match the input ({mismatch})"
    return None


def recorded_difference(src: Path, dst: Path, settings: dict) -> str | None:
    """`existing_output`'s judgement of the file at `dst` by its record alone (its settings and version of `src`),
    not its frames: what it is where that tells it is not this job's output, else None. Apart, as it reads only
    headers and the input's ends: the Batch tab's listing judges every output by it, where reading each file's
    packets too (the frames check) reads the whole output folder and the inputs."""
    from vsr_app.video.encoding import input_record, read_made_by, same_version

    try:
        found = read_made_by(dst)
    except VsrAppError:
        return NOT_A_VIDEO
    if found is None:
        return "an existing video with no record of the settings that made it (another program's or an older vsr-app's)"
    made_from = found.pop("input", None)
    if "weights" not in found and not any(settings.get("weights") or []):
        found["weights"] = settings.get("weights")  # recorded before digests were: a built-in model has none anyway
    found.setdefault("deinterlace", "auto")  # recorded before the setting was: those versions deinterlaced
    if found["deinterlace"] != settings.get("deinterlace") and not opens_interlaced(src):
        found["deinterlace"] = settings.get("deinterlace")  # it changes nothing there: not a setting that differs
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
    return None


def batch_settings(loaded, task: str, codec: str, crf: int | None, preset: str | None, self_ensemble: bool,
                   deinterlace: bool) -> dict:
    """What each output of a batch with the `loaded` model records (`made_by`), which `existing_output` compares."""
    from vsr_app.inference import upscaler_label
    from vsr_app.video.encoding import made_by

    return made_by(task, [upscaler_label(loaded.name, self_ensemble)], codec, crf, preset, [loaded.weights_digest],
                   deinterlace)


def listed_settings(task: str, model: str, codec: str, crf: int | None = None, self_ensemble: bool = False,
                    deinterlace: bool = True) -> dict | None:
    """(worker thread) `batch_settings` for a listing before a start, the model loaded as the batch loads it; None
    where it cannot be (a model of another task, a file gone): the batch refuses it as it starts, saying why."""
    from vsr_app.models import load_model

    try:
        loaded = load_model(model, "cpu")
    except VsrAppError:
        return None
    return batch_settings(loaded, task, codec, crf, None, self_ensemble, deinterlace) if loaded.task == task else None


def outputs_there(pairs: Sequence[tuple[Path, Path]], settings, cancel=None) -> dict[Path, str | None]:
    """(worker thread) For each input of `pairs` (input, output) whose output's name holds a file: None where the
    batch skips it as this job's complete output, else what it is, which the batch keeps (unless it replaces files).
    Judged by the record (`recorded_difference`), not the frames, which the batch checks as it reaches the file:
    reading every output whole to list a folder took as long as copying it. `settings` is called for the batch's
    settings only where a file is there (it loads the model); where it gives None, nothing is judged."""
    there = [(src, dst) for src, dst in pairs if dst.is_file()]
    wanted = settings() if there else None
    judged: dict[Path, str | None] = {}
    for src, dst in there if wanted is not None else []:
        if cancel is not None and cancel.is_set():  # opening thousands of files on a share takes minutes
            break
        try:
            judged[src] = recorded_difference(src, dst, wanted)
        except VsrAppError:  # the input cannot be read: it fails as the batch processes it, saying why
            continue
    return judged


@dataclass(frozen=True)
class HiddenOutput:
    """What a rerun did with the hidden temporary files of an output that earlier runs left (`hidden_output`)."""

    placed: str | None = None  # the name of the finished one it put at the output's name, None for none
    read: list = field(default_factory=list)  # what judging that one read of it (`verify.OutputRead`)
    removed: str = ""  # the line that says which others it removed, and why; '' for none


def hidden_output(src: Path, dst: Path, settings: dict, scale: int, factor: int) -> HiddenOutput:
    """Put at `dst` (where nothing is) the finished output a run kept under its hidden temporary name, and remove the
    other temporary files of `dst` whose writer no longer runs (a live one's is never touched: another run may be
    writing that output now), saying why. A run whose output folder was made read-only as it finished kept its
    finished file so (`writer._kept_unplaced`), and the rerun deleted it without a word and made it again: hours of
    work. Only a file that `existing_output` takes for this job's complete output is placed: settings, input and
    frame count all checked. One that cannot be renamed (the folder still read-only) is left as it is."""
    from vsr_app.video.output_paths import left_partials

    placed, read, removed = None, [], []
    for path in left_partials(dst):
        what = "an output is in place"
        if placed is None and not dst.exists():
            found: list = []
            what = existing_output(src, path, settings, scale, factor, found)
            what = UNFINISHED if what == NOT_A_VIDEO else what  # "an existing file" confused: it was a hidden one
            if what is None:
                try:
                    os.replace(path, dst)  # (the batch holds the folder: no other batch puts a file there meanwhile)
                except OSError:  # the folder still read-only: left as it is, as the write that follows fails
                    continue
                placed, read = path.name, found
                continue
        try:
            path.unlink()
        except OSError:  # cannot go: left, as `remove_stale_partials` leaves it
            continue
        removed.append(f"'{path.name}' ({what})")
    line = f"removed what earlier runs left hidden for this output: {'; '.join(removed)}" if removed else ""
    return HiddenOutput(placed, read, line)


def earlier_output(src: Path, dst: Path, settings: dict, scale: int, factor: int, planned: set[str],
                    codec: str) -> Path | None:
    """A complete output of this job beside `dst` under another container's name, which an earlier version chose
    (a WebM's H.264 went to .mp4 before .mkv, an .mp4's ProRes to .mkv before .mov): after the update a resumed batch
    made every such file again and left both. None when there is none, or the name is another input's output now."""
    from vsr_app.files import name_max, name_size
    from vsr_app.video.encoding import codec_spec, read_made_by

    suffixes = sorted(codec_spec(codec).containers - {dst.suffix.lower()})
    # its own name in another container, or the form a name taken by another input got (clip.webm.mp4); none longer
    # than the disk takes, whose look-up fails ("File name too long") where no file can be
    names = [dst.with_suffix(s) for s in suffixes] + [dst.parent / f"{src.name}{s}" for s in suffixes]
    room = name_max(dst.parent)
    for other in (name for name in names if name_size(name.name) <= room):
        if other == dst or not other.is_file() or os.path.realpath(other) in planned:
            continue
        try:  # only one that records this very input: size, frames and length alone matched another video
            recorded = (read_made_by(other) or {}).get("input") is not None
        except VsrAppError:
            continue
        if recorded and existing_output(src, other, settings, scale, factor) is None:
            return other
    return None


def opens_interlaced(src: Path) -> bool:
    """Whether one of the first `OPENING_FRAMES` frames of `src` is flagged interlaced, the flag the reader
    deinterlaces by; also where they cannot be read (then the setting may matter). Not the whole file, which would
    take a decode of it: a video progressive at its start and flagged interlaced later (a TV recording of a film,
    sent as progressive frames, and then an advert shot interlaced) counts as progressive, and its output is taken
    for this run's whatever the setting. Its stream's field order is no answer: FFmpeg leaves it unknown for DV,
    which is interlaced, and for HEVC and VP9, which mostly are not."""
    import av

    from vsr_app.video.opening import video_stream

    try:
        with av.open(str(src)) as container:
            frames = container.decode(video_stream(container, src))
            return any(frame.interlaced_frame for frame in itertools.islice(frames, OPENING_FRAMES))
    except (av.FFmpegError, OSError, VsrAppError):
        return True


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


def earlier_outputs(inputs: Sequence[Path], in_dir: Path, task: str, cancel=None) -> dict[Path, EarlierOutput]:
    """The inputs a batch of `task` leaves as they are, each with why: the same file as another input (`same_files`),
    and this app's outputs of another of its inputs (`made_from_another_input`). Decided before the batch starts, by
    the batch and by the Batch tab's queue with this one function, so the queue shows them as the batch will leave
    them and the batch's progress counts no work for them. Only a file in a sub-folder (an earlier batch's output
    folder inside the input tree, which a batch with sub-folders reaches) and in a container the writer makes is
    looked at for an output, so a folder of clips is listed without opening them; those are opened (their header, for
    the recorded input, then looked up by name and size). A cancel ends it early, with what it found by then."""
    from vsr_app.video.encoding import CONTAINER_FORMATS

    by_name_and_size: dict[tuple[str, int | None], list[Path]] = {}
    for path in inputs:
        by_name_and_size.setdefault((path.name, file_size(path)), []).append(path)
    found: dict[Path, EarlierOutput] = same_files(inputs, in_dir, task)
    for src in inputs:
        if cancel is not None and cancel.is_set():  # opening thousands of files on a share takes minutes
            break
        candidate = src.parent != in_dir and src.suffix.lower() in CONTAINER_FORMATS and src not in found
        source = made_from_another_input(src, task, by_name_and_size) if candidate else None
        if source is not None:
            found[src] = EarlierOutput(task, source.relative_to(in_dir))
    return found


@dataclass(frozen=True)
class EarlierOutput:
    """Why a batch of `task` leaves an input as it is: it is this app's output of `source`, another of the batch's
    inputs (relative to the input folder). Kept as these facts, not as a sentence: the command line and the Batch tab
    word it each their own way (`reason`, gui.wording.left_as_it_is), and the tab's, once a pattern rewording the
    command line's sentence, broke without a word whenever that sentence changed."""

    task: str
    source: Path

    def what(self) -> str:
        return f"this app's {self.task}d output of {self.source}, which this batch {self.task}s too"

    def advice(self, on_its_own: str) -> str:
        """What is not done, and what to do instead; `on_its_own` names how to do the task to it alone."""
        return (f"not {self.task}d a second time (move it out of the input folder, or {self.task} it on its own with "
                f"{on_its_own})")

    def reason(self) -> str:
        """The command line's and the report's wording."""
        on_its_own = f"`vsr-app {self.task}` or the app's Export"
        return f"{self.what()}: {self.advice(on_its_own)}"


class SameFile(EarlierOutput):
    """Why a batch leaves an input as it is that is the same file as `source`, another of its inputs, reached by
    another name (a link to the file, or to a folder that holds it)."""

    def what(self) -> str:
        return f"{SAME_FILE} {self.source} by another name (a link)"

    def advice(self, on_its_own: str) -> str:
        return f"not {self.task}d a second time"


SAME_FILE = "the same file as"  # how `SameFile` begins its reason: the report counts those apart


def same_files(inputs: Sequence[Path], in_dir: Path, task: str) -> dict[Path, EarlierOutput]:
    """The inputs that are the same file (device and inode) as another input, each with that one (`SameFile`): a
    link to a file was processed as a file of its own, into a second identical output, where linked folders are
    visited once. Of the names of one file, the one reached through no link is kept."""
    names: dict[tuple[int, int], list[Path]] = {}
    for path in inputs:
        try:
            st = path.stat()
        except OSError:  # gone, or a link to nothing: it fails as it is processed, saying why
            continue
        if st.st_ino:  # (0 where a disk has no file numbers: nothing can be told)
            names.setdefault((st.st_dev, st.st_ino), []).append(path)
    found: dict[Path, EarlierOutput] = {}
    for paths in names.values():
        kept = next((p for p in paths if not _through_link(p, in_dir)), paths[0])
        found.update((p, SameFile(task, kept.relative_to(in_dir))) for p in paths if p is not kept)
    return found


def _through_link(path: Path, in_dir: Path) -> bool:
    """Whether `path`, in the tree of `in_dir`, is a link or lies in a linked folder of that tree."""
    parts = path.relative_to(in_dir).parts
    return any((in_dir / Path(*parts[:n])).is_symlink() for n in range(1, len(parts) + 1))


def file_size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None


def made_from_another_input(src: Path, task: str, inputs: dict[tuple[str, int | None], list[Path]]) -> Path | None:
    """The input of this batch that `src` is this app's `task` output of, where it is one: an earlier batch into a
    folder inside the input tree left its outputs there, and a batch into another folder then took them for inputs and
    did the same to each video a second time (upscaled 16 times). `inputs` maps each input's (file name, size) to the
    inputs of that name and size (DV clips of one length in two folders share both); the recorded input's content
    tells them apart. None for any other video: an output of another task (a video interpolated to be upscaled) and
    this app's outputs of videos not in the batch, which a user may well mean to process."""
    from vsr_app.video.encoding import input_record, read_made_by, same_version

    if not src.is_file():
        return None  # a named pipe's open waits for a writer, for ever: the batch says what it is when it processes it
    try:
        found = read_made_by(src) or {}
    except VsrAppError:
        return None  # not readable: the batch says so when it processes it
    recorded = found.get("input")
    if found.get("task") != task or not isinstance(recorded, dict):
        return None
    for source in inputs.get((recorded.get("name"), recorded.get("bytes")), []):
        try:
            if source != src and same_version(recorded, input_record(source)):
                return source
        except VsrAppError:
            continue
    return None
