"""The analysis's table of every model analysed on a video (a researcher comparing a teacher, two students and bicubic
read each pair's summary off in turn) and the plots' height in the Compare tab (the PSNR plot was 45 px tall in a
1400x900 window, 20 px at 1024x700 and the SSIM plot gone)."""

from __future__ import annotations

import pytest
import torch
from PySide6.QtCore import QLocale, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication

from gui_support import gui_env, window  # noqa: F401
from test_gui_analysis_csv import plot  # noqa: F401
from vsr_app.gui import analysis_plot, colours
from vsr_app.gui.analysis import CutVerdict
from vsr_app.gui.processing import TRUTH
from vsr_app.gui.viewer import VIDEO_LEAST

TWO = (("a", colours.SIDE_A), ("b", colours.SIDE_B))
# a user's run name: the Model column took 760 px for it, and at 1024x700 every number was scrolled out of view
LONG = "my-student-distilled-from-the-teacher-with-laplacian-and-a-very-long-descriptive-name-round-3"


@pytest.fixture
def c_locale():
    """Copies carry the tester's decimal point on purpose: pinned, so the expected text holds under any LANG."""
    before = QLocale()
    QLocale.setDefault(QLocale.c())
    yield
    QLocale.setDefault(before)


def analyse(plot, series, scores, video="/data/city", task="upscale", complete=True, total=3, sides=None,
            device="auto") -> None:
    """A ground truth analysis of `series` (name, colour) on `video` of `total` frames, each frame's `scores` ((PSNR,
    SSIM) a series); `sides` the models picked where they are not the series' names (one model on both sides)."""
    plot.reset(" and ".join(name for name, _ in series), video=video, task=task,
               sides=sides or (*(n for n, _ in series), TRUTH)[:2], series=series, device=device)
    for position, frame in enumerate(scores):
        plot.add_scores(position, total, frame)
    plot.finished(complete=complete)


def shown_rows(table) -> list[list[str]]:
    return [[table.item(row, column).text() for column in range(table.columnCount())]
            for row in range(table.rowCount())]


def test_every_model_analysed_on_the_video_has_a_row_sortable_and_copied_for_a_spreadsheet(plot, qtbot, c_locale):
    assert plot.table.isHidden()  # nothing measured yet
    analyse(plot, TWO, [((30.0, 0.9), (25.0, 0.8)), ((31.3, 0.8), (26.0, 0.8)), ((20.0, 0.7), (24.0, 0.5))])
    analyse(plot, (("c", colours.SIDE_A), ("b", colours.SIDE_B)),  # b again: its row is replaced, not doubled
            [((27.0, 0.85), (28.0, None)), ((29.5, 0.86), (26.0, None))])
    table = plot.table
    assert not table.isHidden()
    assert [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())] == [
        "Model", "Frames", "PSNR dB", "SSIM", "Worst", "Worst dB"]
    assert shown_rows(table) == [  # the best mean PSNR first
        ["c", "2", "28.25", "0.8550", "1", "27.00"],
        ["a", "3", "27.10", "0.8000", "3", "20.00"],
        ["b", "2", "27.00", "\u2014", "2", "26.00"]]  # SSIM of frames under its window: none
    table.sortItems(4, Qt.AscendingOrder)  # by the worst frame
    assert [row[0] for row in shown_rows(table)] == ["c", "b", "a"]
    table.sortItems(0, Qt.AscendingOrder)
    QApplication.clipboard().clear()
    plot.show()
    qtbot.waitExposed(plot)
    table.setFocus()
    qtbot.keyClick(table, Qt.Key_C, Qt.ControlModifier)
    assert QApplication.clipboard().text() == (
        "# upscale: each model against the ground truth (fed it x4 downscaled, as eval vsr is) on /data/city\n"
        "Model\tFrames\tPSNR dB\tSSIM\tWorst\tWorst dB\n"
        "a\t3\t27.1\t0.8\t3\t20\n"
        "b\t2\t27\t\t2\t26\n"
        "c\t2\t28.25\t0.855\t1\t27\n")
    analyse(plot, TWO[:1], [((40.0, 0.99),)], video="/data/walk")  # another video: its own numbers only
    assert [row[0] for row in shown_rows(table)] == ["a"] and table.item(0, 2).text() == "40.00"


def test_the_held_out_frames_table_gives_the_mean_outside_scene_cuts(plot):
    plot.reset("a against the ground truth", first=2.0, video="/data/walk", task="interpolate", sides=("a", "truth"),
               series=TWO[:1], held_out=True)
    for position, psnr in enumerate((30.0, 10.0, 32.0)):
        plot.add_truth_progress(position, 3, ((psnr, 0.9),), 7)
    plot.add_truth_progress(CutVerdict(1, True))
    plot.finished(complete=True)
    assert plot.table.horizontalHeaderItem(6).text() == "Outside cuts dB"
    assert shown_rows(plot.table) == [["a", "3", "24.00", "0.9000", "2", "30.00", "31.00"]]  # worst: not the cut


def test_the_psnr_plot_is_readable_in_the_compare_tab_and_the_video_keeps_its_room(window, qtbot):
    viewer = window.viewer
    window.compare.setCurrentWidget(viewer)  # not the welcome page
    window.show()
    analysis = viewer.analysis
    analyse(analysis, TWO, [((30.0 + k % 3, 0.9), (25.0 + k % 2, 0.8)) for k in range(40)])
    analysis.show()
    line = analysis.graphs.fontMetrics().lineSpacing()
    # (PSNR, SSIM) px at least: 45 and 39 at 1400x900 before, 20 and none at 1024x700
    for size, least in (((1400, 900), (80, 4 * line)), ((1024, 700), (2.5 * line, 2.5 * line))):
        window.resize(*size)
        qtbot.waitExposed(window)
        QApplication.processEvents()
        qtbot.wait(50)
        heights = tuple(plot.vb.height() for plot in (analysis.psnr_plot, analysis.ssim_plot))
        assert all(h >= at_least for h, at_least in zip(heights, least)), (size, heights)
        assert viewer.top.height() >= VIDEO_LEAST, size  # the picture's row is not squeezed out for them
        bottom = analysis.mapTo(window, analysis.rect().bottomLeft()).y()
        assert bottom <= viewer.bar.mapTo(window, viewer.bar.rect().topLeft()).y()  # the plots are on screen
    total = sum(viewer.splitter.sizes())
    viewer.splitter.moveSplitter(total - 5, 1)  # dragged all the way down: the analysis is not collapsed
    QApplication.processEvents()
    assert viewer.splitter.sizes()[1] >= analysis.minimumHeight() > 0


def test_a_stopped_rerun_keeps_the_whole_runs_row_and_a_stopped_row_says_so(plot, qtbot, c_locale):
    """A stopped re-run of the student (5 of 8 frames, 20.70 dB) replaced its whole run's 20.66 dB, sorted against
    8-frame means with nothing saying so."""
    whole = [((20.66, 0.56),)] * 8
    analyse(plot, (("student", colours.SIDE_A),), whole, total=8)
    analyse(plot, (("student", colours.SIDE_A), ("teacher", colours.SIDE_B)), [((20.70, 0.57), (21.66, 0.66))] * 5,
            complete=False, total=8)
    table = plot.table
    rows = {row[0]: row for row in shown_rows(table)}
    assert rows["student"][1:3] == ["8", "20.66"]  # the whole run's, not the stopped one's
    assert rows["teacher"][1:3] == ["5 / 8", "21.66"]  # the only run of it: kept, and marked
    teacher = next(row for row in range(table.rowCount()) if table.item(row, 0).text() == "teacher")
    for column in range(table.columnCount()):
        item = table.item(teacher, column)
        assert item.font().italic() and item.foreground().color() == QColor(colours.MUTED)
        assert item.toolTip().endswith("stopped: mean over the first 5 frames")
    assert not table.item(1 - teacher, 0).font().italic()
    assert "teacher\t5 / 8\t21.66\t" in table.text()  # copied as partial too, not as if whole
    analyse(plot, (("student", colours.SIDE_A),), [((20.0, 0.5),)] * 8, total=8)  # a whole re-run does replace it
    assert {row[0]: row[1:3] for row in shown_rows(table)}["student"] == ["8", "20.00"]


@pytest.mark.parametrize("locale, point", [(QLocale(QLocale.German, QLocale.Germany), ","),
                                           (QLocale(QLocale.French, QLocale.France), ","),
                                           (QLocale(QLocale.English, QLocale.UnitedStates), "."), (QLocale.c(), ".")],
                         ids=["German", "French", "English", "C"])
def test_copied_numbers_have_the_locale_s_decimal_point(plot, locale, point):
    """A German spreadsheet took "27.1" pasted as text, not a number; the tabs keep its "," apart from the next."""
    before = QLocale()
    QLocale.setDefault(locale)
    try:
        analyse(plot, TWO, [((30.0, 0.9), (25.0, 0.8)), ((24.2, 0.8), (26.0, None))])
        copied = plot.table.text().splitlines()[2:]
    finally:
        QLocale.setDefault(before)
    assert copied == [f"a\t2\t27{point}1\t0{point}85\t2\t24{point}2", f"b\t2\t25{point}5\t\t1\t25"]
    assert plot.table.item(0, 2).text() == "27.10"  # shown as the app writes numbers


def test_rows_are_of_a_model_on_a_device_and_one_model_on_both_sides_is_one_row(plot, monkeypatch):
    """Rows were keyed by name alone: a run on the CPU replaced one on CUDA unsaid, and one model on both sides gave
    "a-left" and "a-right" rows beside "a"."""
    monkeypatch.setattr(analysis_plot, "resolve_device", torch.device)  # CUDA or not, as the device picker offers it
    analyse(plot, TWO[:1], [((30.0, 0.9),)] * 3, device="cuda")
    assert [row[0] for row in shown_rows(plot.table)] == ["a"]  # one device: not labelled
    analyse(plot, (("a-left", colours.SIDE_A), ("a-right", colours.SIDE_B)), [((31.0, 0.9), (31.0, 0.9))] * 3,
            sides=("a", "a"), device="cpu")
    assert sorted(row[:3] for row in shown_rows(plot.table)) == [["a (cpu)", "3", "31.00"], ["a (cuda)", "3", "30.00"]]
    assert plot.table.item(0, 0).toolTip() in ("a\non cpu", "a\non cuda")


def test_a_long_model_name_leaves_every_number_in_view(window, qtbot):
    """The Model column is cut to about 28 characters, in the middle (run names differ at the end), the full name in
    its tooltip: a 95-character name took it 760 px, every number scrolled out of view at 1024x700."""
    viewer = window.viewer
    window.compare.setCurrentWidget(viewer)
    analysis = viewer.analysis
    analyse(analysis, ((LONG, colours.SIDE_A), ("bicubic", colours.SIDE_B)), [((30.0, 0.9), (25.0, 0.8))] * 3)
    analysis.show()
    table = analysis.table
    for size in ((1024, 700), (1400, 900)):
        window.resize(*size)
        qtbot.waitExposed(window)
        QApplication.processEvents()
        qtbot.wait(50)
        assert table.horizontalHeader().length() <= table.viewport().width(), size  # every column in view
        assert table.horizontalScrollBar().maximum() == 0, size
        assert table.columnWidth(0) <= 30 * table.fontMetrics().averageCharWidth(), size
    assert table.textElideMode() == Qt.ElideMiddle
    named = next(row for row in range(table.rowCount()) if table.item(row, 0).text() == LONG)
    assert table.item(named, 0).toolTip().startswith(LONG)
