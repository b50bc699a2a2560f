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
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator

from vsr_app.errors import VsrAppError

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
    upright by its orientation, which can swap the sides."""
    data = _intact_bytes(path, what)
    size = _png_size(data) if data[:8] == PNG_SIGNATURE else _jpeg_size(data) if data[:3] == JPEG_START else None
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
    if data[:3] == JPEG_START and _jpeg_truncated(data):
        raise VsrAppError(f"cannot read {what} {path}: it ends before its end-of-image marker (truncated)")
    if data[:8] == PNG_SIGNATURE and (damage := _png_damage(data)):
        raise VsrAppError(f"cannot read {what} {path}: {damage}")
    return data


def _decoded(data: bytes, path: Path, what: str) -> np.ndarray:
    """An image file's bytes as uint8 RGB [H,W,3], upright by its EXIF orientation as OpenCV turns it."""
    import cv2
    import numpy as np

    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR) if data else None
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


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_START = b"\xff\xd8\xff"  # a JPEG, whatever its name says
# start-of-frame markers of the Huffman-coded JPEGs libjpeg decodes everywhere: baseline, extended, progressive
JPEG_SOF_MARKERS = frozenset({0xC0, 0xC1, 0xC2})


def _png_size(data: bytes) -> tuple[int, int] | None:
    """A PNG's (width, height) from its header; None where it has an eXIf chunk (the four letters anywhere in the
    file: where they are image data by chance, it is only decoded)."""
    if data[12:16] != b"IHDR" or b"eXIf" in data:
        return None
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def _png_damage(data: bytes) -> str | None:
    """What is wrong with a PNG file's chunks, or None: one cut short, or an image chunk whose checksum fails.

    libpng would refuse both too, but it writes its own "libpng error: ..." line to the terminal first; checking
    here gives one message, ours. Walking the chunks with their CRCs costs ~1 ms per megabyte."""
    pos = len(PNG_SIGNATURE)
    while pos + 12 <= len(data):
        length = int.from_bytes(data[pos:pos + 4], "big")
        end = pos + 12 + length  # length, type, data, CRC
        if end > len(data):
            break
        kind = data[pos + 4:pos + 8]
        critical = not kind[0] & 0x20  # libpng only warns about an ancillary chunk (text, colour profile) and skips it
        if critical and zlib.crc32(memoryview(data)[pos + 4:end - 4]) != int.from_bytes(data[end - 4:end], "big"):
            return f"its {kind.decode('latin-1')} chunk fails its checksum (damaged)"
        if kind == b"IEND":
            return None
        pos = end
    return "it ends before its IEND chunk (truncated)"


def _jpeg_truncated(data: bytes) -> bool:
    """Whether a JPEG file stops inside its image data, before the end-of-image marker: libjpeg only warns
    ("Premature end of JPEG file") and fills the rest in grey. Headers are skipped segment by segment (an EXIF
    thumbnail holds an end marker of its own); in the image data an 0xFF byte is never followed by 0xD9, so the
    first FF D9 after the first scan starts is the end marker (data appended after it, a phone's motion photo,
    is ignored). A file with no scan is left to OpenCV to refuse."""
    for marker, pos in _jpeg_headers(data):
        if marker == 0xDA:  # start of scan
            return data.find(b"\xff\xd9", pos) < 0
    return False


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    """A JPEG's (width, height) from its start-of-frame header, once the walk through its headers has reached a scan;
    None, to decode it, where that header is not one libjpeg surely decodes (8 bits, grey or colour) or says no height
    (a DNL marker gives it later), where it has no scan (OpenCV refuses it), or where EXIF data may turn the picture
    (OpenCV applies its orientation)."""
    size = None
    for marker, pos in _jpeg_headers(data):
        if marker == 0xE1 and data[pos + 4:pos + 10] == b"Exif\0\0":
            return None
        if marker in JPEG_SOF_MARKERS:
            frame = data[pos + 4:pos + 10]  # precision, height, width, components
            height, width = int.from_bytes(frame[1:3], "big"), int.from_bytes(frame[3:5], "big")
            usable = len(frame) == 6 and frame[0] == 8 and frame[5] in (1, 3) and width and height
            size = (width, height) if usable else None
        if marker == 0xDA:
            return size
    return None


def _jpeg_headers(data: bytes) -> Iterator[tuple[int, int]]:
    """Each marker of a JPEG file's headers and where it is, up to and with the first start of scan (0xDA): walked
    segment by segment after the start-of-image marker, so an EXIF thumbnail's markers are skipped with it."""
    pos = 2
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        yield marker, pos
        if marker == 0xDA:
            return
        pos += 1 if marker == 0xFF else 2 + int.from_bytes(data[pos + 2:pos + 4], "big")  # fill byte, or a segment
