"""The analysis's numbers as a table, a row per model (or per pair of sides) and device, kept from one analysis to the
next of the same video, task and mode: the tab shows two sides at a time, and a researcher comparing a teacher, two
students and bicubic read each pair's summary off in turn. Sortable by any column; Ctrl+C (or its context menu) copies
it as tab-separated text under a '#' line saying what was measured, as the CSV's first, header first and rows as
sorted, for a spreadsheet, with the locale's decimal point as that spreadsheet reads numbers (a German one took "27.1"
as text; tabs keep a "," apart). The numbers are the summary's, no others. A stopped run's row says so, and does not
replace a row of more frames (a stopped re-run's 5-frame mean was sorted against the others' 8-frame means).
"""

from __future__ import annotations

import math
from typing import Callable, NamedTuple

from PySide6.QtCore import QLocale, Qt
from PySide6.QtGui import QAction, QBrush, QColor, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QAbstractScrollArea, QHeaderView, QTableWidget, QTableWidgetItem

from vsr_app.gui import colours
from vsr_app.gui.timeline import timeline_number

VALUE = Qt.UserRole  # a number cell's value, which it sorts by and is copied at full precision
COPIED = Qt.UserRole + 1  # a cell's copied text where it is not its value ("5 / 8", a stopped run's frames)
MODEL_CHARACTERS = 28  # the Model column's width at most, in characters: a 95-character run name took it 760 px and
# scrolled every number out of view at 1024x700; cut in the middle (run names differ at the end), whole in its tooltip
MODEL_LEAST = 10  # ... and at least, where the numbers beside it take the rest of the table's width
FRAMES = 1  # the Frames column


class SeriesNumbers(NamedTuple):
    """One model's (or pair's) numbers from an analysis, as its summary gives them; nan where there are none (SSIM of
    frames under its window; the mean outside scene cuts where every frame lies across one)."""
    name: str  # the model, or the two sides "a vs b"
    device: str  # it ran on ("cpu", "cuda"), which moves the numbers (and the precision the app runs it in there)
    scored: int  # positions measured
    total: int  # the video's positions
    partial: str  # why the mean is of fewer than `total` ("stopped: mean over the first 5 frames"), "" for a whole run
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
           lambda r: r.worst_frame, timeline_number),  # "4½", copied as 4.5
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
        self.about = ""  # ... in words, the copied text's first line
        self.columns = COLUMNS
        self.rows: dict[tuple[str, str], SeriesNumbers] = {}  # by what decides the numbers: (model, device)
        self.names_width = 0  # px, the Model column's contents
        self.verticalHeader().hide()
        self.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.setTabKeyNavigation(False)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.ElideMiddle)
        self.setSizeAdjustPolicy(QAbstractScrollArea.AdjustToContents)  # as wide as its columns, beside the plots
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().lineSpacing() + 4)  # compact: 4 rows in 100 px
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.horizontalHeader().setSectionResizeMode(0, QHeaderView.Interactive)  # `_fit_model_column`
        self.horizontalHeader().setSortIndicator(2, Qt.DescendingOrder)  # the best mean PSNR first
        self.setSortingEnabled(True)
        copy = QAction("Copy table", self, shortcut=QKeySequence.Copy, shortcutContext=Qt.WidgetWithChildrenShortcut)
        copy.triggered.connect(self.copy)
        self.addAction(copy)
        self.setContextMenuPolicy(Qt.ActionsContextMenu)
        self._show_columns()

    def start(self, key: tuple, about: str, held_out: bool) -> None:
        """An analysis begins on `key` (video, task, mode), `about` in words: the rows of another key are dropped, as
        they were measured on something else; `held_out` adds the mean outside scene cuts."""
        if key != self.key:
            self.key, self.about = key, about
            self.rows.clear()
            self.columns = COLUMNS + (CUTS_COLUMN,) * held_out
            self._show_columns()

    def show_numbers(self, numbers: list[SeriesNumbers]) -> None:
        """The running analysis's numbers, replacing the rows of the same model and device (an earlier run of it)
        unless they are a stopped run's of fewer frames; one model on both sides is one row."""
        for row in numbers:
            kept = self.rows.get((row.name, row.device))
            if kept is None or not row.partial or row.scored >= kept.scored:
                self.rows[row.name, row.device] = row
        devices = {row.device for row in self.rows.values()}
        self.setSortingEnabled(False)  # on, Qt sorted the table again at each cell set
        self.setRowCount(len(self.rows))
        for index, row in enumerate(self.rows.values()):
            for column, spec in enumerate(self.columns):
                self.setItem(index, column, _cell(row, spec, len(devices) > 1))
            if row.partial:
                self._mark_partial(index, row)
        self.setSortingEnabled(True)
        self.resizeColumnsToContents()  # now, not at the next layout: the plot widens the table to them
        self.names_width = self.columnWidth(0)
        self._fit_model_column()

    def _mark_partial(self, index: int, row: SeriesNumbers) -> None:
        """A stopped (or still running) run's row: its frames as "5 / 8", muted and in italics, the tooltip why."""
        frames = self.item(index, FRAMES)
        frames.setText(f"{row.scored} / {row.total}")
        frames.setData(COPIED, frames.text())
        for column in range(self.columnCount()):
            item = self.item(index, column)
            font = item.font()
            font.setItalic(True)
            item.setFont(font)
            item.setForeground(QBrush(QColor(colours.MUTED)))
            item.setToolTip(row.partial if column else f"{item.toolTip()}\n{row.partial}")

    def wanted_width(self) -> int:
        """The table's width with every column whole, the Model column up to MODEL_CHARACTERS: what the plot gives
        it where there is room."""
        names = min(self.names_width, MODEL_CHARACTERS * self.fontMetrics().averageCharWidth())
        return names + self._numbers_width() + 2 * self.frameWidth()

    def _numbers_width(self) -> int:
        return sum(self.columnWidth(column) for column in range(1, self.columnCount()))

    def _fit_model_column(self) -> None:
        """The Model column as wide as its names up to MODEL_CHARACTERS, narrower where the numbers would otherwise go
        out of view (down to MODEL_LEAST): at 1024x700 the table has 550 px beside the plots."""
        character = self.fontMetrics().averageCharWidth()
        room = self.viewport().width() - self._numbers_width()
        self.setColumnWidth(0, max(MODEL_LEAST * character, min(self.names_width, MODEL_CHARACTERS * character, room)))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_model_column()

    def _show_columns(self) -> None:
        self.setRowCount(0)
        self.setColumnCount(len(self.columns))
        for index, spec in enumerate(self.columns):
            header = QTableWidgetItem(spec.header)
            header.setToolTip(spec.tip)
            self.setHorizontalHeaderItem(index, header)

    def text(self) -> str:
        """The table as tab-separated lines under a '#' line of what was measured (as the CSV's first), header first,
        rows as sorted; numbers at full precision with the locale's decimal point, none empty."""
        point = QLocale().decimalPoint()
        lines = [f"# {self.about}", "\t".join(spec.header for spec in self.columns)]
        for row in range(self.rowCount()):
            cells = [self.item(row, column) for column in range(self.columnCount())]
            lines.append("\t".join(_copied(cell, point) for cell in cells))
        return "\n".join(lines) + "\n"

    def keyPressEvent(self, event) -> None:
        """Ctrl+C copies the whole table where the action's shortcut did not take it (Qt's own copied one cell)."""
        if event.matches(QKeySequence.Copy):
            self.copy()
        else:
            super().keyPressEvent(event)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.text())


def _cell(row: SeriesNumbers, spec: Column, by_device: bool) -> QTableWidgetItem:
    """`row`'s cell of column `spec`: a name with its device where the rows' devices differ (the full name in its
    tooltip, as the column cuts a long one), or a number."""
    value = spec.value(row)
    if isinstance(value, str):
        named = f"{value} ({row.device})" if by_device else value
        item = QTableWidgetItem(named)
        item.setToolTip(f"{value}\non {row.device}")
        return item
    item = NumberItem("\u2014" if math.isnan(value) else spec.shown(value))
    item.setData(VALUE, value)
    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
    return item


def _copied(cell: QTableWidgetItem, point: str) -> str:
    copied, value = cell.data(COPIED), cell.data(VALUE)
    if copied is not None:
        return copied
    if value is None:
        return cell.text()
    return "" if math.isnan(value) else f"{value:.10g}".replace(".", point)
