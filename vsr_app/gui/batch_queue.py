"""The Batch tab's queue: a row for each input with its status, time and output or reason, sorted by the column
whose header was clicked, and a row's actions (compare its input, play its output, show it in its folder).

Apart from the panel (`batch_panel`), which lists the folder and runs the batch: here rows are found by their input's
name, never their position (sorting moves them, and a running batch sorts them again as files finish), and a row's
files are found again on disk when an action is picked. The panel says what to show; the queue asks it to compare
or open a file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QContextMenuEvent
from PySide6.QtWidgets import QHeaderView, QLabel, QMenu, QStyledItemDelegate, QTableWidget, QTableWidgetItem

from vsr_app.batch import EXISTS_HINT
from vsr_app.batch_plan import Queue
from vsr_app.batch_report import IGNORED, NO_VIDEO
from vsr_app.files import shown_name
from vsr_app.gui import colours, fmt, wording
from vsr_app.video.pipeline import breaks_text

STATUS_COLOURS = {"ok": "#7bd88f", "skipped": colours.MUTED, "done": colours.MUTED, "exists": "#ffb347",
                  "failed": "#ff6b6b", "cancelled": "#ffb347", IGNORED: colours.MUTED, NO_VIDEO: colours.MUTED,
                  "processing": colours.ACCENT, "not started": colours.MUTED, "stopped": "#ff6b6b"}
COLUMNS = ("File", "Status", "Time", "Output / reason")
FILE_COLUMN_CHARS = 50
SECONDS = Qt.UserRole  # a Time cell's seconds, which it sorts by
OUTPUT = Qt.UserRole + 1  # an Output / reason cell's output path, once the batch has said what became of the file
INPUT = Qt.UserRole + 2  # a File cell's input, relative to the input folder
REASON = Qt.UserRole + 3  # an Output / reason cell that holds a reason, not an output's path
# (paths are kept as their bytes: a name that is not UTF-8, from an old USB drive, lost its odd byte as text, and a
# row's actions opened another file)
REPLACES_THERE = "replaces the file there"  # after a row's output, made again with Replace ticked
FINISHED = ("ok", "skipped", "done")  # the statuses of a row whose output is complete: made now, or by an earlier run
# with the same settings, found by the batch or by the listing (an "ignored" row has none: it is an earlier output)


class TimeItem(QTableWidgetItem):
    """A Time cell, sorted by its seconds: by its text, "9 s" came after "10 s". One without a time sorts as 0 s."""

    def __lt__(self, other: QTableWidgetItem) -> bool:
        return (self.data(SECONDS) or 0.0) < (other.data(SECONDS) or 0.0)


class ReasonDelegate(QStyledItemDelegate):
    """An Output / reason cell that holds a reason is cut at its end, not in its middle as a path is: cut in the
    middle, it lost the words that join what happened to what to do ("...ng outputs\" to replace it") and read as
    nonsense. The whole reason is under the table (`QueueView.detail`) for the row selected."""

    def initStyleOption(self, option, index) -> None:
        super().initStyleOption(option, index)
        if index.data(REASON):
            option.textElideMode = Qt.ElideRight


class QueueTable(QTableWidget):
    """The queue, whose context menu is for one row: the one right-clicked, or for the menu key and Shift+F10 the
    current one (a mouse's position is the viewport's, the keyboard's the table's: the same point is not the same
    row)."""

    rowMenuRequested = Signal(int, QPoint)  # the row, where the menu goes (global)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        if event.reason() == QContextMenuEvent.Mouse:
            item = self.itemAt(event.pos())
            if item is not None:
                self.rowMenuRequested.emit(item.row(), event.globalPos())
        else:
            self._keyboard_menu()

    def keyPressEvent(self, event) -> None:
        """Shift+F10 opens the menu too: Qt makes it a context-menu event on Windows only."""
        if event.key() == Qt.Key_F10 and event.modifiers() == Qt.ShiftModifier:
            self._keyboard_menu()
        else:
            super().keyPressEvent(event)

    def _keyboard_menu(self) -> None:
        item = self.currentItem()
        if item is not None:
            self.scrollToItem(item)
            self.rowMenuRequested.emit(item.row(), self.viewport().mapToGlobal(self.visualItemRect(item).center()))


class QueueView(QueueTable):
    """The queue's rows, and the menu of a row's actions."""

    compareRequested = Signal(str)  # an input video, to be shown in the viewer
    openRequested = Signal(object)  # a file or folder (Path), to be opened with the system's app

    def __init__(self, for_gui: Callable[[str], str]):
        """`for_gui` words a reason or notes from the batch as this tab names its fields."""
        super().__init__(0, len(COLUMNS))
        self.for_gui = for_gui
        self.rows: dict[str, QTableWidgetItem] = {}  # the File cell of each input (relative path, as the batch
        # names it), which `_cells` finds the row of wherever sorting has moved it
        self.input_folder: Path | None = None  # the one the table lists
        self.menu_input: str | None = None  # the input whose row the menu is for, found by name when an action is
        # picked: a file finished meanwhile can have moved the row
        self.setAccessibleName("Batch queue")
        self.setHorizontalHeaderLabels(COLUMNS)
        self.verticalHeader().hide()
        self.setEditTriggers(QTableWidget.NoEditTriggers)
        self.setSelectionBehavior(QTableWidget.SelectRows)
        self.setTabKeyNavigation(False)  # Tab went from cell to cell, never reaching Process all or Cancel
        # one line a row, cut in the middle: wrapped, a row showed only "a/"; cut at the end, it lost the part of a
        # name that tells files apart ("..._3.mp4"). The tooltips hold the whole text.
        self.setWordWrap(False)
        self.setTextElideMode(Qt.ElideMiddle)
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeToContents)
        # no wider than this, or a long path in a sub-folder pushes status and reason out of view
        header.setMaximumSectionSize(self.fontMetrics().averageCharWidth() * FILE_COLUMN_CHARS)
        for column in (1, 2):  # status and time as wide as they read, at any font ("q…d" at 20 pt)
            header.setSectionResizeMode(column, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.Stretch)
        self.setItemDelegateForColumn(3, ReasonDelegate(self))
        # the selected row's output or reason whole, for the panel to show under the table: a long reason is cut in
        # its cell, and a tooltip is found only by those who hover (never by the keyboard's user)
        self.detail = QLabel()
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.PlainText)  # a file name is no markup
        self.detail.setTextInteractionFlags(Qt.TextSelectableByMouse)  # a path or a reason to copy
        self.detail.setAccessibleName("Selected file's output or reason")
        self.detail.hide()
        self.currentCellChanged.connect(self._show_detail)
        self.itemChanged.connect(self._cell_changed)
        header.setSortIndicator(-1, Qt.AscendingOrder)  # in the batch's order until a header is clicked
        self.setSortingEnabled(True)
        self.rowMenuRequested.connect(self._row_menu)
        self.itemDoubleClicked.connect(lambda item: self._compare(self._input_name(item.row())))
        self.row_menu = QMenu(self)
        self.compare_action = self.row_menu.addAction("Compare in viewer", lambda: self._compare(self.menu_input))
        self.row_menu.setDefaultAction(self.compare_action)  # shown in bold: what a double-click does
        self.play_action = self.row_menu.addAction("Play output", self._play_output)
        self.show_action = self.row_menu.addAction("Show in folder", self._show_in_folder)

    def _cell_changed(self, item: QTableWidgetItem) -> None:
        if item.row() == self.currentRow():  # the batch has said what became of the file shown under the table
            self._show_detail()

    def _show_detail(self) -> None:
        """The current row's file, status and whole output or reason under the table; nothing without a row."""
        row = self.currentRow()
        cells = [self.item(row, column) for column in (0, 1, 3)] if row >= 0 else []
        if None in cells or not cells:  # no row, or one whose cells are still being added
            self.detail.hide()
            return
        name, status, detail = (cell.text() for cell in cells)
        self.detail.setText(f"{name} ({status}): {detail}" if detail else f"{name} ({status})")
        self.detail.show()

    def clear_rows(self) -> None:
        self.setRowCount(0)
        self.rows.clear()
        self.row_menu.close()  # its row is gone: a name in the new folder may be another file
        self.menu_input = None

    def fill(self, queue: Queue, replacing: bool) -> None:
        """A row for each input; sorted, if a header was clicked, once all rows are in: sorting on, Qt sorted the
        table again for each cell added. `replacing` (Replace ticked): the files at the outputs' names are made again,
        as the batch makes them, not listed done or kept."""
        self.input_folder = queue.in_dir
        self.setSortingEnabled(False)
        for src, dst in zip(queue.inputs, queue.outputs):
            relative = str(src.relative_to(queue.in_dir))
            if src in queue.earlier:  # as the batch will leave it: with why, and no output
                self._add_row(relative, IGNORED, wording.left_as_it_is(queue.earlier[src]))
                self._cells(relative)[3].setData(REASON, True)
            elif src in queue.there and replacing:
                self._add_row(relative, "queued", f"{dst}  ({REPLACES_THERE})")
            elif src in queue.there:  # as the batch will find it: skipped, or kept
                self._add_there(relative, dst, queue.there[src])
            else:
                self._add_row(relative, "queued", str(dst) if dst else "")
        self.setSortingEnabled(True)

    def _add_there(self, relative: str, output: Path, kept: str | None) -> None:
        """The row of an input whose output's name holds a file: "done", with the output, where the batch skips it as
        complete (its actions play it); else "exists", with what it is and that the batch keeps it, as the batch says
        it."""
        if kept is None:
            self._add_row(relative, "done", str(output))
            self._cells(relative)[3].setData(OUTPUT, os.fsencode(output))
            return
        self._add_row(relative, "exists", self._reason(f"kept {kept}; {EXISTS_HINT}", relative))
        self._cells(relative)[3].setData(REASON, True)

    def mark_started(self, relative_input: str) -> None:
        cells = self._cells(relative_input)
        if cells is not None and cells[1].text() == "queued":
            self._set_status(cells[1], "processing")

    def end_unfinished(self, endings: dict[str, tuple[str, str]]) -> None:
        """Give the rows still "queued" or "processing" the status and reason `endings` holds for that status
        ({"queued": ("cancelled", "not started: ...")}), as a cancel or a failure ends the batch: a failed batch
        tells of no file, a cancelled one only once its current frame ends, and until then those rows read as if it
        might still reach them. Sorting waits until all are changed, as in `fill`."""
        self.setSortingEnabled(False)
        for name in self.rows.values():
            status, detail = self.item(name.row(), 1), self.item(name.row(), 3)
            if (ending := endings.get(status.text())) is not None:
                self._set_status(status, ending[0])
                self._set_text(detail, ending[1])
                detail.setData(REASON, True)
        self.setSortingEnabled(True)

    def show_result(self, result) -> None:
        """What became of a file (batch_report.FileResult): its status, time, and output or reason with notes."""
        cells = self._cells(result.input)
        if cells is None or result.status == IGNORED:  # its row says so already, and why in the tab's words: the batch
            return  # runs over the queue shown, and leaves as they are the inputs it lists so (`fill`)
        _, status, time, detail = cells
        ok = result.status == "ok"
        self._set_status(status, result.status)
        time.setData(SECONDS, result.seconds if ok else None)
        self._set_text(time, fmt.duration(result.seconds) if ok else "")
        text = result.output if ok else self._reason(result.reason or "", result.input)
        # as the command line's line says them: where interpolation repeated a frame rather than blend two shots
        notes = [repeats] if (repeats := breaks_text(result.scene_cuts, result.flashes, result.pauses)) else []
        notes += result.shown_notes
        if notes:
            text += "  (" + self.for_gui("; ".join(notes)) + ")"
        self._set_text(detail, text)
        detail.setData(OUTPUT, os.fsencode(result.output) if result.output else None)
        detail.setData(REASON, not ok)

    def _reason(self, reason: str, relative_input: str) -> str:
        """A file's reason worded for the GUI: its full path, which the File column shows, said as "this file"."""
        return self.for_gui(reason.replace(f"'{self.input_folder / relative_input}'", "this file"))

    def _add_row(self, relative_input: str, status: str, output: str) -> None:
        row = self.rowCount()
        self.insertRow(row)
        cells = QTableWidgetItem(), QTableWidgetItem(), TimeItem(), QTableWidgetItem()
        for column, (item, text) in enumerate(zip(cells, (relative_input, "", "", output))):
            self._set_text(item, text)
            self.setItem(row, column, item)
        self._set_status(cells[1], status)
        cells[0].setData(INPUT, os.fsencode(relative_input))
        self.rows[relative_input] = cells[0]

    def _cells(self, relative_input: str) -> list[QTableWidgetItem] | None:
        """The cells of the row listing this input, None if none does. Rows are found by name, never by position:
        sorting moves them, as does a change in the column sorted by (so take the cells before changing one). Looked
        up in `rows`: a search of the table for each finished file froze the tab for seconds with thousands of rows."""
        name = self.rows.get(relative_input)
        if name is None:
            return None
        return [self.item(name.row(), column) for column in range(len(COLUMNS))]

    @staticmethod
    def _set_text(item: QTableWidgetItem, text: str) -> None:
        """The text, and as its tooltip: in a small window a long reason is cut off, often the part that says
        what to do. A name's bytes that are not UTF-8 show escaped (caf\\xe9.mp4), as the command line prints them."""
        text = shown_name(text)
        item.setText(text)
        item.setToolTip(text)

    def _set_status(self, item: QTableWidgetItem, status: str) -> None:
        self._set_text(item, status)
        colour = STATUS_COLOURS.get(status)
        if colour:
            item.setForeground(QBrush(QColor(colour)))

    # ---- a row's actions ----
    def _input_name(self, row: int) -> str:
        """The input a row lists, which the row's actions go by: sorting moves rows, and a batch running sorts
        them again as files finish."""
        return os.fsdecode(self.item(row, 0).data(INPUT))

    def _row_menu(self, row: int, at: QPoint) -> None:
        """The actions on one row's file, those that do not apply to it shown disabled."""
        self.menu_input = relative = self._input_name(row)
        self.compare_action.setEnabled(self._input(relative) is not None)
        finished = self._output(relative) is not None
        self.play_action.setEnabled(finished)
        self.show_action.setEnabled(finished)
        self.row_menu.popup(at)

    def _input(self, relative: str | None) -> Path | None:
        """A row's input, None once it is gone (moved, deleted) or its row is (a new listing)."""
        if relative is None:
            return None
        path = self.input_folder / relative
        return path if path.is_file() else None

    def _output(self, relative: str) -> Path | None:
        """A row's complete output, None before the batch has made it (or found it made) and once it is gone."""
        cells = self._cells(relative)
        if cells is None or cells[1].text() not in FINISHED:
            return None
        path = Path(os.fsdecode(cells[3].data(OUTPUT)))
        return path if path.is_file() else None

    def _compare(self, relative: str) -> None:
        path = self._input(relative)
        if path is not None:
            self.compareRequested.emit(str(path))

    def _play_output(self) -> None:
        output = self._output(self.menu_input)
        if output is not None:
            self.openRequested.emit(output)

    def _show_in_folder(self) -> None:
        output = self._output(self.menu_input)
        if output is not None:
            self.openRequested.emit(output.parent)
