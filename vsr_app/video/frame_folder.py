"""A folder of frames opened as a video, for the Compare tab: benchmarks such as Vid4 come as folders of 000.png, ...

A reader of its own rather than PyAV's image2 demuxer: image2 takes a printf pattern or a glob, neither of which
gives eval's order (`media.natural_order`: f2.png before f10.png; hidden files left out), and FFmpeg turns a JPEG's
YUV into other RGB than OpenCV does. Read here as `eval` reads them (`media.read_image`, in `sequences`' order), the
frames the Compare tab scores against are eval's ground truth exactly. A folder states no frame rate: its frames are
timed at ASSUMED_FPS. It offers what `source_frames.SourceFrames` uses of a `VideoReader` (`info`, `frames(start)`,
`interlaced_frames`, `times()`).
"""

from __future__ import annotations

import math
import os
from fractions import Fraction
from pathlib import Path
from typing import Iterator

from vsr_app.errors import VsrAppError
from vsr_app.eval_protocol import VSR_MIN_FRAMES, check_sequence
from vsr_app.media import IMAGE_EXTS, first_names, image_size, read_image
from vsr_app.sequences import (FolderContents, FolderListing, contents_sources, folder_contents, list_folder,
                               sequence_name)
from vsr_app.video.probing import VideoInfo
from vsr_app.video.reader import DecodedFrame, VideoReader

ASSUMED_FPS = 25
CONTAINER = "folder of frames"  # `VideoInfo.container` of a folder opened here


def opens_as_frames(path: str | os.PathLike) -> bool:
    """Whether `path` is a folder File › Open folder of frames takes, or refuses in words of its own: one that holds
    frames and no videos (opening refuses frames beside folders of frames, by eval's one-kind rule: such a folder,
    dropped, became the Batch tab's input, which found no videos in it without saying why; a folder of videos with a
    cover image, folder.jpg, is the Batch tab's), or a benchmark's root as `eval --data` takes it (Vid4's, holding
    city, walk, ...), which opening refuses, saying to open one of its sequences. Every folder is listed once and
    nothing is sorted (`sequences.list_folder`): a dropped root of 40 folders of 2,000 frames was listed three times
    over, each listing naturally sorted, for 7 s."""
    try:
        listing = list_folder(Path(path))
        if listing.frames:
            return not listing.videos
        contents, inner = _contents(listing)
        sources = contents_sources(contents)
        # its folders of frames, each one a folder of frames itself (one of videos with a cover image is not)
        return sources == contents.seqs and all(_is_sequence(inner[d]) for d in sources)
    except (OSError, VsrAppError):  # not a folder, or not one eval scores
        return False


def _contents(listing: FolderListing) -> tuple[FolderContents, dict[Path, FolderListing]]:
    """The listed folder's contents for `sequences.contents_sources`, with its sub-folders' listings, which tell which
    of them hold frames."""
    inner = {folder: list_folder(folder) for folder in listing.folders}
    seqs = [folder for folder in listing.folders if inner[folder].frames]
    return FolderContents(listing.root, listing.frames, listing.videos, listing.folders, seqs), inner


def _is_sequence(listing: FolderListing) -> bool:
    """Whether the listed folder is one sequence of frames by eval's one-kind rule (frames beside folders of frames
    are refused); raises VsrAppError where eval refuses it."""
    return contents_sources(_contents(listing)[0]) == [listing.root]


def open_frames(path: str | os.PathLike) -> VideoReader | FrameFolder:
    """The reader for `path`: a folder's frames, else the video file's."""
    return FrameFolder(path) if Path(path).is_dir() else VideoReader(path)


class FrameFolder:
    """The frames of a folder in eval's order, decoded one at a time as they are asked for. Opening checks every
    frame's size and damage as eval does before it scores (`media.image_size`: from headers, without decoding);
    damage inside a JPEG's compressed image data is found only as that frame is decoded, and stops playback there."""

    interlaced_frames = 0  # (stills are never deinterlaced)

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        contents = folder_contents(self.path)  # listed once: its frames, and what eval would refuse beside them
        if not contents.loose:
            inner = [d.name for d in contents.seqs]
            raise VsrAppError(f"'{self.path}' holds no frames ({', '.join('*' + e for e in IMAGE_EXTS)}): "
                              + (f"it holds folders of frames ({first_names(inner)}): open one of them" if inner else
                                 "a folder opens as a video when it holds its frames, named in order"))
        contents_sources(contents)  # images beside videos or folders of frames: refused in eval's words
        self.files = contents.loose
        # every frame's size from its header, refused as eval refuses it before scoring: found frame by frame, a size
        # that changed or a damaged frame stopped playback and the analysis halfway, with a box at every step
        sizes = [image_size(path, "frame") for path in self.files]
        check_sequence(sequence_name(self.path), len(sizes), set(sizes), VSR_MIN_FRAMES, min_side=0)
        width, height = sizes[0]
        count = len(self.files)
        self.info = VideoInfo(path=str(self.path), container=CONTAINER, codec=self.files[0].suffix.lower().lstrip("."),
                              pix_fmt="rgb24", width=width, height=height, rotation=0, fps=float(ASSUMED_FPS),
                              frame_rate=Fraction(ASSUMED_FPS), time_base=Fraction(1, ASSUMED_FPS), start_time=0.0,
                              duration=count / ASSUMED_FPS, frame_count=count, sample_aspect_ratio=None, audio=(),
                              subtitles=())

    def times(self) -> list[float]:
        """Each frame's time in seconds, at the assumed rate."""
        return [k / ASSUMED_FPS for k in range(len(self.files))]

    def frames(self, start: float | None = None) -> Iterator[DecodedFrame]:
        """The frames in order, from the first at or after `start` (seconds); one of another size than the first (a
        file changed since the folder was opened) is refused, as eval refuses it (a model's state needs one size)."""
        first = 0 if start is None else max(0, math.ceil(start * ASSUMED_FPS - 1e-6))
        for k in range(first, len(self.files)):
            image = read_image(self.files[k], "frame")
            if image.shape[:2] != (self.info.height, self.info.width):
                raise VsrAppError(f"frame {self.files[k].name} is {image.shape[1]}x{image.shape[0]}, the folder's "
                                  f"first {self.info.width}x{self.info.height}: its frames must share one size")
            yield DecodedFrame(k, k / ASSUMED_FPS, image)
