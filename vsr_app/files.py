"""Writing files so that a reader (or a crash) never sees a half-written one.

Apart from the model registry because reports, run files and caches use it too, and writing a report should not
import torch.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import stat
import sys
from pathlib import Path
from typing import Callable, NamedTuple


class FileStamp(NamedTuple):
    """Which file is at a path and when it last changed. The identity and ctime as well as the size and the
    modification time: on FAT's 2-second clock a file replaced by another of the same size in one tick (a checkpoint
    saved by rename, a report) read as unchanged."""
    size: int
    mtime_ns: int
    device: int
    inode: int
    ctime_ns: int


def file_stamp(path: str | os.PathLike) -> FileStamp | None:
    """The `FileStamp` of `path` (None where it cannot be read): what says it is another file or changed since."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return FileStamp(stat.st_size, stat.st_mtime_ns, stat.st_dev, stat.st_ino, stat.st_ctime_ns)


def atomic_write(target: Path, write: Callable[[Path], None]) -> None:
    """Run `write(tmp)` on a temp file beside `target`, then rename it into place; never leaves a partial target."""
    target = Path(target)
    tmp = _new_temp_file(target)
    try:
        mode = stat.S_IMODE(tmp.stat().st_mode)
        write(tmp)
        if stat.S_IMODE(tmp.stat().st_mode) != mode:  # a writer that replaces the file (safetensors) makes it 0600
            os.chmod(tmp, mode)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def name_max(folder: Path) -> int:
    """The longest file name, in bytes, the disk holding `folder` takes (255, the common limit, where it cannot
    be asked: on Windows, or for a folder not made yet)."""
    try:
        limit = os.pathconf(folder, "PC_NAME_MAX")
    except (AttributeError, OSError, ValueError):
        return 255
    return limit if limit > 0 else 255


def name_size(name: str) -> int:
    """What a file name counts against the disk's limit: bytes on POSIX systems, UTF-16 units on Windows (NTFS
    takes 255 of those, so 255 Japanese characters)."""
    return len(name.encode("utf-16-le")) // 2 if sys.platform == "win32" else len(os.fsencode(name))


def fit_name(text: str, size: int) -> str:
    """`text` shortened by whole characters until it takes at most `size` (see `name_size`) as a file name."""
    while text and name_size(text) > size:
        text = text[:-1]
    return text


def _new_temp_file(target: Path) -> Path:
    """Create an empty, unique temp file beside `target` with the mode any new file gets (0666 less the umask).

    tempfile.mkstemp would make it owner-only (0600), and the rename would carry that onto the target.
    """
    for _ in range(100):
        # the name shortened to keep the temp file's within the disk's limit, as a name near it is valid for the target
        room = name_max(target.parent) - name_size(". .12345678.tmp")
        tmp = target.parent / f".{fit_name(target.name, room)}.{secrets.token_hex(4)}.tmp"  # TEMP_NAME
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue
        return tmp
    raise FileExistsError(errno.EEXIST, "no free temporary file name", str(target.parent))


TEMP_NAME = re.compile(r"\..+\.[0-9a-f]{8}\.tmp")  # what _new_temp_file names a temporary file


def left_temporaries(folder: Path) -> list[Path]:
    """The temporary files `atomic_write` left in `folder` when a process was killed midway: its own names only,
    not another program's hidden .tmp file that happens to be there."""
    return [p for p in folder.glob(".*.tmp") if TEMP_NAME.fullmatch(p.name)]


_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")  # and the line separators


def shown_name(text: str) -> str:
    """A file name, or a line that holds one, as one line of text: bytes that are not UTF-8 escaped (caf\\xe9.mp4,
    as the command line and the Batch tab both show them) and control characters too (a newline in a name split a
    batch's status line in two)."""
    text = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return _CONTROL_CHARACTERS.sub(lambda m: repr(m[0])[1:-1], text)
