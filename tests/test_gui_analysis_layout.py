"""The analysis plot's head row and value axes in a small panel: the summary on one line where the row has room,
and tick labels that never run into each other."""

from __future__ import annotations

import itertools
import math

import pyqtgraph as pg
from PySide6.QtGui import QImage, QPainter

from gui_support import gui_env  # noqa: F401
from test_gui_analysis_csv import plot  # noqa: F401

FRAMES = 30


def analysed(plot, height: int) -> None:
    """`plot`, `height` px high in a 1200 px wide panel, after a complete analysis whose SSIM spans 0.990-0.9965."""
    plot.resize(1200, height)
    plot.show()
    plot.reset("vsr-x4-student vs vsr-x4-teacher")
    for k in range(FRAMES):
        plot.add_point(k, FRAMES, 40 + 5 * math.sin(k / 3), 0.990 + 0.0065 * (0.5 + 0.5 * math.sin(k / 4)))
    plot.finished(complete=True)


def test_the_summary_takes_one_line_where_the_row_has_room(plot, qtbot):
    """A spacer after it took the room: "30 / 30 frames · mean PSNR 45.50 / dB · mean SSIM" wrapped at 223 px in a
    1200 px window."""
    analysed(plot, 300)
    summary = plot.summary
    qtbot.waitUntil(lambda: summary.text().startswith(f"{FRAMES} / {FRAMES} frames"))
    qtbot.wait(50)
    assert summary.width() >= summary.fontMetrics().horizontalAdvance(summary.text()), summary.width()
    assert summary.height() < 2 * summary.fontMetrics().lineSpacing()


def test_value_axis_labels_are_at_least_a_line_apart_however_short_the_axis(plot, qtbot):
    """The SSIM axis labelled 0.996, 0.994, 0.992 and 0.990 within 40 px, one over another."""
    analysed(plot, 225)  # (at 200 px the summary's own line, over the plots, left the SSIM axis no label to draw)
    line = plot.graphs.fontMetrics().height()
    for axis in (p.getAxis("left") for p in (plot.psnr_plot, plot.ssim_plot)):
        for low, high, size in ((0.9895, 0.9965, 40), (0.9895, 0.9965, 300), (35.0, 46.0, 45), (0.0, 1.0, 20)):
            labelled = axis.tickValues(low, high, size)[0][1]  # only the first level is labelled
            pitch = min((b - a for a, b in itertools.pairwise(labelled)), default=math.inf) / (high - low) * size
            assert pitch >= line, (low, high, size, labelled)
        # where the labels have room, the steps are pyqtgraph's own
        assert axis.tickSpacing(0.9895, 0.9965, 300) == pg.AxisItem.tickSpacing(axis, 0.9895, 0.9965, 300)
    qtbot.waitUntil(lambda: plot.ssim_plot.getAxis("left").geometry().height() < 60)
    image = QImage(1200, 400, QImage.Format_ARGB32)
    painter = QPainter(image)
    for axis in (p.getAxis("left") for p in (plot.psnr_plot, plot.ssim_plot)):
        rects = [rect for rect, _, _ in axis.generateDrawSpecs(painter)[2]]  # the labels as they are drawn
        assert rects and not any(a.intersects(b) for a, b in itertools.combinations(rects, 2)), rects
    painter.end()
