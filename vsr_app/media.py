"""Which files the app takes for videos and images, in one place, plus the file-dialog filter for a list of them and
reading one image (or only its size).

- `VIDEO_EXTS`: the common containers; with `ANIMATION_EXTS` (GIF), what `batch` (and the Batch tab) picks up unless
  `--ext` says otherwise (`BATCH_EXTENSIONS`: the same without the dots, as `--ext` takes them).
- `TRAINING_VIDEO_EXTS`: what `train --data` reads as videos (also raw Y4M), and what the Train tab's
  validation-clip dialog offers.
- `OPEN_VIDEO_EXTS`: every video the Open dialog offers (with "All files" beside it): the same, and GIF.
- `IMAGE_EXTS`: stills and frame folders, for training and for `eval` sequences.
Suffixes are lower case with the dot, as `Path.suffix.lower()` gives them.

No Qt and nothing heavy at the top (the CLI's parser imports this module and `--help` stays instant); `read_image`
imports OpenCV when it runs.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from vsr_app.errors import VsrAppError
from vsr_app.image_header import JPEG_START, PNG_SIGNATURE, jpeg_size, jpeg_truncated, png_damage, png_size

if TYPE_CHECKING:
    import numpy as np

# with camcorders' AVCHD (.mts, .m2ts), HDV (.m2t), DV (.dv) and MPEG-2 (.mod, .tod), broadcast captures (.ts) and
# MXF, DVDs (.vob), MPEG (.mpg), phones' .3gp, Ogg Theora, and Windows/Flash video: a folder of them was "no videos
# found", or its DV tapes were left out without a word
VIDEO_EXTS = (".mp4", ".mkv", ".mov", ".avi", ".webm", ".m4v", ".mts", ".m2ts", ".m2t", ".ts", ".vob", ".mpg",
              ".mpeg", ".mod", ".tod", ".dv", ".mxf", ".3gp", ".ogv", ".wmv", ".flv")
# animations the reader decodes as videos: `upscale` and `interpolate` took a GIF, but a batch left it out without a
# word. Not training data: their 256-colour, dithered frames would teach a net the dither
ANIMATION_EXTS = (".gif",)
TRAINING_VIDEO_EXTS = (*VIDEO_EXTS, ".y4m")
OPEN_VIDEO_EXTS = (*TRAINING_VIDEO_EXTS, *ANIMATION_EXTS)
BATCH_EXTENSIONS = tuple(ext.lstrip(".") for ext in (*VIDEO_EXTS, *ANIMATION_EXTS))  # as `batch --ext` takes them
IMAGE_EXTS = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")
# Folders a system makes beside the user's files (an unzipped Mac archive, a Synology NAS, Windows drives)
SYSTEM_FOLDERS = frozenset({"__MACOSX", "@eaDir", "$RECYCLE.BIN", "System Volume Information"})


def file_filter(label: str, exts: Iterable[str], all_files: bool = False) -> str:
    """A Qt file-dialog filter: ("Videos", [".mp4", ".mkv"]) -> "Videos (*.mp4 *.mkv)", then ";;All files (*)" if
    `all_files`."""
    text = f"{label} ({' '.join('*' + e for e in exts)})"
    return text + ";;All files (*)" if all_files else text


def read_image(path: Path, what: str = "image") -> np.ndarray:
    """The image at `path` as uint8 RGB [H,W,3]; one OpenCV cannot read, a truncated JPEG (which OpenCV would
    decode with its missing rows grey) or a damaged PNG is a VsrAppError "cannot read <what> <path>"."""
    return _decoded(_intact_bytes(path, what), path, what)


def image_size(path: Path, what: str = "image") -> tuple[int, int]:
    """The (width, height) `read_image` gives the image at `path`, refused as it refuses a damaged one: a PNG's or a
    JPEG's from its header, without decoding it (eval checks every frame's size before it scores any, and decoding
    each PNG for that as well took a fifth of its time on a Vid4 sequence; a folder of 300 1080p JPEGs took 3.3 s to
    open in the Compare tab), any other image's by decoding it. One with EXIF data is decoded too: OpenCV turns it
    upright by its orientation, which can swap the sides.

    Without a decode, the damage found is what the file's structure shows: a JPEG cut short, a PNG chunk cut short or
    failing its checksum, a JPEG header (table, frame, first scan) libjpeg would refuse, which sends it to the decode
    to be refused in its words. Damage inside a JPEG's compressed image data (or in a progressive JPEG's later scan
    headers) is found only by decoding it: such a file passes here, and `read_image` refuses it."""
    data = _intact_bytes(path, what)
    size = png_size(data) if data[:8] == PNG_SIGNATURE else jpeg_size(data) if data[:3] == JPEG_START else None
    if size is not None:
        return size
    height, width = _decoded(data, path, what).shape[:2]
    return width, height


def _intact_bytes(path: Path, what: str) -> bytes:
    """The file's bytes (decoded from memory: read once, and any path the OS takes works), refused where it is a
    truncated JPEG or a damaged PNG."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise VsrAppError(f"cannot read {what} {path}: {exc.strerror or exc}") from exc
    if data[:3] == JPEG_START and jpeg_truncated(data):
        raise VsrAppError(f"cannot read {what} {path}: it ends before its end-of-image marker (truncated)")
    if data[:8] == PNG_SIGNATURE and (damage := png_damage(data)):
        raise VsrAppError(f"cannot read {what} {path}: {damage}")
    return data


def _decoded(data: bytes, path: Path, what: str) -> np.ndarray:
    """An image file's bytes as uint8 RGB [H,W,3], upright by its EXIF orientation as OpenCV turns it. OpenCV raises
    its own error, rather than returning nothing, for a picture over its size limit (`image_header._decodable_size`)."""
    import cv2
    import numpy as np

    try:
        img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR) if data else None
    except cv2.error:
        img = None
    if img is None:
        raise VsrAppError(f"cannot read {what} {path}")
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


def natural_order(path: Path) -> tuple:
    """Sort key: the path with its runs of digits compared as numbers, so frames numbered without zero padding
    (f2.png, f10.png) keep their order; names padded to one width sort as plain text would. (Decimal points are not
    read: t_0.1 sorts after t_0.033.)"""
    parts = re.split(r"(\d+)", str(path))
    return [int(part) if i % 2 else part for i, part in enumerate(parts)], str(path)


def frame_files(folder: Path) -> list[Path]:
    """The frames of a sequence folder, in frame order (`natural_order`), hidden files left out: as `eval` and the
    Compare tab read a folder of frames."""
    return frames_among(folder.iterdir())


def frames_among(paths: Iterable[Path]) -> list[Path]:
    """The frames among a folder's listed `paths`, as `frame_files` takes them: for one that looks at its other
    files too without listing the folder again."""
    frames = (p for p in paths if p.suffix.lower() in IMAGE_EXTS and not p.name.startswith("."))
    return sorted(frames, key=natural_order)


def first_names(names: list[str], shown: int = 3) -> str:
    """'a, b, c, ...': the first `shown` of `names` for a message, '...' standing for the rest."""
    return ", ".join(names[:shown]) + (", ..." if len(names) > shown else "")
