"""The Batch tab: a GUI over `vsr_app.batch.run_batch` (what `vsr-app batch` runs): folder in, folder out,
the queue with each file's status, overall progress with ETA, Cancel, and the JSON report.

The queue is listed before starting (same file discovery and output naming as the batch itself), then
each row is updated as the batch reports the file finished. Both run on Job threads: listing a large tree or a
network share, and opening the files at the outputs' names, can take minutes, and the window must stay usable.
A click on a column's header sorts the queue by it. A row's menu (right-click, the menu key or Shift+F10) acts on its
file: compare its input in the viewer (also a double-click), play its output, show the output in its folder.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QPoint, QSettings, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QContextMenuEvent, QKeySequence
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QMenu, QMessageBox, QProgressBar, QPushButton,
                               QSpinBox, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from vsr_app import APP_NAME
from vsr_app.batch import run_batch
from vsr_app.batch_plan import Queue, list_queue, parse_extensions
from vsr_app.batch_report import IGNORED, left_as_they_are
from vsr_app.errors import VsrAppError
from vsr_app.files import shown_name
from vsr_app.gui import fmt, theme
from vsr_app.gui.codecs import CODECS, CodecCrfs, has_crf
from vsr_app.gui.paths import FULL_PATH_TIP, full_path
from vsr_app.gui.settings_values import setting
from vsr_app.gui.widgets import (WarningLabel, announce, bind_name, deinterlace_box, fill_models, name_form_fields,
                                 open_with_system, path_row, self_ensemble_box)
from vsr_app.gui.workers import Job
from vsr_app.media import BATCH_EXTENSIONS
from vsr_app.models import device_choices, list_models
from vsr_app.shipped import PREFERRED
from vsr_app.video.encoding import X26X_CRF_RANGE
from vsr_app.video.pipeline import breaks_text

STATUS_COLOURS = {"ok": "#7bd88f", "skipped": theme.MUTED, "exists": "#ffb347", "failed": "#ff6b6b",
                  "cancelled": "#ffb347", "ignored": theme.MUTED, "processing": theme.ACCENT}
REPLACE_LABEL = "Replace existing outputs"
REPLACE_LISTED = 8  # files named when asking before replacing files this app did not make
RECURSIVE_LABEL = "Include sub-folders"
# Versions before the longer default list saved the Extensions field under "batch/ext" on every quit, so their
# default there means the default; the field is kept under "batch/extensions" now, and only when changed.
EARLIER_DEFAULT_EXTENSIONS = frozenset({"mp4,mkv,mov,avi,webm,m4v"})
COLUMNS = ("File", "Status", "Time", "Output / reason")
FIELD_GAP = 8  # px between the fields of a form row: the style's none left "with" and "on" against their pickers
FILE_COLUMN_CHARS = 50
SECONDS = Qt.UserRole  # a Time cell's seconds, which it sorts by
OUTPUT = Qt.UserRole + 1  # an Output / reason cell's output path, once the batch has said what became of the file
INPUT = Qt.UserRole + 2  # a File cell's input, relative to the input folder
# (paths are kept as their bytes: a name that is not UTF-8, from an old USB drive, lost its odd byte as text, and a
# row's actions opened another file)
FINISHED = ("ok", "skipped")  # the statuses of a row whose output is complete: made now, or by an earlier run with
# the same settings (an "ignored" row has none: it is an earlier output itself)


class TimeItem(QTableWidgetItem):
    """A Time cell, sorted by its seconds: by its text, "9 s" came after "10 s". One without a time sorts as 0 s."""

    def __lt__(self, other: QTableWidgetItem) -> bool:
        return (self.data(SECONDS) or 0.0) < (other.data(SECONDS) or 0.0)


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


class BatchPanel(QWidget):
    errorRaised = Signal(str, str)
    compareRequested = Signal(str, str, str)  # input video, viewer task, model name
    fileStarted = Signal(int, int, object)  # index (1-based), count, batch_report.FileResult; emitted from the job
    fileFinished = Signal(int, int, object)  # as fileStarted
    listed = Signal()  # a listing of the queue has ended (shown, failed, or found no folder)
    batchFinished = Signal()  # a batch job has ended, however

    def __init__(self, settings: QSettings, parent=None):
        super().__init__(parent)
        self.settings = settings
        self.job: Job | None = None  # the batch
        self.list_job: Job | None = None  # the newest listing; an older one still running is ignored when it ends
        self.start_when_listed = False
        self.browse_buttons: list[QPushButton] = []  # locked with the fields while a batch lists or runs
        self.rows: dict[str, QTableWidgetItem] = {}  # the File cell of each input (relative path, as the batch
        # names it), which `_cells` finds the row of wherever sorting has moved it
        self.report_path: str | None = None
        self.input_folder: Path | None = None  # the one the table lists
        self.output_folder: Path | None = None  # of the batch last started
        self.made_with: tuple[str, str] | None = None  # (task, model) of the batch whose results the table shows
        self.menu_input: str | None = None  # the input whose row the menu is for, found by name when an action is
        # picked: a file finished meanwhile can have moved the row
        self.fileStarted.connect(self._file_started)
        self.fileFinished.connect(self._file_finished)

        form = QFormLayout()
        form.setVerticalSpacing(8)
        self.in_dir = self._folder_row(form, "Input folder", "batch/in_dir", FULL_PATH_TIP)
        self.out_dir = self._folder_row(form, "Output folder", "batch/out_dir",
                                        "~ is your home folder; a path that is not a full one is taken inside the "
                                        "input folder")
        task_row = QHBoxLayout()
        task_row.setSpacing(FIELD_GAP)
        self.task = QComboBox()
        self.task.addItem("Upscale \u00d74", "upscale")
        self.task.addItem("Double the frame rate", "interpolate")
        self.task.setCurrentIndex(max(0, self.task.findData(setting(settings, "batch/task", "upscale"))))
        self.task.currentIndexChanged.connect(self.refresh_models)
        self.listed_task: str | None = None  # the task whose models the Model list holds
        self.picks: dict[str, str] = {}  # each task's model as last chosen
        self.model = QComboBox()
        self.model.setMinimumContentsLength(18)
        self.device = QComboBox()
        for key, text in device_choices():
            self.device.addItem(text, key)
        task_row.addWidget(self.task)
        task_row.addWidget(bind_name(self.model, "Model", QLabel("with")))
        task_row.addWidget(self.model, 1)
        task_row.addWidget(bind_name(self.device, "Device", QLabel("on")))
        task_row.addWidget(self.device)
        form.addRow("Task", task_row)
        self.self_ensemble = self_ensemble_box(settings, "batch/self_ensemble")
        self.deinterlace = deinterlace_box(settings, "batch/deinterlace")
        options_row = QHBoxLayout()
        options_row.setSpacing(2 * FIELD_GAP)  # touching, the two boxes' labels read as one
        options_row.addWidget(self.self_ensemble)
        options_row.addWidget(self.deinterlace)
        options_row.addStretch(1)
        form.addRow("", options_row)
        self.task.currentIndexChanged.connect(self._task_changed)
        pick_row = QHBoxLayout()
        pick_row.setSpacing(FIELD_GAP)
        if settings.contains("batch/extensions"):
            stored = setting(settings, "batch/extensions", "")
        else:
            earlier = setting(settings, "batch/ext", "")
            stored = earlier if earlier not in EARLIER_DEFAULT_EXTENSIONS else ""
        self.ext = QLineEdit(stored or ",".join(BATCH_EXTENSIONS))
        self.ext.setCursorPosition(0)  # a list longer than the field shows its start ("mp4,mkv,..."), not its end
        self.recursive = QCheckBox(RECURSIVE_LABEL)
        self.recursive.setChecked(setting(settings, "batch/recursive", False))
        pick_row.addWidget(self.ext, 1)
        pick_row.addWidget(self.recursive)
        form.addRow("Extensions", pick_row)
        out_row = QHBoxLayout()
        out_row.setSpacing(FIELD_GAP)
        self.codec = QComboBox()
        for key, codec in CODECS.items():
            self.codec.addItem(codec.label, key)
        self.codec.setCurrentIndex(max(0, self.codec.findData(setting(settings, "batch/codec", "libx264"))))
        self.crf = QSpinBox()
        self.crfs = CodecCrfs(settings, "batch/crf")
        self.crf.setRange(*X26X_CRF_RANGE)
        self.crf.setPrefix("CRF ")
        self._keep_old_crf()
        self.overwrite = QCheckBox(REPLACE_LABEL)
        self.overwrite.setToolTip("Without it, a file already at an output's name is kept: skipped when it is a "
                                  "finished output made with these settings, reported otherwise. With it, the file "
                                  "there is replaced (never an input); one with no record of this app only once "
                                  "you say so.")
        out_row.addWidget(bind_name(self.codec, "Output codec"))
        out_row.addWidget(self.codec)
        out_row.addWidget(self.crf)
        out_row.addWidget(self.overwrite)
        out_row.addStretch(1)
        form.addRow("Output", out_row)
        self.crf.setAccessibleName("CRF (quality)")  # a row of several fields: each its own name
        name_form_fields(form)
        self.ext.editingFinished.connect(self.scan)
        self.recursive.toggled.connect(self.scan)
        self.codec.currentIndexChanged.connect(self._codec_changed)

        self.table = QueueTable(0, len(COLUMNS))
        self.table.setAccessibleName("Batch queue")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectRows)
        self.table.setTabKeyNavigation(False)  # Tab went from cell to cell, never reaching Process all or Cancel
        # one line a row, cut in the middle: wrapped, a row showed only "a/"; cut at the end, it lost the part of a
        # name that tells files apart ("..._3.mp4"). The tooltips hold the whole text.
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.ElideMiddle)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeToContents)
        # no wider than this, or a long path in a sub-folder pushes status and reason out of view
        header.setMaximumSectionSize(self.table.fontMetrics().averageCharWidth() * FILE_COLUMN_CHARS)
        for column in (1, 2):  # status and time as wide as they read, at any font ("q…d" at 20 pt)
            header.setSectionResizeMode(column, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.Stretch)
        header.setSortIndicator(-1, Qt.AscendingOrder)  # in the batch's order until a header is clicked
        self.table.setSortingEnabled(True)
        self.table.rowMenuRequested.connect(self._row_menu)
        self.table.itemDoubleClicked.connect(lambda item: self._compare(self._input_name(item.row())))
        self.row_menu = QMenu(self)
        self.compare_action = self.row_menu.addAction("Compare in viewer", lambda: self._compare(self.menu_input))
        self.row_menu.setDefaultAction(self.compare_action)  # shown in bold: what a double-click does
        self.play_action = self.row_menu.addAction("Play output", self._play_output)
        self.show_action = self.row_menu.addAction("Show in folder", self._show_in_folder)

        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setAccessibleName("Batch progress")
        self.status = QLabel("Choose an input and an output folder.")
        self.status.setProperty("role", "muted")
        self.status.setWordWrap(True)  # on one line, a long file name in work widened the window past the screen
        self.warning = WarningLabel()
        buttons = QHBoxLayout()
        self.report_button = QPushButton("Open report")
        self.report_button.clicked.connect(self._open_report)
        self.report_button.hide()
        self.folder_button = QPushButton("Show output folder")
        self.folder_button.clicked.connect(self._show_output_folder)
        self.folder_button.hide()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the batch after the current frame (Esc)")
        # a button's shortcut acts only while the button is shown: while this tab shows a running batch
        self.cancel_button.setShortcut(QKeySequence(Qt.Key_Escape))
        self.cancel_button.clicked.connect(self.cancel)
        self.start_button = QPushButton("Process all")
        self.start_button.setProperty("accent", True)
        self.start_button.clicked.connect(self.start)
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.folder_button)
        buttons.addWidget(self.report_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.start_button)

        box = QGroupBox("Batch")
        box.setLayout(form)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.addWidget(box)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.progress)
        layout.addWidget(self.warning)
        layout.addLayout(buttons)
        self.refresh_models()
        self._codec_changed()
        self._set_running(False)
        self.scan()

    def _folder_row(self, form: QFormLayout, label: str, key: str, tooltip: str) -> QLineEdit:
        edit = QLineEdit(setting(self.settings, key, ""))
        edit.setToolTip(tooltip)
        edit.editingFinished.connect(self.scan)

        def pick():
            folder = QFileDialog.getExistingDirectory(self, label, edit.text())
            if folder:
                edit.setText(folder)
                self.scan()

        browse = QPushButton("Browse\u2026")
        self.browse_buttons.append(browse)
        form.addRow(label, path_row(edit, browse, pick))
        return edit

    def refresh_models(self) -> None:
        """List the task's models, keeping each task's pick: the one made since the app started (a look at the other
        task must not lose it), else the one saved, else the preferred student."""
        task = self.task.currentData()
        if self.listed_task is not None and self.model.currentData():
            self.picks[self.listed_task] = self.model.currentData()
        current = self.picks.get(task) or setting(self.settings, f"batch/model/{task}", "")
        self.listed_task = task
        fill_models(self.model, [(m.name, m.name, m) for m in list_models() if m.task == task],
                    [current, PREFERRED[task].student])

    def _task_changed(self) -> None:
        """Which inputs are left as they are (a task's earlier outputs) depends on the task: listed again."""
        self.self_ensemble.setEnabled(self.task.currentData() == "upscale")
        self.scan()

    def _codec_changed(self) -> None:
        """Each codec gets its own CRF, its default until one is chosen: what `vsr-app batch --codec` uses, so a batch
        started here and resumed there (or the other way round) finds its outputs made with the same settings."""
        key = self.codec.currentData()
        self.crf.setEnabled(has_crf(key))
        self.crfs.show(self.crf, key)
        self.scan()

    def _keep_old_crf(self) -> None:
        """Give the one CRF saved before there was one per codec to the codec saved with it, so a batch started
        then resumes with the CRF it ran with."""
        old, key = self.settings.value("batch/crf"), setting(self.settings, "batch/codec", "")
        if old is not None and key in CODECS and has_crf(key) and not self.settings.contains(f"batch/crf/{key}"):
            self.settings.setValue(f"batch/crf/{key}", old)

    def _folders(self) -> tuple[Path | None, Path | None]:
        """The input and output folders as full paths, None where empty, as the fields' tooltips say: `~` is the
        home folder; a relative output folder is inside the input folder; a relative input folder is refused,
        since it would depend on the folder the app happened to start in."""
        in_text, out_text = self.in_dir.text().strip(), self.out_dir.text().strip()
        in_dir = full_path(in_text, "the input folder", Path.home() / "Videos") if in_text else None
        out_dir = in_dir / Path(out_text).expanduser() if in_dir and out_text else None  # a full one stays as is
        return in_dir, out_dir

    def scan(self) -> None:
        """List the files the batch would process, with their planned outputs, on a worker thread."""
        self._list(then_start=False)

    def _list(self, then_start: bool) -> None:
        """List the queue; then start the batch over it if `then_start` (Process all lists the folder again: it may
        have changed since)."""
        if self.job is not None and self.job.running:
            return
        if self.start_when_listed and not then_start:  # a field that lost its focus as the form was locked
            return
        if self.list_job is not None:
            self.list_job.cancel()
            self.list_job = None
        self.start_when_listed = then_start
        self._set_running(False)
        try:
            in_dir, out_dir = self._folders()
        except VsrAppError as exc:
            self._clear_queue()
            self.status.setText(str(exc))
            self._listing_ended()
            if then_start:
                self.errorRaised.emit("Cannot start the batch", str(exc))
            return
        if in_dir is None:
            self._clear_queue()
            self.status.setText("Choose an input folder of videos.")
            self._listing_ended()
            return
        job = Job(list_queue, in_dir, out_dir, self.ext.text(), self.recursive.isChecked(), self.codec.currentData(),
                  self.task.currentData(), then_start and self.overwrite.isChecked(), parent=self)
        job.done.connect(lambda queue: self._listed(job, queue))
        job.failed.connect(lambda message: self._list_failed(job, message))
        self.list_job = job
        self.status.setText("Listing the input folder\u2026")
        if then_start:
            self._set_running(True)  # fields locked, Cancel shown: the batch is on its way
            self._restart_progress()
        job.start()

    def _clear_queue(self) -> None:
        self.table.setRowCount(0)
        self.rows.clear()
        self.made_with = None
        self.row_menu.close()  # its row is gone: a name in the new folder may be another file
        self.menu_input = None

    def _listed(self, job: Job, queue: Queue) -> None:
        if job is not self.list_job:
            return
        self.list_job = None
        self._clear_queue()  # the rows listed before stay until then: no flicker on each new listing
        if queue.problem:
            self.status.setText(queue.problem)
        else:
            self._show_queue(queue)
        if self.start_when_listed:
            self._start_batch(queue)
        self._listing_ended()

    def _list_failed(self, job: Job, message: str) -> None:
        if job is not self.list_job:
            return
        self.list_job = None
        self._clear_queue()
        self.status.setText(message)
        if self.start_when_listed:
            self._set_running(False)
            self.errorRaised.emit("Cannot start the batch", message)
        self._listing_ended()

    def _listing_ended(self) -> None:
        """Say what the listing found ("2 videos found.", a folder that does not exist): typed into a field and left
        with Tab, it was shown only, and a typo was heard of at Process all."""
        if not self.start_when_listed and self.isVisible():  # a start says how it goes on; startup's, unasked, not
            announce(self.status, self.status.text())
        self.start_when_listed = False
        self.listed.emit()

    def _show_queue(self, queue: Queue) -> None:
        """List the queue; sorted, if a header was clicked, once all rows are in: sorting on, Qt sorted the table
        again for each cell added."""
        self.input_folder = queue.in_dir
        self.table.setSortingEnabled(False)
        for src, dst in zip(queue.inputs, queue.outputs):
            relative = str(src.relative_to(queue.in_dir))
            if src in queue.earlier:  # as the batch will leave it: with why, and no output
                self._add_row(relative, IGNORED, fmt.left_as_it_is(queue.earlier[src]))
            else:
                self._add_row(relative, "queued", str(dst) if dst else "")
        self.table.setSortingEnabled(True)
        count, left = len(queue.inputs) - len(queue.earlier), len(queue.earlier)
        found = (f"{count} video{'s' if count != 1 else ''} found{f', {left_as_they_are(left)}' if left else ''}."
                 if queue.inputs else "No videos with these extensions in the input folder.")
        missed = [str(Path(exc.filename).relative_to(queue.in_dir)) if Path(exc.filename).is_relative_to(queue.in_dir)
                  else str(exc.filename) for exc in queue.unreadable]
        if missed:  # named here: the end of the batch counted them, and only its report said which
            found += (f" Left out, as {'they' if len(missed) > 1 else 'it'} cannot be read: "
                      f"{', '.join(missed[:3])}{' and more' if len(missed) > 3 else ''}.")
        self.status.setText(found)

    def _add_row(self, relative_input: str, status: str, output: str) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        cells = QTableWidgetItem(), QTableWidgetItem(), TimeItem(), QTableWidgetItem()
        for column, (item, text) in enumerate(zip(cells, (relative_input, "", "", output))):
            self._set_text(item, text)
            self.table.setItem(row, column, item)
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
        return [self.table.item(name.row(), column) for column in range(len(COLUMNS))]

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

    # ---- running ----
    def start(self) -> None:
        """List the folder again, then (`_start_batch`) run the batch over it."""
        try:
            in_dir, out_dir = self._folders()
        except VsrAppError as exc:
            self.errorRaised.emit("Cannot start the batch", str(exc))
            return
        if in_dir is None or out_dir is None:
            self.errorRaised.emit("Cannot start the batch", "choose both an input and an output folder")
            return
        self.remember_form()
        self._list(then_start=True)

    def _start_batch(self, queue: Queue) -> None:
        """Run the batch over the folders listed (one without videos is for the batch to explain); with Replace
        ticked, first ask about the files there this app did not make."""
        if queue.problem:
            self._set_running(False)
            self.errorRaised.emit("Cannot start the batch", queue.problem)
            return
        if queue.foreign and not self._may_replace_others(queue):
            self._set_running(False)
            self.status.setText("Nothing was replaced.")
            return
        in_dir, out_dir = queue.in_dir, queue.out_dir
        self.output_folder = out_dir
        self.report_path = str(out_dir / "vsr-app-report.json")
        task, model = self.made_with = self.task.currentData(), self.model.currentData()
        crf = self.crf.value() if has_crf(self.codec.currentData()) else None
        self.job = Job(run_batch, str(in_dir), str(out_dir), task=task, model=model, device=self.device.currentData(),
                       recursive=self.recursive.isChecked(), extensions=self.ext.text(), codec=self.codec.currentData(),
                       crf=crf, overwrite=self.overwrite.isChecked(),
                       self_ensemble=task == "upscale" and self.self_ensemble.isChecked(),
                       deinterlace=self.deinterlace.isChecked(), report_path=self.report_path,
                       on_start=self.fileStarted.emit, on_file=self.fileFinished.emit,
                       listed=queue, parent=self)  # the queue shown, not a new listing
        self.job.progressed.connect(self._progressed)
        self.job.done.connect(self._done)
        self.job.failed.connect(self._failed)
        self.job.finished.connect(self.batchFinished)
        self._restart_progress()
        self.report_button.hide()
        self.folder_button.hide()
        self.status.setText("Loading the model\u2026")
        self.job.start()

    def _may_replace_others(self, queue: Queue) -> bool:
        """With Replace ticked, files at output names that this app did not make (a video of the user's own, a text
        file) are replaced too: asked first, naming them, since nothing else in the batch says so beforehand (by
        their paths in the output folder: with sub-folders, one name can be in several)."""
        others = queue.foreign
        names = "\n".join(str(p.relative_to(queue.out_dir)) for p in others[:REPLACE_LISTED]) + (
            f"\n... and {len(others) - REPLACE_LISTED} more" if len(others) > REPLACE_LISTED else "")
        answer = QMessageBox.question(
            self, "Replace files with no record of this app?",
            f"{len(others)} file(s) at the outputs' names have no record of being made by {APP_NAME} (another "
            f"program's, or a {APP_NAME} from before it kept one) and would be replaced:\n\n"
            f"{names}", QMessageBox.Yes | QMessageBox.No, QMessageBox.No)
        return answer == QMessageBox.Yes

    def cancel(self) -> None:
        if self.start_when_listed:  # still listing: nothing has started; the listing goes on, to be shown
            self.start_when_listed = False
            self._set_running(False)
            return
        if self.job is not None and self.job.running:
            self.status.setText("Cancelling after the current frame\u2026")
            self.job.cancel()

    def remember_form(self) -> None:
        """Keep the form's choices for the next start (on Process all, and on quitting)."""
        for key, value in (("in_dir", self.in_dir.text()), ("out_dir", self.out_dir.text()),
                           ("task", self.task.currentData()), ("recursive", self.recursive.isChecked()),
                           ("codec", self.codec.currentData()), ("self_ensemble", self.self_ensemble.isChecked()),
                           ("deinterlace", self.deinterlace.isChecked())):
            self.settings.setValue(f"batch/{key}", value)
        if self._extensions_changed():  # else not kept: a later version's longer default list reaches the form
            self.settings.setValue("batch/extensions", self.ext.text())
        else:
            self.settings.remove("batch/extensions")
        self.settings.remove("batch/ext")  # read once
        self.picks[self.task.currentData()] = self.model.currentData()
        for task, model in self.picks.items():
            if model:
                self.settings.setValue(f"batch/model/{task}", model)
        if has_crf(self.codec.currentData()):
            self.settings.setValue(f"batch/crf/{self.codec.currentData()}", self.crf.value())

    def _extensions_changed(self) -> bool:
        try:
            return set(parse_extensions(self.ext.text())) != set(BATCH_EXTENSIONS)
        except VsrAppError:  # an empty field: kept as typed
            return True

    def running(self) -> bool:
        """A batch runs, or a folder is being listed for one to start."""
        return self.start_when_listed or (self.job is not None and self.job.running)

    def _set_running(self, running: bool) -> None:
        self.warning.show_warning("")  # a warning is a running batch's
        # the button pressed hides: its focus goes to the progress bar (not to Cancel: a second Space cancelled the
        # batch just started; Tab reaches Cancel, and Esc asks for it) or back to Process all, not to the tab bar
        pressed = self.start_button.hasFocus() or self.cancel_button.hasFocus() or self.progress.hasFocus()
        self.progress.setFocusPolicy(Qt.TabFocus if running else Qt.NoFocus)  # a Tab stop only while it moves
        self.start_button.setVisible(not running)
        self.cancel_button.setVisible(running)
        if pressed:
            (self.progress if running else self.start_button).setFocus()
        for widget in (self.in_dir, self.out_dir, *self.browse_buttons, self.task, self.model, self.device, self.ext,
                       self.recursive, self.codec, self.overwrite, self.deinterlace):
            widget.setEnabled(not running)
        self.crf.setEnabled(not running and has_crf(self.codec.currentData()))
        self.self_ensemble.setEnabled(not running and self.task.currentData() == "upscale")

    def _restart_progress(self) -> None:
        """The bar at 0, showing its percentage again (after a batch that made nothing it said why)."""
        self.progress.setValue(0)
        self.progress.setFormat("%p%")

    def _progressed(self, values: tuple) -> None:
        info = values[0]
        if info.fraction is not None:
            self.progress.setValue(round(info.fraction * 1000))
        self.status.setText(fmt.progress_line(info.stage, info, " of the batch"))
        self.warning.show_warning(info.warning)

    def _file_started(self, index: int, count: int, result) -> None:
        cells = self._cells(result.input)
        if cells is not None and cells[1].text() == "queued":
            self._set_status(cells[1], "processing")

    def _file_finished(self, index: int, count: int, result) -> None:
        self._show_result(result)

    def _show_result(self, result) -> None:
        cells = self._cells(result.input)
        if cells is None or result.status == IGNORED:  # its row says so already, and why in the tab's words: the batch
            return  # runs over the queue shown, and leaves as they are the inputs it lists so (`_show_queue`)
        _, status, time, detail = cells
        ok = result.status == "ok"
        self._set_status(status, result.status)
        time.setData(SECONDS, result.seconds if ok else None)
        self._set_text(time, fmt.duration(result.seconds) if ok else "")
        text = result.output if ok else self._reason(result.reason or "", result.input)
        # as the command line's line says them: where interpolation repeated a frame rather than blend two shots
        notes = [repeats] if (repeats := breaks_text(result.scene_cuts, result.flashes, result.pauses)) else []
        notes += result.notes
        if notes:
            text += "  (" + self._for_gui("; ".join(notes)) + ")"
        self._set_text(detail, text)
        detail.setData(OUTPUT, os.fsencode(result.output) if result.output else None)

    def _reason(self, reason: str, relative_input: str) -> str:
        """A file's reason worded for the GUI: its full path, which the File column shows, said as "this file"."""
        return self._for_gui(reason.replace(f"'{self.input_folder / relative_input}'", "this file"))

    def _for_gui(self, text: str) -> str:
        """A reason or notes worded for the command line, naming this tab's fields and buttons instead."""
        return fmt.for_gui(text, REPLACE_LABEL, RECURSIVE_LABEL, self.deinterlace.text())

    def _done(self, report) -> None:
        for result in report.files:  # files never started (after a cancel) get no per-file call
            self._show_result(result)
        self._set_running(False)
        self.progress.setValue(1000 if not report.cancelled else self.progress.value())
        if (nothing_made := report.nothing_made()) is not None:  # a bare 100% of nothing: every output was there
            self.progress.setFormat(nothing_made[0].upper() + nothing_made[1:])
        self.status.setText(("Cancelled: " if report.cancelled else "Done: ") + report.summary())
        announce(self.status, self.status.text())
        self.report_button.show()
        self.folder_button.show()

    def _failed(self, message: str) -> None:
        self._set_running(False)
        message = self._for_gui(message)
        self.status.setText(f"The batch could not run: {message}")  # still there once the dialog is closed
        self.errorRaised.emit("Batch failed", message)

    def _open_report(self) -> None:
        if self.report_path and Path(self.report_path).is_file():
            self._open_with_system(self.report_path)

    def _show_output_folder(self) -> None:
        if self.output_folder is not None:
            self._open_with_system(self.output_folder)

    def _open_with_system(self, path: Path | str) -> None:
        if not open_with_system(path):
            self.errorRaised.emit("Cannot open", f"the system has no app to open {path}")

    # ---- a row's actions ----
    def _input_name(self, row: int) -> str:
        """The input a row lists, which the row's actions go by: sorting moves rows, and a batch running sorts
        them again as files finish."""
        return os.fsdecode(self.table.item(row, 0).data(INPUT))

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
        """Ask for the row's input in the viewer with the model of the batch that ran over it (before a batch, the
        form's). The viewer runs the model live in its own worker: a batch still running is not touched. (A
        self-ensemble batch's frames are the model's averaged over flips; the viewer shows the model's own.)"""
        path = self._input(relative)
        if path is not None:
            task, model = self.made_with or (self.task.currentData(), self.model.currentData())
            self.compareRequested.emit(str(path), task, model)

    def _play_output(self) -> None:
        output = self._output(self.menu_input)
        if output is not None:
            self._open_with_system(output)

    def _show_in_folder(self) -> None:
        output = self._output(self.menu_input)
        if output is not None:
            self._open_with_system(output.parent)

    def shutdown(self) -> None:
        """Stop the batch and any listing, and the start a listing was for: its end, delivered after the window
        closed, started the batch anyway."""
        self.start_when_listed = False
        if self.list_job is not None:
            self.list_job.cancel()
            self.list_job = None
        if self.job is not None and self.job.running:
            self.job.cancel()
