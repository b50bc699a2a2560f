"""Saving what the Compare tab shows: the view as a PNG (as drawn, labels, mode, zoom and pan) and each side's
visible region at the frame's own pixels; asked before replacing a file, encoded off the GUI thread."""

from __future__ import annotations

import math
import threading
from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6.QtCore import QPointF, QThreadPool
from PySide6.QtGui import QColor, QKeySequence
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox
from superqt.utils import qimage_to_array

from gui_support import gui_env, open_and_wait, show_and_wait, window  # noqa: F401
from vsr_app.gui import colours, view_export
from vsr_app.gui.processing import SOURCE, TRUTH


@pytest.fixture
def answers(monkeypatch, tmp_path):
    """The file dialogs answered with `answers.file` / `answers.folder` (None: cancelled); what they offered is kept
    in `answers.offered`."""
    class Answers:
        file: Path | None = None
        folder: Path | None = tmp_path
        offered: list[str] = []

    def save_file(parent, caption, start, file_filter, **kwargs):
        Answers.offered.append(start)
        return ("" if Answers.file is None else str(Answers.file)), file_filter

    def folder(parent, caption, start, **kwargs):
        Answers.offered.append(start)
        return "" if Answers.folder is None else str(Answers.folder)

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_file)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", folder)
    return Answers


def read_png(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    assert image is not None, f"{path} is not a picture"
    return image[..., ::-1]


def zoomed_and_panned(viewer, zoom: float = 8.0) -> None:
    """Magnified (sharp pixels) and moved off the centre, so the view shows a part of the frame, not all of it."""
    QApplication.processEvents()
    pane = viewer.view.panes[0]
    viewer.view.state.set_zoom(zoom, QPointF(pane.width() / 2, pane.height() / 2), pane.viewport())
    viewer.view.state.pan(QPointF(150, 90))
    QApplication.processEvents()


def shown_at(pane, x: int, y: int) -> tuple[tuple[int, int], tuple[int, int]]:
    """A screen pixel of `pane` near (x, y) that lies inside one canvas pixel, and that canvas pixel."""
    state = pane.state
    near = state.to_canvas(QPointF(x, y), pane.viewport())
    cx, cy = int(near.x()), int(near.y())
    centre = state.to_pane(QPointF(cx + 0.5, cy + 0.5), pane.viewport())
    return (int(centre.x()), int(centre.y())), (cx, cy)


def saved(qtbot, viewer, name: str, *paths: Path) -> None:
    """Trigger the save action `name` and wait until its Job wrote every one of `paths`."""
    viewer.actions_by_name[name].trigger()
    qtbot.waitUntil(lambda: all(p.exists() for p in paths), timeout=10_000)


def test_each_side_is_saved_as_the_region_the_view_shows_at_the_frames_own_pixels(window, qtbot, small_video,
                                                                                   answers, tmp_path, monkeypatch):
    viewer = window.viewer
    open_and_wait(qtbot, window, small_video)
    rendered = show_and_wait(qtbot, viewer, lambda: viewer.player.step(1), lambda r: r.position == 1)
    zoomed_and_panned(viewer)
    encoded_on = []
    encode = cv2.imencode
    monkeypatch.setattr(view_export.cv2, "imencode",
                        lambda *args: encoded_on.append(threading.current_thread()) or encode(*args))
    source_png, upscaled_png = tmp_path / "small_f0002_source.png", tmp_path / "small_f0002_bicubic.png"
    saved(qtbot, viewer, "save_sides", source_png, upscaled_png)

    pane = viewer.view.panes[0]
    state = viewer.view.state
    top_left = state.to_canvas(QPointF(0, 0), pane.viewport())
    bottom_right = state.to_canvas(QPointF(pane.width(), pane.height()), pane.viewport())
    assert 0 < top_left.x() and bottom_right.x() < 256  # a part of the 256x192 canvas, not all of it
    source, upscaled = rendered.images
    for png, image, scale in ((source_png, source, 4), (upscaled_png, upscaled, 1)):
        rows = slice(math.floor(top_left.y() / scale), math.ceil(min(192, bottom_right.y()) / scale))
        columns = slice(math.floor(top_left.x() / scale), math.ceil(min(256, bottom_right.x()) / scale))
        assert np.array_equal(read_png(png), image[rows, columns])
    # the frame's own pixels: the source a quarter of the upscale, and neither at the view's 8 screen pixels a pixel
    assert read_png(source_png).shape[1] * 4 - read_png(upscaled_png).shape[1] in range(0, 4)
    assert read_png(upscaled_png).shape[1] <= pane.width() / 8 + 2  # a part-pixel at either edge
    assert encoded_on and threading.main_thread() not in encoded_on  # the PNGs are encoded on a Job
    assert answers.offered == [str(small_video.parent)]  # beside the video
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file left


def test_the_view_is_saved_as_drawn_with_both_sides_and_without_the_focus_frame(window, qtbot, small_video, answers,
                                                                                 tmp_path):
    viewer = window.viewer
    rendered = open_and_wait(qtbot, window, small_video)
    zoomed_and_panned(viewer, zoom=2.0)
    viewer.view.setFocus()
    QApplication.processEvents()
    pane = viewer.view.panes[0]
    on_screen = qimage_to_array(pane.grab().toImage())[..., :3]
    assert tuple(on_screen[1, pane.width() // 3]) == QColor(colours.FOCUS).getRgb()[:3]  # where the keys go, on screen
    answers.file = tmp_path / "figure"  # typed without its extension
    saved(qtbot, viewer, "save_view", tmp_path / "figure.png")

    picture = read_png(tmp_path / "figure.png")
    ratio = viewer.view.devicePixelRatioF()
    assert picture.shape[:2] == (round(viewer.view.height() * ratio), round(viewer.view.width() * ratio))
    assert tuple(picture[1, pane.width() // 3]) != QColor(colours.FOCUS).getRgb()[:3]
    source, upscaled = rendered.images
    divider, y = round(pane.width() * viewer.view.divider), pane.height() - 60
    for x, image in ((divider - 40, np.repeat(np.repeat(source, 4, 0), 4, 1)), (divider + 40, upscaled)):
        (px, py), (cx, cy) = shown_at(pane, x, y)
        assert tuple(picture[py, px]) == tuple(image[cy, cx])
    assert np.array_equal(picture[3:-3, 3:-3], on_screen[3:-3, 3:-3])  # inside the frame: as on screen, labels too
    assert answers.offered == [str(small_video.parent / "small_f0001_source-vs-bicubic_split.png")]

    viewer.set_mode("side")  # both panes, the second showing the right side
    QApplication.processEvents()
    answers.file = tmp_path / "side.png"
    saved(qtbot, viewer, "save_view", tmp_path / "side.png")
    picture = read_png(tmp_path / "side.png")
    second = viewer.view.panes[1]
    assert picture.shape[1] == viewer.view.width() and second.x() > pane.width()
    (px, py), (cx, cy) = shown_at(second, second.width() // 2, y)
    assert tuple(picture[py, second.x() + px]) == tuple(upscaled[cy, cx])
    assert answers.offered[-1] == str(tmp_path / "small_f0001_source-vs-bicubic_side.png")  # where the last one went


@pytest.fixture
def question(monkeypatch):
    """Answers a question with `question.answer`, keeping its text in `question.asked`."""
    def answer(parent, title, text, *args):
        answer.asked.append(text)
        return answer.answer

    answer.asked = []
    monkeypatch.setattr(QMessageBox, "question", answer)
    return answer


def test_a_file_there_is_replaced_only_when_the_user_agrees(window, qtbot, small_video, answers, tmp_path, question):
    viewer = window.viewer
    open_and_wait(qtbot, window, small_video)
    mine = tmp_path / "small_f0001_bicubic.png"
    mine.write_bytes(b"the user's own")
    asked = question.asked
    question.answer = QMessageBox.No
    viewer.actions_by_name["save_sides"].trigger()
    assert len(asked) == 1 and "small_f0001_bicubic.png" in asked[0] and "source" not in asked[0]
    QThreadPool.globalInstance().waitForDone(10_000)  # any Job started has written
    assert mine.read_bytes() == b"the user's own" and not (tmp_path / "small_f0001_source.png").exists()

    question.answer = QMessageBox.Yes
    saved(qtbot, viewer, "save_sides", tmp_path / "small_f0001_source.png")
    qtbot.waitUntil(lambda: mine.read_bytes() != b"the user's own")
    assert read_png(mine).shape == (192, 256, 3)


def test_saving_is_offered_only_with_a_frame_on_screen_and_errors_are_said(window, qtbot, small_video, answers,
                                                                          tmp_path):
    viewer = window.viewer
    names = ("save_view", "save_sides")
    assert not any(viewer.actions_by_name[n].isEnabled() for n in names) and not viewer.toolbar.save.isEnabled()
    open_and_wait(qtbot, window, small_video)
    assert all(viewer.actions_by_name[n].isEnabled() for n in names) and viewer.toolbar.save.isEnabled()
    assert viewer.toolbar.save.menu().actions() == [viewer.actions_by_name[n] for n in names]  # keys beside them
    assert viewer.actions_by_name["save_view"].shortcut() == QKeySequence("Ctrl+Shift+S")
    assert "Save view as PNG" in dict(window.shortcut_rows())  # in the F1 list
    answers.folder = tmp_path / "missing"
    with qtbot.waitSignal(viewer.errorRaised, check_params_cb=lambda title, message: (
            title == "Cannot save the picture" and str(tmp_path / "missing") in message)):
        viewer.actions_by_name["save_sides"].trigger()
    assert not (tmp_path / "missing").exists()


def test_an_in_between_is_named_as_the_player_names_it():
    assert view_export.frame_tag(41, "upscale") == "f0042"
    assert view_export.frame_tag(1, "interpolate") == "f0002.5"  # "in-between 2½"
    assert view_export.frame_tag(1, "interpolate", truth=True) == "f0004"  # "frame 4, held out"


def test_each_tasks_ground_truth_mode_tags_its_sides_as_they_are():
    """Interpolate's Source side in ground truth mode is the frame before the held-out one, not an x4 downscale. A
    model side there is fed eval's input: its picture is not the plain mode's, and was saved under the same name, so
    saving in one mode offered to replace the other's file."""
    tags = {task: [view_export.side_tag(side, task, truth=True) for side in (SOURCE, TRUTH, "blend")]
            for task in ("upscale", "interpolate")}
    assert tags == {"upscale": ["input-x4down", "ground-truth", "blend-from-x4down"],
                    "interpolate": ["input-frame-before", "ground-truth", "blend-from-either-side"]}
    assert [view_export.side_tag(side, "interpolate", truth=False) for side in (SOURCE, "blend")] == ["source", "blend"]


def test_a_name_typed_without_png_is_asked_about_once_it_has_it(window, qtbot, small_video, answers, tmp_path,
                                                               question):
    """The save dialog asks before replacing the name typed; ".png" added to it names another file, asked here."""
    viewer = window.viewer
    open_and_wait(qtbot, window, small_video)
    mine = tmp_path / "figure.png"
    mine.write_bytes(b"the user's own")
    answers.file = tmp_path / "figure"
    question.answer = QMessageBox.No
    viewer.actions_by_name["save_view"].trigger()
    assert len(question.asked) == 1 and "figure.png" in question.asked[0]
    QThreadPool.globalInstance().waitForDone(10_000)  # any Job started has written
    assert mine.read_bytes() == b"the user's own" and not (tmp_path / "figure").exists()


def test_the_file_menu_offers_both_saves_and_the_status_bar_says_what_was_written(window, qtbot, small_video,
                                                                                   answers, tmp_path):
    file_menu = window.menuBar().actions()[0].menu()
    texts = [action.text() for action in file_menu.actions()]
    viewer = window.viewer
    assert all(viewer.actions_by_name[key].text() in texts for key in ("save_view", "save_sides"))
    open_and_wait(qtbot, window, small_video)
    show_and_wait(qtbot, viewer, lambda: viewer.player.step(1), lambda r: r.position == 1)
    saved(qtbot, viewer, "save_sides", tmp_path / "small_f0002_source.png", tmp_path / "small_f0002_bicubic.png")
    qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith("Saved small_f0002_source.png"))


def test_a_picture_saved_while_the_next_frame_is_on_its_way_is_not_dimmed(window, qtbot, small_video):
    """Saved while a slow frame came, the PNG was the dimmed picture with "showing frame N, made with the previous
    choices" over it."""
    open_and_wait(qtbot, window, small_video)
    view = window.viewer.view
    clean = qimage_to_array(view.picture())
    view.set_stale("showing frame 1, made with the previous choices")
    QApplication.processEvents()
    assert not np.array_equal(qimage_to_array(view.grab().toImage()), clean)  # dimmed on screen
    assert np.array_equal(qimage_to_array(view.picture()), clean)
