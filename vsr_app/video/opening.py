"""Opening a video file and finding its video stream, with an error a person can act on where either fails.

Why a module of its own: the reader, the carried streams, verification and the viewer's restarts all open files and
pick their video, and each needs the same refusal in words (a missing file, a folder, a pipe, a phone recording that
was never finished, a file with only sound) where FFmpeg says "Invalid data found".
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import av

from vsr_app.errors import NoVideoStream, VsrAppError
from vsr_app.shell import command_line
from vsr_app.video.probing import found_codec, is_cover_art


def check_video_path(path: Path) -> None:
    """Refuse a path that cannot be a video to read, saying why: called by the command line too, before it imports
    torch, so a typo is told at once and not after seconds of loading."""
    if not path.exists():
        if path.is_symlink():  # "does not exist" of a file the user can see in the folder reads as a bug
            raise VsrAppError(f"'{path}' is a link to '{os.readlink(path)}', which does not exist")
        raise VsrAppError(f"'{path}' does not exist")
    if path.is_dir():
        raise VsrAppError(f"'{path}' is a folder, not a video file")
    if not path.is_file():  # opening a pipe with no writer would wait forever
        raise VsrAppError(f"'{path}' is not a regular file (a pipe, socket or device); vsr-app reads video files")
    if path.stat().st_size == 0:
        raise VsrAppError(f"'{path}' is empty (0 bytes); it is not a video")
    if not os.access(path, os.R_OK):
        raise _permission_denied(path, os.strerror(errno.EACCES))


def _permission_denied(path: Path, reason: str) -> VsrAppError:
    """A file this user may not read, with what to do: "(its permissions)" alone left the user to find out how."""
    what_to_do = ("check the Security tab of its Properties, or ask its owner" if os.name == "nt" else
                  f"make it readable (`{command_line(['chmod', 'u+r', str(path)])}`) or ask its owner")
    return VsrAppError(f"cannot read '{path}': {reason}; {what_to_do}")


def open_container(path: Path) -> av.container.InputContainer:
    """`path` opened for reading; a VsrAppError that says why where it cannot be (FFmpeg's says only its format)."""
    check_video_path(path)
    try:
        return av.open(str(path), mode="r")
    except av.FFmpegError as exc:
        if exc.errno in (errno.EACCES, errno.EPERM):  # not a matter of its format: "not a video file" misled
            raise _permission_denied(path, exc.strerror) from exc
        if _index_lost(path):
            raise _unfinished_recording(path) from exc
        raise VsrAppError(f"cannot read '{path}': it is not a video file FFmpeg can open "
                          f"({exc.strerror or exc})") from exc
    except OSError as exc:
        raise VsrAppError(f"cannot read '{path}': {exc.strerror or exc}") from exc


def _unfinished_recording(path) -> VsrAppError:
    return VsrAppError(f"cannot read '{path}': its index (the MP4 'moov' box) is missing or cut short, as in a "
                       "recording that was never finished (the camera or app stopped before closing the file); a "
                       "repair tool such as untrunc can rebuild it from a good recording of the same camera")


def _index_lost(path) -> bool:
    """Whether `path` is an MP4/MOV whose media data is there but not all of the 'moov' box that indexes it (none,
    or one cut off by the end of the file): FFmpeg says only "Invalid data found", or finds no streams, of such a
    file, which a recording stopped by a flat battery or a crash leaves."""
    boxes, end = {}, 0
    try:
        with open(path, "rb") as f:
            end = os.fstat(f.fileno()).st_size
            while header := f.read(8):
                if len(header) < 8:
                    break
                size, kind, start = int.from_bytes(header[:4], "big"), header[4:], f.tell() - 8
                if size == 1:  # a 64-bit size follows
                    size = int.from_bytes(f.read(8), "big")
                boxes[kind] = start + size if size >= 8 else end  # 0: the box runs to the end of the file
                if size < 8:
                    break
                f.seek(start + size)
    except OSError:
        return False
    if b"mdat" not in boxes or not (b"ftyp" in boxes or b"wide" in boxes):
        return False
    return b"moov" not in boxes or boxes[b"moov"] > end


def cannot_read(path: str | os.PathLike, exc: BaseException) -> VsrAppError:
    """The error for a media file that FFmpeg or the system could not read."""
    return VsrAppError(f"cannot read '{path}' ({getattr(exc, 'strerror', None) or exc})")


def video_stream(container, path: str | os.PathLike):
    """The file's video: the video stream FFmpeg picks as the best (as players show), or else the first, that is not
    cover art (NoVideoStream when there is none). The first alone was a still in a Matroska file whose first stream
    is an unflagged one-frame picture, and the video was dropped."""
    videos = [s for s in container.streams.video if not is_cover_art(s)]
    best = container.streams.best("video")
    stream = best if best in videos else next(iter(videos), None)
    if (stream is None or stream.codec_context is None) and _index_lost(path):  # no streams, or streams half-read
        raise _unfinished_recording(path)
    if stream is None:
        kinds = tuple("cover picture" if is_cover_art(s) else s.type for s in container.streams)
        found = ", ".join(f"{kind} ({found_codec(s, container.demux(s))})" for kind, s in zip(kinds, container.streams))
        raise NoVideoStream(f"'{path}' has no video stream (found: {found or 'no streams at all'})", kinds)
    if stream.codec_context is None:
        raise VsrAppError(f"'{path}': this FFmpeg build has no decoder for the video codec")
    stream.thread_type = "AUTO"  # frame + slice threads: decoding keeps pace with the network
    return stream
