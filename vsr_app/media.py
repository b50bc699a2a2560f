"""Which files the app takes for videos and images, in one place, plus the file-dialog filter for a list of them and
reading one image.

- `VIDEO_EXTS`: the common containers; what `batch` (and the Batch tab) picks up unless `--ext` says otherwise
  (`BATCH_EXTENSIONS`: the same without the dots, as `--ext` takes them).
- `TRAINING_VIDEO_EXTS`: what `train --data` reads as videos (also MPEG program streams and raw Y4M), and what
  the Train tab's validation-clip dialog offers.
- `OPEN_VIDEO_EXTS`: every video the Open dialog offers (with "All files" beside it).
- `IMAGE_EXTS`: stills and frame folders, for training and for `eval` sequences.
Suffixes are lower case with the dot, as `Path.suffix.lower()` gives them.

No Qt and nothing heavy at the top (the CLI's parser imports this module and `--help` stays instant); `read_image`
imports OpenCV when it runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from vsr_app.errors import VsrAppError

if TYPE_CHECKING:
    import numpy as np

VIDEO_EXTS = (".mp4", ".mkv", ".mov", ".avi", ".webm", ".m4v")
TRAINING_VIDEO_EXTS = (*VIDEO_EXTS, ".mpg", ".mpeg", ".y4m")
OPEN_VIDEO_EXTS = (*TRAINING_VIDEO_EXTS, ".ts", ".wmv", ".flv")
BATCH_EXTENSIONS = tuple(ext.lstrip(".") for ext in VIDEO_EXTS)  # VIDEO_EXTS as `batch --ext` takes them
IMAGE_EXTS = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")


def file_filter(label: str, exts: Iterable[str], all_files: bool = False) -> str:
    """A Qt file-dialog filter: ("Videos", [".mp4", ".mkv"]) -> "Videos (*.mp4 *.mkv)", then ";;All files (*)" if
    `all_files`."""
    text = f"{label} ({' '.join('*' + e for e in exts)})"
    return text + ";;All files (*)" if all_files else text


def read_image(path: Path, what: str = "image") -> np.ndarray:
    """The image at `path` as uint8 RGB [H,W,3]; one OpenCV cannot read is a VsrAppError "cannot read <what> <path>"."""
    import cv2

    img = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if img is None:
        raise VsrAppError(f"cannot read {what} {path}")
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
