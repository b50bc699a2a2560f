"""The Batch tab's form: the folders, the report's file, and what the batch is to do with their videos (task, model,
device, codec and CRF, options), each kept in the settings for the next start.

Apart from the panel (`batch_panel`), which lists the queue, runs the batch and shows how it went: what the fields
mean (a typed folder, an old version's saved values, each task's and codec's own pick) is a job of its own, and the
panel only asks the form for the batch's settings.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout, QLabel,
                               QLineEdit, QPushButton)

from vsr_app.batch_plan import parse_extensions
from vsr_app.errors import VsrAppError
from vsr_app.gui import wording
from vsr_app.gui.codec_fields import codec_fields
from vsr_app.gui.codecs import CODECS, has_crf
from vsr_app.gui.number_boxes import take_typed
from vsr_app.gui.paths import FULL_PATH_TIP, full_path
from vsr_app.gui.settings_values import setting
from vsr_app.gui.widgets import (accelerated, bind_name, deinterlace_box, fill_models, name_form_fields, path_row,
                                 self_ensemble_box, start_folder)
from vsr_app.media import BATCH_EXTENSIONS
from vsr_app.devices import device_choices
from vsr_app.models import list_models
from vsr_app.shipped import PREFERRED

REPLACE_LABEL = "Replace existing outputs"
RECURSIVE_LABEL = "Include sub-folders"
# Versions before the longer default list saved the Extensions field under "batch/ext" on every quit, so their
# default there means the default; the field is kept under "batch/extensions" now, and only when changed.
EARLIER_DEFAULT_EXTENSIONS = frozenset({"mp4,mkv,mov,avi,webm,m4v"})
FIELD_GAP = 8  # px between the fields of a form row: the style's none left "with" and "on" against their pickers
ROW_GAP = 4  # px between the form's rows: at 8, the Report file row left the queue a row and a half at 720x540
REPORT_NAME = "vsr-app-report.json"  # the report in the output folder, unless the Report file field names another
REPORT_TIP = (f"The batch's JSON report (the command line's --report); empty: {REPORT_NAME} in the output folder. "
              "A path that is not a full one is taken inside the output folder; ~ is your home folder. A rerun carries "
              "the notes of the outputs it skips from the report it replaces: to go on from a batch whose report is "
              "elsewhere (one run with --report), choose that file. A file there that is not a batch report, or the "
              "report of a batch into another output folder, is replaced once you say so (one under the output folder "
              f"is that folder's own); \"{REPLACE_LABEL}\" is not needed for it, and makes every existing output "
              "again.")


class BatchForm(QGroupBox):
    """The "Batch" box of fields: what a batch will be asked to do."""

    changed = Signal()  # a field the queue's listing depends on: a folder, the task, extensions, sub-folders, codec

    def __init__(self, settings: QSettings, parent=None):
        super().__init__("Batch", parent)
        self.settings = settings
        self.browse_buttons: list[QPushButton] = []  # locked with the fields while a batch lists or runs
        self.listed_task: str | None = None  # the task whose models the Model list holds
        self.picks: dict[str, str] = {}  # each task's model as last chosen
        form = QFormLayout()
        form.setVerticalSpacing(ROW_GAP)
        self.in_dir = self._folder_row(form, "Input folder", "i", "batch/in_dir", FULL_PATH_TIP)
        self.out_dir = self._folder_row(form, "Output folder", "o", "batch/out_dir",
                                        "~ is your home folder; a path that is not a full one is taken inside the "
                                        "input folder")
        self._add_report_row(form)
        self._add_task_rows(form)
        self._add_extensions_row(form)
        self._add_output_row(form)
        name_form_fields(form)
        self.ext.editingFinished.connect(self.changed)
        self.recursive.toggled.connect(self.changed)
        self.codec.currentIndexChanged.connect(self._codec_changed)
        self.setLayout(form)  # the fields join the box row by row, the order Tab takes them in
        self.refresh_models()
        self._codec_changed()

    def _add_report_row(self, form: QFormLayout) -> None:
        """The report's file, empty for the usual one in the output folder: a batch run from the command line with its
        --report elsewhere is resumed here with that report, whose notes the rerun carries on."""
        self.report = QLineEdit(setting(self.settings, "batch/report", ""))
        self.report.setPlaceholderText(f"{REPORT_NAME} in the output folder")
        self.report.setToolTip(REPORT_TIP)
        self._browse_row(form, "Report file", "l", self.report, self._pick_report)

    def _add_task_rows(self, form: QFormLayout) -> None:
        """Task, with which model, on which device; below it the options of how frames are processed."""
        task_row = QHBoxLayout()
        task_row.setSpacing(FIELD_GAP)
        self.task = QComboBox()
        self.task.addItem("Upscale \u00d74", "upscale")
        self.task.addItem("Double the frame rate", "interpolate")
        self.task.setCurrentIndex(max(0, self.task.findData(setting(self.settings, "batch/task", "upscale"))))
        self.task.currentIndexChanged.connect(self.refresh_models)
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
        form.addRow("&Task", task_row)
        self.self_ensemble = self_ensemble_box(self.settings, "batch/self_ensemble")
        self.deinterlace = deinterlace_box(self.settings, "batch/deinterlace")
        options_row = QHBoxLayout()
        options_row.setSpacing(2 * FIELD_GAP)  # touching, the two boxes' labels read as one
        options_row.addWidget(self.self_ensemble)
        options_row.addWidget(self.deinterlace)
        options_row.addStretch(1)
        form.addRow("", options_row)
        self.task.currentIndexChanged.connect(self._task_changed)

    def _add_extensions_row(self, form: QFormLayout) -> None:
        """The extensions looked for (as saved, else the default list), and whether sub-folders are looked in."""
        pick_row = QHBoxLayout()
        pick_row.setSpacing(FIELD_GAP)
        if self.settings.contains("batch/extensions"):
            stored = setting(self.settings, "batch/extensions", "")
        else:
            earlier = setting(self.settings, "batch/ext", "")
            stored = earlier if earlier not in EARLIER_DEFAULT_EXTENSIONS else ""
        self.ext = QLineEdit(stored or ",".join(BATCH_EXTENSIONS))
        self.ext.setCursorPosition(0)  # a list longer than the field shows its start ("mp4,mkv,..."), not its end
        self.recursive = QCheckBox(accelerated(RECURSIVE_LABEL, "b"))
        self.recursive.setChecked(setting(self.settings, "batch/recursive", False))
        pick_row.addWidget(self.ext, 1)
        pick_row.addWidget(self.recursive)
        form.addRow("&Extensions", pick_row)

    def _add_output_row(self, form: QFormLayout) -> None:
        """The codec with its CRF, and whether a file already at an output's name is replaced."""
        out_row = QHBoxLayout()
        out_row.setSpacing(FIELD_GAP)
        self.codec, self.crf, self.crfs = codec_fields(self.settings, "batch")
        self.crf.setPrefix("CRF ")
        self._keep_old_crf()
        self.overwrite = QCheckBox(accelerated(REPLACE_LABEL, "r"))
        self.overwrite.setToolTip("Without it, a file already at an output's name is kept: skipped when it is a "
                                  "finished output made with these settings, reported otherwise. With it, the file "
                                  "there is replaced (never an input); one with no record of this app only once "
                                  "you say so.")
        out_row.addWidget(bind_name(self.codec, "Output codec"))
        out_row.addWidget(self.codec)
        out_row.addWidget(self.crf)
        out_row.addWidget(self.overwrite)
        out_row.addStretch(1)
        form.addRow("O&utput", out_row)
        self.crf.setAccessibleName("CRF (quality)")  # a row of several fields: each its own name

    def _folder_row(self, form: QFormLayout, label: str, letter: str, key: str, tooltip: str) -> QLineEdit:
        """A folder's field and its Browse button, the row's label reached by Alt+`letter`."""
        edit = QLineEdit(setting(self.settings, key, ""))
        edit.setToolTip(tooltip)
        edit.editingFinished.connect(self.changed)

        def pick():
            folder = QFileDialog.getExistingDirectory(self, label, self._browse_start(edit))
            if folder:
                edit.setText(folder)
                self.changed.emit()

        self._browse_row(form, label, letter, edit, pick)
        return edit

    def _browse_row(self, form: QFormLayout, label: str, letter: str, edit: QLineEdit, pick) -> None:
        """A row of a path's field and its Browse button (which calls `pick`), the label reached by Alt+`letter`."""
        browse = QPushButton("Browse\u2026")
        self.browse_buttons.append(browse)
        form.addRow(accelerated(label, letter), path_row(edit, browse, pick))

    def _pick_report(self) -> None:
        """Choose the report's file: an earlier batch's report to go on from, or a new name. Replacing one is decided
        at the start, as on the command line, so the file dialog does not ask."""
        try:
            out_dir = self.folders()[1]
        except VsrAppError:  # a relative input folder: no output folder either
            out_dir = None
        start = start_folder(self.report_file(out_dir) if out_dir else self.report.text(), out_dir)
        path, _ = QFileDialog.getSaveFileName(self, "Report file", start, "Batch reports (*.json);;All files (*)",
                                              options=QFileDialog.DontConfirmOverwrite)
        if path:
            self.report.setText(path)

    def _browse_start(self, edit: QLineEdit) -> str:
        """Where a folder field's Browse opens: its folder, else the other field's (an output folder is often beside
        or inside the input folder), else the home folder."""
        try:
            in_dir, out_dir = self.folders()
        except VsrAppError:  # a relative input folder, refused: not one to open either
            return start_folder(edit.text())
        return start_folder(out_dir if edit is self.out_dir else in_dir, in_dir, out_dir)

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
        self.changed.emit()

    def _codec_changed(self) -> None:
        """Each codec gets its own CRF, its default until one is chosen: what `vsr-app batch --codec` uses, so a batch
        started here and resumed there (or the other way round) finds its outputs made with the same settings."""
        key = self.codec.currentData()
        self.crf.setEnabled(has_crf(key))
        self.crfs.show(self.crf, key)
        self.changed.emit()

    def _keep_old_crf(self) -> None:
        """Give the one CRF saved before there was one per codec to the codec saved with it, so a batch started
        then resumes with the CRF it ran with."""
        old, key = self.settings.value("batch/crf"), setting(self.settings, "batch/codec", "")
        if old is not None and key in CODECS and has_crf(key) and not self.settings.contains(f"batch/crf/{key}"):
            self.settings.setValue(f"batch/crf/{key}", old)

    def folders(self) -> tuple[Path | None, Path | None]:
        """The input and output folders as full paths, None where empty, as the fields' tooltips say: `~` is the
        home folder; a relative output folder is inside the input folder; a relative input folder is refused,
        since it would depend on the folder the app happened to start in."""
        in_text, out_text = self.in_dir.text().strip(), self.out_dir.text().strip()
        in_dir = full_path(in_text, "the input folder", Path.home() / "Videos") if in_text else None
        out_dir = in_dir / Path(out_text).expanduser() if in_dir and out_text else None  # a full one stays as is
        return in_dir, out_dir

    def report_file(self, out_dir: Path) -> Path:
        """Where a batch into `out_dir` writes its report, as the field's tooltip says."""
        text = self.report.text().strip()
        return out_dir / Path(text).expanduser() if text else out_dir / REPORT_NAME  # a full one stays as is

    def take_typed(self) -> None:
        """Take the CRF's text before a start reads it (`number_boxes.take_typed`): Alt+A (Process all) left "20"
        typed there unread, and the batch ran at the CRF held before. Raises VsrAppError while it refuses its text;
        a greyed one (a codec without a CRF) is passed over."""
        take_typed([self.crf])

    def batch_options(self) -> dict:
        """What the batch is asked to do, as `run_batch`'s keyword arguments."""
        task, codec = self.task.currentData(), self.codec.currentData()
        return dict(task=task, model=self.model.currentData(), device=self.device.currentData(),
                    recursive=self.recursive.isChecked(), extensions=self.ext.text(), codec=codec,
                    crf=self.crf.value() if has_crf(codec) else None, overwrite=self.overwrite.isChecked(),
                    self_ensemble=task == "upscale" and self.self_ensemble.isChecked(),
                    deinterlace=self.deinterlace.isChecked())

    def set_locked(self, locked: bool) -> None:
        """Lock the fields while a batch lists or runs; CRF and self-ensemble stay off where they do not apply."""
        for widget in (self.in_dir, self.out_dir, self.report, *self.browse_buttons, self.task, self.model,
                       self.device, self.ext, self.recursive, self.codec, self.overwrite, self.deinterlace):
            widget.setEnabled(not locked)
        self.crf.setEnabled(not locked and has_crf(self.codec.currentData()))
        self.self_ensemble.setEnabled(not locked and self.task.currentData() == "upscale")

    def remember(self) -> None:
        """Keep the form's choices for the next start (on Process all, and on quitting)."""
        for key, value in (("in_dir", self.in_dir.text()), ("out_dir", self.out_dir.text()),
                           ("report", self.report.text()), ("task", self.task.currentData()),
                           ("recursive", self.recursive.isChecked()),
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

    def for_gui(self, text: str) -> str:
        """A reason or notes worded for the command line, naming this form's fields instead."""
        return wording.for_gui(text, REPLACE_LABEL, RECURSIVE_LABEL, self.deinterlace.text())
