"""Saving what the Compare tab shows, for a report or a paper: the view as one PNG, and each side's visible region
at the frame's own pixels (not enlarged or scaled to the screen), one PNG a side.

The pictures are taken on the GUI thread (a grab of the view, a slice of each frame: milliseconds) and encoded on a
Job: a PNG of a whole 4K frame took 0.5 s to encode on this 2-core machine, of an x4 upscale of one (15360x8640) 8 s.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import NamedTuple

import cv2
import numpy as np
from PySide6.QtCore import QObject, QRectF, QStandardPaths, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget
from superqt.utils import qimage_to_array

from vsr_app.errors import VsrAppError
from vsr_app.files import atomic_write
from vsr_app.gui.compare_view import CompareView
from vsr_app.gui.export_dialog import output_folder
from vsr_app.gui.processing import SOURCE, TRUTH
from vsr_app.gui.timeline import timeline_x
from vsr_app.gui.widgets import announce
from vsr_app.gui.workers import Job
from vsr_app.sequences import sequence_name
from vsr_app.video.output_paths import first_free

PNG_FILTER = "PNG images (*.png)"


class SideName(NamedTuple):
    """A side as the view labels it and as a saved file's name tags it."""

    label: str
    tag: str


# the sides no model makes as each task's ground truth mode shows them, and a file's name has no space in it (awkward
# in a shell and in LaTeX). Upscale's Source side is eval's x4-smaller input, not the source (a file named
# `_source.png` held the x4 downscale); Interpolate's is the frame before the held-out one, an input of every model.
TRUTH_SIDES = {"upscale": {SOURCE: SideName("Input (truth \u00f74), nearest \u00d74", "input-x4down"),
                           TRUTH: SideName("ground truth", "ground-truth")},
               "interpolate": {SOURCE: SideName("Input: the frame before", "input-frame-before"),
                               TRUTH: SideName("ground truth", "ground-truth")}}


# what a model side's tag adds in ground truth mode, where the model is fed eval's input: its frame is not the one the
# same model makes of the video in plain mode, and saving in one mode offered to replace the other's file
FED_AS_EVAL = {"upscale": "from-x4down", "interpolate": "from-either-side"}


def side_tag(side: str, task: str, truth: bool) -> str:
    """A side as a saved file's name tags it: a model by its name, in ground truth mode with what it was fed."""
    if not truth:
        return side
    return TRUTH_SIDES[task][side].tag if side in TRUTH_SIDES[task] else f"{side}-{FED_AS_EVAL[task]}"


def save_folder(video: str, beside: Path, kind: QStandardPaths.StandardLocation) -> Path:
    """Where a file saved from `video` is first offered: `beside` a video file; not beside a folder of frames, as
    there, in a benchmark's root, `eval --data` takes a PNG for loose frames and a folder for another sequence (one
    saved view stopped eval of Vid4), but in the user's `kind` folder (Pictures, Documents), else home."""
    if not Path(video).is_dir():
        return beside
    folder = Path(QStandardPaths.writableLocation(kind))
    return folder if folder.is_dir() else Path.home()


def frame_tag(position: int, task: str, truth: bool = False) -> str:
    """The frame as the player names it, from 1 (`f0042`; a held-out frame by its own number), an in-between by its
    half (`f0002.5`)."""
    x = timeline_x(position, task, truth)  # (an int in Upscale)
    return f"f{int(x):04d}" + ("" if x == int(x) else ".5")


def crop_at_own_pixels(image: np.ndarray, canvas: tuple[int, int], region: QRectF) -> np.ndarray:
    """The pixels of `image` under `region` of the canvas (w, h) it is stretched over: every pixel the view shows
    any part of, at the image's own size (the source of an x4 comparison a quarter of the upscale's)."""
    sx, sy = image.shape[1] / canvas[0], image.shape[0] / canvas[1]
    x0, y0 = min(int(region.left() * sx), image.shape[1] - 1), min(int(region.top() * sy), image.shape[0] - 1)
    x1 = min(image.shape[1], max(x0 + 1, math.ceil(region.right() * sx)))
    y1 = min(image.shape[0], max(y0 + 1, math.ceil(region.bottom() * sy)))
    return image[y0:y1, x0:x1]


def write_pngs(files: list[tuple[Path, np.ndarray]], progress=None, cancel=None) -> list[Path]:
    """Encode each RGB image as a PNG and write it atomically (a full disk leaves no broken picture); a Job's
    `progress` and `cancel` are not used: each file takes seconds at most."""
    for path, image in files:
        encoded, data = cv2.imencode(".png", np.ascontiguousarray(image[..., ::-1]))
        if not encoded:
            raise VsrAppError(f"cannot encode {path.name} as a PNG")
        try:
            atomic_write(path, lambda tmp: tmp.write_bytes(data.tobytes()))
        except OSError as exc:  # no such folder, not writable, disk full
            raise VsrAppError(f"cannot write {path}: {exc.strerror or exc}") from exc
    return [path for path, _ in files]


def may_replace(parent: QWidget, paths: list[Path]) -> bool:
    """Whether nothing is at `paths`, or the user agreed to replace what is, asked once for all of them."""
    taken = [p for p in paths if p.exists()]
    if not taken:
        return True
    names = "\n".join(p.name for p in taken)
    answer = QMessageBox.question(parent, "Replace existing files?", f"These files exist in {taken[0].parent} and "
                                  f"would be replaced:\n\n{names}", QMessageBox.Yes | QMessageBox.No, QMessageBox.No)
    return answer == QMessageBox.Yes


class ViewSaver(QObject):
    """Asks where (a file for the view, a folder for the sides), asks before replacing, then writes on a Job."""

    errorRaised = Signal(str, str)  # title, message
    saved = Signal(str)  # what was written, as a sentence

    def __init__(self, view: CompareView, parent: QWidget):
        super().__init__(parent)
        self.view = view
        self.folder: str | None = None  # where the last picture went: the next one is suggested there

    def _start_folder(self, video: str) -> Path:
        return Path(self.folder or save_folder(video, output_folder(video), QStandardPaths.PicturesLocation))

    def save_view(self, rendered, video: str) -> None:
        """The view as shown (mode, zoom, pan, labels), named after the frame, the sides and the mode."""
        picture = qimage_to_array(self.view.picture())[..., :3]  # a copy: the Job may outlive the view's pixels
        request = rendered.request
        left, right = (side_tag(side, request.task, request.truth) for side in request.sides)
        tag = frame_tag(rendered.position, request.task, request.truth)
        stem = f"{sequence_name(Path(video))}_{tag}_{left}-vs-{right}_{self.view.mode}"
        suggested = first_free(self._start_folder(video), stem, lambda n: f"{f' ({n})' if n > 1 else ''}.png")
        name, _ = QFileDialog.getSaveFileName(self.parent(), "Save view as PNG", str(suggested), PNG_FILTER)
        if not name:
            return
        path = Path(name)
        if path.suffix.lower() != ".png":  # the dialog asked before replacing the name typed, not this one
            path = Path(name + ".png")
            if not may_replace(self.parent(), [path]):
                return
        self._write([(path, picture)])

    def save_sides(self, rendered, video: str) -> None:
        """Each side's part of the frame the view shows, at the frame's own pixels, named after its model."""
        folder = QFileDialog.getExistingDirectory(self.parent(), "Save each side's visible region in",
                                                  str(self._start_folder(video)))
        if not folder:
            return
        region = self.view.visible_region()
        request = rendered.request
        stem = f"{sequence_name(Path(video))}_{frame_tag(rendered.position, request.task, request.truth)}"
        files = {Path(folder) / f"{stem}_{side_tag(side, request.task, request.truth)}.png":
                 crop_at_own_pixels(image, rendered.canvas, region)
                 for side, image in zip(request.sides, rendered.images)}  # one model on both sides: one file
        if may_replace(self.parent(), list(files)):
            self._write(list(files.items()))

    def _write(self, files: list[tuple[Path, np.ndarray]]) -> None:
        self.folder = folder = str(files[0][0].parent)
        job = Job(write_pngs, files, parent=self)
        names = " and ".join(path.name for path, _ in files)
        job.done.connect(lambda _: self._say(f"Saved {names} in {folder}"))
        job.failed.connect(lambda message: self.errorRaised.emit("Cannot save the picture", message))
        job.start()

    def _say(self, text: str) -> None:
        announce(self.view, text)
        self.saved.emit(text)
