"""The sequences eval scores, found and read: a folder of frames or a video file, its frames the ground truth.

A video's frames are read as displayed: a compressed video is a weaker ground truth than lossless frames, its coding
artefacts counted as truth; `--data` names one, or a folder of one kind. Apart from the scorers because the Compare
tab and `video/frame_folder` find and read sequences as eval does, with no model to score. The CLI's `--help`
imports it through `evaluate`, so the video reader is imported only where a video is read.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Callable, NamedTuple

from vsr_app.errors import VsrAppError
from vsr_app.media import (IMAGE_EXTS, OPEN_VIDEO_EXTS, SYSTEM_FOLDERS, first_names, frame_files, natural_order,
                           read_image)
from vsr_app.words import counted

if TYPE_CHECKING:
    import numpy as np

# what to do with a folder of several kinds, after what eval does with it (the GUI says both its own way)
ONE_KIND = "eval scores one kind at a time"
ONE_KIND_HINT = "point --data at one of them, or move the others out"


class Sequence(NamedTuple):
    """A sequence's frames as read, with their names for the per-frame scores: a frame file's name, or a video
    frame's index from 0; and for a video, how its frames differ from the file's pictures (`_truth_notes`) and their
    times in seconds (eval vfi tells of frames not halfway between their neighbours)."""

    names: list[str]
    frames: list
    notes: tuple[str, ...] = ()
    times: list[float] | None = None


def sequence_sources(data: str | Path) -> list[Path]:
    """The sequences `data` names, as folders of frames or video files: itself where it is a video file, else those
    of its contents (`contents_sources`)."""
    root = Path(data)
    if root.is_file():
        return [root]
    if not root.is_dir():
        shared = "shared/data" in root.as_posix()  # the README's benchmark paths, beside a checkout
        raise VsrAppError(f"evaluation data not found: {root}" + (
            " (the project's data folder, beside the checkout: README.md's Command line section says what goes there "
            "and ../shared/data/MANIFEST.md where each set comes from; a folder of frames or a video of your own scores "
            "too)" if shared else ""))
    return contents_sources(folder_contents(root))


class FolderContents(NamedTuple):
    """What eval finds in a folder, from one listing of it (the Compare tab opens a folder of frames with it, and
    takes its frames from it rather than listing the folder again). Hidden files and folders are left out (macOS's
    ._000.png, .thumbnails), as training leaves them out, and so are folders a system makes (`SYSTEM_FOLDERS`)."""

    root: Path
    loose: list[Path]  # its own frames, in frame order (`frame_files`)
    videos: list[Path]
    folders: list[Path]  # its sub-folders
    seqs: list[Path]  # those of them that hold frames


class FolderListing(NamedTuple):
    """A folder's entries as eval tells them apart, unsorted (`list_folder`)."""

    root: Path
    frames: list[Path]
    videos: list[Path]
    folders: list[Path]


def list_folder(folder: Path) -> FolderListing:
    """`folder`'s frames, videos and sub-folders (hidden files and system folders left out), from one scandir, whose
    entries know their kind without a stat each; unsorted, for what only asks whether a folder holds each (the Compare
    tab's check of a dropped folder: a root of 40 folders of 2,000 frames, each listing naturally sorted, took 7 s)."""
    with os.scandir(folder) as entries:
        shown = [(Path(entry.path), entry) for entry in entries if not entry.name.startswith(".")]
    return FolderListing(folder, [path for path, _ in shown if path.suffix.lower() in IMAGE_EXTS],
                         [path for path, entry in shown if path.suffix.lower() in OPEN_VIDEO_EXTS and entry.is_file()],
                         [path for path, entry in shown if entry.is_dir() and entry.name not in SYSTEM_FOLDERS])


def folder_contents(root: Path) -> FolderContents:
    """The folder's frames, videos and sub-folders, in order, the folder listed once."""
    listing = list_folder(root)
    folders = sorted(listing.folders)
    return FolderContents(root, sorted(listing.frames, key=natural_order), sorted(listing.videos, key=natural_order),
                          folders, [d for d in folders if list_folder(d).frames])


def contents_sources(contents: FolderContents) -> list[Path]:
    """The sequences eval scores in a folder: the folder itself where it holds frames, else its sub-folders of frames
    or its videos. One kind: either alone would leave the other out; and any other sub-folder, without frames, is
    refused, as the mean would leave it out."""
    root, loose, videos, folders, seqs = contents
    kinds = [f"{kind} ({first_names([p.name for p in paths])})"
             for kind, paths in (("loose images", loose), ("videos", videos), ("folders of frames", seqs)) if paths]
    if len(kinds) > 1:  # scoring one kind alone would silently leave the others out
        raise VsrAppError(f"{root} holds {'both ' * (len(kinds) == 2)}{', '.join(kinds[:-1])} and {kinds[-1]}: "
                          f"{ONE_KIND}; {ONE_KIND_HINT}")
    if loose:
        return [root]
    if not seqs and not videos:
        raise VsrAppError(f"{root} holds no videos and no folders of frames "
                          f"({', '.join('*' + e for e in sorted(IMAGE_EXTS))}): each sequence is a video, or a folder "
                          f"of its frames named in order")
    frameless = [d.name for d in folders if d not in seqs]
    if frameless:  # leaving them out would change the mean without a word
        beside = "videos (sub-folders are not searched for more)" if videos else "folders of frames"
        raise VsrAppError(f"{root} holds sub-folders with no frames ({first_names(frameless)}) beside {beside}: "
                          f"move them out, or put each sequence's frames in its own folder")
    stems = [p.stem for p in videos]
    shared = sorted({p.name for p in videos if stems.count(p.stem) > 1})
    if shared:  # one would replace the other's scores
        raise VsrAppError(f"{root} holds videos that share a name ({first_names(shared)}): a sequence is named by its "
                          f"file's name without the extension; rename one")
    return videos or seqs


def sequence_name(source: Path) -> str:
    """A sequence's name: its folder's, or its video file's without the extension."""
    return source.name if source.is_dir() else source.stem


def read_frames(source: Path, limit: int | None = None) -> list[np.ndarray]:
    """The first `limit` frames of a folder of frames or of a video file (benchmarks and scripts read them so)."""
    return read_sequence(source, limit).frames


def read_sequence(source: Path, limit: int | None = None, prepare: Callable | None = None,
                  deinterlace: bool = True) -> Sequence:
    """The first `limit` frames of a folder of frames or of a video file, with their names; `prepare` turns each
    frame into what is kept of it as it is read (eval vsr keeps the truth and its downscale, not the frame as well).
    `deinterlace` False leaves a video's frames flagged interlaced as decoded (`--deinterlace off`)."""
    prepare = prepare or (lambda frame: frame)
    if source.is_dir():
        files = frame_files(source)[:limit]
        return Sequence([p.name for p in files], [prepare(read_image(path, "frame")) for path in files])
    return _decoded_sequence(source, limit, prepare, deinterlace)


def _decoded_sequence(path: Path, limit: int | None, prepare: Callable, deinterlace: bool) -> Sequence:
    """A video's first `limit` frames, RGB as displayed; only those are decoded, so --frames keeps a long video out
    of memory. Its notes say how the frames differ from the file's pictures (`_truth_notes`)."""
    import contextlib
    import itertools

    from vsr_app.video.reader import VideoReader

    reader = VideoReader(path, deinterlace=deinterlace)
    kept, times = [], []
    with contextlib.closing(reader.frames()) as frames:  # closing it closes the file
        for frame in itertools.islice(frames, limit):
            kept.append(prepare(frame.image))
            times.append(frame.time)
    return Sequence([str(i) for i in range(len(kept))], kept, _truth_notes(reader, len(kept)), times)


def _truth_notes(reader, read: int) -> tuple[str, ...]:
    """What the reader did to a video's `read` frames that makes them another ground truth than the file's pictures,
    in words: a score is against the frames as decoded, so whoever reads it must know."""
    notes = []
    if reader.info.codec == "gif":
        notes.append("a GIF: its 256 colours and their dither are counted as the truth, a weak one")
    if count := reader.interlaced_frames:  # (of the frames the pass gave: `read`, or fewer)
        notes.append(f"interlaced: {count} of its {read} frames were deinterlaced (bwdif) before scoring, so the "
                     f"truth is the deinterlacer's picture")
    if count := reader.decode_errors:
        notes.append(f"damaged: {counted(count, 'packet')} did not decode and their frames are missing, so "
                     f"the frames either side of them are scored as neighbours")
    if concealed := reader.concealed_where(first_frame=0):  # as per_frame names them
        where, them = concealed
        notes.append(f"damaged: the decoder concealed damage in {where}, and {them} and the frames after, up to the "
                     "next keyframe (with B-frames, some just before too), are scored against their grey or smeared "
                     "blocks as the truth")
    if size_changed := reader.size_change_note(first_frame=0):  # as per_frame names them
        notes.append(size_changed)
    if reader.info.hdr:  # the reader's picture, not the file's signal (`video/tonemap.py`)
        notes.append(f"{reader.info.hdr.label()}: the truth is its tone map to SDR BT.709, the picture the app shows "
                     "and processes")
    elif reader.info.wide_gamut:
        notes.append("wide-gamut colours: the truth is their conversion to BT.709, the picture the app shows and "
                     "processes")
    return tuple(notes)
