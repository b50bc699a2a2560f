"""The Compare tab: processed frames on screen, every compare mode, synced zoom/pan, responsiveness, errors."""

from __future__ import annotations

import os
import threading
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
import time
from fractions import Fraction

import cv2
import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, QSettings, Qt, QTimer
from PySide6.QtGui import QFont, QWheelEvent
from PySide6.QtWidgets import QApplication
from superqt.utils import qimage_to_array

from gui_support import (SlowBicubic, announced, bicubic_x4, gui_env, open_and_wait, show_and_wait,  # noqa: F401
                         slow_model, window)
from gui_support import unavailable_after
from conftest import VFR_TIMES
from videogen import make_video
from vsr_app import models
from vsr_app.errors import VsrAppError
from vsr_app.gui import fmt, processing
from vsr_app.gui.compare_view import difference_map
from vsr_app.gui.analysis import analyse
from vsr_app.gui.processing import SOURCE, luma_difference
from vsr_app.gui.trainer_process import TrainerProcess
from vsr_app.gui.welcome import shown_labels
from vsr_app.metrics import psnr_y
from vsr_app.nets.builtin import BicubicUpscale


class NearestUpscale(BicubicUpscale):
    def step(self, lr, state=None):
        return lr.repeat_interleave(4, dim=2).repeat_interleave(4, dim=3), None


@pytest.fixture
def nearest_model(monkeypatch):
    builtin = models.Builtin("test-nearest", "upscale", 4, lambda: NearestUpscale(4), "nearest x4 for tests")
    monkeypatch.setitem(models._BUILTINS, "test-nearest", builtin)
    return "test-nearest"


def screen_pixels(pane) -> np.ndarray:
    QApplication.processEvents()
    return qimage_to_array(pane.grab().toImage())[..., :3]


def expected_at(image: np.ndarray, canvas: tuple[int, int], point: QPointF) -> np.ndarray:
    """The pixel of `image` (stretched over the canvas) under canvas point `point`."""
    sx, sy = image.shape[1] / canvas[0], image.shape[0] / canvas[1]
    return image[int(point.y() * sy), int(point.x() * sx)]


def on_screen(pane, canvas_point: QPointF) -> np.ndarray:
    """What the pane shows at the (centre of the) canvas pixel `canvas_point`."""
    QApplication.processEvents()  # layout changes (a pane shown or hidden) land first
    p = pane.state.to_pane(canvas_point, pane.viewport())
    return screen_pixels(pane)[int(p.y()), int(p.x())]


def magnify(view, zoom: float = 2.0) -> None:
    """Zoom >= 1 draws sharp pixels, so screen colours equal image colours exactly."""
    QApplication.processEvents()
    pane = view.panes[0]
    view.state.set_zoom(zoom, QPointF(pane.width() / 2, pane.height() / 2), pane.viewport())


def test_open_shows_processed_frames(window, qtbot, small_video):
    rendered = open_and_wait(qtbot, window, small_video)
    viewer = window.viewer
    assert viewer.sides == (SOURCE, "bicubic")  # no trained models: source vs bicubic
    source, upscaled = rendered.images
    assert source.shape == (48, 64, 3) and upscaled.shape == (192, 256, 3)
    assert rendered.canvas == (256, 192)
    assert psnr_y(upscaled, bicubic_x4(source)) > 40
    assert window.compare.currentWidget() is viewer
    assert viewer.inspector.facts["Size"].text().startswith("64 \u00d7 48")
    assert viewer.player.length == 12 and viewer.bar.slider.maximum() == 11
    # both halves of the split reach the screen: left of the divider the source, right the upscale
    magnify(viewer.view)
    pane = viewer.view.panes[0]
    for fraction, image in ((0.3, source), (0.7, upscaled)):
        point = pane.state.to_canvas(QPointF(pane.width() * fraction, pane.height() * 0.6), pane.viewport())
        centre = QPointF(int(point.x()) + 0.5, int(point.y()) + 0.5)
        np.testing.assert_array_equal(on_screen(pane, centre), expected_at(image, rendered.canvas, centre))


def test_every_compare_mode(window, qtbot, small_video):
    rendered = open_and_wait(qtbot, window, small_video)
    viewer, view = window.viewer, window.viewer.view
    source, upscaled = rendered.images
    magnify(view)
    pane = view.panes[0]
    centre = QPointF(128.5, 120.5)

    viewer.set_mode("split")
    assert len(pane.layers) == 2 and not view.panes[1].isVisible()
    # drag the divider to a quarter of the width
    x = round(pane.divider * pane.width())
    qtbot.mousePress(pane, Qt.LeftButton, pos=QPoint(x, pane.height() // 2))
    qtbot.mouseMove(pane, QPoint(pane.width() // 4, pane.height() // 2))
    qtbot.mouseRelease(pane, Qt.LeftButton, pos=QPoint(pane.width() // 4, pane.height() // 2))
    assert view.divider == pytest.approx(0.25, abs=0.01)

    viewer.set_mode("side")
    assert view.panes[1].isVisible()
    np.testing.assert_array_equal(on_screen(view.panes[0], centre), expected_at(source, rendered.canvas, centre))
    np.testing.assert_array_equal(on_screen(view.panes[1], centre), expected_at(upscaled, rendered.canvas, centre))

    viewer.set_mode("toggle")
    assert not view.panes[1].isVisible()
    magnify(view)
    np.testing.assert_array_equal(on_screen(pane, centre), expected_at(source, rendered.canvas, centre))
    qtbot.keyPress(view, Qt.Key_T)
    assert view.flipped and "bicubic" in pane.layers[0].label
    np.testing.assert_array_equal(on_screen(pane, centre), expected_at(upscaled, rendered.canvas, centre))
    qtbot.keyRelease(view, Qt.Key_T)
    assert not view.flipped
    np.testing.assert_array_equal(on_screen(pane, centre), expected_at(source, rendered.canvas, centre))

    show_and_wait(qtbot, viewer, lambda: viewer.set_mode("diff"))  # the worker measures the difference
    viewer.toolbar.gain.setValue(4)
    diff = difference_map(luma_difference(source, upscaled), 4)
    assert diff.shape == upscaled.shape and diff.any()
    np.testing.assert_array_equal(on_screen(pane, centre), expected_at(diff, rendered.canvas, centre))


def test_difference_mode_measures_on_the_worker_thread(window, qtbot, small_video, monkeypatch):
    """At 1280x720 x4 the luma difference takes seconds in numpy; on the GUI thread it froze every frame."""
    threads = []

    def recording(a, b):
        threads.append(threading.current_thread())
        return luma_difference(a, b)

    monkeypatch.setattr(processing, "luma_difference", recording)
    open_and_wait(qtbot, window, small_video)
    viewer = window.viewer
    shown = show_and_wait(qtbot, viewer, lambda: viewer.set_mode("diff"))
    assert shown.difference is not None and viewer.view.panes[0].layers
    viewer.toolbar.gain.setValue(16)  # a gain change colours the same difference again, measuring nothing
    show_and_wait(qtbot, viewer, lambda: viewer.player.seek(3), lambda r: r.position == 3)
    assert len(threads) == 2 and threading.main_thread() not in threads


def wheel(widget, pos: QPointF, steps: int) -> None:
    event = QWheelEvent(pos, QPointF(widget.mapToGlobal(pos.toPoint())), QPoint(0, 0), QPoint(0, 120 * steps),
                        Qt.NoButton, Qt.NoModifier, Qt.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


@pytest.mark.parametrize("aspect", [Fraction(16, 11), Fraction(10, 11)], ids=["16:9", "4:3"])
def test_an_anamorphic_video_is_shown_at_the_shape_its_export_plays_at(window, qtbot, tmp_path, aspect):
    """A 176x144 video of 16:11 pixels (16:9 widescreen) was drawn with square pixels, squeezed to 11:9, while its
    export plays at 16:9. Zoom, pan and the point under the cursor still agree with the wider pixels, and 1:1 draws
    sharp pixels (with 10:11 pixels it drew them smoothed, 0.91 screen pixels wide)."""
    from videogen import pattern_frame
    from vsr_app.video.writer import VideoWriter

    path = tmp_path / "anamorphic.mp4"
    with VideoWriter(path, width=176, height=144, frame_rate=10, sample_aspect_ratio=aspect) as writer:
        for i in range(4):
            writer.write(pattern_frame(i, 176, 144), i / 10)
    rendered = open_and_wait(qtbot, window, path)
    pane, state = window.viewer.view.panes[0], window.viewer.view.state
    shown = state.canvas_rect(pane.viewport())
    assert shown.width() / shown.height() == pytest.approx(176 * aspect / 144)
    assert shown.width() <= pane.width() + 0.5 and shown.height() <= pane.height() + 0.5  # fitted whole
    anchor = QPointF(pane.width() * 0.3, pane.height() * 0.6)
    fixed = state.to_canvas(anchor, pane.viewport())
    wheel(pane, anchor, 3)
    after = state.to_canvas(anchor, pane.viewport())
    assert (after.x(), after.y()) == pytest.approx((fixed.x(), fixed.y()))
    window.viewer.view.actual_pixels()  # sharp pixels: the screen shows the picture's own colours
    for c in (state.center - QPointF(40.5, 10.5), state.center - QPointF(60.5, -30.5)):  # left of the divider
        np.testing.assert_array_equal(on_screen(pane, c), expected_at(rendered.images[0], rendered.canvas, c))


def test_zoom_and_pan_stay_in_sync(window, qtbot, small_video):
    rendered = open_and_wait(qtbot, window, small_video)
    viewer, view = window.viewer, window.viewer.view
    source, upscaled = rendered.images
    viewer.set_mode("side")
    QApplication.processEvents()
    left, right = view.panes
    anchor = QPointF(left.width() * 0.4, left.height() * 0.5)
    fixed = left.state.to_canvas(anchor, left.viewport())
    before = view.state.zoom
    wheel(left, anchor, 4)  # zoom in on the left pane at the cursor
    assert view.state.zoom == pytest.approx(before * 1.25**4)
    after = left.state.to_canvas(anchor, left.viewport())
    assert (after.x(), after.y()) == pytest.approx((fixed.x(), fixed.y()))  # the point under the cursor stays

    def check_same_place():
        for c in (QPointF(70.5, 60.5), QPointF(140.5, 100.5), QPointF(200.5, 150.5)):
            pl, pr = left.state.to_pane(c, left.viewport()), right.state.to_pane(c, right.viewport())
            if not (0 <= pl.x() < left.width() and 0 <= pl.y() < left.height()):
                continue
            assert abs(pl.x() - pr.x()) <= 1 and abs(pl.y() - pr.y()) <= 1  # same spot in both panes
            np.testing.assert_array_equal(on_screen(left, c), expected_at(source, rendered.canvas, c))
            np.testing.assert_array_equal(on_screen(right, c), expected_at(upscaled, rendered.canvas, c))
            return
        pytest.fail("no test point visible")

    check_same_place()
    centre_before = QPointF(view.state.center)
    start = QPoint(right.width() // 2, right.height() // 2)
    qtbot.mousePress(right, Qt.LeftButton, pos=start)
    qtbot.mouseMove(right, start + QPoint(40, 25))
    qtbot.mouseRelease(right, Qt.LeftButton, pos=start + QPoint(40, 25))
    moved = view.state.center - centre_before
    assert (moved.x(), moved.y()) == pytest.approx((-40 / view.state.zoom, -25 / view.state.zoom))
    check_same_place()


def test_event_loop_keeps_responding_while_processing(window, qtbot, small_video, slow_model, monkeypatch):
    """The GUI thread goes on while the worker computes. Bounds that survive a busy machine: the worker's frames are
    counted, not timed, and the GUI's longest stall is held against the whole computation (which one on the GUI
    thread would last), not a fixed 0.25 s."""
    open_and_wait(qtbot, window, small_video)
    viewer = window.viewer
    viewer.refresh_models()
    show_and_wait(qtbot, viewer, lambda: viewer.set_sides(SOURCE, slow_model),
                  lambda r: r.request.sides == (SOURCE, slow_model))
    busy_texts, steps = [], []
    viewer.busyChanged.connect(busy_texts.append)
    slow_step = SlowBicubic.step

    def counted_step(net, lr, state=None):
        steps.append(1)
        return slow_step(net, lr, state)

    monkeypatch.setattr(SlowBicubic, "step", counted_step)
    ticks = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()
    started = time.monotonic()
    show_and_wait(qtbot, viewer, lambda: viewer.player.seek(11), lambda r: r.position == 11)  # warm-up: 9 frames
    busy_for = time.monotonic() - started
    timer.stop()
    gaps = np.diff([started, *ticks, started + busy_for])
    assert len(steps) >= 9  # the worker really computed the warm-up's frames ...
    # ... and the GUI thread was never held for it (it would stall for about the whole of it)
    assert gaps.max() < busy_for / 2, f"GUI thread stalled for {gaps.max():.3f} s of {busy_for:.3f} s"
    assert any(slow_model in t for t in busy_texts)  # the busy indicator said what was being computed
    # the "idle" signal may land just after the frame itself: wait for it rather than race it
    qtbot.waitUntil(lambda: busy_texts[-1] == "", timeout=5000)


def test_an_error_box_cuts_only_what_it_cannot_wrap_and_keeps_it_whole_in_the_details(window, qtbot, tmp_path):
    """The box's text wraps at spaces, slashes and hyphens: a folder name wider than a line ran off its right edge
    with no sign it was cut. A path it can wrap stays whole. And a name that looks like markup is shown as it is."""
    from PySide6.QtWidgets import QLabel

    def error_for(folder):
        folder.mkdir(parents=True)
        broken = folder / "broken.mp4"
        broken.write_bytes(b"this is not a video" * 100)
        window.open(str(broken))
        qtbot.waitUntil(lambda: window.error_box is not None and window.error_box.isVisible(), timeout=10_000)
        box = window.error_box
        label = box.findChild(QLabel, "qt_msgbox_label")
        widest = max(label.fontMetrics().horizontalAdvance(word) for word in label.text().split())
        box.close()
        return box, label, broken, widest

    box, label, broken, widest = error_for(tmp_path.joinpath(*["holiday-footage"] * 12))
    assert label.text() == box.text() and str(broken) in label.text() and box.detailedText() == ""
    assert label.textInteractionFlags() & Qt.TextSelectableByMouse  # to copy a path from

    box, label, broken, widest = error_for(tmp_path / ("holiday_footage_from_the_summer_" * 6) / "<b>bold</b>")
    assert widest <= label.width() and "\u2026" in label.text() and "it is not a video" in label.text()
    assert str(broken) in box.detailedText() and "<b>bold</b>" in label.text()
    assert box.textFormat() == Qt.PlainText


def test_unreadable_file_gives_a_dialog(window, qtbot, small_video, tmp_path):
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"this is not a video" * 100)
    window.open(str(broken))
    qtbot.waitUntil(lambda: window.error_box is not None and window.error_box.isVisible(), timeout=10_000)
    assert "not a video" in window.error_box.text()
    assert window.compare.currentWidget() is window.welcome
    window.error_box.close()
    open_and_wait(qtbot, window, small_video)  # the window still works
    window.open(str(broken))  # and a bad file later keeps the open video
    qtbot.waitUntil(lambda: window.error_box.isVisible(), timeout=10_000)
    assert window.viewer.info.path == str(small_video)
    assert window.compare.currentWidget() is window.viewer


def test_interpolation_shows_in_between_frames(window, qtbot, small_video):
    rendered = open_and_wait(qtbot, window, small_video)
    first = rendered.images[0]
    viewer = window.viewer
    mid = show_and_wait(qtbot, viewer, lambda: viewer.set_task("interpolate"),
                        lambda r: r.request.task == "interpolate")
    assert viewer.sides == (SOURCE, "blend")
    assert viewer.player.length == 11  # gaps between 12 frames
    second = show_and_wait(qtbot, viewer, lambda: viewer.player.seek(1), lambda r: r.position == 1).images[0]
    source0, blended = mid.images
    np.testing.assert_array_equal(source0, first)
    expected = (first.astype(int) + second.astype(int)) / 2
    assert np.abs(blended.astype(int) - expected).max() <= 1
    assert mid.canvas == (64, 48)


def test_an_in_between_at_a_scene_cut_is_said_to_repeat_a_frame_not_scored(window, qtbot, tmp_path, announced):
    """Both sides repeat the frame before a cut, no model having run: the inspector showed 100 dB for it, as if the
    models agreed perfectly there."""
    rng = np.random.default_rng(3)
    shots = [cv2.resize(rng.integers(0, 256, (6, 8, 3), dtype=np.uint8), (64, 48), interpolation=cv2.INTER_CUBIC)
             for _ in range(2)]
    video = make_video(tmp_path / "cut.mp4", images=[np.roll(shots[i // 6], i % 6, axis=1) for i in range(12)])
    open_and_wait(qtbot, window, video)
    viewer = window.viewer
    show_and_wait(qtbot, viewer, lambda: viewer.set_task("interpolate"), lambda r: r.request.task == "interpolate")
    viewer.set_sides("blend", "opencv-flow")
    cut = show_and_wait(qtbot, viewer, lambda: viewer.player.seek(5), lambda r: r.position == 5 and r.at_break)
    assert viewer.inspector.metric_note.text() == "A scene cut: every side repeats the frame before it."
    assert viewer.inspector.psnr.text() == viewer.inspector.ssim.text() == "\u2014"  # not 100.00 and 1.0000
    assert announced[-1][1].endswith("; a scene cut: every side repeats the frame before it")
    inside = show_and_wait(qtbot, viewer, lambda: viewer.player.seek(2), lambda r: r.position == 2)
    assert not inside.at_break and viewer.inspector.metric_note.text().endswith("luma (BT.601)")
    assert cut.psnr == 100.0


def test_metrics_and_analysis_click_to_seek(window, qtbot, small_video, nearest_model):
    open_and_wait(qtbot, window, small_video)
    viewer = window.viewer
    viewer.refresh_models()
    rendered = show_and_wait(qtbot, viewer, lambda: viewer.set_sides("bicubic", nearest_model),
                             lambda r: r.request.sides == ("bicubic", nearest_model))
    assert rendered.psnr == pytest.approx(psnr_y(*rendered.images))
    assert viewer.inspector.psnr.text() == f"{rendered.psnr:.2f}"
    viewer.start_analysis()
    with qtbot.waitSignal(viewer.analysis_job.finished, timeout=60_000):
        pass
    points = viewer.analysis.points
    assert [p[0] for p in points] == list(range(12))
    assert points[0][1] == pytest.approx(rendered.psnr, abs=0.01)
    plot, graphs = viewer.analysis.psnr_plot, viewer.analysis.graphs
    QApplication.processEvents()
    scene = plot.vb.mapViewToScene(QPointF(8, points[7][1]))  # frame 8: the plot numbers frames from 1
    qtbot.mouseClick(graphs.viewport(), Qt.LeftButton, pos=graphs.mapFromScene(scene))
    assert viewer.player.position == 7


def shown_analysis(window, qtbot, size: tuple[int, int], points: list[tuple[float, float]]):
    """The analysis plot of a window of `size`, filled with (PSNR, SSIM) `points` and drawn."""
    window.resize(*size)
    window.compare.setCurrentWidget(window.viewer)
    analysis = window.viewer.analysis
    analysis.reset("a vs b")
    analysis.show()
    for i, (psnr, ssim) in enumerate(points):
        analysis.add_point(i, len(points), psnr, ssim)
    analysis.finished()
    qtbot.waitExposed(window)
    QApplication.processEvents()
    return analysis


def test_the_analysis_reads_ssim_as_it_is_and_its_names_stay_apart_in_a_small_window(window, qtbot):
    """SSIM read 955-980 under "SSIM (x0.001)" (pyqtgraph's automatic SI prefix), and at 1280x720 the two rotated
    axis titles ran into each other ("SSIM (x0.001PSNR (dB)")."""
    analysis = shown_analysis(window, qtbot, (1280, 720), [(39.5 + i % 3 * 0.5, 0.975 + i % 5 * 0.001)
                                                           for i in range(120)])
    plots = (analysis.psnr_plot, analysis.ssim_plot)
    axis = analysis.ssim_plot.getAxis("left")
    spacing, values = axis.tickValues(*axis.range, axis.height())[-1]
    assert axis.autoSIPrefixScale == 1 and "0.001" not in axis.labelString()
    assert all(s.startswith("0.97") for s in axis.tickStrings(values, axis.scale, spacing))
    names = [analysis.graphs.ci.getItem(row, 0) for row in (0, 1)]
    assert [n.text for n in names] == ["PSNR (dB)", "SSIM"]
    boxes = [item.sceneBoundingRect() for item in (*names, *(p.vb for p in plots))]
    assert not any(a.intersects(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])  # no name on another or a plot
    assert boxes[2].left() == boxes[3].left()  # both plots' frames line up under each other
    assert all(p.vb.viewRange()[0][0] <= 0 and p.vb.viewRange()[0][1] >= 119 for p in plots)  # every frame shown
    assert all(analysis.graphs.sceneRect().contains(box) for box in boxes)  # none cut off


def test_ssim_near_one_still_has_its_values_on_the_axis(window, qtbot):
    """A student against its teacher scores SSIM 0.9997-0.9999: ticks in hundred-thousandths were wider than the
    room the axis kept for them, and pyqtgraph drew none."""
    from PySide6.QtGui import QImage, QPainter

    analysis = shown_analysis(window, qtbot, (1600, 960), [(56 + i % 3 * 0.5, 0.99975 + i % 5 * 0.00003)
                                                           for i in range(50)])
    axis = analysis.ssim_plot.getAxis("left")
    painter = QPainter(QImage(10, 10, QImage.Format_RGB32))
    try:
        texts = [text for *_, text in axis.generateDrawSpecs(painter)[2]]
    finally:
        painter.end()
    assert len(texts) >= 2 and all(t.startswith("0.999") for t in texts)


def test_restarting_an_analysis_ignores_the_cancelled_run(window, qtbot, small_video, slow_model):
    """The cancelled run's last point and its end arrive after the new run started: they must not reach the plot."""
    open_and_wait(qtbot, window, small_video)
    viewer = window.viewer
    viewer.refresh_models()
    viewer.set_sides(slow_model, "bicubic")
    viewer.start_analysis()
    qtbot.waitUntil(lambda: len(viewer.analysis.points) >= 2, timeout=20_000)
    first = viewer.analysis_job
    viewer.start_analysis()
    second = viewer.analysis_job
    qtbot.waitUntil(lambda: not first.running, timeout=20_000)
    QApplication.processEvents()
    assert second.running and viewer.analysis.stop.isVisible()
    with qtbot.waitSignal(second.finished, timeout=30_000):
        pass
    assert [p[0] for p in viewer.analysis.points] == list(range(12))


def test_a_video_whose_header_gives_no_length_plays_steps_and_analyses(window, qtbot, media_dir):
    """Raw .h264 (like WebM screen recordings and streamed MKV) states neither duration nor frame count."""
    raw = make_video(media_dir / "raw.h264", frames=20)
    open_and_wait(qtbot, window, raw)
    viewer = window.viewer
    assert viewer.player.length == 20 and viewer.bar.readout.text().endswith("frame 1 / 20")
    show_and_wait(qtbot, viewer, lambda: viewer.player.step(1), lambda r: r.position == 1)
    show_and_wait(qtbot, viewer, viewer.player.end, lambda r: r.position == 19)
    viewer.player.play()
    assert viewer.player.playing
    viewer.player.pause()
    assert len(analyse(str(raw), "upscale", ("bicubic", "bicubic"))) == 20


def test_interpolate_on_a_one_frame_video_says_so_in_the_view_without_a_dialog(window, qtbot, media_dir):
    still = make_video(media_dir / "one_frame.mp4", frames=1)
    open_and_wait(qtbot, window, still)
    viewer = window.viewer
    errors = []
    viewer.errorRaised.connect(lambda title, message: errors.append(title))
    unavailable_after(qtbot, viewer, lambda: viewer.set_task("interpolate"))
    qtbot.wait(200)  # a second request, if any, is answered too
    assert errors == [] and window.error_box is None
    assert "too few frames" in viewer.view.panes[0].placeholder and not viewer.view.panes[0].layers
    assert viewer.inspector.metric_note.text() == "Nothing to measure in this view." and not viewer.bar.isEnabled()
    show_and_wait(qtbot, viewer, lambda: viewer.set_task("upscale"), lambda r: r.request.task == "upscale")
    assert viewer.view.panes[0].layers and viewer.bar.isEnabled()
    assert viewer.inspector.metric_note.text() != "Nothing to measure in this view."
    late = replace(viewer.request(), task="interpolate")  # an answer to the earlier choice, arriving late
    viewer.worker.unavailable.emit(late, "This video has too few frames for this view.")
    QApplication.processEvents()
    assert viewer.view.panes[0].layers and viewer.bar.isEnabled()  # it used to blank the current view


def test_a_truncated_video_shows_its_real_length_and_duration_once_the_end_is_found(window, qtbot, media_dir):
    whole = make_video(media_dir / "forty.mkv", frames=40)  # 10 fps: the header says 4 s
    data = whole.read_bytes()
    cut = media_dir / "forty_cut.mkv"
    cut.write_bytes(data[: len(data) // 2])  # an interrupted download: the header still says 40 frames
    open_and_wait(qtbot, window, cut)
    viewer = window.viewer
    assert viewer.player.length == 40 and "/ 00:04.00" in viewer.bar.readout.text()
    last = show_and_wait(qtbot, viewer, viewer.player.end, lambda r: r.length < 40)
    assert viewer.player.length == last.length == last.position + 1
    assert viewer.bar.readout.text().startswith(f"{fmt.clock(last.time)} / {fmt.clock(last.length / 10)}")


def test_play_advances_through_frames(window, qtbot, small_video):
    open_and_wait(qtbot, window, small_video)
    viewer = window.viewer
    shown = []
    viewer.frameShown.connect(lambda r: shown.append(r.position))
    viewer.player.play()
    qtbot.waitUntil(lambda: not viewer.player.playing, timeout=20_000)  # stops by itself at the end
    assert viewer.player.position == 11
    assert shown == sorted(shown) and shown[-1] == 11


def test_drop_opens_and_settings_persist(window, qtbot, small_video):
    from PySide6.QtCore import QMimeData, QSettings, QUrl
    from PySide6.QtGui import QDropEvent

    from vsr_app.gui.main_window import MainWindow

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(small_video))])
    drop = QDropEvent(QPointF(100, 100), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    with qtbot.waitSignal(window.viewer.frameShown, timeout=30_000):
        window.dropEvent(drop)
    assert window.viewer.info.path == str(small_video)
    window.viewer.set_mode("diff")
    window.viewer.toolbar.gain.setValue(16)
    window.viewer.set_task("interpolate")
    window.close()

    again = MainWindow(QSettings())
    qtbot.addWidget(again)
    qtbot.waitUntil(lambda: again.recent_files() == [str(small_video)])  # looked for on a worker thread
    assert [a.text() for a in again.recent_menu.actions()] == [small_video.name]
    assert again.viewer.view.mode == "diff" and again.viewer.toolbar.gain.value() == 16
    assert again.viewer.task == "interpolate"


def test_a_model_card_with_long_paths_wraps_inside_the_side_panel(qtbot):
    """The vfi-x2-student card (training options full of paths) widened the whole panel past its viewport,
    cutting every line on the right. Now the card wraps to the panel, breaking a path if it must."""
    from vsr_app.gui import fmt
    from vsr_app.gui.inspector import Inspector

    panel = Inspector()
    qtbot.addWidget(panel)
    panel.resize(300, 700)
    panel.show()
    m = models.resolve("vfi-x2-student")
    long_path = "runs/" + "_".join(["a_long_run_folder_name"] * 4) + "/model.safetensors"
    training = {**m.card["training"], "init_from": long_path}
    card = fmt.card_html(m.name, m.task, m.scale, m.params, {**m.card, "training": training})
    panel.set_cards(card, card)
    QApplication.processEvents()
    assert panel.widget().minimumSizeHint().width() <= panel.viewport().width()
    card = panel.cards[0]
    assert card.document().size().width() <= card.viewport().width()  # laid out to the card: nothing cut
    assert long_path in card.toPlainText()  # as it is: a path copied from the card must paste as it was


@pytest.mark.parametrize("width", [1440, 1024, 800, 500])
def test_every_compare_control_stays_on_screen_in_a_narrow_window(window, qtbot, width):
    """A toolbar too narrow for its controls hides the last ones behind a tiny overflow arrow: at 1024 px the
    Toggle and Difference modes were gone, at 800 px the device picker and every mode. The two halves of the
    toolbar now stack when they do not fit side by side, and the window does not get narrower than the wider
    half (at 640 px the right model picker was gone)."""
    window.resize(width, 700)
    window.show()
    window.compare.setCurrentWidget(window.viewer)
    qtbot.waitExposed(window)
    QApplication.processEvents()
    viewer = window.viewer
    controls = [*viewer.toolbar.task_group.buttons(), viewer.left, viewer.right, viewer.device,
                *viewer.toolbar.mode_group.buttons()]
    assert all(c.isVisible() for c in controls), [c for c in controls if not c.isVisible()]
    stacked = width < 1100
    bars = viewer.toolbar.bars
    assert (bars[1].y() > bars[0].y()) == stacked
    qtbot.waitUntil(lambda: all(b.height() == b.sizeHint().height() for b in bars))  # none squashed


def test_at_a_large_font_the_window_fits_a_laptop_screen_and_the_side_panel_is_not_cut(gui_env, qtbot, small_video,
                                                                                       monkeypatch):
    """At a 20 pt font the window would not get narrower than 1,661 px: the toolbar counted its model pickers at full
    width, as it had not laid them out yet. And the inspector, which scrolls only down, cut its figures and cards on
    the right at 1,280 px (at 720 px with the usual font)."""
    from gui_support import stop_work
    from vsr_app import resources
    from vsr_app.gui.main_window import MainWindow

    monkeypatch.setattr(models, "models_dir", resources.models_dir)  # the shipped models' long names in the pickers

    usual = QApplication.font()
    large = QFont(usual)
    large.setPointSize(20)
    QApplication.setFont(large)  # before the window is made, as a desktop's font setting is
    try:
        win = MainWindow(QSettings())
        qtbot.addWidget(win, before_close_func=stop_work)
        win.resize(1280, 800)
        win.show()
        open_and_wait(qtbot, win, small_video)
        qtbot.waitUntil(lambda: win.width() == 1280)
        QApplication.processEvents()
        inspector = win.viewer.inspector
        assert win.minimumSizeHint().width() <= 1280
        viewer = win.viewer
        pickers = viewer.left, viewer.right
        slack = sum(p.sizeHint().width() - p.minimumSizeHint().width() for p in pickers)  # names they may cut
        assert slack > 0 and viewer.toolbar.minimumWidth() == max(viewer.toolbar.bars[0].sizeHint().width() - slack,
                                                                  viewer.toolbar.bars[1].sizeHint().width())
        assert inspector.widget().width() <= inspector.viewport().width()
        assert win.viewer.left.isVisible() and win.viewer.right.isVisible()
    finally:
        QApplication.setFont(usual)


def test_at_a_large_font_a_small_screen_still_holds_the_window_and_its_dialogs(gui_env, qtbot, small_video,
                                                                                   monkeypatch):
    """A tester at 20 pt on a 1280x720 screen: five recent files set the window's least height to 745 px, the
    analysis title "A vs B" its least width to 1,315 px, the analysis's frame axis read 0 to 12000, the Export dialog
    opened cut, and the shortcut list was 1,938 px tall."""
    from gui_support import stop_work
    from vsr_app import resources
    from vsr_app.gui.main_window import MainWindow

    monkeypatch.setattr(models, "models_dir", resources.models_dir)
    usual = QApplication.font()
    large = QFont(usual)
    large.setPointSize(20)
    QApplication.setFont(large)
    try:
        win = MainWindow(QSettings())
        qtbot.addWidget(win, before_close_func=stop_work)
        room = win.screen().availableGeometry()
        assert win.width() <= room.width() and win.height() <= room.height()  # a first start fits the screen
        win.welcome.set_recent([str(small_video.with_name(f"recent-{i}.mp4")) for i in range(5)])
        win.resize(1280, 700)
        win.show()
        open_and_wait(qtbot, win, small_video)
        viewer = win.viewer
        show_and_wait(qtbot, viewer, lambda: viewer.set_sides("vsr-x4-student-aligned-bicubic", "bicubic"),
                      lambda r: r.psnr is not None)
        viewer.start_analysis()
        qtbot.waitUntil(lambda: not viewer.analysis.running, timeout=60_000)
        QApplication.processEvents()
        assert win.minimumSizeHint().width() <= 1280 and win.minimumSizeHint().height() <= 700
        # its two plots readable (at 160 px the SSIM plot was a sliver), and a drag to enlarge it kept on a resize
        lines = viewer.analysis.fontMetrics().lineSpacing()
        assert viewer.analysis.height() >= 9 * lines
        split = viewer.splitter
        total = sum(split.sizes())
        split.setSizes([total // 2, total - total // 2])  # half the height: past its share of it
        viewer._panel_dragged(split)  # as splitterMoved calls it
        dragged = split.sizes()[1]
        assert dragged > viewer.default_shares[split] * total
        win.resize(1280, 701)
        QApplication.processEvents()
        assert split.sizes()[1] == dragged
        axis = viewer.analysis.ssim_plot.getAxis("bottom")
        assert axis.autoSIPrefixScale == 1.0 and axis.getSIPrefixEnableRanges() == ()  # also on an empty plot
        assert viewer.analysis.title.toolTip().startswith("vsr-x4-student-aligned")
        win.export()
        dialog = win.export_dialog
        assert dialog.width() >= dialog.minimumSizeHint().width()
        dialog.close()
        win.show_shortcuts()
        shortcuts = win.shortcuts_dialog
        assert shortcuts.height() <= room.height() and shortcuts.width() <= room.width()
        assert shortcuts.width() >= 400 and shortcuts.height() >= room.height() * 3 // 4  # not its 92x124 least size
        shortcuts.close()
    finally:
        QApplication.setFont(usual)


def test_a_long_file_name_takes_no_room_from_the_video(window, qtbot, small_video, tmp_path):
    """The inspector's least width followed the file name (a name with no space cannot wrap): at 1024 px a 150-character
    name left the video 160 px; and the Welcome page's recent files, hidden behind the open video, still set the
    window's least width (past 1,280 px at a 20 pt font)."""
    import shutil

    name = "2023-08-14_Wedding_Ceremony_Main_Camera_Final_Export_v2" * 2 + ".mp4"
    path = tmp_path / name
    shutil.copy(small_video, path)
    window.resize(1024, 700)
    open_and_wait(qtbot, window, path)
    qtbot.waitUntil(lambda: window.width() == 1024)
    QApplication.processEvents()
    viewer = window.viewer
    assert viewer.view.width() >= 2 * viewer.inspector.width()
    shown = viewer.inspector.facts["File"]
    assert shown.toolTip() == str(path) and shown.text().startswith("2023") and shown.text().endswith("\u2026.mp4")
    qtbot.waitUntil(lambda: window.recent_files() == [str(path)])
    recent = window.welcome.recent_buttons()[0]  # the name cut, the path whole
    assert recent.text() != name and "\u2026" in recent.text() and recent.toolTip() == str(path)


def test_recent_files_whose_long_names_differ_in_the_middle_are_told_apart(window, tmp_path):
    """Five names cut to 48 characters in their middle all read "family trip to the seasi… in grandma's house.mp4";
    they are cut to as few more as tell them apart, and names that differ at an end stay at 48."""
    from vsr_app.gui.welcome import RECENT_COLUMNS, distinct_cuts

    paths = [str(tmp_path / f"family trip to the seaside part {i} of the summer holidays in grandma's house.mp4")
             for i in range(1, 6)]
    window.welcome.set_recent(paths)
    shown = [button.text() for button in window.welcome.recent_buttons()]
    assert len(set(shown)) == 5 and all("\u2026" in text for text in shown)
    assert [len(cut) for cut in distinct_cuts([f"{i} {'x' * 80}.mp4" for i in range(5)], RECENT_COLUMNS)] == \
        [RECENT_COLUMNS] * 5
    japanese = [f"夏休みの家族旅行の思い出{i}番目のおばあちゃんの家で過ごした日々.mp4" for i in range(5)]  # 2 columns each
    assert len(set(distinct_cuts(japanese, RECENT_COLUMNS))) == 5


def test_the_toolbar_stacks_when_difference_mode_adds_its_gain_box(window, qtbot):
    """The row was only re-arranged on a resize: the gain box that Difference mode shows made one row too wide,
    and Fit / 1:1 went behind the overflow arrow."""
    window.compare.setCurrentWidget(window.viewer)
    viewer = window.viewer
    viewer.set_mode("split")
    bars = viewer.toolbar.bars
    QApplication.processEvents()
    window.resize(sum(b.sizeHint().width() for b in bars) + 4, 700)  # one row just fits without the gain box
    window.show()
    qtbot.waitUntil(lambda: bars[1].y() == bars[0].y())
    viewer.set_mode("diff")
    qtbot.waitUntil(lambda: bars[1].y() > bars[0].y())  # stacked
    assert viewer.toolbar.gain.isVisible() and all(b.isVisible() for b in viewer.toolbar.mode_group.buttons())


def test_the_window_is_gone_before_close_waits_for_the_frame_in_flight(window, monkeypatch):
    """Closing while a slow model renders a frame froze a visible window for seconds: it hides first, then waits."""
    seen, shutdown = [], window.viewer.shutdown
    monkeypatch.setattr(window.viewer, "shutdown", lambda: (seen.append(window.isVisible()), shutdown()))
    window.close()
    assert seen == [False]


def test_the_clock_shows_a_variable_frame_rate_frames_decoded_time(window, qtbot, vfr_video):
    """Frame 5 of VFR_TIMES is at 0.50 s; index / average frame rate put it at 0.43 s."""
    open_and_wait(qtbot, window, vfr_video)
    viewer = window.viewer
    show_and_wait(qtbot, viewer, lambda: viewer.player.seek(5), lambda r: r.position == 5)
    assert viewer.bar.readout.text().startswith(f"{fmt.clock(VFR_TIMES[5])} /")
    viewer.set_task("interpolate")
    show_and_wait(qtbot, viewer, lambda: viewer.player.seek(5), lambda r: r.position == 5)
    assert viewer.bar.readout.text().startswith(f"{fmt.clock((VFR_TIMES[5] + VFR_TIMES[6]) / 2)} /")


def test_a_video_opened_by_a_relative_path_is_remembered_by_its_absolute_one(window, qtbot, small_video, monkeypatch):
    """`vsr-app clip.mp4` from a terminal: a later session started elsewhere must still find it."""
    monkeypatch.chdir(small_video.parent)
    with qtbot.waitSignal(window.viewer.frameShown, timeout=30_000):
        window.open(small_video.name)
    assert window.viewer.info.path == str(small_video)
    qtbot.waitUntil(lambda: window.recent_files() == [str(small_video)])
    assert window.settings.value("window/last_dir") == str(small_video.parent)


def test_the_bundled_sample_is_not_a_recent_file(window, qtbot):
    """`--screenshot` (and Try the sample) put a path inside the app into Open recent, stale once the app moved."""
    from vsr_app.resources import resource_path

    with qtbot.waitSignal(window.viewer.frameShown, timeout=60_000):
        window.open(str(resource_path("sample.mp4")))
    assert window.recent_files() == [] and window.settings.value("window/last_dir") is None

@pytest.fixture
def broken_model(monkeypatch):
    """Registers 'test-broken' (upscale), which fails to load; returns the list of its tries."""
    tries = []

    def broken():
        tries.append(1)
        raise VsrAppError("the weights are damaged")

    monkeypatch.setitem(models._BUILTINS, "test-broken", models.Builtin("test-broken", "upscale", 4, broken, "broken"))
    return tries


def test_a_model_that_fails_to_load_says_so_in_the_view_and_is_not_loaded_again(window, qtbot, small_video,
                                                                                 broken_model):
    """The view kept the last pair's picture and PSNR/SSIM under the new pair's names, every step loaded the model
    again with another error box, and Play did nothing."""
    open_and_wait(qtbot, window, small_video)
    viewer = window.viewer
    viewer.refresh_models()
    show_and_wait(qtbot, viewer, lambda: viewer.set_sides("bicubic", "bicubic"),
                  lambda r: r.request.sides == ("bicubic", "bicubic"))
    assert viewer.inspector.psnr.text() == "100.00"
    errors = []
    viewer.errorRaised.connect(lambda title, message: errors.append(message))
    unavailable_after(qtbot, viewer, lambda: viewer.set_sides("bicubic", "test-broken"))
    pane = viewer.view.panes[0]
    assert errors == ["the weights are damaged"] and len(broken_model) == 1
    assert not pane.layers and "damaged" in pane.placeholder
    assert viewer.inspector.psnr.text() == viewer.inspector.ssim.text() == "\u2014"
    for action in (lambda: viewer.player.step(1), viewer.player.play):  # said again at once: no load, no dialog
        unavailable_after(qtbot, viewer, action)
        assert not viewer.player.playing and "damaged" in pane.placeholder
    assert errors == ["the weights are damaged"] and len(broken_model) == 1
    unavailable_after(qtbot, viewer, viewer.refresh_models)  # Models > Reload models tries again
    assert len(errors) == 2 and len(broken_model) == 2
    shown = show_and_wait(qtbot, viewer, lambda: viewer.set_sides("bicubic", "bicubic"),
                          lambda r: r.request.sides == ("bicubic", "bicubic"))
    assert shown.position == viewer.player.position == 1 and pane.layers and viewer.bar.isEnabled()


def test_a_file_that_fails_to_open_does_not_lose_the_frame_asked_for(window, qtbot, small_video, slow_model, tmp_path,
                                                                       monkeypatch):
    """Opening another file dropped the frame being made for the open video; when that file failed to open, nothing
    asked for the frame again: the picture stayed behind and Play waited for it forever."""
    open_and_wait(qtbot, window, small_video)
    viewer = window.viewer
    viewer.refresh_models()
    show_and_wait(qtbot, viewer, lambda: viewer.set_sides(SOURCE, slow_model),
                  lambda r: r.request.sides == (SOURCE, slow_model))
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"this is not a video" * 100)
    gate = threading.Event()
    monkeypatch.setattr(SlowBicubic, "gate", gate)
    busy = []
    viewer.busyChanged.connect(busy.append)
    try:
        for asked in ((5,), (7, 8)):  # the frame being made; and one asked for after it, not yet started
            gate.clear()
            busy.clear()
            viewer.player.seek(asked[0])
            qtbot.waitUntil(lambda: any(slow_model in text for text in busy), timeout=10_000)  # held at the gate
            viewer.player.seek(asked[-1])
            with qtbot.waitSignal(viewer.frameShown, timeout=30_000,
                                  check_params_cb=lambda r: r.position == asked[-1]):
                window.open(str(broken))
                gate.set()
    finally:
        gate.set()
    assert "not a video" in window.error_box.text() and viewer.info.path == str(small_video)
    viewer.player.play()
    qtbot.waitUntil(lambda: not viewer.player.playing, timeout=20_000)
    assert viewer.player.position == viewer.player.shown == 11


def test_switching_task_keeps_the_position_and_playback(window, qtbot, small_video):
    """Switching task went back to the first frame and stopped playing. Position k is source frame k and the
    in-between after it."""
    open_and_wait(qtbot, window, small_video)
    viewer = window.viewer
    show_and_wait(qtbot, viewer, lambda: viewer.player.seek(5), lambda r: r.position == 5)
    for task in ("interpolate", "upscale"):
        shown = show_and_wait(qtbot, viewer, lambda: viewer.set_task(task), lambda r: r.request.task == task)
        assert shown.position == viewer.player.position == 5
    show_and_wait(qtbot, viewer, viewer.player.end, lambda r: r.position == 11)
    shown = show_and_wait(qtbot, viewer, lambda: viewer.set_task("interpolate"),
                          lambda r: r.request.task == "interpolate")
    assert shown.position == viewer.player.position == 10  # the last in-between
    assert viewer.bar.readout.text().endswith("in-between 11\u00bd of 12 frames")
    viewer.player.home()
    viewer.player.play()
    viewer.set_task("upscale")
    assert viewer.player.playing and viewer.player.length == 12
    qtbot.waitUntil(lambda: not viewer.player.playing, timeout=20_000)  # played on, to the end
    assert viewer.player.position == viewer.player.shown == 11


def _drop(window, *paths):
    from PySide6.QtCore import QMimeData, QUrl
    from PySide6.QtGui import QDropEvent

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    window.dropEvent(QDropEvent(QPointF(100, 100), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier))


def test_a_dropped_folder_goes_to_the_batch_tab_and_extra_files_are_said(window, qtbot, small_video, tmp_path):
    """A folder was refused as 'not a video file'; of several files all but the first vanished without a word."""
    _drop(window, small_video.parent)
    qtbot.waitUntil(lambda: window.batch.in_dir.text() == str(small_video.parent))  # its kind told on a worker thread
    assert window.tabs.currentWidget() is window.batch
    with qtbot.waitSignal(window.viewer.frameShown, timeout=30_000):
        _drop(window, small_video, tmp_path / "b.mp4", tmp_path / "c.mp4")
    assert window.viewer.info.path == str(small_video)
    assert window.statusBar().currentMessage() == ("Opened small.mp4, not the 2 other dropped files: the Batch tab "
                                                   "processes a folder of videos")
    with qtbot.waitSignal(window.viewer.frameShown, timeout=30_000):
        _drop(window, small_video, tmp_path / "b.mp4")
    assert "not the 1 other dropped file:" in window.statusBar().currentMessage()  # it said "file(s)"


def test_a_folder_dropped_while_a_batch_runs_leaves_its_form_alone(window, qtbot, small_video, tmp_path,
                                                                   monkeypatch):
    """The locked Input folder took the dropped folder mid-batch: the finished table then stood under another
    folder's name, and the next Process all ran that one."""
    window.batch.in_dir.setText(str(tmp_path))
    with monkeypatch.context() as patch:  # (not at the window's close: that would ask to stop the batch)
        patch.setattr(window.batch, "running", lambda: True)
        _drop(window, small_video.parent)
        qtbot.waitUntil(lambda: window.drop_look is None)  # its kind told on a worker thread
    assert window.batch.in_dir.text() == str(tmp_path) and window.tabs.currentWidget() is window.batch
    assert "a batch is running" in window.statusBar().currentMessage()


def test_a_recent_video_on_a_disk_not_there_now_is_remembered(window, qtbot, small_video, tmp_path):
    """A clip on an unplugged disk was erased from the history by the next file opened."""
    away = str(tmp_path / "usb" / "clip.mp4")
    window.settings.setValue("window/recent", [away])
    with qtbot.waitSignal(window.viewer.frameShown, timeout=30_000):
        window.open(str(small_video))
    qtbot.waitUntil(lambda: window.recent_files() == [str(small_video)])  # the menu offers what is there
    assert window.settings.value("window/recent") == [str(small_video), away]


def test_a_remembered_file_on_an_unreachable_share_does_not_hold_the_window(window, qtbot, small_video, tmp_path,
                                                                          monkeypatch):
    """A stat of a path on an unreachable hard-mounted NFS share never returns: the window hung at its start and at
    each open, asking whether each remembered file was there. It is asked on a worker thread; the file stays
    remembered."""
    share = tmp_path / "nfs" / "clip.mp4"
    asked, answer, stat = [], threading.Event(), os.stat

    def unanswered(path, *args, **kwargs):  # held until the test has gone on (5 s where the GUI thread asks)
        if Path(path) == share:
            asked.append(threading.current_thread() is threading.main_thread())
            answer.wait(5)
        return stat(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", unanswered)
    window.settings.setValue("window/recent", [str(small_video), str(share)])
    window._refresh_recent()
    answer.set()
    qtbot.waitUntil(lambda: window.recent_files() == [str(small_video)])
    assert asked == [False] and window.settings.value("window/recent") == [str(small_video), str(share)]


def test_recent_files_of_the_same_name_show_their_folders(window, qtbot, small_video, tmp_path):
    twin = tmp_path / "other shoot" / small_video.name
    twin.parent.mkdir()
    twin.write_bytes(small_video.read_bytes())
    window.settings.setValue("window/recent", [str(small_video), str(twin)])
    window._refresh_recent()
    qtbot.waitUntil(lambda: len(window.recent_menu.actions()) == 2)
    labels = fmt.file_labels([str(small_video), str(twin)])
    assert [a.text() for a in window.recent_menu.actions()] == shown_labels(labels)  # cut as the Welcome page cuts
    assert all(" \u2014 " in a.text() for a in window.recent_menu.actions())


def test_the_status_bar_says_what_runs_in_the_other_tabs(window, qtbot, monkeypatch):
    """It said "Ready" during a batch or a training run: from the Compare tab nothing showed that work ran until
    Quit asked. (The panels' running states are stood in for: a real batch and run are their tabs' tests.)"""
    with monkeypatch.context() as m:  # undone before the window closes, or closing would ask to stop them
        m.setattr(window.train, "running", lambda: True)
        m.setattr(window.train, "process", TrainerProcess(None, window.train))  # not started: as if running
        m.setattr(window.batch, "job", SimpleNamespace(running=True, cancelling=False))
        window.train.total_steps = 1000
        window.train.plots.add_records([{"step": 120, "loss": 0.5}])
        window.batch.progress.setValue(420)
        qtbot.waitUntil(lambda: window.work_text.text() == "Training: step 120 / 1,000   \u00b7   Batch running: 42%",
                        timeout=5_000)
    qtbot.waitUntil(lambda: window.work_text.text() == "", timeout=5_000)


def test_the_shortcut_list_names_the_windows_shortcuts_too(window):
    """It listed only the viewer's keys: Open, Export and Reload models were found in the menus only."""
    names = dict(window.shortcut_rows())
    assert {"Open", "Export", "Reload models", "Keyboard shortcuts"} <= set(names)  # Quit: the platform's, if any
    assert names["Export"] == "Ctrl+E" and "hold T" in names.values()
    assert len(names) == len(window.shortcut_rows())  # no action listed twice


def test_a_damaged_install_is_said_and_the_saved_models_are_kept(gui_env, qtbot):
    """A bundle missing its default student's weights showed bicubic against the teacher with "Ready", and wrote that
    fallback over the saved choice: the student never came back once the install was repaired."""
    import json

    from gui_support import stop_work
    from vsr_app import resources
    from vsr_app.gui.main_window import MainWindow

    card = json.loads((resources.models_dir() / "vsr-x4-student.json").read_text())
    (models.models_dir() / "vsr-x4-student.json").write_text(json.dumps(card))  # the card, not its weights
    settings = QSettings()
    settings.setValue("viewer/sides/upscale", ["vsr-x4-student", "bicubic"])
    win = MainWindow(settings)
    qtbot.addWidget(win, before_close_func=stop_work)
    qtbot.waitUntil(lambda: win.error_box is not None and win.error_box.isVisible())
    assert "vsr-x4-student.json: a model card without weights" in win.error_box.text()
    assert "Install the app again" in win.error_box.text()
    assert settings.value("viewer/sides/upscale") == ["vsr-x4-student", "bicubic"]
    assert win.viewer.sides[1] == "bicubic" and "vsr-x4-student" not in win.viewer.sides  # for now: what there is
    win.error_box.close()


def test_the_inspector_and_analysis_sizes_a_drag_gives_come_back_next_start(window, qtbot):
    """Both reset to their defaults at every start (a keyboard tester's finding)."""
    from vsr_app.gui.viewer import ANALYSIS_SIZE, Viewer

    viewer = window.viewer
    window.resize(1280, 800)
    window.show()
    QApplication.processEvents()
    total = sum(viewer.top.sizes())
    viewer.top.setSizes([total - 420, 420])
    viewer._panel_dragged(viewer.top)  # as splitterMoved calls it
    again = Viewer(QSettings())
    assert again.panel_sizes[again.top] == viewer.top.sizes()[1] and again.panel_shares[again.top] > 0.3
    assert again.panel_sizes[again.splitter] == ANALYSIS_SIZE  # not dragged: its default
    settings = QSettings()
    settings.setValue("viewer/inspector_size", 99_999)
    settings.setValue("viewer/inspector_share", "a lot")
    clamped = Viewer(settings)
    assert clamped.panel_sizes[clamped.top] == 4000 and clamped.panel_shares[clamped.top] == 0.3
    for made in (again, clamped):
        made.shutdown()
        made.deleteLater()
