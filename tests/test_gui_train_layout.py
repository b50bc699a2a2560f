"""The Train tab's layout on small screens: the curves keep the room their plots need (the form scrolls instead), the
plots stack only where the height holds them, the log gives way first, and both splits are kept between starts."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QImage, QPainter

from gui_support import gui_env, stop_work, window  # noqa: F401
from vsr_app.gui.train_curves import PLOT_MIN_HEIGHT, TrainingCurves
from vsr_app.gui.train_panel import FORM_MIN_WIDTH, FORM_WIDTH_KEY, LOG_HEIGHT_KEY, LOG_MIN_LINES

# a run's records as the trainer writes them: two loss terms, the net's validation PSNR and the baseline's
RECORDS = [{"step": step, "loss": 0.03 / step, "charb": 0.03 / step} for step in range(1, 6)] + [
    {"step": 5, "val_psnr": 25.5, "val_psnr_bicubic": 25.1}]


def shown_train_tab(qtbot, win, size: tuple[int, int]):
    """The window at `size` with its Train tab showing RECORDS' curves, laid out."""
    panel = win.train
    win.tabs.setCurrentWidget(panel)
    panel.plots.add_records(RECORDS)
    win.resize(*size)
    qtbot.wait(200)  # the axes widen once their labels are drawn (queued refits)
    return panel


def curves_room(panel) -> int:
    """The width the curves' side needs: its margins and the plots' least width."""
    margins = panel.curves_side.layout().contentsMargins()
    return int(margins.left() + panel.plots.least_width() + margins.right())


def data_heights(plots: TrainingCurves) -> list[float]:
    return [plot.getViewBox().size().height() for plot in (plots.loss_plot, plots.val_plot)]


def overlapping_labels(plots: TrainingCurves) -> list[str]:
    """The y-axis tick labels drawn over another of their axis's."""
    image = QImage(8, 8, QImage.Format_ARGB32)
    painter = QPainter(image)
    try:
        texts = [plot.getAxis("left").generateDrawSpecs(painter)[2] for plot in (plots.loss_plot, plots.val_plot)]
    finally:
        painter.end()
    return [text for labels in texts for i, (rect, _, text) in enumerate(labels)
            if any(rect.intersects(other) for other, _, _ in labels[i + 1:])]


@pytest.mark.parametrize("size", [(720, 540), (1024, 600)])
def test_a_small_window_leaves_the_curves_their_room_and_readable(window, qtbot, size):
    """At 720x540 (the window on an 800x600 screen) the form took 560 px and the curves 150, their plots cut at the
    window's edge and the loss plot with no data area; at 1024x600 the plots were stacked, each ~20 px tall, their
    axis labels on each other. The form's side then held the form whole (its drop-downs' longest choices had held it
    200 px wider, and it scrolled sideways)."""
    panel = shown_train_tab(qtbot, window, size)
    plots = panel.plots
    form_width, curves_width = panel.outer.sizes()
    assert curves_width >= curves_room(panel) and form_width >= FORM_MIN_WIDTH
    assert plots.graphs.ci.size().width() <= plots.graphs.width()  # no plot cut at the right edge
    assert panel.curves_side.geometry().right() < panel.width()
    assert not plots.stacked  # side by side: the height holds no two plots one above the other
    assert min(data_heights(plots)) >= PLOT_MIN_HEIGHT and overlapping_labels(plots) == []
    assert panel.form_scroll.horizontalScrollBar().maximum() == 0


def test_a_short_window_shrinks_the_log_before_the_plots(window, qtbot):
    panel = shown_train_tab(qtbot, window, (1600, 900))
    tall_log = panel.log.height()
    window.resize(1024, 600)
    qtbot.wait(100)
    assert panel.log.height() < tall_log  # the log gave way
    assert min(data_heights(panel.plots)) >= PLOT_MIN_HEIGHT
    assert panel.log.height() >= LOG_MIN_LINES * panel.log.fontMetrics().lineSpacing()


@pytest.fixture
def curves(qtbot, gui_env):
    widget = TrainingCurves()
    qtbot.addWidget(widget)
    widget.show()
    widget.add_records(RECORDS)
    return widget


def test_the_plots_stack_only_where_narrow_and_tall_enough(curves, qtbot):
    """Stacked by width alone, the plots of a short window got no height; side by side, those of a too narrow one
    were cut at its right edge."""
    too_narrow = int(curves.least_width()) - 20
    for size, stacked in [((400, 900), True), ((400, 420), False), ((1000, 900), False), ((too_narrow, 420), True)]:
        curves.resize(*size)
        qtbot.wait(100)
        assert curves.stacked == stacked, size
        assert curves.graphs.ci.size().width() <= curves.graphs.width(), size
        if size[0] > too_narrow:
            assert min(data_heights(curves)) >= PLOT_MIN_HEIGHT, size


def restarted(qtbot, win, size: tuple[int, int]):
    """`win` closed and the app started again (a new window on the same settings), its Train tab at `size`."""
    stop_work(win)
    win.close()
    from vsr_app.gui.main_window import MainWindow

    again = MainWindow(QSettings())
    qtbot.addWidget(again, before_close_func=stop_work)
    again.show()
    qtbot.waitExposed(again)
    return shown_train_tab(qtbot, again, size)


def test_the_dragged_splits_are_there_at_the_next_start(window, qtbot):
    """The form/curves split was back at the form's natural width at every start, the log at 200 px."""
    panel = shown_train_tab(qtbot, window, (1600, 900))
    natural = panel.outer.sizes()[0]
    panel.outer.moveSplitter(natural + 120, 1)  # as the user drags the handles
    panel.split.moveSplitter(panel.split.sizes()[0] + 60, 1)
    form_width, log_height = panel.outer.sizes()[0], panel.split.sizes()[1]
    assert form_width > natural and log_height < 190
    panel = restarted(qtbot, window, (1600, 900))
    assert panel.outer.sizes()[0] == form_width and panel.split.sizes()[1] == log_height


def test_remembered_splits_are_clamped_to_the_window(window, qtbot):
    """A split kept from a larger screen (or a hand-edited value) still leaves the curves their room, the form its
    least width and the log a few lines."""
    settings = QSettings()
    settings.setValue(FORM_WIDTH_KEY, 5000)
    settings.setValue(LOG_HEIGHT_KEY, 5000)
    panel = restarted(qtbot, window, (1024, 600))
    form_width, curves_width = panel.outer.sizes()
    assert curves_width >= curves_room(panel) and form_width > FORM_MIN_WIDTH
    assert min(data_heights(panel.plots)) >= PLOT_MIN_HEIGHT
    settings.setValue(FORM_WIDTH_KEY, -3)
    settings.setValue(LOG_HEIGHT_KEY, -3)
    panel = restarted(qtbot, panel.window(), (1024, 600))
    assert panel.outer.sizes()[0] == FORM_MIN_WIDTH
    assert panel.log.height() >= LOG_MIN_LINES * panel.log.fontMetrics().lineSpacing()
