"""What a batch will do with a folder, before it does any of it: which files are its inputs and where each one's
output goes.

One module for it because the batch and the Batch tab's queue, listed before a start, must plan alike: the queue the
user approves is what the batch then does. Outputs mirror the input tree, each name unique ignoring case, so a rerun
plans the same names and resumes. A folder that cannot be read is not a folder without videos: the input folder
fails the batch saying why, and each unreadable sub-folder is handed back to be named (its videos were missed).
An output folder that is the input folder, that lies in the input tree holding someone's own videos, or that holds
the input folder where outputs would land inside it, is refused. A listing without sub-folders counts the videos it
leaves in them, by the same walk within a budget: 3 videos listed said nothing of 300 more there.
It loads neither Qt nor PyAV until used: the CLI loads it to parse --ext.
"""

from __future__ import annotations

import errno
import itertools
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Sequence

from vsr_app import APP_NAME
from vsr_app.batch_resume import EarlierOutput, earlier_outputs, outputs_there
from vsr_app.errors import RECURSIVE_HINT, Cancelled, VsrAppError
from vsr_app.words import counted

# The budget of `count_in_sub_folders`' walk: names read, and seconds
COUNT_ENTRIES = 20_000
COUNT_SECONDS = 1.0
# where to get the videos counted in sub-folders: after the count, "to look in sub-folders" said "sub-folders" twice
# (and three times in the GUI, beside its checkbox "Include sub-folders"). "them" is the sub-folders, so it reads
# right after one video as after many ("1 video is in sub-folders: ... to include them" did not)
INCLUDE_HINT = "add --recursive to include them"


def parse_extensions(text: str | Sequence[str]) -> tuple[str, ...]:
    """'mp4, .MKV' -> ('mp4', 'mkv'); also as file dialogs and shells write them ('*.mp4; *.avi', 'mp4 avi')."""
    items = re.split(r"[,;\s]+", text) if isinstance(text, str) else list(text)
    exts = tuple(dict.fromkeys(e.strip().lower().lstrip("*.") for e in items if e.strip().strip("*.")))
    if not exts:
        raise VsrAppError("--ext lists no extensions (example: --ext mp4,mkv)")
    return exts


def find_videos(root: Path, extensions: Sequence[str], recursive: bool, exclude: Path | None = None,
                unreadable: list[OSError] | None = None, cancel=None,
                excluded_at: list[Path] | None = None, not_entered: list[Path] | None = None) -> list[Path]:
    """Files under `root` with one of `extensions`, sorted; hidden files/folders and the folder `exclude` (the
    batch's output folder, when it lies inside `root`: its files are outputs, not inputs) are left out; the path
    the walk met `exclude` by (through a link, maybe) is added to `excluded_at`. Without `recursive`, the
    sub-folders it would have entered, with the links to something gone (folders, maybe), are added to
    `not_entered`: `count_in_sub_folders` goes on from them, so the top folder is read once.

    A `root` that cannot be read raises VsrAppError saying why; the error of each sub-folder that cannot be read
    is added to `unreadable` (or ignored without one), so its missed videos can be told.

    Hidden names are skipped because that is where the writer keeps its temporary files (`.name.partial-*`).
    Symlinked sub-folders are followed (a user links footage in), each real folder once: a link back up the tree
    would loop, and two links to one folder would process its videos twice. A set `cancel` stops the walk between
    folders (raising Cancelled): a large tree on a network share takes minutes.
    """
    def on_error(exc: OSError) -> None:
        if same_path(Path(exc.filename), root):
            raise VsrAppError(f"cannot read the folder '{root}': {exc.strerror or exc}") from exc
        if unreadable is not None:
            unreadable.append(exc)

    found = []
    for _, videos, _ in _video_folders(root, [root], extensions, recursive, exclude, on_error, cancel, excluded_at,
                                       not_entered):
        found += videos
    return found


def _video_folders(root: Path, tops: Sequence[Path], extensions: Sequence[str], recursive: bool,
                   exclude: Path | None, on_error, cancel=None, excluded_at: list[Path] | None = None,
                   not_entered: list[Path] | None = None) -> Iterator[tuple[Path, list[Path], int]]:
    """Each folder `find_videos` reads in the tree of `root` from `tops` (`root` itself, or the sub-folders a
    listing without them met), as it reads it, with its videos (sorted) and how many names it holds, by
    `find_videos`' rules; each error goes to `on_error`. One walk for the listing and for the count of what it
    leaves in sub-folders (`not_entered`), so the count finds what ticking sub-folders would."""
    wanted = {"." + e.lower() for e in extensions}
    excluded = None if exclude is None else os.path.realpath(exclude)
    seen = {os.path.realpath(folder) for folder in (root, *tops)}
    walks = (os.walk(top, onerror=on_error, followlinks=True) for top in tops)
    for dirpath, dirnames, filenames in itertools.chain.from_iterable(walks):
        if cancel is not None and cancel.is_set():
            raise Cancelled()
        here = Path(dirpath)
        names = len(dirnames) + len(filenames)
        # only a walk that enters sub-folders leaves videos out by leaving out an output folder among them
        sub_folders = _sub_folders(here, dirnames, excluded, seen, excluded_at if recursive else None)
        gone = _gone_links(here, filenames, wanted)
        dirnames[:] = [folder.name for folder in sub_folders] if recursive else []
        if recursive:
            for link in gone:
                on_error(FileNotFoundError(errno.ENOENT, "it links to something that is not there (a drive not "
                                                         "connected, a share not mounted?)", str(link)))
        elif not_entered is not None:
            not_entered += sub_folders + gone
        yield here, [here / f for f in sorted(filenames)
                     if not f.startswith(".") and Path(f).suffix.lower() in wanted], names


def _sub_folders(here: Path, names: list[str], excluded: str | None, seen: set[str],
                 excluded_at: list[Path] | None) -> list[Path]:
    """The sub-folders of `here` (`names`, sorted) a walk goes on into: not hidden, not the output folder (its real
    path `excluded`; the path it was met by is added to `excluded_at`), each real folder once (added to `seen`)."""
    kept = []
    for name in sorted(names):
        if name.startswith("."):
            continue
        real = os.path.realpath(here / name)
        if real == excluded:
            if excluded_at is not None:
                excluded_at.append(here / name)
        elif real not in seen:
            seen.add(real)
            kept.append(here / name)
    return kept


@dataclass(frozen=True)
class SubFolderVideos:
    """The videos in the sub-folders of a listing without them, as far as `count_in_sub_folders` counted them."""
    count: int
    whole: bool  # every sub-folder was counted: the budget lasted, and each one could be read

    def in_words(self, more: bool = False) -> str:
        """Their count ("at least 3 more videos"; `more`: after the videos found at the top), one wording for the
        hint and the batch's closing line."""
        return f"{'' if self.whole else 'at least '}{counted(self.count, 'more video' if more else 'video')}"

    def hint(self, more: bool) -> str:
        """What to say of them, worded for the command line (`more`: after the videos found at the top); "" where
        no sub-folder holds one. With none counted in part of them, the rest may hold some: where to look."""
        if not self.count:
            return "" if self.whole else RECURSIVE_HINT
        return f"sub-folders hold {self.in_words(more)}: {INCLUDE_HINT}"


ALL_LISTED = SubFolderVideos(0, whole=True)  # what a listing with sub-folders leaves in them


def count_in_sub_folders(root: Path, sub_folders: Sequence[Path], extensions: Sequence[str],
                         exclude: Path | None = None, cancel=None, entries: int = COUNT_ENTRIES,
                         seconds: float = COUNT_SECONDS) -> SubFolderVideos:
    """(worker thread) The videos a listing with sub-folders would find under `root` beyond those in `root`
    itself, by its own walk (`_video_folders`: hidden folders and the output folder `exclude` left out, each real
    folder once, so a link loop ends), going on from `sub_folders`, those the listing without them met
    (`find_videos`' `not_entered`). Without it, a listing of 3 videos said nothing of 300 more in sub-folders.
    Within a budget of `entries` names read and `seconds`: a tree on a network share takes minutes to walk, and the
    listing waits for this. `root` itself is not read again, nor its names in the budget: a top folder of 20,000
    files was read twice, and left no budget for its sub-folders. A folder that cannot be read is skipped; it, or a
    budget run out, makes the count "at least"."""
    unread: list[OSError] = []
    deadline = time.monotonic() + seconds
    count = read = 0
    for _, videos, names in _video_folders(root, sub_folders, extensions, True, exclude, unread.append, cancel):
        if read >= entries or time.monotonic() >= deadline:
            return SubFolderVideos(count, whole=False)
        count += len(videos)
        read += names
    return SubFolderVideos(count, whole=not unread)


def _gone_links(folder: Path, names: list[str], wanted: set[str]) -> list[Path]:
    """The links in `folder` whose target is gone, but for those named like a video (listed as inputs, each fails
    saying so): os.walk lists a link to a gone folder with the files, where a video extension is looked for, so
    footage on an unplugged drive was left out without a word. Whether it was a folder cannot be told."""
    links = (folder / name for name in sorted(names)
             if not name.startswith(".") and Path(name).suffix.lower() not in wanted)
    return [link for link in links if link.is_symlink() and not link.exists()]


def check_apart(in_dir: Path, out_dir: Path) -> None:
    """Refuse an output folder that is the input folder: outputs would land beside (or on) their inputs."""
    if same_path(in_dir, out_dir):
        raise VsrAppError("the output folder is the input folder; choose another one so no input is overwritten")


def check_outputs_outside_input(in_dir: Path, out_dir: Path, outputs: Sequence[Path]) -> None:
    """Refuse an output folder that holds the input folder where an output would land inside the input folder
    (`batch T/sub -o T --recursive` put T/sub/sub/v.webm's output at T/sub/v.mkv): the walk, which leaves out only
    an output folder inside the input folder, then took it for an input, upscaled it a second time, and failed its
    source as "would overwrite an input video". An output folder around the input folder is fine otherwise."""
    inside = Path(os.path.realpath(in_dir))
    if not inside.is_relative_to(os.path.realpath(out_dir)):
        return
    for dst in outputs:
        if Path(os.path.realpath(dst)).is_relative_to(inside):
            raise VsrAppError(f"the output folder '{out_dir}' holds the input folder '{in_dir}', and outputs would "
                              f"land inside the input folder ('{dst}'), where a later batch would take them for "
                              "inputs; choose an output folder beside the input folder, or inside it")


def check_no_sources_in_output(in_dir: Path, out_dir: Path, met_at: Path, extensions: Sequence[str],
                               cancel=None) -> None:
    """Refuse an output folder that the walk of the input folder met (at `met_at`, its path there) and that holds
    videos with no record of being made by this app: the walk leaves that folder out, its files taken for outputs,
    so a user's own clips filed there were neither processed nor named, and one at an output's name was replaced by
    --overwrite (a batch tester's find). Opens each video there: only a batch whose output folder is in its input
    tree pays for it. Only the files really in it count: a link in it back up the tree (`loop -> ..`) named the
    user's inputs as videos to move out of it."""
    from vsr_app.video.encoding import read_made_by

    sources = []
    inside = os.path.realpath(out_dir)
    for video in find_videos(out_dir, extensions, recursive=True, cancel=cancel):
        if cancel is not None and cancel.is_set():  # opening thousands of files on a share takes minutes
            raise Cancelled()
        if not Path(os.path.realpath(video)).is_relative_to(inside):
            continue
        try:
            if read_made_by(video) is None:
                sources.append((met_at / video.relative_to(out_dir)).relative_to(in_dir))
        except VsrAppError:  # not a media file: no one's footage
            pass
    if sources:
        named = ", ".join(map(str, sources[:3])) + (" and more" if len(sources) > 3 else "")
        raise VsrAppError(f"the output folder '{out_dir}' is inside the input folder and holds "
                          f"{counted(len(sources), 'video')} with no record of being made by {APP_NAME} "
                          f"(another program's, or an older {APP_NAME}'s: {named}): with sub-folders included they "
                          "would be inputs, yet an output folder's files are taken for outputs; choose an output "
                          "folder outside the input folder, or move them out of it")


def same_path(a: Path, b: Path) -> bool:
    """Whether `a` and `b` are one file or folder: by its identity where both are there (one network share mounted at
    two paths), else by the path that links lead to."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def name_key(path: Path) -> str:
    """A path as output names are compared: ignoring case, as a case-insensitive disk does."""
    return os.path.normcase(str(path)).casefold()


def plan_outputs(inputs: Sequence[Path], in_dir: Path, out_dir: Path, codec: str) -> list[Path]:
    """Mirror each input's place under `in_dir` into `out_dir`, changing the suffix only where the codec needs it.

    Outputs are unique, or one input's output would be skipped as another's: an input that keeps its suffix
    keeps its name; a converted one whose name is taken (clip.avi and clip.mp4 both -> clip.mp4) keeps its old
    extension in it (clip.avi.mp4), then a number (clip.avi-2.mp4, ...). Names are compared ignoring case, as a
    case-insensitive disk (macOS, Windows, exFAT drives, SMB shares) takes Clip.mp4 and clip.mp4 for one file: of
    two inputs whose names differ only in case the second is numbered too (clip-2.mp4), as is a converted name that
    is a mirrored sub-folder's (a.avi beside a folder a.mp4/ becomes a.avi.mp4). A new name is shortened to
    the disk's limit (`fit_name`): clip.avi.mp4 is longer than clip.avi. Inputs come sorted, so a rerun plans the
    same names and resumes. An output folder around `in_dir` that would put an output inside it is refused
    (`check_outputs_outside_input`).
    """
    from vsr_app.files import name_max
    from vsr_app.video.output_paths import output_suffix

    room = name_max(out_dir)
    rels = [src.relative_to(in_dir) for src in inputs]
    suffixes = [output_suffix(src, codec) for src in inputs]
    keepers: dict[str, int] = {}  # the names inputs that keep their suffix will use, each by the first such input
    for index, (rel, suffix) in enumerate(zip(rels, suffixes)):
        if suffix == rel.suffix:
            keepers.setdefault(name_key(rel), index)
    # a mirrored sub-folder's name is taken too: a.avi -> a.mp4 beside the folder a.mp4/ of another input failed it
    taken = set(keepers) | {name_key(folder) for rel in rels for folder in rel.parents if folder != Path(".")}
    outputs = []
    for index, (rel, suffix) in enumerate(zip(rels, suffixes)):
        if keepers.get(name_key(rel)) != index:
            names = _names_to_try(rel, suffix, room)
            rel = next(rel.parent / name for name in names if name_key(rel.parent / name) not in taken)
            taken.add(name_key(rel))
        outputs.append(out_dir / rel)
    check_outputs_outside_input(in_dir, out_dir, outputs)
    return outputs


def _names_to_try(rel: Path, suffix: str, room: int) -> Iterator[str]:
    """The output names `plan_outputs` tries, in turn, for the input `rel` whose output takes `suffix` (clip.mp4,
    clip.avi.mp4, clip.avi-2.mp4, ... for clip.avi), each within `room`, the disk's name limit."""
    from vsr_app.files import fit_name, name_size

    base = rel.stem if suffix == rel.suffix else rel.name
    parts = itertools.chain([(rel.stem, suffix), (base, suffix)], ((base, f"-{n}{suffix}") for n in itertools.count(2)))
    return (fit_name(stem, room - name_size(ending)) + ending for stem, ending in parts)


def output_names(inputs: Sequence[Path], outputs: Sequence[Path], in_dir: Path) -> dict[str, tuple[str, Path]]:
    """Each planned output's `name_key`, with the input (relative to `in_dir`) it is the output of and the output
    itself, for `why_renamed`."""
    return {name_key(dst): (str(src.relative_to(in_dir)), dst) for src, dst in zip(inputs, outputs)}


def own_output(src: Path, dst: Path) -> Path:
    """The output `src` would have at its own name: `dst`'s place, its name in `dst`'s container."""
    return dst.with_name(src.stem + dst.suffix)


def why_renamed(src: Path, dst: Path, named: dict[str, tuple[str, Path]]) -> str | None:
    """Where `plan_outputs` gave `src` an output name other than its own (its name in the output's container), that
    name and why, for the line that says the output is made ("written as 'clip.avi.mp4': ..."); None where it has
    its own. `named` is `output_names`' map of the batch. Without it the command line said "ok  clip.avi" and left
    the user to guess which of clip.mp4 and clip.avi.mp4 was its output. Where more names were tried, the last one is
    said too: "not 'clip.mp4': ..." alone left the user to wonder why clip.avi-2.mp4 was not clip.avi.mp4."""
    own = own_output(src, dst)
    if own.name == dst.name:
        return None
    because = _taken(own, named) or "that name is longer than the disk takes"
    said = f"written as '{dst.name}', not '{own.name}': {because}"
    last = _last_tried(src, dst, named)
    return said if last is None or last.name == own.name else f"{said}; nor '{last.name}': {_taken(last, named)}"


def _taken(path: Path, named: dict[str, tuple[str, Path]]) -> str | None:
    """Why the output name `path` was not free, in words; None where it was."""
    if (clash := named.get(name_key(path))) is not None:
        other, its_output = clash  # at this very name, or one that differs in case only (x.MP4, Sub/a.mp4)
        # the names are told apart on every disk, but clash where case is ignored: "on a disk that ignores case" read
        # as if the disk written to were one
        return f"{other}'s output has that name" + ("" if its_output == path else " in other letter case, which "
                                                    "clashes with it on disks that ignore case (Windows, macOS)")
    if any(k.startswith(name_key(path) + os.sep) for k in named):
        return "a folder of outputs has that name"
    return None


def _last_tried(src: Path, dst: Path, named: dict[str, tuple[str, Path]]) -> Path | None:
    """The last name `plan_outputs` tried for `src`'s output before `dst`, None where it tried none. Every name it
    passed over is another output's or a folder of outputs, so the walk ends at the first free one (`dst`)."""
    from vsr_app.files import name_max

    names = _names_to_try(Path(src.name), dst.suffix, name_max(dst.parent))
    passed = list(itertools.takewhile(lambda name: name != dst.name and _taken(dst.with_name(name), named), names))
    return dst.with_name(passed[-1]) if passed else None


def plan_batch(in_dir: Path, out_dir: Path | None, extensions: str | Sequence[str], recursive: bool, codec: str,
               unreadable: list[OSError] | None = None,
               cancel=None) -> tuple[list[Path], list[Path | None], SubFolderVideos]:
    """The batch's inputs, their planned outputs (None without an output folder) and, without sub-folders, the
    videos it leaves in them (`count_in_sub_folders`), for `run_batch` and for the Batch tab's listing before a
    start: one sequence, so the queue the user approves is what the batch then does. `unreadable` and `cancel` are
    find_videos'."""
    extensions = parse_extensions(extensions)
    if out_dir is not None:
        check_apart(in_dir, out_dir)
    met: list[Path] = []
    not_entered: list[Path] = []
    inputs = find_videos(in_dir, extensions, recursive, exclude=out_dir, unreadable=unreadable, cancel=cancel,
                         excluded_at=met, not_entered=not_entered)
    if met:
        check_no_sources_in_output(in_dir, out_dir, met[0], extensions, cancel)
    outputs = plan_outputs(inputs, in_dir, out_dir, codec) if out_dir is not None else [None] * len(inputs)
    left = ALL_LISTED if recursive else count_in_sub_folders(in_dir, not_entered, extensions, out_dir, cancel)
    return inputs, outputs, left


@dataclass
class Queue:
    """What the batch would do with a folder, as listed before it starts (the batch then runs over these folders,
    whatever the fields say by then)."""
    in_dir: Path
    out_dir: Path | None
    problem: str  # why `in_dir` cannot be listed, saying what to do; empty when it was listed
    inputs: list[Path]
    outputs: list[Path | None]  # None without an output folder
    foreign: list[Path]  # files at the outputs' names this app did not make (looked for only before a Replace run)
    unreadable: list[OSError] = field(default_factory=list)  # sub-folders whose videos are missed
    earlier: dict[Path, EarlierOutput] = field(default_factory=dict)  # inputs left as they are, with why
    in_sub_folders: SubFolderVideos = ALL_LISTED  # the videos it leaves in sub-folders, as counted
    # the inputs whose output's name holds a file: None where it is a complete output the batch skips, else what it is
    # (kept unless Replace), by `outputs_there`
    there: dict[Path, str | None] = field(default_factory=dict)


def list_queue(in_dir: Path, out_dir: Path | None, extensions: str, recursive: bool, codec: str, task: str,
               find_foreign: bool, progress=None, cancel=None, settings=None) -> Queue:
    """(worker thread) The Batch tab's queue for a batch of `task`: the batch's inputs and planned outputs, by its
    own planning (`plan_batch`), the inputs it leaves as they are, by its own decision (`earlier_outputs`), the files
    at the outputs' names it skips or keeps, by its own judgement (`outputs_there`, given `settings`, which gives the
    batch's settings), and without sub-folders, the videos it leaves in them (`count_in_sub_folders`). Without the
    files judged, every row read "queued" where 6 of 11 outputs were done and 2 names held other files, and the user
    learned it only after Process all. An output folder no file can be made in (a file in its place) is refused
    here, as the batch would refuse it: the queue listed outputs inside a video file."""
    from vsr_app.video.output_paths import check_writable

    if not in_dir.is_dir():
        return Queue(in_dir, out_dir, _not_a_folder(in_dir), [], [], [])
    if out_dir is not None:
        check_writable(out_dir, "the output folder")
    unreadable: list[OSError] = []
    inputs, outputs, left = plan_batch(in_dir, out_dir, extensions, recursive, codec, unreadable, cancel=cancel)
    earlier = earlier_outputs(inputs, in_dir, task, cancel)
    foreign = []
    for src, path in zip(inputs, outputs) if find_foreign else []:
        if cancel is not None and cancel.is_set():  # opening thousands of files takes minutes
            raise Cancelled()
        if path is not None and src not in earlier and path.is_file() and not _made_by_us(path):
            foreign.append(path)  # (an earlier output's planned output is never made: nothing is replaced there)
    pairs = [(src, dst) for src, dst in zip(inputs, outputs) if dst is not None and src not in earlier]
    there = outputs_there(pairs, settings, cancel) if settings is not None else {}
    if cancel is not None and cancel.is_set():  # the earlier outputs found by then are not all there are
        raise Cancelled()
    return Queue(in_dir, out_dir, "", inputs, outputs, foreign, unreadable, earlier, left, there)


def _not_a_folder(in_dir: Path) -> str:
    """Why the input folder cannot be listed, with what to do: "Choose an input folder" for one that was chosen but
    is gone, then a bare "does not exist" on Start, left the user guessing."""
    if in_dir.exists():
        return f"'{in_dir}' is not a folder; choose the folder that holds the videos."
    return f"'{in_dir}' does not exist; choose an existing folder of videos."


def _made_by_us(path: Path) -> bool:
    from vsr_app.video.encoding import read_made_by

    try:
        return read_made_by(path) is not None
    except VsrAppError:  # not a media file at all
        return False
