"""Where an output goes, and the temporary file it is written to until it is complete.

Never over the input or an existing file (unless asked), names within the disk's limit (bytes on POSIX, UTF-16
units on Windows), free names for results kept beside others, and hidden temporary files that their writer locks
(and names with its process id), so the files killed writes left can be cleared without touching one another live
run is writing.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import re
import secrets
import sys
from pathlib import Path
from typing import Callable, Iterator, NamedTuple

from vsr_app.errors import OVERWRITE_HINT, VsrAppError
from vsr_app.filelock import LockHeld, lock_now
from vsr_app.files import fit_name, name_max, name_size
from vsr_app.video.disk_space import folder_identity, size_text
from vsr_app.video.encoding import CONTAINER_FORMATS, codec_spec
from vsr_app.video.file_systems import file_system_type

log = logging.getLogger(__name__)


def check_output_path(target: Path, source: Path | None, overwrite: bool) -> None:
    """Refuse to write over the input, over a folder, or over an existing file without `overwrite`, and a name
    too long for the disk (before anything is asked about it: asking fails too)."""
    _check_name_fits(target)
    if source is not None and target.exists() and source.exists() and os.path.samefile(target, source):
        raise VsrAppError(f"the output '{target}' is the input file; choose another output name")
    if source is not None and os.path.realpath(target) == os.path.realpath(source):
        raise VsrAppError(f"the output '{target}' is the input file; choose another output name")
    check_output_name(target)
    if os.path.lexists(target) and not overwrite:  # a link to nothing is in the way too: the final rename fails on it
        raise VsrAppError(f"'{target}' already exists; {OVERWRITE_HINT} or choose another name")


def check_output_name(target: Path, codec: str | None = None) -> None:
    """Refuse an output that is a folder, or whose extension names no container the writer makes, or given `codec`,
    none that holds it: the extensions offered are those that do (offered all four, `x --codec ffv1` was told to
    use .mp4, then that ffv1 cannot go in it). The CLI calls it on `-o` as soon as it has parsed the options, so such
    a name is a usage error there; the export dialog before it starts."""
    _check_name_fits(target)  # first: is_dir on a name too long raised OSError out of the CLI's option check
    if target.is_dir():
        raise VsrAppError(f"the output '{target}' is a folder; give a file name such as out.mp4")
    suffixes = sorted(codec_spec(codec).containers if codec else CONTAINER_FORMATS)
    if target.suffix.lower() not in suffixes:
        extensions = f"the extension {suffixes[0]}" if len(suffixes) == 1 else \
            f"one of the extensions {', '.join(suffixes)}"
        raise VsrAppError(f"cannot write '{target}': "  # as given: 't1/out' named 'out'
                          + (f"codec {codec} needs {extensions}" if codec else f"use {extensions}"))


def _check_name_fits(target: Path) -> None:
    """Refuse a name in `target`, its folders' first, that is longer than the disk allows: said of the name at
    fault, before anything but the disk's limits is asked of the path (a folder name too long raised OSError out of
    is_dir and out of the Export dialog's start, or was said of the whole path). A folder not made yet is judged by
    the common limit (`name_max`)."""
    for path in (*reversed(target.parents), target):
        size, limit = name_size(path.name), name_max(path.parent)
        if size > limit:
            what = "output name" if path == target else "folder name"
            raise VsrAppError(f"the {what} '{path.name}' is too long: {size} bytes, where the disk allows {limit}; "
                              f"choose a shorter name")


def check_writable(folder: Path, what: str) -> None:
    """Prove a file can be made in `folder`, or, where it is not made yet, in the folder it would be made in (making
    nothing), so an output that cannot be written fails at once, saying what to do, not after a model has loaded
    and the work has begun. `what` names the folder in the message ("the output folder")."""
    place = next((p for p in (folder, *folder.parents) if os.path.exists(p)), folder)
    why = f"'{place}' is a file, not a folder" if os.path.isfile(place) else _cannot_write(place)
    if why:
        raise VsrAppError(f"cannot write to {what} '{folder}': {why}; choose a folder you can write to")


def check_destination(target: Path, source: Path | None, overwrite: bool) -> None:
    """`check_output_path`, then `check_writable` on the output's folder: what an export is refused for before it
    decodes or loads anything (the pipeline, and the Export dialog before it starts one)."""
    check_output_path(target, source, overwrite)
    check_writable(target.parent, "the output's folder")  # the writer makes a missing one, once the models loaded


def _cannot_write(folder: Path) -> str | None:
    """Why no file can be made in `folder`; None when one can."""
    import tempfile

    try:
        fd, name = tempfile.mkstemp(prefix=".vsr-app-write-test-", dir=folder)
    except OSError as exc:
        return exc.strerror or str(exc)
    os.close(fd)
    os.unlink(name)
    return None


# Inputs whose other streams Matroska keeps and MP4 re-encodes or drops (WebM's Opus and WebVTT; the AC-3, MP2,
# LPCM and DVD/DVB subtitles of MPEG streams from camcorders, DVDs and broadcast; DV's and MXF's PCM, Ogg's Vorbis):
# .mkv, not .mp4, for them.
MATROSKA_FIRST = frozenset({".webm", ".ts", ".mts", ".m2ts", ".m2t", ".vob", ".mpg", ".mpeg", ".mod", ".tod", ".dv",
                            ".mxf", ".ogv"})


def output_suffix(src: str | Path, codec: str) -> str:
    """The output's container for `src` written with `codec`, for batch names and the export's suggestion: the
    input's when it can hold the codec; else .mkv for MATROSKA_FIRST inputs where it holds the codec; else the
    codec's own (.mov for ProRes, as editors expect)."""
    spec, suffix = codec_spec(codec), Path(src).suffix
    if suffix.lower() in spec.containers:
        return suffix
    return ".mkv" if suffix.lower() in MATROSKA_FIRST and ".mkv" in spec.containers else spec.suffix


class MadeFolder(NamedTuple):
    """A folder `make_folder` made, and which folder it was (`folder_identity`): the one to remove, not another at
    its path."""

    path: Path
    identity: tuple[int, int]


def make_folder(folder: Path) -> list[MadeFolder]:
    """Create `folder` (and its parents) or raise VsrAppError saying why not (e.g. a file is in the way). Returns
    the folders it made, deepest first: what a failed write removes again (`remove_made_folders`)."""
    missing = [p for p in (folder, *folder.parents) if not os.path.isdir(p)]
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        blocker = next((p for p in (folder, *folder.parents) if p.is_file()), None)
        why = f"'{blocker}' is a file, not a folder" if blocker else (exc.strerror or str(exc))
        raise VsrAppError(f"cannot create the output folder '{folder}': {why}") from exc
    return [MadeFolder(path, identity) for path in missing if (identity := folder_identity(path)) is not None]


def remove_made_folders(folders: list[MadeFolder]) -> None:
    """Remove the folders `make_folder` made, deepest first, where they are still empty: a job that failed or was
    stopped leaves no empty folders behind (`-o new/place/out.mp4`). Only where each is still the folder it made: one
    a user renamed while the job ran is theirs under its new name, and the empty one they made at its old path (for
    the next job) was removed in its place."""
    for folder in folders:
        if folder_identity(folder.path) != folder.identity:  # renamed, moved or replaced: the user's now
            continue
        try:
            folder.path.rmdir()
        except OSError:  # not empty (something else was put there), or gone
            return


@contextlib.contextmanager
def removed_if_left_empty(folders: list[MadeFolder]) -> Iterator[None]:
    """Whatever ends the block (a stop, an error), the folders `make_folder` made that are still empty go again."""
    try:
        yield
    finally:
        remove_made_folders(folders)


def first_free(folder: Path, stem: str, ending: Callable[[int], str]) -> Path:
    """`folder / (stem + ending(n))` for the first n = 1, 2, ... that no file has, the stem shortened to keep
    each name within the disk's limit: a second export, a kept result, an earlier run's file never replace one."""
    room = name_max(folder)
    for number in itertools.count(1):
        candidate = folder / (fit_name(stem, room - name_size(ending(number))) + ending(number))
        if not candidate.exists():
            return candidate


# What a temporary name adds after its prefix: the writer's pid (at most 10 digits), "-" and 8 hex digits.
_PARTIAL_ID_BYTES = 10 + 1 + 8


def _partial_parts(path: Path) -> tuple[str, str]:
    """A write to `path` goes to the hidden file "." + stem + ".partial-" + writer's pid + "-" + random hex + suffix
    until it is complete; returns that stem and suffix. The stem is shortened to keep that within the disk's name
    limit: a name near the limit (80 Japanese characters are 240 bytes) is valid for the output and must not fail for
    its temporary file."""
    suffix = path.suffix.lower()
    room = name_max(path.parent) - name_size(f"..partial-{suffix}") - _PARTIAL_ID_BYTES
    return fit_name(path.stem, room), suffix


# Names of the temporary files this process is writing now (unique: they end in random hex), each with the descriptor
# that holds its lock (`hold_partial`; None where it holds none). A file with this process's pid and not in here was
# left by an earlier process with the same pid: in a container the app is often pid 1, or the same small number, on
# every run.
_OWN_TEMPS: dict[str, int | None] = {}
# The folder of each temporary file this process holds (`hold_partial`), by the file's name: a descriptor of it.
_FOLDERS: dict[str, int] = {}
# Which file `hold_partial` made for each temporary name (device, inode): the one the encoder must open by its path.
_MADE: dict[str, tuple[int, int]] = {}


def _writer_running(path: Path, pid: int) -> bool:
    """Whether the writer of temporary file `path`, process `pid`, still runs. Not asked on Windows, where
    os.kill would end it; there the file a live writer holds open cannot be deleted, which keeps it the same."""
    if pid == os.getpid():
        return path.name in _OWN_TEMPS
    if sys.platform == "win32":
        return False
    try:
        os.kill(pid, 0)  # signal 0 only asks whether the process exists
    except (ProcessLookupError, OverflowError):
        return False
    except PermissionError:  # it exists, run by another user
        pass
    return True


def remove_stale_partials(dst: Path) -> int:
    """Delete the temporary files killed writes left for `dst` (called once a write to `dst` is complete, and by
    batch before each file); returns how many. Those whose writer still runs, or holds its lock, are kept: another
    run may be writing the same output right now. Best effort: what cannot be listed or deleted stays."""
    stem, suffix = _partial_parts(dst)
    return len(_remove_dead_partials(dst.parent, re.escape(stem), re.escape(suffix))[0])


# Any output's temporary file: its container's extension, as `_partial_parts` writes it, lower case.
_ANY_SUFFIX = "|".join(re.escape(suffix) for suffix in CONTAINER_FORMATS)


def remove_left_partials(folder: Path) -> list[str]:
    """Delete the temporary files killed writes of any output left in `folder` (a write starting there calls it:
    one killed export's file, gigabytes maybe, was cleared only by a later write to the same name). Returns the lines
    that say what went and what stayed, none where nothing was left; those whose writer still runs are kept, as in
    `remove_stale_partials`, and so are finished outputs a run could not put in place (`writer._kept_unplaced`),
    which a batch run again puts there: taken for a killed write's, hours of work went. Not on a network disk, where
    another host's live write cannot be told from a killed one (no lock is taken there: `hold_partial`)."""
    if file_system_type(folder) in NETWORK_FILE_SYSTEMS:
        return []
    removed, kept = _remove_dead_partials(folder, ".+", _ANY_SUFFIX, keep_finished=True)
    lines = []
    if removed:
        names = ", ".join(sorted({name for name, _ in removed}))
        runs = "an interrupted run" if len(removed) == 1 else "interrupted runs"
        lines.append(f"removed {size_text(sum(size for _, size in removed))} of unfinished output left by {runs}: "
                     f"{names}")
    if kept:
        outputs, them = ("a finished output", "it") if len(kept) == 1 else ("finished outputs", "them")
        lines.append(f"kept {', '.join(sorted(kept))}: {outputs} an earlier run could not put in place; rename {them} "
                     f"yourself (a batch run again puts {them} there)")
    return lines


def left_partials(dst: Path) -> list[Path]:
    """The temporary files killed writes left for `dst`, in name order: their writer no longer runs nor holds their
    lock (`_unheld`); a batch rerun looks among them for a finished output a read-only folder kept hidden."""
    stem, suffix = _partial_parts(dst)
    left = []
    for path, _ in _dead_partials(dst.parent, re.escape(stem), re.escape(suffix)):
        with _unheld(path) as free:
            if free:
                left.append(path)
    return sorted(left)


def _remove_dead_partials(folder: Path, stem: str, suffix: str,
                          keep_finished: bool = False) -> tuple[list[tuple[str, int]], list[str]]:
    """Delete the temporary files in `folder` whose name's stem and suffix match those patterns and whose writer no
    longer runs nor holds its lock (`_unheld`), with `keep_finished` but those that are finished outputs
    (`_finished`). Returns the name of the output each deleted one was for and its size, and the names of the finished
    ones kept. Best effort: what cannot be listed or deleted stays."""
    removed, kept = [], []
    for path, match in _dead_partials(folder, stem, suffix):
        with _unheld(path) as free:  # deleted while locked: a writer whose lock came just after finds it gone
            if not free:
                continue
            if keep_finished and _finished(path):
                kept.append(path.name)
            elif (size := _delete(path)) is not None:
                removed.append((match[1] + match[3], size))
    return removed, kept


def _finished(path: Path) -> bool:
    """Whether the temporary file `path` is a finished output (its muxer wrote its end), not a killed write's. Measured
    with kill -9 at several points of writes of each container: a killed MP4 or MOV does not open (its index, the
    moov, is written last); a killed Matroska file opens, with the writer's record, but its video lacks the DURATION
    tag the muxer writes as it ends (its container's duration is no sign: FFmpeg estimates one from a PCM track's bit
    rate). Reads the file's start only (FFmpeg's probe of it), whatever its size."""
    import av

    try:
        with av.open(str(path)) as container:
            videos = container.streams.video
            matroska = CONTAINER_FORMATS[path.suffix.lower()] == "matroska"
            return bool(videos) and (not matroska or all("DURATION" in stream.metadata for stream in videos))
    except Exception:  # FFmpeg's errors, a tag not UTF-8 (UnicodeDecodeError): no finished output of ours
        return False


def _dead_partials(folder: Path, stem: str, suffix: str) -> list[tuple[Path, re.Match]]:
    """The temporary files in `folder` whose name's stem and suffix match those patterns and whose writer no longer
    runs (its pid, where it ran on this host), each with its name's match: the output's stem and suffix."""
    if not folder.is_dir():  # a first write into a new folder: nothing can have been left there
        return []
    # Names without a pid come from versions that did not record it; their writers are long gone.
    pattern = re.compile(rf"\.({stem})\.partial-(?:(\d{{1,10}})-)?[0-9a-f]+({suffix})")
    try:
        names = list(folder.iterdir())
    except OSError as exc:
        log.warning("could not list temporary files in %s: %s", folder, exc)
        return []
    return [(p, match) for p in names if (match := pattern.fullmatch(p.name)) and p.is_file()
            and not (match[2] and _writer_running(p, int(match[2])))]


@contextlib.contextmanager
def _unheld(path: Path) -> Iterator[bool]:
    """Whether no writer holds the temporary file `path`'s lock (`hold_partial`), holding it meanwhile. The pid in its
    name means nothing to a writer in another container (each app pid 1 maybe) or on another host of a network disk:
    the lock says it is alive. A file that cannot be opened to lock (another user's) counts as held; where the disk
    takes no locks the pid's verdict stands, as on a network disk, where no writer locks (`hold_partial`) and a
    cleaner's lock could bind the writer's own writes. Not locked on Windows, which deletes no file a live writer has
    open."""
    if os.name == "nt" or file_system_type(path.parent) in NETWORK_FILE_SYSTEMS:
        yield True
        return
    try:
        fd = os.open(path, os.O_RDWR)
    except OSError:
        yield False
        return
    try:
        try:
            lock_now(fd)
        except LockHeld:  # its writer is alive
            yield False
        except OSError:  # no locks on this disk: what its name's pid said (`_dead_partials`)
            yield True
        else:
            yield True
    finally:
        os.close(fd)


def _delete(path: Path) -> int | None:
    """Delete `path`; returns its size, None where it cannot go (held open on Windows): the others are still cleared."""
    try:
        size = path.stat().st_size
        path.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("could not delete the temporary file %s: %s", path, exc)
        return None
    return size


def new_partial(path: Path) -> Path:
    """The hidden temporary file a write to `path` goes to until it is complete, marked as this process's own."""
    stem, suffix = _partial_parts(path)
    tmp = path.with_name(f".{stem}.partial-{os.getpid()}-{secrets.token_hex(4)}{suffix}")
    _OWN_TEMPS[tmp.name] = None
    return tmp


# file systems whose locks may be enforced on every handle of a file (the Linux SMB client maps one to a mandatory
# byte-range lock; a Windows NFS server enforces them): a writer's lock there could fail its own encoder's writes
NETWORK_FILE_SYSTEMS = frozenset({"cifs", "smb3", "smbfs", "nfs", "nfs4"})


def hold_partial(tmp: Path) -> None:
    """Create the temporary file `tmp` (`new_partial`'s) and lock it until `release_partial` (called however the write
    ends, this failing too), so that no cleaner deletes it while it is written, whatever pid it sees in its name
    (`_unheld`). Its folder is held open meanwhile, for `delete_partial`. Not locked on Windows, where the lock would
    bar the encoder from the locked byte and the encoder's open file cannot be deleted anyway, nor on a network disk
    (SMB, NFS), where a lock may be enforced on the encoder's own writes through its other handle. A disk that takes
    no locks leaves it unguarded, as temporary files were before locks: only its name's pid guards it."""
    folder = _open_folder(tmp.parent)
    if folder is not None:
        _FOLDERS[tmp.name] = folder
    # created locked (no moment unlocked for a cleaner to take it in), with the mode the encoder gives a file it makes;
    # in the folder held (a folder moved meanwhile has the file, not another at its old place)
    fd = os.open(tmp if folder is None else tmp.name, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o666, dir_fd=folder)
    if os.name == "nt" or file_system_type(tmp.parent) in NETWORK_FILE_SYSTEMS:
        os.close(fd)  # (and no `partial_replaced` check: an SMB client without server inode numbers makes its own)
        return
    made = os.fstat(fd)
    _MADE[tmp.name] = made.st_dev, made.st_ino
    try:
        lock_now(fd)
    except OSError as exc:
        os.close(fd)
        log.info("cannot lock the temporary file %s (%s): only its name's pid guards it", tmp, exc.strerror or exc)
        return
    _OWN_TEMPS[tmp.name] = fd


def release_partial(tmp: Path) -> None:
    """`tmp` is renamed into place, deleted or kept for the user: no longer a write of this process, unlocked (after
    the deletion: a cleaner cannot take it between), its folder no longer held."""
    if (fd := _OWN_TEMPS.pop(tmp.name, None)) is not None:
        os.close(fd)
    _MADE.pop(tmp.name, None)
    if (folder := _FOLDERS.pop(tmp.name, None)) is not None:
        os.close(folder)


def delete_partial(tmp: Path) -> None:
    """Delete this process's temporary file `tmp` where it is now: through its folder held open (`hold_partial`), so
    in that folder wherever it was renamed or moved meanwhile. A write stops when its folder is gone
    (`disk_space.folder_gone`): deleted by its path, the file stayed hidden in the folder a user had renamed while it
    was written, gigabytes maybe. By its path where no folder is held (Windows, where a folder with an open file
    cannot be renamed anyway). One already gone is no error, but one not found in a folder moved is said: a network
    disk (SMB) resolves the held folder by its path, and one renamed from another computer keeps the file. Also by its
    path where a folder is held: the encoder's own file where another folder took the held one's place before it was
    opened (`partial_replaced`), this writer's too, its name being unique."""
    folder = _FOLDERS.get(tmp.name)
    try:
        os.unlink(tmp if folder is None else tmp.name, dir_fd=folder)
    except FileNotFoundError:
        if (now := partial_now(tmp)) != tmp:
            where = f"as '{now}'" if now else f"in the folder that was '{tmp.parent}', moved or renamed meanwhile"
            log.warning("the temporary file %s was not found to delete: it may be left, hidden, %s", tmp.name, where)
    if folder is not None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def partial_replaced(tmp: Path) -> bool:
    """Whether the path `tmp` no longer names the file `hold_partial` made (through its folder): the folder moved and
    another put at its path in the moment between, the encoder, which opens it by its path, wrote into that one while
    the lock guarded the empty file in the moved one. One stat."""
    try:
        now = os.stat(tmp)
    except OSError:  # nothing there: the folder moved
        return True
    return (now.st_dev, now.st_ino) != _MADE.get(tmp.name, (now.st_dev, now.st_ino))


def partial_now(tmp: Path) -> Path | None:
    """Where this process's temporary file `tmp` is now: at `tmp`, unless the folder held open for it (`hold_partial`)
    was renamed or moved meanwhile; then in that folder where the system says where it is (`_folder_path`), else
    None, as where its descriptor went stale (an NFS folder deleted on the server). A finished file kept for the user
    (`writer._kept_unplaced`) is named where they will find it: its folder moved in the moment before the rename into
    place, the error gave its old path, where it no longer was."""
    folder = _FOLDERS.get(tmp.name)
    if folder is None:
        return tmp
    try:
        stat = os.fstat(folder)
    except OSError:  # ESTALE: where it is, if anywhere, is unknown
        return None
    held = stat.st_dev, stat.st_ino
    if folder_identity(tmp.parent) == held:
        return tmp
    now = _folder_path(folder)
    return now / tmp.name if now is not None and folder_identity(now) == held else None


def _folder_path(folder: int) -> Path | None:
    """The path of the folder held open as `folder`, where the system says it: Linux by /proc/self/fd, macOS by
    F_GETPATH (the kept file's message named no folder there); None elsewhere (the BSDs)."""
    import fcntl  # (POSIX's: no folder is held on Windows)

    try:
        if hasattr(fcntl, "F_GETPATH"):
            return Path(os.fsdecode(fcntl.fcntl(folder, fcntl.F_GETPATH, bytes(1024)).split(b"\0", 1)[0]))
        return Path(os.readlink(f"/proc/self/fd/{folder}"))
    except OSError:  # no /proc
        return None


def _open_folder(folder: Path) -> int | None:
    """A descriptor of `folder` to make and delete names through: it follows the folder where it is renamed or moved.
    None where the system takes no such descriptor (Windows) or the folder cannot be opened: its path serves then."""
    if not {os.open, os.unlink} <= os.supports_dir_fd:
        return None
    try:  # (O_PATH, where there is one, asks no permission to read the folder)
        return os.open(folder, getattr(os, "O_PATH", os.O_RDONLY) | os.O_DIRECTORY)
    except OSError:
        return None
