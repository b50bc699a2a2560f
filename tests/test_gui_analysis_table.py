"""The analysis's table of every model analysed on a video (a researcher comparing a teacher, two students and bicubic
read each pair's summary off in turn) and the plots' height in the Compare tab (the PSNR plot was 45 px tall in a
1400x900 window, 20 px at 1024x700 and the SSIM plot gone)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from gui_support import gui_env, window  # noqa: F401
from test_gui_analysis_csv import plot  # noqa: F401
from vsr_app.gui import theme
from vsr_app.gui.processing import CutVerdict
from vsr_app.gui.viewer import VIDEO_LEAST

TWO = (("a", theme.SIDE_A), ("b", theme.SIDE_B))


def analyse(plot, series, scores, video="/data/city", task="upscale", complete=True) -> None:
    """A ground truth analysis of `series` (name, colour) on `video`, each frame's `scores` ((PSNR, SSIM) a series)."""
    plot.reset(" and ".join(name for name, _ in series), video=video, task=task, sides=tuple(n for n, _ in series),
               series=series)
    for position, frame in enumerate(scores):
        plot.add_scores(position, 3, frame)
    plot.finished(complete=complete)


def shown_rows(table) -> list[list[str]]:
    return [[table.item(row, column).text() for column in range(table.columnCount())]
            for row in range(table.rowCount())]


def test_every_model_analysed_on_the_video_has_a_row_sortable_and_copied_for_a_spreadsheet(plot, qtbot):
    assert plot.table.isHidden()  # nothing measured yet
    analyse(plot, TWO, [((30.0, 0.9), (25.0, 0.8)), ((31.3, 0.8), (26.0, 0.8)), ((20.0, 0.7), (24.0, 0.5))])
    analyse(plot, (("c", theme.SIDE_A), ("b", theme.SIDE_B)),  # b again: its row is replaced, not doubled; stopped
            [((27.0, 0.85), (28.0, None)), ((29.5, 0.86), (26.0, None))], complete=False)
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
