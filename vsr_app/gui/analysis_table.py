"""The analysis's numbers as a table, a row per model (or per pair of sides), kept from one analysis to the next of
the same video, task and mode: the tab shows two sides at a time, and a researcher comparing a teacher, two students
and bicubic read each pair's summary off in turn. Sortable by any column; Ctrl+C (or its context menu) copies it as
tab-separated text, header first and rows as sorted, for a spreadsheet. The numbers are the summary's, no others.
"""

from __future__ import annotations

import math
from typing import Callable, NamedTuple

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QAbstractScrollArea, QHeaderView, QTableWidget, QTableWidgetItem

VALUE = Qt.UserRole  # a number cell's value, which it sorts by and is copied at full precision


class SeriesNumbers(NamedTuple):
    """One model's (or pair's) numbers from an analysis, as its summary gives them; nan where there are none (SSIM of
    frames under its window; the mean outside scene cuts where every frame lies across one)."""
    name: str
    scored: int  # positions measured
    mean_psnr: float
    mean_ssim: float
    worst_frame: float  # as the player numbers it (in-between 2½ is 2.5)
    worst_psnr: float
    psnr_outside_cuts: float  # interpolation's ground truth mode only


class Column(NamedTuple):
    header: str
    tip: str
    value: Callable[[SeriesNumbers], float | str]
    shown: Callable[[float], str]  # the cell's text of a number (a name is shown as it is)


COLUMNS = (
    Column("Model", "The model scored, or the two sides measured against each other", lambda r: r.name, str),
    Column("Frames", "How many frames were measured (fewer than the video's where the analysis was stopped)",
           lambda r: r.scored, lambda v: f"{v:.0f}"),
    Column("PSNR dB", "Mean Y-PSNR (dB) over the frames measured", lambda r: r.mean_psnr, lambda v: f"{v:.2f}"),
    Column("SSIM", "Mean Y-SSIM over the frames measured", lambda r: r.mean_ssim, lambda v: f"{v:.4f}"),
    Column("Worst", "The frame of lowest PSNR (outside scene cuts where there are others)",
           lambda r: r.worst_frame, lambda v: f"{v:.1f}".removesuffix(".0")),
    Column("Worst dB", "The PSNR (dB) of the worst frame", lambda r: r.worst_psnr, lambda v: f"{v:.2f}"),
)
CUTS_COLUMN = Column("Outside cuts dB", "Mean Y-PSNR (dB) without the held-out frames across a scene cut, which "
                     "say nothing of a model", lambda r: r.psnr_outside_cuts, lambda v: f"{v:.2f}")


class NumberItem(QTableWidgetItem):
    """A number's cell, sorted by the number (by text "9.50" came after "10.20"); one without a value first."""

    def __lt__(self, other: QTableWidgetItem) -> bool:
        return _sort_key(self.data(VALUE)) < _sort_key(other.data(VALUE))


def _sort_key(value) -> float:
    return -math.inf if value is None or math.isnan(value) else value


class AnalysisTable(QTableWidget):
    """Every model analysed on this video, task and mode, with its latest numbers."""

    def __init__(self, parent=None):
        super().__init__(0, len(COLUMNS), parent)
        self.setAccessibleName("Analysis numbers of every model")
        self.key: tuple = ()  # what the rows were measured on: another video, task or mode starts afresh
        self.columns = COLUMNS
        self.rows: dict[str, SeriesNumbers] = {}
        self.verticalHeader().hide()
        self.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.setTabKeyNavigation(False)
        self.setWordWrap(False)
        self.setSizeAdjustPolicy(QAbstractScrollArea.AdjustToContents)  # as wide as its columns, beside the plots
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().lineSpacing() + 4)  # compact: 4 rows in 100 px
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.horizontalHeader().setSortIndicator(2, Qt.DescendingOrder)  # the best mean PSNR first
        self.setSortingEnabled(True)
        copy = QAction("Copy table", self, shortcut=QKeySequence.Copy, shortcutContext=Qt.WidgetWithChildrenShortcut)
        copy.triggered.connect(self.copy)
        self.addAction(copy)
        self.setContextMenuPolicy(Qt.ActionsContextMenu)
        self._show_columns()

    def start(self, key: tuple, held_out: bool) -> None:
        """An analysis begins on `key` (video, task, mode): the rows of another key are dropped, as they were measured
        on something else; `held_out` adds the mean outside scene cuts."""
        if key != self.key:
            self.key = key
            self.rows.clear()
            self.columns = COLUMNS + (CUTS_COLUMN,) * held_out
            self._show_columns()

    def show_numbers(self, numbers: list[SeriesNumbers]) -> None:
        """The running analysis's numbers, replacing the rows of the same names (an earlier run of the model)."""
        self.rows.update((row.name, row) for row in numbers)
        self.setSortingEnabled(False)  # on, Qt sorted the table again at each cell set
        self.setRowCount(len(self.rows))
        for index, row in enumerate(self.rows.values()):
            for column, spec in enumerate(self.columns):
                value = spec.value(row)
                if isinstance(value, str):
                    item = QTableWidgetItem(value)
                else:
                    item = NumberItem("\u2014" if math.isnan(value) else spec.shown(value))
                    item.setData(VALUE, value)
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                self.setItem(index, column, item)
        self.setSortingEnabled(True)
        self.resizeColumnsToContents()  # now, not at the next layout: the plot widens the table to them

    def _show_columns(self) -> None:
        self.setRowCount(0)
        self.setColumnCount(len(self.columns))
        for index, spec in enumerate(self.columns):
            header = QTableWidgetItem(spec.header)
            header.setToolTip(spec.tip)
            self.setHorizontalHeaderItem(index, header)

    def text(self) -> str:
        """The table as tab-separated lines, header first, rows as sorted; numbers at full precision, none empty."""
        lines = ["\t".join(spec.header for spec in self.columns)]
        for row in range(self.rowCount()):
            cells = [self.item(row, column) for column in range(self.columnCount())]
            lines.append("\t".join(_copied(cell) for cell in cells))
        return "\n".join(lines) + "\n"

    def keyPressEvent(self, event) -> None:
        """Ctrl+C copies the whole table where the action's shortcut did not take it (Qt's own copied one cell)."""
        if event.matches(QKeySequence.Copy):
            self.copy()
        else:
            super().keyPressEvent(event)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.text())


def _copied(cell: QTableWidgetItem) -> str:
    value = cell.data(VALUE)
    if value is None:
        return cell.text()
    return "" if math.isnan(value) else f"{value:.10g}"
