"""Scene cuts marked in the analysis plot, and the table's worst frame named as the player names it (a tester's
findings: the curve ran straight across a cut the summary counted, and the Worst column read "4.5" where the summary
and the player said "in-between 4½")."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from gui_support import gui_env  # noqa: F401
from test_gui_analysis_csv import plot  # noqa: F401
from test_gui_analysis_table import c_locale  # noqa: F401

WORST = 4  # the table's Worst column


def marks(plot) -> list[tuple[float, str]]:
    """Each plot's dashed marks: (x, tooltip), PSNR plot first."""
    return [(item.value(), item.toolTip()) for p in (plot.psnr_plot, plot.ssim_plot) for item in p.items
            if isinstance(item, pg.InfiniteLine) and item not in plot.cursors]


def test_an_in_between_left_out_at_a_scene_cut_is_marked_in_both_plots_until_the_next_analysis(plot):
    plot.reset("a vs b", first=1.5, task="interpolate")
    for position in range(3):
        plot.add_point(position, 5, 30.0, 0.9)
    plot.add_point(3, 5, 100.0, 1.0, "scene cut")  # in-between 4½
    plot.add_point(4, 5, 31.0, 0.9)
    plot.finished(complete=True)
    assert "(1 scene cut)" in plot.summary.text()
    assert marks(plot) == [(4.5, "scene cut"), (4.5, "scene cut")]
    assert all(not item.movable for p in (plot.psnr_plot, plot.ssim_plot) for item in p.items
               if isinstance(item, pg.InfiniteLine) and item not in plot.cursors)
    plot.reset("a vs b", first=1.5, task="interpolate")  # another analysis: its own cuts only
    assert marks(plot) == []


def test_the_worst_column_names_an_in_between_as_the_player_does_and_copies_its_number(plot, qtbot, c_locale):
    plot.reset("a vs b", first=1.5, task="interpolate")
    for position, psnr in enumerate((30.0, 31.0, 29.0, 25.0, 32.0)):
        plot.add_point(position, 5, psnr, 0.9)
    plot.finished(complete=True)
    assert "worst: in-between 4\u00bd" in plot.summary.text()
    table = plot.table
    assert table.item(0, WORST).text() == "4\u00bd"
    plot.show()
    qtbot.waitExposed(plot)
    table.setFocus()
    QApplication.clipboard().clear()
    qtbot.keyClick(table, Qt.Key_C, Qt.ControlModifier)
    assert QApplication.clipboard().text().splitlines()[2].split("\t")[WORST] == "4.5"  # a number a spreadsheet reads
    plot.reset("a vs b", first=1.0, task="upscale")  # a frame: its number alone
    for position, psnr in enumerate((30.0, 25.0)):
        plot.add_point(position, 2, psnr, 0.9)
    plot.finished(complete=True)
    assert table.item(0, WORST).text() == "2"
