"""Export: write the processed video (upscale and/or interpolate) with a chosen codec and quality.

A non-modal dialog, so the window stays usable while it runs: `video.pipeline.process_video` does the work
on a Job thread; this only collects options, shows progress / speed / ETA and offers Cancel. Cancelling
(or any error) leaves no output file behind - the pipeline writes to a temporary file and renames it last.
Closing the dialog (title-bar X or Esc) during an export asks first, as quitting the app does.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QFileDialog, QFormLayout, QHBoxLayout, QLabel,
                               QLineEdit, QMessageBox, QProgressBar, QPushButton, QVBoxLayout, QWidget)

from vsr_app.errors import UnknownModel, VsrAppError
from vsr_app.files import shown_name
from vsr_app.gui import fmt, wording
from vsr_app.gui.codec_fields import CodecPresets, codec_fields
from vsr_app.gui.codecs import CODECS, has_crf
from vsr_app.gui.number_boxes import Refused, take_typed
from vsr_app.gui.settings_values import setting
from vsr_app.gui.widgets import (ElidedLabel, WarningLabel, announce, bind_name, deinterlace_box, fill_models,
                                 name_form_fields, open_with_system, path_row, self_ensemble_box)
from vsr_app.gui.workers import Job
from vsr_app.media import file_filter
from vsr_app.models import ModelInfo, resolve
from vsr_app.resources import resource_path
from vsr_app.video.pipeline import process_video
from vsr_app.video.encoding import CONTAINER_FORMATS
from vsr_app.video.output_paths import check_destination, check_output_name, first_free, output_suffix

REPLACE_LABEL = "Replace the file if it exists"


def output_folder(source: str) -> Path:
    """Where exports of `source` go unless told otherwise: beside it; in the home folder when that folder is
    read-only (the bundled sample inside an installed app). A relative "Save as" name is taken from here too,
    never from the folder the app happened to start in."""
    folder = Path(source).parent
    return folder if os.access(folder, os.W_OK) and folder != resource_path() else Path.home()


def suggested_output(source: str, upscale: bool, interpolate: bool, suffix: str) -> str:
    """In `output_folder`, named after what was done; `name (2).ext`, `name (3).ext`... when taken: exporting
    again never fails on (or silently replaces) the previous export. The source's name is shortened, by whole
    characters, to keep the whole name within the disk's limit: a long but valid input name must still get a
    valid suggestion (and the tag saying what was done)."""
    tags = "_".join((["x4"] if upscale else []) + (["2xfps"] if interpolate else [])) or "out"
    return str(first_free(output_folder(source), Path(source).stem,
                          lambda n: f"_{tags}{f' ({n})' if n > 1 else ''}{suffix}"))


class ExportDialog(QDialog):
    """Options form, then progress of one export; a failure is said on its status line (`failed(message)` tells the
    window it ended), options it cannot start with below it, as a warning (`_refuse`)."""

    failed = Signal(str)
    exported = Signal(str)
    cancelled = Signal()

    def __init__(self, source: str, models: list[ModelInfo], picks: dict[str, str], ticked: str, device: str,
                 settings: QSettings, parent=None):
        """`picks`: the model each step starts with; `ticked`: the step that starts ticked."""
        super().__init__(parent)
        self.setWindowTitle(f"Export {shown_name(Path(source).name)}")
        self.source, self.device, self.settings = source, device, settings
        self.job: Job | None = None
        self.output_path: str | None = None
        self._suggested: str | None = None  # the last name we proposed; replaced while the user keeps it

        form = QFormLayout()
        form.setVerticalSpacing(8)
        self.source_label = ElidedLabel(Path(source).name)  # a running export outlives opening another video
        self.source_label.setToolTip(source)
        form.addRow("Video", self.source_label)
        self.steps: dict[str, tuple[QCheckBox, QComboBox]] = {}
        for task, text in (("upscale", "Upscale \u00d74"), ("interpolate", "Double the frame rate")):
            check = QCheckBox(text)
            combo = QComboBox()
            fill_models(combo, [(m.name, m.name, m) for m in models if m.task == task], [picks.get(task)])
            check.setChecked(task == ticked and combo.count() > 0)
            check.setEnabled(combo.count() > 0)
            check.toggled.connect(combo.setEnabled)
            check.toggled.connect(self._suggest)
            combo.setEnabled(check.isChecked())
            row = QHBoxLayout()
            row.addWidget(bind_name(combo, f"{text}: model"))
            row.addWidget(combo, 1)
            form.addRow(check, row)
            self.steps[task] = (check, combo)
        self.self_ensemble = self_ensemble_box(settings, "export/self_ensemble")
        self.steps["upscale"][0].toggled.connect(self.self_ensemble.setEnabled)
        form.addRow("", self.self_ensemble)
        self.deinterlace = deinterlace_box(settings, "export/deinterlace")
        form.addRow("", self.deinterlace)
        self.codec, self.crf, self.crfs = codec_fields(
            settings, "export", lambda key: f"{CODECS[key].label}  ({output_suffix(source, key)})")
        self.codec.currentIndexChanged.connect(self._codec_changed)
        form.addRow("Codec", self.codec)
        quality = QHBoxLayout()
        self.crf.setToolTip("Constant rate factor: lower is better quality and a larger file; 18 looks transparent")
        self.preset = QComboBox()
        old_preset = setting(settings, "export/preset", CODECS["libx264"].preset)  # saved before each codec had its own
        self.presets = CodecPresets(settings, "export/preset",
                                    lambda key: old_preset if key == "libx264" else CODECS[key].preset)
        self.preset.setToolTip("Encoder speed: slower presets make smaller files at the same quality")
        quality.addWidget(bind_name(self.crf, "CRF", QLabel("CRF")))
        quality.addWidget(self.crf)
        quality.addSpacing(12)
        quality.addWidget(bind_name(self.preset, "Preset", QLabel("Preset")))
        quality.addWidget(self.preset, 1)
        self.quality = QWidget()
        self.quality.setLayout(quality)
        quality.setContentsMargins(0, 0, 0, 0)
        form.addRow("Quality", self.quality)
        self.output = QLineEdit()
        self.output.setToolTip("~ is your home folder; a name without a full path is saved beside the video "
                               "(in your home folder when the video's folder is read-only)")
        self.browse = QPushButton("Browse\u2026")
        form.addRow("Save as", path_row(self.output, self.browse, self._browse))
        self.overwrite = QCheckBox(f"{REPLACE_LABEL} (never the input)")
        form.addRow("", self.overwrite)
        name_form_fields(form)

        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setAccessibleName("Export progress")
        self.progress.setFocusPolicy(Qt.TabFocus)  # where a started export's focus goes (see start)
        self.status = QLabel()
        self.status.setProperty("role", "muted")
        self.status.setWordWrap(True)
        self.warning = WarningLabel()
        buttons = QHBoxLayout()
        self.reveal = QPushButton("Show in folder")
        self.reveal.clicked.connect(self._reveal)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.close)
        self.cancel_button = QPushButton("Cancel export")
        self.cancel_button.setAutoDefault(False)  # Enter pressed again after Export does not cancel it
        self.cancel_button.clicked.connect(self.cancel)
        self.start_button = QPushButton("Export")
        self.start_button.setProperty("accent", True)
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self.start)
        buttons.addWidget(self.reveal)
        buttons.addStretch(1)
        for b in (self.close_button, self.cancel_button, self.start_button):
            buttons.addWidget(b)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addSpacing(8)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.warning)
        layout.addLayout(buttons)
        self._codec_changed()
        self._follow_changes()
        self._set_running(False)
        self.progress.hide()
        self.reveal.hide()
        # at least 560 px, and never narrower than its fields: a fixed least width replaced the layout's, and at a
        # 20 pt font the dialog opened cut ("Self-ensemble the upscale (8x slowe")
        self.resize(max(560, self.minimumSizeHint().width()), self.sizeHint().height())

    # ---- options ----
    def _codec_changed(self) -> None:
        key = self.codec.currentData()
        self.quality.setEnabled(has_crf(key))
        self.crfs.show(self.crf, key)
        self.presets.show(self.preset, key)
        self._suggest()

    def _follow_changes(self) -> None:
        """Call `_changed` on any change to what would be exported, a CRF as it is typed too: Enter in the field then
        exports what it holds, or refuses it in sight (Enter closed the dialog after an export)."""
        for check, combo in self.steps.values():
            check.toggled.connect(self._changed)
            combo.currentIndexChanged.connect(self._changed)
        for box in (self.self_ensemble, self.deinterlace, self.overwrite):
            box.toggled.connect(self._changed)
        for changed in (self.codec.currentIndexChanged, self.crf.valueChanged, self.crf.lineEdit().textEdited,
                        self.preset.currentIndexChanged, self.output.textChanged):
            changed.connect(self._changed)

    def _changed(self) -> None:
        """Enter exports the form as it now is, and why the last Export started nothing goes: it may no longer hold
        (a refused CRF stayed up beside FFV1, which takes none). The form is locked while an export runs: its warning
        stays."""
        self.warning.show_warning("")
        self._default_to(self.start_button)

    def _suggest(self) -> None:
        suffix = output_suffix(self.source, self.codec.currentData())  # as the Batch tab names it
        current = self.output.text()
        if not current or current == self._suggested:
            self._suggested = suggested_output(self.source, *(c.isChecked() for c, _ in self.steps.values()), suffix)
            self.output.setText(self._suggested)

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save processed video as", self.output.text(),
                                              file_filter("Video", CONTAINER_FORMATS))  # what the writer can write
        if path:
            self.output.setText(self._completed(path))

    def _completed(self, name: str) -> str:
        """`name` with the extension the codec's outputs get (`output_suffix`, as the Batch tab names them) where it
        has none and names no folder: a bare name was refused at Export, told to use extensions the codec cannot go
        in."""
        if Path(name).suffix or name.endswith(("/", os.sep)) or \
                (output_folder(self.source) / Path(name).expanduser()).is_dir():
            return name
        return name + output_suffix(self.source, self.codec.currentData())

    def options(self) -> dict:
        """Keyword arguments for process_video, the CRF's text taken first (`take_typed`): a programmatic click or a
        key that leaves the focus in the field exported at the CRF held before "20" was typed. Raises Refused while
        the CRF refuses its text."""
        models = {task: combo.currentData() for task, (check, combo) in self.steps.items() if check.isChecked()}
        key = self.codec.currentData()
        takes_crf = has_crf(key)
        take_typed([self.crf])  # a greyed one (a codec without a CRF) shows a dash: no export reads it
        ensemble = {"self_ensemble": True} if "upscale" in models and self.self_ensemble.isChecked() else {}
        return {**models, **ensemble, "deinterlace": self.deinterlace.isChecked(), "device": self.device, "codec": key,
                "crf": self.crf.value() if takes_crf else None,
                "preset": self.preset.currentText() or None, "overwrite": self.overwrite.isChecked()}

    # ---- running ----
    @property
    def running(self) -> bool:
        return self.job is not None and self.job.running

    @property
    def cancelling(self) -> bool:
        return self.job is not None and self.job.cancelling

    def start(self) -> None:
        try:
            options = self.options()
        except Refused as exc:  # a CRF typed that is not one
            self._refuse(str(exc), aloud=not exc.said)
            return
        if "upscale" not in options and "interpolate" not in options:
            self._refuse("Tick at least one of upscale / interpolate.")
            return
        text = self.output.text().strip()
        if not text:
            self._refuse("Choose where to save the video.")
            return
        unset = [task for task in ("interpolate", "upscale") if task in options and not options[task]]
        if unset:
            self._refuse(f"Choose a model to {unset[0]} with.")
            return
        for task in ("interpolate", "upscale"):
            try:
                if task in options:
                    resolve(options[task])
            except UnknownModel:  # removed since the dialog opened: "unknown model ... (upscalers: ...)" is CLI talk
                self._refuse(f"The model '{options[task]}' is not installed any more: choose another, or Reload "
                             "models (Ctrl+R) in the window and export again.")
                return
            except VsrAppError as exc:  # damaged since: its weights gone beside its card, a card that does not read
                self._refuse(wording.for_gui(str(exc), REPLACE_LABEL))
                return
        key = options["codec"]
        text = self._completed(text)
        self.output.setText(text)  # the name written, extension and all
        path = output_folder(self.source) / Path(text).expanduser()  # an absolute name wins
        try:  # before the models load: the extensions that hold the codec named, a file in the way refused
            check_output_name(path, key)
            check_destination(path, Path(self.source), options["overwrite"])
        except VsrAppError as exc:
            self._refuse(wording.for_gui(str(exc), REPLACE_LABEL))
            return
        self.output_path = str(path)
        self.settings.setValue("export/codec", key)
        self.settings.setValue("export/self_ensemble", self.self_ensemble.isChecked())
        self.settings.setValue("export/deinterlace", self.deinterlace.isChecked())
        if options["crf"] is not None:
            self.settings.setValue(f"export/crf/{key}", options["crf"])
        if options["preset"] is not None:
            self.settings.setValue(f"export/preset/{key}", options["preset"])
        self.job = Job(process_video, self.source, self.output_path, parent=self, **options)
        self.job.progressed.connect(self._progressed)
        self.job.done.connect(self._done)
        self.job.failed.connect(self._failed)
        self.job.cancelled.connect(self._cancelled)
        self.progress.setRange(0, 1000)  # a previous export of unknown length left it a busy bar
        self.progress.setValue(0)
        self.progress.show()
        self.reveal.hide()
        self._say("Loading models\u2026")
        self._set_running(True)
        # the focus leaves the hidden Export button (or the locked name) for the bar, not for Cancel export: a second
        # Enter or Space ended the export at once; Tab reaches Cancel export, and Esc asks
        self.progress.setFocus(Qt.OtherFocusReason)
        self.job.start()

    def cancel(self) -> None:
        if self.running:
            self._say("Cancelling\u2026")
            self.job.cancel()

    def _set_running(self, running: bool) -> None:
        self.warning.show_warning("")  # a warning is a running export's, or why the last Export started nothing
        self.start_button.setVisible(not running)
        self.cancel_button.setVisible(running)
        self.close_button.setEnabled(not running)
        for widget in (self.deinterlace, self.codec, self.quality, self.output, self.browse, self.overwrite):
            widget.setEnabled(not running and (widget is not self.quality or has_crf(self.codec.currentData())))
        for check, combo in self.steps.values():
            check.setEnabled(not running and combo.count() > 0)
            combo.setEnabled(not running and check.isChecked())
        self.self_ensemble.setEnabled(not running and self.steps["upscale"][0].isChecked())

    def _progressed(self, values: tuple) -> None:
        info = values[0]
        if info.fraction is not None:
            self.progress.setValue(round(info.fraction * 1000))
        else:
            self.progress.setRange(0, 0)
        self.warning.show_warning(info.warning)  # before _say, which grows the dialog to fit both
        self._say(fmt.progress_line(info.stage, info))

    def _done(self, summary) -> None:
        self._set_running(False)
        self.progress.setRange(0, 1000)
        self.progress.setValue(1000)
        self._say(wording.for_gui(shown_name(summary.line()), REPLACE_LABEL, deinterlace_label=self.deinterlace.text()),
                  aloud=True)
        self.reveal.show()
        self._suggest()  # the suggested name is taken now: the next export gets a free one
        self._default_to(self.close_button)  # Enter then closes: it started a second export, "NAME (2)"
        self.close_button.setFocus(Qt.OtherFocusReason)
        self.exported.emit(summary.output)

    def _default_to(self, button: QPushButton) -> None:
        """The button Enter presses: Close after an export, Export again once what it would export changes."""
        for b in (self.close_button, self.start_button):
            b.setDefault(b is button)

    def _failed(self, message: str) -> None:
        message = wording.for_gui(message, REPLACE_LABEL)
        self._set_running(False)
        self.progress.hide()
        self._say("Export failed: " + message, aloud=True)
        self.show()  # where it is said: in sight, also when the window was minimised during the export
        self.raise_()
        self.failed.emit(message)

    def _cancelled(self) -> None:
        self._set_running(False)
        self.progress.hide()
        self._say("Cancelled; no file was written.", aloud=True)
        self.cancelled.emit()

    def _say(self, text: str, aloud: bool = False) -> None:
        """Show `text` under the bar, growing the dialog to fit it: a window does not grow for wrapped text by
        itself, and a summary with its notes (audio re-encoded, subtitles dropped...) squeezed the form and was cut
        off. `aloud`: a screen reader says it too (an end, not each progress line)."""
        self.status.setText(text)
        if aloud:
            announce(self.status, text)
        self._fit()

    def _refuse(self, why: str, aloud: bool = True) -> None:
        """Say why Export started nothing, in the warning colour: said on the muted progress line as "Export failed:
        ... already exists", a refusal went unseen, and read as a failure of work that had never begun. `aloud` False:
        shown only, as a field's refusal that the field has just said to a screen reader (`number_boxes.Refused`)."""
        self.warning.show_warning(f"Not started: {why}", aloud=aloud)  # aloud: said again at each press
        self._fit()

    def _fit(self) -> None:
        """Grow the dialog to fit what it says."""
        needed = self.layout().totalHeightForWidth(self.width())
        if needed > self.height():
            self.resize(self.width(), needed)

    def _reveal(self) -> None:
        if self.output_path:
            open_with_system(Path(self.output_path).parent)

    def _ask_to_cancel(self) -> None:
        """Closing must neither orphan a running export nor end it by a slip: ask (unless already cancelling),
        then cancel and close once it has stopped."""
        if not self.job.cancel_event.is_set() and QMessageBox.question(
                self, "Export in progress", "Cancel the export? The partial file is removed.",
                QMessageBox.Yes | QMessageBox.No, QMessageBox.No) != QMessageBox.Yes:
            return
        if self.running:  # it may have finished while the question was open: then its outcome stays shown
            self.job.finished.connect(self.close)
            self.cancel()

    def reject(self) -> None:
        """Esc: like the title-bar X; hiding the dialog would leave the export running out of sight."""
        if self.running:
            self._ask_to_cancel()
        else:
            super().reject()

    def closeEvent(self, event) -> None:
        if self.running:
            event.ignore()
            self._ask_to_cancel()
        else:
            super().closeEvent(event)
