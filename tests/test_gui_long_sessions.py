"""What a long session in the app wears down: redraw cost that grows with the video, per-frame flicker, objects
kept per error, a painter left open by one bad paint, and the frame worker's heap."""

from __future__ import annotations

import numpy as np
import pytest
import shiboken6
from PySide6.QtCore import QObject
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QMessageBox

from gui_support import gui_env, open_and_wait, show_and_wait, window  # noqa: F401
from vsr_app.gui import analysis_plot, colours, main_window, workers
from vsr_app.gui.analysis_plot import AnalysisPlot
from vsr_app.gui.processing import SOURCE


def test_a_burst_of_analysis_points_costs_one_redraw_and_drops_the_markers(qtbot, monkeypatch):
    plot = AnalysisPlot()
    qtbot.addWidget(plot)
    draws = []
    monkeypatch.setattr(plot.curves[0], "setData", lambda *a, **k: draws.append(k.get("symbol", "unset")))
    total = 3000
    for k in range(total):
        plot.add_point(k, total, 30.0 + k % 7, 0.9)
    assert draws == []  # nothing drawn per point
    qtbot.waitUntil(lambda: len(draws) == 1, timeout=2000)
    qtbot.wait(2 * analysis_plot.REDRAW_MS)
    assert draws == [None]  # one redraw, without markers for 3,000 points
    assert plot.summary.text().startswith(f"{total} / {total} frames")
    assert f"mean PSNR {np.mean([30.0 + k % 7 for k in range(total)]):.2f} dB" in plot.summary.text()


def test_the_last_analysis_points_are_drawn_when_the_run_ends(qtbot):
    plot = AnalysisPlot()
    qtbot.addWidget(plot)
    for k in range(5):
        plot.add_point(k, 5, 30.0 + k, 0.9)
    plot.finished()  # at once, not after the redraw delay
    xs, ys = plot.curves[0].getData()
    assert list(xs) == [1, 2, 3, 4, 5] and list(ys) == [30, 31, 32, 33, 34]  # frames numbered as the player does
    assert plot.curves[0].opts["symbol"] == "o"  # few points keep their markers
    assert not plot.redraw_timer.isActive()


def test_the_analysis_time_left_is_timed_from_the_first_frame_not_the_model_loading(qtbot, monkeypatch):
    """8 s of loading, then 0.2 s a frame: 10 frames in, 2,990 to go is about 10 min, not the 50 it said."""
    now = [100.0]
    monkeypatch.setattr(analysis_plot.time, "monotonic", lambda: now[0])
    plot = AnalysisPlot()
    qtbot.addWidget(plot)
    plot.reset("analysis")
    now[0] += 8.0  # the models load
    for k in range(10):
        plot.add_point(k, 3000, 30.0, 0.9)
        now[0] += 0.2
    now[0] -= 0.2  # the 10th point arrived 1.8 s after the first
    plot._redraw()  # (what the redraw timer does while frames come)
    # 9 gaps of 0.2 s for 2,990 frames to come
    assert plot.summary.text().endswith("9\u00a0min\u00a058\u00a0s\u00a0left")


def test_frames_too_small_for_ssim_still_plot_their_psnr(qtbot):
    plot = AnalysisPlot()
    qtbot.addWidget(plot)
    for k in range(3):
        plot.add_point(k, 3, 40.0 + k, None)  # a 2x2 video: no SSIM window fits
    plot.finished()
    ssim_xs = plot.curves[1].getData()[0]
    assert list(plot.curves[0].getData()[1]) == [40, 41, 42] and (ssim_xs is None or len(ssim_xs) == 0)
    assert "mean PSNR 41.00 dB" in plot.summary.text() and "no SSIM" in plot.summary.text()


def test_a_moment_of_work_per_frame_never_flashes_the_busy_bar(window, qtbot):
    shown = []
    set_visible = window.busy_bar.setVisible  # every show or hide relays the status bar out
    window.busy_bar.setVisible = lambda visible: (shown.append(visible), set_visible(visible))
    for _ in range(20):  # playback: busy for a moment on every frame
        window.viewer.busyChanged.emit("measuring PSNR / SSIM")
        window.viewer.busyChanged.emit("")
    qtbot.wait(2 * main_window.BUSY_AFTER_MS)
    assert True not in shown and window.busy_text.text() == "Ready"
    window.viewer.busyChanged.emit("loading vsr-x4-teacher")  # real work: said once it has lasted
    assert not window.busy_bar.isVisible()
    qtbot.waitUntil(lambda: window.busy_text.text() == "loading vsr-x4-teacher", timeout=2000)
    window.viewer.busyChanged.emit("running vsr-x4-teacher")  # while shown, every change is said at once
    assert window.busy_text.text() == "running vsr-x4-teacher" and shown[-1] is True
    window.viewer.busyChanged.emit("")
    assert window.busy_text.text() == "Ready" and shown[-1] is False


def test_one_error_box_is_kept_however_many_errors_come(window, qtbot):
    for k in range(5):
        window.show_error("Processing failed", f"error {k}")
    qtbot.waitUntil(lambda: len(window.findChildren(QMessageBox)) == 1, timeout=2000)
    assert window.error_box.text() == "error 4"


def test_a_paint_that_fails_leaves_the_view_paintable(window, qtbot, monkeypatch):
    pane = window.viewer.view.panes[0]
    pane.resize(64, 48)
    base = colours.BASE
    monkeypatch.setattr(colours, "BASE", object())  # the first thing painted now raises
    with pytest.raises(TypeError):  # PySide re-raises it here; in the app it is only printed
        pane.grab()
    monkeypatch.undo()
    image = pane.grab().toImage()
    assert not image.isNull() and image.pixelColor(2, 2) == QColor(base)


def test_the_frame_worker_trims_its_heap_every_few_renders(window, qtbot, small_video, monkeypatch):
    trims = []
    monkeypatch.setattr(workers, "release_free_memory", lambda: trims.append(window.viewer.worker.renders))
    open_and_wait(qtbot, window, small_video)
    viewer = window.viewer
    viewer.set_sides(SOURCE, "bicubic")
    for k in range(workers.TRIM_EVERY + 2):
        show_and_wait(qtbot, viewer, lambda: viewer.player.seek((k + 1) % 12),
                      lambda r: r.position == (k + 1) % 12)
    assert workers.TRIM_EVERY in trims
    assert all(count % workers.TRIM_EVERY == 0 for count in trims)


@pytest.mark.parametrize("outcome", ["done", "failed"])
def test_a_finished_job_is_freed_not_kept_by_its_panel(qtbot, outcome):
    """Every export, batch and analysis makes a Job parented to its panel: one kept per run would pile up."""
    owner = QObject()

    def work(progress, cancel):
        if outcome == "failed":
            raise ValueError("stand-in failure")
        return 1

    job = workers.Job(work, parent=owner)
    with qtbot.waitSignal(getattr(job, outcome)), qtbot.waitSignal(job.finished):
        job.start()
    qtbot.waitUntil(lambda: not shiboken6.isValid(job), timeout=2000)
    assert owner.findChildren(workers.Job) == [] and not job.running
    job.cancel()  # what an owner may still do with its last job: no error
