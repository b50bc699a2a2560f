"""The Train tab's form: what to train (task, teacher, distillation, the net to start from), its data and validation
clip, its hyper-parameters and where the run goes; each task's form as last used, saved in the settings.

Plain widgets and the settings: checking a start, running the trainer and showing its run are the tab's
(`train_panel`). Counting the net's parameters is model work, done on a worker (`Job`), the newest count shown.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from PySide6.QtCore import QSettings, QSignalBlocker, QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import (QComboBox, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit,
                               QListWidget, QPushButton, QStyle, QStyleOptionComboBox, QStylePainter,
                               QVBoxLayout, QWidget)

from vsr_app.distill.options import VAL_KEY
from vsr_app.distill.runs import (PRUNE_DEFAULTS, PRUNED_NET, TASK_KEY, config_task, prune_command, read_json_object,
                                  resumed_config)
from vsr_app.errors import VsrAppError
from vsr_app.gui.icons import icon
from vsr_app.gui.number_boxes import RefusingBox, take_typed
from vsr_app.gui.paths import FULL_PATH_TIP, full_path
from vsr_app.gui.run_files import OPTIONS_NAME, PRUNE_FOLDER, free_prune_folder
from vsr_app.gui.settings_values import setting
from vsr_app.gui.train_fields import number_field, show_saved, stored
from vsr_app.gui.train_form import (AS_START_FROM, COMMON, DEFAULT_NAMES, DISTILL, FIELDS, MULTIPLE_OF,
                                    PRUNING_TASKS, START_FROM_TASKS, START_NOTE, TASKS, card_sizes_net, choice_data,
                                    default_runs_dir, extra_of_run, field_default, form_fields_for, net_field_applies,
                                    net_size, prune_options, run_field_applies, run_start, start_from_option,
                                    trained_net, with_extra)
from vsr_app.gui.widgets import accelerated, fill_models, name_form_fields, path_row, start_folder
from vsr_app.gui.workers import Job
from vsr_app.media import TRAINING_VIDEO_EXTS, file_filter
from vsr_app.models import list_models
from vsr_app.shipped import PREFERRED

RECOUNT_MS = 300  # the net's size is counted again once the form's edits pause this long
CHOICE_LEAST_CHARS = 12  # a drop-down shows this many characters of its choice at the least (`ChoiceBox`)
# the Hyper-parameters rows with an Alt+letter of their own; the box's title has one too (Alt+Y: its first field).
# The menus and the tab's other fields and buttons leave few letters, and most rows' names hold none of them
ROW_KEYS = {"patch": "z", "crop": "z"}


class ChoiceBox(QComboBox):
    """A drop-down as wide as its longest choice where there is room, but which gives way down to CHOICE_LEAST_CHARS
    characters: the form's choices are sentences, and at 720x540 they held the form 200 px wider than its side, which
    scrolled sideways. The list still shows each choice whole, and the tooltip the current one, before `tip` (what
    the field is for)."""

    def __init__(self, tip: str = ""):
        super().__init__()
        self.tip = tip
        self.currentTextChanged.connect(self.show_tip)
        self.show_tip()

    def minimumSizeHint(self) -> QSize:
        """Room for CHOICE_LEAST_CHARS characters of the choice (Qt's own least is the longest choice's width)."""
        hint = super().minimumSizeHint()
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        text = QSize(self.fontMetrics().horizontalAdvance("X" * CHOICE_LEAST_CHARS), self.fontMetrics().height())
        least = self.style().sizeFromContents(QStyle.CT_ComboBox, option, text, self)
        return QSize(min(hint.width(), least.width()), hint.height())

    def paintEvent(self, event) -> None:
        """The choice cut with an ellipsis where the box is narrower than it (Qt cuts it off mid-letter)."""
        painter = QStylePainter(self)
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        painter.drawComplexControl(QStyle.CC_ComboBox, option)
        field = self.style().subControlRect(QStyle.CC_ComboBox, option, QStyle.SC_ComboBoxEditField, self)
        option.currentText = self.fontMetrics().elidedText(option.currentText, Qt.ElideRight, field.width())
        painter.drawControl(QStyle.CE_ComboBoxLabel, option)

    def show_tip(self) -> None:
        self.setToolTip("\n\n".join(text for text in (self.currentText(), self.tip) if text))


def _net_size(task: str, options: dict, progress, cancel) -> str:
    """net_size as a Job: building a net is model work, kept off the GUI thread."""
    return net_size(task, options)


def _as_the_form_sent(run: Path, flat: dict) -> dict:
    """A run's options as a form shows them: for a run started from weights, its net and input degradation as the
    Train tab sent them (OPTIONS_NAME; none from the command line), not as the trainer filled them in from the
    card. Shown, the card's net_config went to Extra options and from there named a net for every later Start from
    (an aligned model's fine-tune lost its alignment), and its degradation replaced "As Start from was trained"."""
    if not flat.get("init_from"):
        return flat
    try:
        sent = read_json_object(run / OPTIONS_NAME, "the options the Train tab sent")
    except VsrAppError:
        sent = {}
    return {**{k: v for k, v in flat.items() if k not in CARD_GIVEN}, **{k: sent[k] for k in CARD_GIVEN if k in sent}}


CARD_GIVEN = ("net", "net_config", "degrade")  # what a run started from weights takes from their card, unless given


class TrainForm(QWidget):
    """The form's four boxes in a column, for the tab's scroll area. `taskChanged`: another task's form is shown."""

    taskChanged = Signal()

    def __init__(self, settings: QSettings, parent=None):
        super().__init__(parent)
        self.settings = settings
        self.sizing: Job | None = None  # the newest count of the form's net's parameters
        self.inputs: dict[str, QWidget] = {}
        self.form_task: str | None = None  # the task the fields are of (a task change saves its form first)
        self.form_net: str | None = None  # the net whose own fields (net_config.x) the form shows
        self.size_timer = QTimer(self)
        self.size_timer.setSingleShot(True)
        self.size_timer.setInterval(RECOUNT_MS)
        self.size_timer.timeout.connect(self._count_params)
        column = QVBoxLayout(self)
        column.setContentsMargins(10, 10, 6, 10)
        self.options_box = QGroupBox("H&yper-parameters")
        self.options_form = QFormLayout(self.options_box)
        self.boxes = (self._what_box(), self._data_box(), self.options_box, self._run_box())
        for box in self.boxes:
            column.addWidget(box)
        for changed in (self.data.model().rowsInserted, self.data.model().rowsRemoved, self.data.model().modelReset,
                        self.runs_dir.textChanged, self.teacher.currentIndexChanged):
            changed.connect(self.show_prune_command)
        column.addStretch(1)
        self._task_changed()

    def set_locked(self, locked: bool) -> None:
        """During a run (and its start's check) the whole form is locked, box by box: every field, list and picker,
        none left out as they are added."""
        for box in self.boxes:
            box.setEnabled(not locked)
        if not locked:
            self._distill_changed()
            self._net_changed()

    def stop_counting(self) -> None:
        """The window is closing: a parameter count not made, or not shown."""
        self.size_timer.stop()
        self.sizing = None

    def _what_box(self) -> QGroupBox:
        box = QGroupBox("What to train")
        form = self.what_form = QFormLayout(box)
        self.task = ChoiceBox()
        for key, (text, _) in TASKS.items():
            self.task.addItem(text, key)
        self.task.setCurrentIndex(max(0, self.task.findData(setting(self.settings, "train/task", "vsr"))))
        self.task.currentIndexChanged.connect(self._task_changed)
        form.addRow("Tas&k", self.task)
        self._start_from_rows(form)
        self.teacher = ChoiceBox("The trained model whose knowledge is distilled into the new one; for frame "
                                 "interpolation also the one Prune teacher prunes")
        form.addRow("Tea&cher", self.teacher)
        self.distill = ChoiceBox()
        self.distill.currentIndexChanged.connect(self._distill_changed)
        form.addRow("&Distillation", self.distill)
        self.net_size = QLabel()
        self.net_size.setWordWrap(True)
        self.net_size.setToolTip("The size of the net this form trains: its Network, Width and blocks, or the net it "
                                 "starts from")
        form.addRow("Parameters", self.net_size)
        name_form_fields(form)
        return box

    def _start_from_rows(self, form: QFormLayout) -> None:
        """Start from (the trainer's init_from) and why it matters: for interpolation, without it the run trains a
        new net of the teacher's design, teacher-sized at the default Width, not a compact student; for
        super-resolution it fine-tunes a trained model, far cheaper than a new net."""
        self.start_from = QLineEdit()
        self.start_from.setPlaceholderText("empty: a new net, sized by Width")
        self.start_from.setToolTip(f"A net to start from (.safetensors with its card, or a model's name): its "
                                   f"weights and its architecture. {FULL_PATH_TIP}")
        self.start_from.textChanged.connect(self._net_changed)
        self.start_from.textChanged.connect(self._recount)
        self.start_from.textChanged.connect(self.show_prune_command)  # its note says what an empty one trains
        browse = QPushButton(icon("open"), "")
        browse.setToolTip("Choose a net")
        self.start_row = path_row(self.start_from, browse, self._pick_start_from)
        form.addRow("St&art from", self.start_row)
        self.start_note = QLabel()  # the prune command in it follows the form (`show_prune_command`)
        self.start_note.setWordWrap(True)
        self.start_note.setTextInteractionFlags(Qt.TextSelectableByMouse)  # the command is there to be copied
        self.start_note.setProperty("role", "muted")
        form.addRow(self.start_note)
        self.prune_button = QPushButton("Pr&une teacher")
        self.prune_button.setToolTip("Prune the Teacher below on the training data into a compact net in a new prune "
                                     "folder, then start from it")
        # Alt+I, Validation clip's until then: each letter of its name was another control's, and the tab's 14 controls
        # with no letter of their own (nor a menu's) shared 13, so Validation clip's name took a Q
        self.continue_prune_button = QPushButton("Cont&inue pruning")
        self.continue_prune_button.setToolTip("Go on with the stopped pruning shown, from its checkpoint")
        self.continue_prune_button.hide()  # while a stopped pruning is shown (`_label_run`)
        self.prune_row = QWidget()
        row = QHBoxLayout(self.prune_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.prune_button)
        row.addWidget(self.continue_prune_button)
        row.addStretch(1)
        form.addRow(self.prune_row)

    def show_prune_command(self) -> None:
        """Say what Prune teacher runs, with the form's teacher and data folders and the prune folder it would use,
        with the --config file it writes and what that would hold, so the command can also be copied as it is into a
        terminal with the same settings (placeholders had to be typed over; the file went unsaid), after what the
        run trains: while Start from is empty a teacher-sized net, once it is filled the net it gives (the empty one's
        words stayed, as if the net chosen were teacher-sized). A task with no Prune teacher has a note on what its
        Start from is for instead."""
        if self.current_task() not in PRUNING_TASKS:
            self.start_note.setText(START_NOTE[self.current_task()])
            return
        out = None
        for runs in (self.runs_folder, default_runs_dir):
            try:
                out = free_prune_folder(runs())
                break
            except VsrAppError:  # a Runs folder being typed, or one that cannot be used (Prune says why): the default's
                continue
        if out is None:  # neither can be used: the note names the folder by its name, Prune says why
            out = default_runs_dir() / PRUNE_FOLDER
        teacher = self.teacher.currentData() or PREFERRED["interpolate"].teacher
        config = out / OPTIONS_NAME
        command = prune_command(teacher, self.data_folders(), out, config)
        lead = ("The run trains the net Start from gives, as its card says. For another compact student, prune the "
                "teacher again" if self._sized_by_start() else
                "Left empty, the run trains a new net of the teacher's design (at Width 32, the teacher's size). For a "
                "compact student like vfi-x2-student, prune the teacher first")
        self.start_note.setText(
            f"{lead}: the \"Prune teacher\" button runs<br><code>{html.escape(command)}</code><br>with this form's "
            f"Crop size, Batch, Log every and Validation clip, and what Extra options say of the machine and the data "
            f"(device, threads, amp, seed, exclude, how clips are cut), in the {OPTIONS_NAME} it writes there first: "
            f"{self._prune_config_text()} (to run the command in a terminal with the same settings, make the folder "
            f"{html.escape(str(out))} and save that there as {OPTIONS_NAME}). Once it ends, it sets Start from to the "
            f"{PRUNED_NET} it makes. Its length, "
            f"learning rate, Validate every and share of the teacher kept are its own ({PRUNE_DEFAULTS['steps']} "
            f"steps, validating every {PRUNE_DEFAULTS['val_every']}: tens of minutes on a CPU at 128-px crops); to "
            f"change them, run the command in a terminal with <code>--steps</code> or more options in that file, "
            f"then choose its {PRUNED_NET} here.")

    def _prune_config_text(self) -> str:
        """What Prune teacher's --config would hold now (`prune_options`), as the note shows it (HTML)."""
        try:
            return f"<code>{html.escape(json.dumps(prune_options(self._form_options())))}</code>"
        except VsrAppError as exc:  # Extra options being typed, a clip path that cannot be used
            return f"(not readable yet: {html.escape(str(exc))})"

    def data_folders(self) -> list[str]:
        return [self.data.item(i).text() for i in range(self.data.count())]

    def training_data(self, resume: bool = False) -> list[str]:
        """The form's data folders, each there (a file too: a command-line run's --data may be one). For a Resume,
        those still there, maybe none: the run trains on its own data, and on these only where its own has moved (the
        trainer says so), so a moved folder added beside its old entry is found."""
        data = self.data_folders()
        missing = [d for d in data if not Path(d).exists()]
        if resume:
            return [d for d in data if d not in missing]
        if not data:
            raise VsrAppError("add at least one training data folder")
        if missing:
            raise VsrAppError(f"training data not found: {missing[0]}")
        return data

    def _data_box(self) -> QGroupBox:
        box = QGroupBox("Data")
        layout = QVBoxLayout(box)
        self.data = QListWidget()
        self.data.setMaximumHeight(90)
        for folder in setting(self.settings, "train/data", []):
            self.data.addItem(folder)
        folders_label = QLabel("Trainin&g folders (videos, frame folders, images)")
        folders_label.setWordWrap(True)
        folders_label.setBuddy(self.data)
        self.data.setAccessibleName("Training folders")
        layout.addWidget(folders_label)
        layout.addWidget(self.data)
        row = QHBoxLayout()
        add, remove = QPushButton("Add fo&lder\u2026"), QPushButton("R&emove")
        add.clicked.connect(self._add_data)
        remove.clicked.connect(self._remove_data)
        row.addWidget(add)
        row.addWidget(remove)
        row.addStretch(1)
        layout.addLayout(row)
        self.val = QLineEdit(setting(self.settings, "train/val", ""))
        self.val.setPlaceholderText("optional held-out video or frame sequence for validation PSNR")
        self.val.setToolTip(FULL_PATH_TIP)
        self.val_browse = QPushButton(icon("open"), "")
        self.val_browse.setToolTip("Choose a video")
        self.val.setAccessibleName("Validation clip")
        self.val_browse.setAccessibleName("Validation clip: choose a video")
        val_label = QLabel("Validation clip (video or frame se&quence)")  # its I: Continue pruning's
        val_label.setBuddy(self.val)
        layout.addWidget(val_label)
        layout.addLayout(path_row(self.val, self.val_browse, self._pick_val))
        self.val.textChanged.connect(self._grey_unused)  # Validate every counts only with a clip
        self.val.textChanged.connect(self.show_prune_command)  # a pruning's --config holds it (the note shows it)
        return box

    def _run_box(self) -> QGroupBox:
        box = QGroupBox("Run")
        form = QFormLayout(box)
        self.name = QLineEdit(setting(self.settings, "train/name", DEFAULT_NAMES["vsr"]))
        self.name.setToolTip("The name the trained model gets in the model selectors")
        form.addRow("Model &name", self.name)
        self.runs_dir = QLineEdit(setting(self.settings, "train/runs_dir", str(default_runs_dir())))
        self.runs_dir.setPlaceholderText(f"empty: {default_runs_dir()}")
        self.runs_dir.setToolTip(FULL_PATH_TIP)
        browse = QPushButton(icon("open"), "")
        browse.setToolTip("Choose a folder")
        form.addRow("Runs f&older", path_row(self.runs_dir, browse, self._pick_runs_dir))
        self.extra = QLineEdit()  # the task's own, shown by _task_changed
        self.extra.setPlaceholderText('more options as JSON, e.g. {"seed": 1}')
        self.extra.textChanged.connect(self._recount)  # it may hold a net_config
        self.extra.textChanged.connect(self._grey_unused)  # or name the net the run trains
        self.extra.textChanged.connect(self.show_prune_command)  # or the net it starts from (its note says which)
        form.addRow("E&xtra options", self.extra)
        name_form_fields(form)
        return box

    def _add_data(self) -> None:
        """Opens where the last folder listed was chosen (else the home folder), for the next one beside it."""
        data = self.data_folders()
        folder = QFileDialog.getExistingDirectory(self, "Training data folder",
                                                  start_folder(Path(data[-1]).parent if data else None))
        if folder:
            self.data.addItem(folder)

    def load_run(self, run: Path) -> str:
        """Fill the form with the options the run was started with, those Resume continues with (`resumed_config`:
        config.json as the trainer saved it, else its card's copy); returns the run's task (`config_task`). Raises
        VsrAppError where neither reads: passed over in silence, the form kept the options and task of the run shown
        before, as if they were this one's."""
        config = resumed_config(run, lambda *_: None)
        task = config_task(config)
        if task == "prune":  # no training run's options: Browse runs offers its net instead (`_offer_pruned_net`)
            return task
        flat = _as_the_form_sent(run, {**config, **config.get("options", {})})
        self.task.setCurrentIndex(self.task.findData(task))
        for key, widget in self.inputs.items():  # "net" first: the run's net gives the defaults of its own fields
            head, _, sub = key.partition(".")
            given = flat.get(head, {}) if sub else flat
            # not listed: the trainer's default, not what the form showed before
            value = given[sub or key] if (sub or key) in given else field_default(task, self._net(), key)
            if isinstance(widget, QComboBox):
                if widget.findData(choice_data(value)) < 0:  # a value the form does not offer: keep it as it was
                    widget.addItem(f"as in the run: {json.dumps(value)}", choice_data(value))
                widget.setCurrentIndex(widget.findData(choice_data(value)))
            elif value is not None:
                widget.setValue(value)
        distill = self.distill.findData(flat.get("distill"))
        if distill >= 0:
            self.distill.setCurrentIndex(distill)
        teacher = flat.get("teacher")
        if teacher and self.teacher.findData(teacher) < 0:  # a path, or a model gone: kept as the run has it
            self.teacher.addItem(f"as in the run: {teacher}", teacher)
        if teacher:
            self.teacher.setCurrentIndex(self.teacher.findData(teacher))
        if flat.get("data"):
            self.data.clear()
            self.data.addItems([str(d) for d in flat["data"]])
        val = flat.get(VAL_KEY[task])
        self.val.setText(str(val[0]) if val else "")
        self.start_from.setText(str(flat.get("init_from") or "") if task in START_FROM_TASKS else "")
        # the rest (a seed, "ema") as Extra options, not the form's from before
        fields = {*self.inputs, TASK_KEY, "data", "teacher", "distill", "name", "options", VAL_KEY[task],
                  *(["init_from"] if task in START_FROM_TASKS else [])}
        extra = extra_of_run(flat, fields, task)
        self.extra.setText(json.dumps(extra) if extra else "")
        return task

    def _remove_data(self) -> None:
        """Remove the selected folders, else the current one: reached with Alt+G, the list had a current folder and
        none selected, and Remove did nothing."""
        chosen = self.data.selectedItems() or [item for item in [self.data.currentItem()] if item is not None]
        for item in chosen:
            self.data.takeItem(self.data.row(item))

    def _pick_val(self) -> None:
        """Opens at the clip chosen, else beside the training folders (a held-out clip is not in them), else home."""
        data = self.data_folders()
        path, _ = QFileDialog.getOpenFileName(self, "Validation clip",
                                              start_folder(self.val.text(), Path(data[-1]).parent if data else None),
                                              file_filter("Videos", TRAINING_VIDEO_EXTS, all_files=True))
        if path:
            self.val.setText(path)

    def _pick_start_from(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Start from a net", self.runs_dir.text(),
                                              "Nets (*.safetensors);;All files (*)")
        if path:
            self.start_from.setText(path)

    def _pick_runs_dir(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder for training runs", self.runs_dir.text())
        if folder:
            self.runs_dir.setText(folder)

    def current_task(self) -> str:
        return self.task.currentData()

    def _task_changed(self) -> None:
        """Show the task's own form as last used (its fields, distillation, teacher, Extra options), the outgoing
        task's kept for when it comes back. The form is filled with its fields' signals held, and what follows from
        them (the prune note, the greyed fields, the net's count) is done once after: each field set did it again,
        the note three times a change."""
        task = self.current_task()
        if self.form_task not in (None, task):
            self._remember_task()
        self.form_task = task
        self.settings.setValue("train/task", task)
        if self.name.text() in DEFAULT_NAMES.values():  # a suggested name follows the task; a typed one stays
            self.name.setText(DEFAULT_NAMES[task])
        with (QSignalBlocker(self.distill), QSignalBlocker(self.extra), QSignalBlocker(self.start_from),
              QSignalBlocker(self.teacher)):
            self._fill_task_form(task)
        for held in (self.distill, self.teacher):
            held.show_tip()  # its own signal for that was held too
        for row in (self.start_row, self.start_note):
            self.what_form.setRowVisible(row, task in START_FROM_TASKS)
        self.what_form.setRowVisible(self.prune_row, task in PRUNING_TASKS)
        self.show_prune_command()  # the note is the task's
        self._distill_changed()
        self._net_changed()
        self.net_size.setText("counting\u2026")  # the other task's count is not this net's
        self._recount()
        self.taskChanged.emit()

    def _fill_task_form(self, task: str) -> None:
        """The task's distillation, Extra options, Hyper-parameters, Start from and teacher, as last used."""
        self.distill.clear()
        for key, text in DISTILL[task].items():
            self.distill.addItem(text, key)
        self.distill.setCurrentIndex(max(0, self.distill.findData(setting(self.settings, f"train/{task}/distill", ""))))
        # before Extra options were the task's own, one text served both: the start of each
        self.extra.setText(setting(self.settings, f"train/{task}/extra", setting(self.settings, "train/extra", "")))
        self._build_fields(task)
        self.start_from.setText(setting(self.settings, f"train/{task}/init_from", ""))
        self.teacher.clear()  # the task's own teacher, not the outgoing task's
        self.refresh_models()

    def _build_fields(self, task: str) -> None:
        """The task's Hyper-parameters rows, each as last used (the net's own fields as last used for that net)."""
        while self.options_form.rowCount():
            self.options_form.removeRow(0)
        self.inputs = {}
        for key, label, kind, _, low, high, tip in FIELDS[task] + COMMON:  # "net" first: it sets the defaults below
            default = field_default(task, self._net(), key)
            saved_under = [f"train/{task}/{key}"]
            if key.startswith("net_config."):  # the net's own; the one key for all nets before counts for the saved net
                saved_under.append(self._net_key(self._net(), key))
            if isinstance(kind, (list, dict)):
                widget = ChoiceBox(tip)
                for text, value in (kind if isinstance(kind, dict) else {k: k for k in kind}).items():
                    widget.addItem(text, choice_data(value))
            else:
                widget = number_field(kind, default, low, high, MULTIPLE_OF.get((task, key), 1))
                widget.setToolTip(tip)
            show_saved(widget, self.settings, saved_under, default)
            changed = widget.currentIndexChanged if isinstance(widget, QComboBox) else widget.valueChanged
            changed.connect(self._recount)
            changed.connect(self.show_prune_command)  # Crop size, Batch, Log every: a pruning's --config holds them
            widget.setAccessibleName(label)
            self.options_form.addRow(accelerated(label, ROW_KEYS[key]) if key in ROW_KEYS else label, widget)
            self.inputs[key] = widget
        if "net" in self.inputs:
            self.inputs["net"].currentIndexChanged.connect(self._net_changed)
        self.form_net = self._net()
        self._order_tabs()

    def _order_tabs(self) -> None:
        """Tab through the Hyper-parameters where they are on screen, after the Data box: made anew per task, they
        came last in the focus chain, after Start and the curves."""
        previous = self.val_browse
        for widget in self.inputs.values():
            QWidget.setTabOrder(previous, widget)
            previous = widget

    def _distill_changed(self) -> None:
        """The teacher is chosen for distillation, and for interpolation also for Prune teacher."""
        self.teacher.setEnabled(self.distill.currentData() != "none" or self.current_task() in PRUNING_TASKS)
        self._grey_unused()  # the loss weights it does not weigh

    def _net_changed(self) -> None:
        """A net change shows the new net's own fields (Width, Residual blocks) as last used for it, else as its
        own defaults: the teacher is not the student's size. Fields the chosen net does not take (the teacher's
        alignment, a Width where the net starts from another) are shown disabled, as the run ignores them."""
        net = self._net()
        if net != self.form_net:
            self._remember_net_fields()
            for key in self._own_fields(net):
                show_saved(self.inputs[key], self.settings, [self._net_key(net, key)],
                           field_default(self.form_task, net, key))
            self.form_net = net
        self._grey_unused()

    def _grey_unused(self) -> None:
        """Grey the fields the run does not use: those the net it trains does not take, where it starts from
        another net those that size a new one, the loss weights its distillation mode does not weigh and Validate
        every without a validation clip (`run_field_applies`)."""
        extra = self._extra_as_read()
        trained, started = self._trained_net(extra), self._sized_by_start(extra)
        distill, validates = self.distill.currentData(), bool(self.val.text().strip())
        for key, widget in self.inputs.items():
            widget.setEnabled(net_field_applies(trained, key, started) and run_field_applies(key, distill, validates))

    def _trained_net(self, extra: dict) -> str | None:
        """The net the run trains (`trained_net`), whose fields are the ones sent and shown enabled; None for a task
        with no choice of net."""
        if "net" not in self.inputs:
            return None
        return trained_net(self.current_task(), self.start_from.text().strip(), extra, self._net())

    def _sized_by_start(self, extra: dict | None = None) -> bool:
        """Whether the run starts from another net whose card gives the net's size (`card_sizes_net`): Start from, or
        Extra options' init_from over it (`run_start`; `extra`: Extra options as read, by default as they read now).
        Weights without a card leave the net to the form's fields, sent and not greyed: greyed, the trainer built
        its default net, neither the fields' nor a card's."""
        extra = self._extra_as_read() if extra is None else extra
        start = run_start(self.start_from.text().strip(), extra)
        task = self.current_task()
        return task in START_FROM_TASKS and bool(start) and (not isinstance(start, str) or card_sizes_net(task, start))

    def _recount(self) -> None:
        """A field that may size the net changed: count its parameters again once the edits pause."""
        self.size_timer.start()

    def _count_params(self) -> None:
        """Show the parameters of the net the form trains, counted on a worker; only the newest count is shown."""
        try:
            options = self._form_options(held_out=False)
        except VsrAppError as exc:
            self.net_size.setText(f"cannot tell: {exc}")
            return
        job = Job(_net_size, self.current_task(), options, parent=self)
        job.done.connect(lambda text: self._show_size(job, text))
        job.failed.connect(lambda message: self._show_size(job, f"cannot tell: {message}"))
        self.sizing = job
        job.start()

    def _show_size(self, job: Job, text: str) -> None:
        if job is self.sizing:
            self.net_size.setText(text)

    def _net(self) -> str | None:
        """The chosen net (None: the task has no choice of net, or its field is not built yet)."""
        return json.loads(self.inputs["net"].currentData()) if "net" in self.inputs else None

    def _own_fields(self, net) -> list[str]:
        """The fields that size `net` (net_config.x), which are kept per net."""
        return [key for key in self.inputs if key.startswith("net_config.") and net_field_applies(net, key)]

    def _net_key(self, net, key: str) -> str:
        return f"train/{self.form_task}/{net}/{key}"

    def refresh_models(self) -> None:
        """Teachers on offer: trained models of the task (not built-in baselines)."""
        viewer_task = TASKS[self.current_task()][1]
        current = self.teacher.currentData() or setting(self.settings, f"train/{self.current_task()}/teacher", "")
        fill_models(self.teacher, [(m.name, m.name, m) for m in list_models() if m.task == viewer_task and m.path],
                    [current, PREFERRED[viewer_task].teacher])
        if self.teacher.count() == 0:
            self.teacher.addItem("no trained model yet", None)

    def options(self) -> dict:
        """The --config options a run is sent (`_form_options`), each number field's text taken first: Alt+S
        (Start) left "1e-" typed as the learning rate unread (`take_typed`). A greyed field is passed over: the run
        does not use it, and it cannot be retyped."""
        take_typed(w for w in self.inputs.values() if isinstance(w, RefusingBox))
        return self._form_options()

    def _form_options(self, held_out: bool = True) -> dict:
        """The --config options from the form's values (+ the extra JSON), as the trainer reads them; without the
        validation clip when not `held_out` (counting the net's parameters: a clip path being typed must not stop
        that)."""
        task = self.current_task()
        options: dict = {}
        for key, widget in self.inputs.items():
            value = json.loads(widget.currentData()) if isinstance(widget, QComboBox) else widget.value()
            if value == AS_START_FROM:
                continue
            if key.startswith("net_config."):
                options.setdefault("net_config", {})[key.split(".", 1)[1]] = value
            else:
                options[key] = value
        if self.current_task() in START_FROM_TASKS and self.start_from.text().strip():
            options["init_from"] = start_from_option(task, self.start_from.text().strip())
        if held_out and self.val.text().strip():
            options[VAL_KEY[task]] = [str(full_path(self.val.text().strip(), "the validation clip",
                                                    Path.home() / "Videos" / "clip.mp4"))]
        more = self._extra_options()
        return with_extra(form_fields_for(self._trained_net(more), options, self._sized_by_start(more)), more)

    def _extra_as_read(self) -> dict:
        """Extra options as they read; being typed (not yet a JSON object), none."""
        try:
            return self._extra_options()
        except VsrAppError:
            return {}

    def _extra_options(self) -> dict:
        """Extra options as the JSON object they must be (empty: none)."""
        extra = self.extra.text().strip()
        if not extra:
            return {}
        try:
            more = json.loads(extra)
        except json.JSONDecodeError as exc:
            raise VsrAppError(f"extra options are not valid JSON: {exc}") from exc
        if not isinstance(more, dict):
            raise VsrAppError('extra options must be a JSON object, e.g. {"seed": 1}')
        return more

    def remember_form(self) -> None:
        """Save the whole form for the next session: on Start, and when the window closes."""
        self._remember_task()
        self.settings.setValue("train/data", self.data_folders())
        for key, widget in (("val", self.val), ("name", self.name), ("runs_dir", self.runs_dir)):
            self.settings.setValue(f"train/{key}", widget.text())

    def _remember_task(self) -> None:
        """Save the shown task's part of the form: its fields (the net's own under that net), distillation,
        teacher and Extra options."""
        task = self.form_task
        for key, widget in self.inputs.items():
            if not key.startswith("net_config."):
                self.settings.setValue(f"train/{task}/{key}", stored(widget))
        self._remember_net_fields()
        self.settings.setValue(f"train/{task}/distill", self.distill.currentData())
        if self.teacher.currentData():
            self.settings.setValue(f"train/{task}/teacher", self.teacher.currentData())
        self.settings.setValue(f"train/{task}/extra", self.extra.text())
        self.settings.setValue(f"train/{task}/init_from", self.start_from.text())

    def _remember_net_fields(self) -> None:
        """Save the fields that size the shown net, under that net."""
        for key in self._own_fields(self.form_net):
            self.settings.setValue(self._net_key(self.form_net, key), stored(self.inputs[key]))

    def runs_folder(self) -> Path:
        """The Runs folder as a full path, empty meaning the default."""
        text = self.runs_dir.text().strip()
        return full_path(text, "the Runs folder", default_runs_dir()) if text else default_runs_dir()
