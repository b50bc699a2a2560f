"""The Train tab: its form (`train_form_widget`) starts `vsr-app train` as a separate process (`trainer_process`);
live curves, log, Stop / Resume.

Curves come from the run's metrics.jsonl, tailed on a timer, so they are the same numbers the CLI records.
When a run ends, its model is copied into the user model folder under the chosen name and shows up in
every model selector; Start refuses a name another run's model already has there (it would be replaced).
Prune runs `vsr-app prune vfi` the same way (progress, log, Stop; Continue pruning goes on with a stopped one),
and its pruned net becomes Start from.
The run buttons sit below the scrolling form, so Stop is always in sight; the form is locked during a run.
Where the window is small, the curves keep the room their plots need and the form scrolls; both splits are kept
as the user last dragged them, from one start to the next.
"""

from __future__ import annotations

import math
import time
from functools import partial
from pathlib import Path

from PySide6.QtCore import QProcess, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (QApplication, QFileDialog, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton,
                               QScrollArea, QSplitter, QVBoxLayout, QWidget)

from vsr_app.distill.checkpoint import elapsed_until, resume_step
from vsr_app.distill.sources import check_held_out
from vsr_app.distill.options import VAL_KEY
from vsr_app.distill.runs import PRUNE_DEFAULTS, prune_arguments, remove_refused_start
from vsr_app.errors import VsrAppError
from vsr_app.files import FileStamp, file_stamp
from vsr_app.gui import fmt, wording
from vsr_app.gui.prune_start import (can_continue_pruning, continue_pruning_arguments, make_prune_folder,
                                     pruner_val_clips, pruning_left, pruning_steps)
from vsr_app.gui.run_files import (OPTIONS_NAME, MetricsTail, follow_moved_run, install_run_model, is_prune_run,
                                   model_name_for, run_val_clips)
from vsr_app.gui.number_boxes import Refused, RefusingBox
from vsr_app.gui.run_plan import (RunForm, RunPlan, check_new_run_net, plan_run, run_folder, trainer_val_clips,
                                  write_run)
from vsr_app.gui.run_shown import RunShown, has_metrics, read_run, reopened_run
from vsr_app.gui.settings_values import setting
from vsr_app.gui.train_curves import TrainingCurves
from vsr_app.gui.train_form import TASKS, launcher, prune_log_note, prune_options
from vsr_app.gui.train_form_widget import TrainForm
from vsr_app.gui.trainer_process import (INTERRUPTED_EXIT, KILLED_SIGNAL, LOG_NAME, OOM_HINT, TrainerProcess,
                                         failure_cause)
from vsr_app.gui.widgets import WarningLabel, announce
from vsr_app.gui.workers import Job, error_message

FORM_WIDTH_KEY = "train/form_width"  # px of the form's side as last dragged; 0: the form's natural width
LOG_HEIGHT_KEY = "train/log_height"  # px of the log under the curves as last dragged
LOG_HEIGHT = 200  # the log's height until the user drags it
LOG_MIN_LINES = 4  # the log gives way to the curves down to this many lines
# narrower than this the form's side scrolls sideways (a dragged splitter, or a small window leaving the curves
# their room: 720 px held 560 of the form and 150 of the curves, too few for the plots); the run buttons' row fits
FORM_MIN_WIDTH = 350
# what a start checks on a worker (`_checked_first`), in its status: "Checking that ..."
NET_BUILDS = "the trainer can build the net"
CLIP_HELD_OUT = "the validation clip is not part of the training data"


def _check_held_out(val: list, data: list[str], exclude: list | None, progress, cancel) -> None:
    """check_held_out as a Job (which passes progress and cancel; the check is one pass, so it uses neither)."""
    check_held_out(val, data, exclude)


def _check_new_run(plan: RunPlan, exclude: list | None, progress, cancel) -> None:
    """A new run's checks that take a while, as a Job: its net built (`check_new_run_net`, model work), then its
    validation clips held out of the training data (a walk of every training file), `exclude` held out too."""
    check_new_run_net(plan)
    val = plan.options.get(VAL_KEY[plan.task])
    if val:
        check_held_out(val, plan.data, exclude)


class TrainPanel(QWidget):
    errorRaised = Signal(str, str)
    modelsChanged = Signal()
    compareRequested = Signal(str, str, str)  # viewer task, model name, teacher name ("" when none)
    progressed = Signal()  # the run's curves got new steps

    def __init__(self, settings: QSettings, parent=None):
        super().__init__(parent)
        self.settings = settings
        self.process: TrainerProcess | None = None
        self.checking: Job | None = None  # the held-out check before a start
        self.reopening: Job | None = None  # the read of the run the form names, as the tab opens
        self.tail: MetricsTail | None = None
        self.run_dir: Path | None = None
        self.opened_run: Path | None = None  # the folder Browse runs showed
        self.total_steps = 0  # the shown run's length: the form's Steps, or "steps" from Extra options
        self.started = 0.0
        self.trained_before = 0.0  # the run's training time (elapsed_s) where the process goes on from
        self.focus_parked = False  # a keyboard focus waits on the log for the next run button (see _park_focus)
        self.pruning = False  # the process is `prune vfi`: nothing to install, its net becomes Start from
        self.checkpoint_at_start: FileStamp | None = None
        self.steps_from = 0  # the step the process goes on from: a record past it is a step it trained
        self.stepped = False  # the process recorded a step: its failure is not a refused start
        self.per_step: float | None = None  # the last s/step the process recorded (a validation record has none)
        self.new_run_made_dir: bool | None = None  # a new run: whether its start made the folder (None: a resume)
        self.last_model: tuple[str, str, str] | None = None
        self.shown_task: str | None = None  # the task of the run the curves and log show (None: none, or not known)
        self.run_note = ""  # what the run label adds for a shown prune run, or a run whose options cannot be read
        self.log_follows = True  # the log keeps its end in sight, unless the user scrolled up from it

        self.form = TrainForm(settings)
        self.form.taskChanged.connect(self._task_shown)
        self.form.taskChanged.connect(self._follow_number_fields)
        self.form.prune_button.clicked.connect(self.prune)
        self.form.continue_prune_button.clicked.connect(self.continue_pruning)
        self.form_scroll = QScrollArea()
        self.form_scroll.setWidget(self.form)
        self.form_scroll.setWidgetResizable(True)
        # not a Tab stop of its own: the tab's focus went to it, nameless, not to its first field (Task); a field
        # given the focus is scrolled into sight
        self.form_scroll.setFocusPolicy(Qt.NoFocus)
        self.form_scroll.setMinimumWidth(FORM_MIN_WIDTH)
        form_side = QWidget()
        side = QVBoxLayout(form_side)
        side.setContentsMargins(0, 0, 0, 0)
        side.setSpacing(0)
        side.addWidget(self.form_scroll, 1)
        self.warning = WarningLabel()  # why the last start started nothing, above the button pressed
        self.warning.setContentsMargins(10, 8, 6, 0)
        side.addWidget(self.warning)
        side.addLayout(self._run_buttons())

        self.curves_side = right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(6, 10, 10, 10)
        # the texts wrap and the button has a row of its own: side by side and unwrapped, their width held the window
        # wider than 800 px
        self.status = QLabel("No run yet.")
        self.status.setProperty("role", "heading")
        self.status.setWordWrap(True)
        right_layout.addWidget(self.status)
        self.run_label = QLabel()  # which run, of which task, the curves and log are: the form may show another
        self.run_label.setProperty("role", "muted")
        self.run_label.setWordWrap(True)
        self.run_label.setMinimumWidth(1)  # a long run name is cut at the smallest sizes, not the form
        self.run_label.hide()
        self.compare_button = QPushButton("Compare in vie&wer")
        self.compare_button.setProperty("accent", True)
        self.compare_button.clicked.connect(self._compare)
        self.compare_button.hide()
        run_row = QHBoxLayout()
        run_row.addWidget(self.run_label, 1)
        run_row.addWidget(self.compare_button)
        right_layout.addLayout(run_row)
        self.plots = TrainingCurves(setting(settings, "train/smoothing", 0.6))
        self.plots.smoothingChanged.connect(lambda weight: settings.setValue("train/smoothing", weight))
        self.log = QPlainTextEdit()
        self.log.setAccessibleName("Training log")
        self.log.setReadOnly(True)
        self.log.setMaximumBlockCount(5000)
        self.log.setPlaceholderText("The trainer's output appears here.")
        self.log.setFont(QFontDatabase.systemFont(QFontDatabase.FixedFont))
        self.log.verticalScrollBar().actionTriggered.connect(self._log_scrolled)
        self.split = CurvesOverLog(self.plots, self.log, settings)
        right_layout.addWidget(self.split, 1)

        self.outer = QSplitter(Qt.Horizontal)
        self.outer.addWidget(form_side)
        self.outer.addWidget(right)
        self.outer.setStretchFactor(1, 1)
        self.outer.splitterMoved.connect(self._remember_form_width)
        self.form_width = setting(settings, FORM_WIDTH_KEY, 0)
        self.form_fitted = False  # the form's side is sized when first shown (later: where the user drags it)
        self.plots.leastSizeChanged.connect(self._fit_form)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.outer)

        self.timer = QTimer(self)
        self.timer.setInterval(500)
        self.timer.timeout.connect(self._poll)
        self._label_run()
        self._set_running(False)
        self._follow_number_fields()
        self._reopen_form_run()

    # ---- layout ----
    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self.form_fitted:
            self.form_fitted = True
            self._fit_form()
        self._follow_log()  # Qt scrolls only a visible log: what came while another tab was shown

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_form()

    def _fit_form(self) -> None:
        """Size the form's side as the user last dragged it, else to the form's natural width (+ frame and scroll
        bar: a fixed width cut off buttons and combo arrows), but leave the curves the width their plots need: the
        form scrolls instead (a 720-px window gave the curves 150 px, their plots cut at its edge). Done once shown,
        after a task change (undragged, the form's side takes the new form's width: the VSR form is wider than the
        VFI one), a resize (a window grown back gives the form its width again, the curves the rest) and a new legend
        entry."""
        if not self.form_fitted:  # only once shown do the style's fonts and paddings give the form's true width
            return
        scroll = self.form_scroll
        natural = (scroll.widget().sizeHint().width() + scroll.verticalScrollBar().sizeHint().width()
                   + 2 * scroll.frameWidth())
        margins = self.curves_side.layout().contentsMargins()
        curves = math.ceil(margins.left() + self.plots.least_width() + margins.right())
        total = sum(self.outer.sizes())
        width = max(FORM_MIN_WIDTH, min(self.form_width or natural, total - curves))
        self.outer.setSizes([width, max(1, total - width)])

    def _remember_form_width(self) -> None:
        """The user dragged the split: the form's side keeps that width, now and at the next start."""
        self.form_width = self.outer.sizes()[0]
        self.settings.setValue(FORM_WIDTH_KEY, self.form_width)

    def _task_shown(self) -> None:
        """Another task's form: the run shown is labelled as of another task, and the form's side fits the new
        rows (the VSR form is wider) once they are laid out."""
        self._label_run()
        if self.isVisible():
            QTimer.singleShot(0, self, self._fit_form)

    def _run_buttons(self) -> QHBoxLayout:
        """Start, Resume, Stop and Browse runs, below the scrolling form: always in sight, whatever its length."""
        buttons = QHBoxLayout()
        buttons.setContentsMargins(10, 8, 6, 10)
        self.start_button = QPushButton("&Start")
        self.start_button.setProperty("accent", True)
        self.start_button.clicked.connect(lambda: self.start(resume=False))
        self.resume_button = QPushButton("&Resume")
        self.resume_button.setToolTip("Continue the run of this model name from its last checkpoint")
        self.resume_button.clicked.connect(lambda: self.start(resume=True))
        self.stop_button = QPushButton("S&top")
        self.stop_button.setToolTip("Stop after the current step; a checkpoint is written, Resume (or Continue "
                                    "pruning) continues")
        self.stop_button.clicked.connect(self.stop)
        # Open run, named for an Alt+letter of its own: every letter of "Open run" is another control's or a menu's
        self.open_run_button = QPushButton("&Browse runs\u2026")
        self.open_run_button.setToolTip("Show the curves of an earlier run (and Resume it)")
        self.open_run_button.clicked.connect(self._pick_run)
        for b in (self.start_button, self.resume_button, self.stop_button, self.open_run_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        return buttons

    def _pick_run(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Training run folder", self.form.runs_dir.text())
        if folder:
            self.show_run(folder)

    def show_run(self, run_dir: str) -> None:
        """Plot the curves of an existing run; its folder becomes the one Resume continues, and Compare shows its
        model (when one it trained is installed), not the last run's."""
        run = Path(run_dir)
        if not has_metrics(run):
            self.errorRaised.emit("Not a training run", f"{run} has no metrics.jsonl")
            return
        self.run_dir = run
        pruning = is_prune_run(run)
        if pruning:
            self.run_note = self._offer_pruned_net(run)
        task = "vfi" if pruning else self._take_run(run)
        follow_moved_run(run)  # before its model is looked for: a moved run's model names its place now
        self._show(run, task, read_run(run), "Pruning run" if pruning else "Run")

    def _show(self, run: Path, task: str | None, shown: RunShown, called: str = "Run") -> None:
        """Show the run read (`read_run`): its log, curves, steps (`called`: what the status calls it) and its
        model's Compare; the label names it, of `task`."""
        self.run_dir, self.shown_task = run, task
        self.log.clear()
        self.log.setPlainText(shown.log)
        if shown.log_error:  # the run is shown without it (raised, the curves of the run shown before stayed)
            self._log(shown.log_error)
        self.plots.reset()
        self.plots.set_val_clips(shown.val_clips)
        self.tail = shown.tail
        self._plot(shown.records)
        unread = self.tail.error
        self.status.setText(f"{called} {run.name}: " + (
            f"its metrics.jsonl cannot be read ({unread}), so no curves are shown" if unread
            else f"{self.plots.last_step():,} steps recorded"))
        self.last_model = shown.comparison
        self.compare_button.setVisible(self.last_model is not None)
        self._label_run()

    def _reopen_form_run(self) -> None:
        """As the tab opens, show the training run the form names, where its folder holds one (a trainer killed with
        the app), read on a worker (`reopened_run`)."""
        run = self._form_run()
        if run is None or not has_metrics(run):
            return
        job = Job(reopened_run, run, parent=self)
        job.done.connect(lambda found: self._show_reopened(job, run, found))
        self.reopening = job
        job.start()

    def _show_reopened(self, job: Job, run: Path, found: tuple[str | None, RunShown] | None) -> None:
        """Show the run `reopened_run` read, unless the tab has moved on meanwhile (a run started or shown, another
        name typed, the window closing)."""
        if job is not self.reopening:
            return
        self.reopening = None
        if found is None or self.run_dir is not None or self.checking is not None or self._form_run() != run:
            return
        self.total_steps = int(self.form.inputs["steps"].value())  # as Browse runs takes it: the form is the run's
        self._show(run, *found)

    def _form_run(self) -> Path | None:
        """The run folder the form names (Runs folder / model name); None where its Runs folder is not a path."""
        try:
            return run_folder(self.form.runs_folder(), self.form.name.text().strip(), None)
        except VsrAppError:
            return None

    def _take_run(self, run: Path) -> str | None:
        """Set the form to a training run Browse runs shows: its options, and its folder for Resume. Returns the run's
        task, None where its options cannot be read: the form keeps its own, and the run label says they are not the
        run's (the form's task and Steps were taken for the run's)."""
        try:
            task = self.form.load_run(run)
        except VsrAppError as exc:
            task, self.total_steps = None, 0  # its length is not known either
            self.run_note = f"Its options could not be read, so the form keeps its own: {exc}"
        else:
            self.run_note, self.total_steps = "", int(self.form.inputs["steps"].value())
        self.opened_run = run
        self.form.name.setText(model_name_for(run.name))  # after load_run: its task change renames a suggested name
        self.form.runs_dir.setText(str(run.parent))
        return task

    def _offer_pruned_net(self, run: Path) -> str:
        """A prune run's net (`pruning_left`) becomes the interpolation form's Start from; returns what the run label
        says of it."""
        self.form.task.setCurrentIndex(self.form.task.findData("vfi"))  # where its buttons and Start from are
        pruned, said = pruning_left(run)
        if pruned is not None:
            self.form.start_from.setText(str(pruned))
        return said

    # ---- running ----
    def running(self) -> bool:
        return self.process is not None and self.process.running()

    def start(self, resume: bool = False) -> None:
        """Check the form, then (off the GUI thread, `_checked_first`) that a new run's net builds and its validation
        clip is not part of the training data, then write the run folder and start the trainer. A resume goes on
        with the net and the clip it began with: it starts at once."""
        self._drop_refusal()
        try:
            plan = self._plan(resume)
        except Refused as exc:
            self._refuse_typed(exc)
            return
        except VsrAppError as exc:
            self.errorRaised.emit("Cannot start training", wording.for_train_tab(str(exc)))
            return
        if resume:
            self._launch(plan)
            return
        exclude = plan.options.get("exclude", []) if plan.task == "vfi" else None  # as `vsr-app train` checks it
        checks = [NET_BUILDS] + ([CLIP_HELD_OUT] if plan.options.get(VAL_KEY[plan.task]) else [])
        self._checked_first(checks, partial(self._launch, plan), "Cannot start training", _check_new_run, plan, exclude)

    def _checked_first(self, checks: list[str], launch, title: str, check, *args) -> None:
        """Run `check(*args)` as a Job (model work, or a walk of every training file: seconds with the window frozen),
        the form locked and `checks` said meanwhile, then `launch(status)`, or refuse under `title`; `status`: the
        status shown before, put back if the start is refused. Start is greyed meanwhile: a second press does
        nothing."""
        shown = self.status.text()
        self.status.setText(f"Checking that {' and that '.join(checks)}\u2026")
        self._set_running(True)
        self._park_focus(self.stop_button)  # nothing to stop while the start is checked
        job = Job(check, *args, parent=self)
        # only while it is the pending start: a window closed meanwhile (shutdown) must not start a trainer
        job.done.connect(lambda _: launch(shown) if job is self.checking else None)
        job.failed.connect(lambda message: self._refuse(message, shown, title) if job is self.checking else None)
        self.checking = job
        job.start()

    def shutdown(self) -> None:
        """The window is closing: a start still being checked is dropped (its Job ends unheard, awaited by
        `finish_jobs`), a parameter count not made or shown."""
        self.checking = self.reopening = None
        self.form.stop_counting()

    def _refuse_typed(self, exc: Refused) -> None:
        """A number field refused its text at a start: said above the run buttons, in the warning colour, as the
        Export dialog says it, not in a box over the field that has just said it; aloud only where the field has not
        (`Refused.said`). It goes at the next start, or as a number field changes (`_follow_number_fields`)."""
        self.warning.show_warning(f"Not started: {exc}", aloud=not exc.said)

    def _follow_number_fields(self) -> None:
        """Drop a start's refusal as a number field is edited or set (the fields are built anew for each task: the
        refusal of the ones before goes with them)."""
        self._drop_refusal()
        for box in self.form.inputs.values():
            if isinstance(box, RefusingBox):
                box.valueChanged.connect(self._drop_refusal)
                box.lineEdit().textEdited.connect(self._drop_refusal)

    def _drop_refusal(self) -> None:
        self.warning.show_warning("")

    def _refuse(self, message: str, status: str | None = None, title: str = "Cannot start training") -> None:
        self.checking = None
        self._set_running(False)
        if status is not None:
            self.status.setText(status)
        self.errorRaised.emit(title, wording.for_train_tab(message))

    def _launch(self, plan: RunPlan, status: str | None = None) -> None:
        self.checking = None
        try:
            args = self._write_run(plan)
        except Exception as exc:  # after a check this runs from a signal: anything left unsaid would lock the form
            self._refuse(error_message(exc), status)
            return
        self.pruning = False
        self.shown_task, self.run_note = plan.task, ""
        self._run_cli(args, trainer_val_clips(plan))

    def continue_pruning(self) -> None:
        """Go on with the stopped pruning shown (`vsr-app prune vfi --resume`: its own teacher, data and options). The
        form's Teacher and data go with it, as Resume's data does: the pruner takes them only where the run's own
        have moved away, and says so. A number Start refused is no longer what the tab is about."""
        self._drop_refusal()
        stopped = self._stopped_pruning()
        if stopped is None and self.run_dir is not None:  # changed on disk since shown (checkpoint deleted, net made)
            self.run_note = self._offer_pruned_net(self.run_dir)
            self._label_run()
            self.errorRaised.emit("Cannot continue the pruning", f"{self.run_dir} has nothing left to continue: "
                                                                 f"{self.run_note}")
        if stopped is None:
            return
        try:
            steps = pruning_steps(stopped)
        except VsrAppError as exc:
            self.errorRaised.emit("Cannot continue the pruning", f"{stopped}: {exc}")
            return
        self.run_dir, self.total_steps, self.last_model, self.new_run_made_dir = stopped, steps, None, None
        self.pruning = True
        self.shown_task, self.run_note = "vfi", "Continuing the pruning: its net becomes Start from when it ends."
        self._run_cli(continue_pruning_arguments(stopped, self.form.teacher.currentData(),
                                                 self.form.training_data(resume=True)))

    def prune(self) -> None:
        """Prune the form's teacher on its data into a new prune folder in the Runs folder, as `vsr-app prune vfi`
        does, followed like a training run; its net becomes Start from when it ends (`_finished`). A Validation clip
        inside the training data is refused first, as Start refuses it, before a folder is made or a process
        started."""
        self._drop_refusal()
        teacher = self.form.teacher.currentData()
        try:
            if not teacher:
                raise VsrAppError("pruning needs a trained interpolation teacher; train one first")
            data = self.form.training_data()
            options = self.form.options()
        except Refused as exc:
            self._refuse_typed(exc)
            return
        except VsrAppError as exc:
            self.errorRaised.emit("Cannot start pruning", wording.for_train_tab(str(exc)))
            return
        sent = prune_options(options)  # the form's that the pruner takes too, as its --config
        launch = partial(self._start_pruning, teacher, data, sent, prune_log_note(options))
        if sent.get("val_videos"):
            self._checked_first([CLIP_HELD_OUT], launch, "Cannot start pruning", _check_held_out, sent["val_videos"],
                                data, sent.get("exclude", []))
        else:
            launch(None)

    def _start_pruning(self, teacher: str, data: list[str], sent: dict, note: str, status: str | None) -> None:
        """Make the prune folder (`make_prune_folder`: `sent` its --config, `note` its log's first line) and start
        the pruner."""
        self.checking = None
        try:
            folder = make_prune_folder(self.form.runs_folder(), sent, LOG_NAME, note)
        except VsrAppError as exc:
            self._refuse(str(exc), status, "Cannot start pruning")
            return
        self.run_dir, self.total_steps, self.last_model = folder.run_dir, PRUNE_DEFAULTS["steps"], None
        self.new_run_made_dir = folder.made_dir
        self.pruning = True
        self.shown_task, self.run_note = "vfi", "Pruning the teacher: its net becomes Start from when it ends."
        self._log(note)
        self._run_cli(prune_arguments(teacher, data, folder.run_dir, folder.config), pruner_val_clips(sent))

    def _run_cli(self, args: list[str], val_clips: list[str] | None = None) -> None:
        """Start the CLI with `args` in its own process (a trainer or the pruner), its curves and log followed.
        `val_clips`: the clips it validates on (None: those its saved options name; a resume may change them)."""
        program, prefix = launcher()
        self._attach(TrainerProcess(self.run_dir / LOG_NAME, self))
        self.plots.reset()
        before = run_val_clips(self.run_dir)  # read before the trainer saves the clips of now
        self.plots.set_val_clips(before if val_clips is None else val_clips, untagged=before)
        self.tail = MetricsTail(self.run_dir / "metrics.jsonl")
        history = self.tail.read()  # a resumed run's steps so far: plotted at once, but not its progress now
        self.plots.add_records(history)
        done = self._resumed_at() if history else 0
        self.steps_from = self.plots.last_step() if done is None else done  # (a checkpoint not read: its metrics')
        self.trained_before = elapsed_until(history, self.steps_from)
        self.stepped, self.per_step = False, None
        self.log_follows = True  # a new trainer's output is shown from its start to its end
        self._log(f"$ {Path(program).name} {' '.join(prefix + args)}")
        self.started = time.monotonic()
        self.checkpoint_at_start = self._checkpoint_stamp()
        self.compare_button.hide()
        self._label_run()
        self.status.setText(self._starting_text(history))
        self._set_running(True)
        self.process.start(program, prefix + args)
        self.timer.start()

    def _attach(self, process: TrainerProcess) -> None:
        """Follow `process`: its lines in the log, its end or its failure to start said. The one before goes once it
        has ended: each keeps all its output, and parented to the tab, every start's stayed until the window closed."""
        if self.process is not None and not self.process.running():
            self.process.deleteLater()
        self.process = process
        process.lines.connect(lambda lines: self._log(*lines))
        process.said.connect(self._log)
        process.finished.connect(self._finished)
        process.errorOccurred.connect(self._process_error)

    def _starting_text(self, history: list) -> str:
        """A resumed run is said at the step its trainer goes on from, its checkpoint's: its metrics may run on past
        it (a hard kill after the checkpoint), and the trainer drops those steps."""
        if not history:
            return "Starting\u2026"
        done = self._resumed_at()
        return "Resuming\u2026" if done is None else f"Resuming at step {done:,}\u2026"

    def _resumed_at(self) -> int | None:
        """The step the run goes on from (`resume_step`); None where its checkpoint cannot be read, which the trainer
        says (raised in a slot, it left the tab's status unsaid)."""
        try:
            return resume_step(self.run_dir)
        except VsrAppError:
            return None

    def _plan(self, resume: bool) -> RunPlan:
        """The form's values, planned by `plan_run`; nothing is written."""
        form = self.form
        values = RunForm(form.current_task(), form.name.text().strip(), form.training_data(resume),
                         form.distill.currentData(), form.teacher.currentData(), form.options(), form.runs_folder())
        return plan_run(values, resume, self.opened_run)

    def _write_run(self, plan: RunPlan) -> list[str]:
        """Write the run folder (`write_run`) and make it the run shown; returns the trainer's arguments."""
        written = write_run(plan, self._log)
        self.run_dir, self.total_steps, self.new_run_made_dir = plan.run_dir, plan.steps, written.made_dir
        self.form.remember_form()
        self.last_model = (TASKS[plan.task][1], plan.name, plan.teacher or "")
        return written.arguments

    def stop(self) -> None:
        """Graceful stop: the trainer checkpoints and exits (`TrainerProcess.stop`; Resume continues from there)."""
        if self.running():
            self.status.setText("Stopping: writing a checkpoint\u2026")
            self._park_focus(self.stop_button)
            self.process.stop()

    def work_said(self) -> str:
        """What the window's status bar says of the run going on (`running`): its step, or that it is stopping, as the
        tab says (after Stop the bar went on with "Training: step 24 / 10,000" while the tab said a checkpoint was
        being written; a stopping batch or export reads "... cancelling..." there)."""
        doing = "Pruning" if self.pruning else "Training"
        if self.process is not None and self.process.stopping:
            return f"{doing} stopping: writing a checkpoint\u2026"
        step = self.plots.last_step()
        return f"{doing}: step {step:,} / {self.total_steps:,}" if step else f"{doing}: starting"

    def stop_and_wait(self) -> None:
        """Stop and block until the trainer has written its checkpoint (quitting the app): the grace a Stop gives."""
        if self.running():
            self.stop()
            self.process.wait_for_end()

    def _park_focus(self, button: QPushButton) -> None:
        """Disable `button` until its outcome comes (Stop until the trainer exits, or while a start's clip is
        checked); a keyboard's focus on it waits on the log meanwhile, not on the curves' Smoothing box, and
        `_set_running` hands it on to the button to press next."""
        if button.hasFocus():
            self.log.setFocus(Qt.OtherFocusReason)
            self.focus_parked = True
        button.setEnabled(False)

    def _set_running(self, running: bool) -> None:
        """During a run (and its start's check) the form is locked, and Browse runs with it."""
        # a button pressed by keyboard is about to be disabled: its focus goes to the one that undoes it, not on to
        # the curves' Smoothing box, five Tabs from Stop
        pressed = any(b.hasFocus() for b in (self.start_button, self.resume_button, self.stop_button,
                                             self.form.prune_button, self.form.continue_prune_button))
        pressed = pressed or (self.focus_parked and self.log.hasFocus())  # or waiting on the log (`_park_focus`)
        # or in the form, which locks: Alt+S from a field left no widget with the focus, and a reader said nothing
        pressed = pressed or (running and self.form.isAncestorOf(QApplication.focusWidget() or self))
        self.focus_parked = False
        self.stop_button.setEnabled(running)
        self.start_button.setEnabled(not running)
        self.resume_button.setEnabled(not running)
        if running:
            self.form.continue_prune_button.hide()  # shown again by `_label_run` for a pruning that stopped
        if pressed:
            (self.stop_button if running else self.resume_button).setFocus(Qt.OtherFocusReason)
        self.form.set_locked(running)
        self.open_run_button.setEnabled(not running)

    def _log(self, *lines: str) -> None:
        """Append to the log, keeping its end in sight while it follows (`_follow_log`)."""
        for line in lines:
            self.log.appendPlainText(line)
        self._follow_log()

    def _follow_log(self) -> None:
        """Show the log's end unless the user scrolled up. Not left to Qt, which follows only a view that is visible
        and at its end: output that came while another tab was shown left the view behind, and it never followed
        again."""
        if self.log_follows:
            bar = self.log.verticalScrollBar()
            bar.setValue(bar.maximum())

    def _log_scrolled(self) -> None:
        """The user scrolled the log (wheel, bar, keys): it follows again once back at its end."""
        bar = self.log.verticalScrollBar()
        self.log_follows = bar.sliderPosition() >= bar.maximum()

    def _stopped_pruning(self) -> Path | None:
        """The pruning shown, where Continue pruning can go on with it (`can_continue_pruning`)."""
        run = self.run_dir
        if run is None or self.shown_task != "vfi" or not can_continue_pruning(run):
            return None
        return run

    def _label_run(self) -> None:
        """Name the run the curves and log show, with its task (unknown where its options cannot be read: the note
        says so). After a switch of Task they stay, with the run's Compare, so a finished run is not lost to a look at
        the other task's form, but they are not the form's run, and the label says so. Continue pruning is offered
        while a stopped pruning is shown."""
        self.form.continue_prune_button.setVisible(self._stopped_pruning() is not None)
        if self.run_dir is None or (self.shown_task is None and not self.run_note):
            self.run_label.hide()
            return
        name = self.run_dir.name
        text = f"{TASKS[self.shown_task][0]}: run {name}" if self.shown_task else f"Run {name}"
        if self.run_note:
            text += f". {self.run_note}"
        elif self.shown_task != self.form.current_task():
            text += f" (not the task the form is set to; Start trains a new {TASKS[self.form.current_task()][0]} run)"
        self.run_label.setText(text)
        self.run_label.show()

    def _process_error(self, error) -> None:
        if error == QProcess.FailedToStart:
            self.timer.stop()
            self._set_running(False)
            doer, what = self._doing()
            self.status.setText(f"The {doer} could not start.")
            self._clear_refused_start()  # the options and folder written for it, as a refused start's
            self._show_what_is_left()
            self.errorRaised.emit(f"Cannot start {what.lower()}", f"the {doer} process ({self.process.program()}) "
                                                                  f"failed to start: {self.process.errorString()}")

    def _took_training(self, took: str) -> str:
        """The time from Start (`took`), said at the trainer's end, with the part the trainer recorded as training (its
        start-up, the nets built or restored and its last save are left out) and, after a resume, the run's training
        in all, which the parts said at each end add up to: "20 s (9 s of training this time, 31 s in all for the
        run)". The time from Start beside the training in all read as a total below its first part ("35 s", then
        "20 s, 31 s of training in all"), and "20 s (9 s of training, 31 s in all)" as a sum that did not add up."""
        trained = fmt.duration(self.plots.trained_s - self.trained_before)
        if self.plots.trained_s <= self.trained_before:  # the trainer recorded no time of its own
            return took
        if self.trained_before:
            return f"{took} ({trained} of training this time, {fmt.duration(self.plots.trained_s)} in all for the run)"
        return took if trained == took else f"{took} ({trained} of training)"

    def _finished(self, code: int, status) -> None:
        self.timer.stop()
        self.process.read_output()
        self._poll()
        self._set_running(False)
        took = fmt.duration(time.monotonic() - self.started)
        ended = code == 0 and status != QProcess.CrashExit
        # a Stop pressed as the last step was written: the run is complete, nothing is left to resume
        saved = self._checkpoint_stamp() != self.checkpoint_at_start
        stopping = self.process.stopping
        if ended and (not stopping or self.plots.last_step() >= self.total_steps):
            if self.pruning:
                self.status.setText(f"Pruned after {took}.")
            else:  # the model is installed even where nothing trained: its card may name a new Validation clip
                self.status.setText(f"Finished after {self._took_training(took)}." if saved or stopping
                                    else self._nothing_trained())
                self._install()
            announce(self.status, self.status.text())  # hours after its start: a screen reader user hears the end
        # a stop ends in 130 (the CLI's interrupted), 0 short of the steps this tab counts (a resumed run keeps its
        # own) or a crash exit (killed after the grace time, or SIGTERM before Python's handler was set)
        elif stopping and (code in (0, INTERRUPTED_EXIT) or status == QProcess.CrashExit):
            if not saved:
                self.status.setText(f"Stopped after {took}, before the first step: nothing new to save.")
                if self.pruning:
                    self._clear_refused_start()  # the prune folder holds only this tab's log: the next Prune's
            elif self.pruning:
                self.status.setText(f"Stopped after {took}; Continue pruning goes on from here.")
            else:
                self.status.setText(f"Stopped after {self._took_training(took)}; Resume continues from here.")
                self._install()
            announce(self.status, self.status.text())
        else:
            self._failed(code, saved, killed=status == QProcess.CrashExit)
        self._show_what_is_left()

    def _show_what_is_left(self) -> None:
        """After a run ended (or could not start): what a pruning left, once any refused start's folder is gone, and
        the prune folder the form names, taken or free again. A run whose folder went (a refused start's) is no
        longer shown: the label named it after its removal."""
        if not self.run_dir.is_dir():
            self.run_dir, self.shown_task, self.tail = None, None, None  # nothing of it is left to show
        elif self.pruning:
            self.run_note = self._offer_pruned_net(self.run_dir)
        self._label_run()
        self.form.show_prune_command()

    def _nothing_trained(self) -> str:
        """A finished run resumed at its own length ends without a checkpoint written: the trainer trained nothing."""
        done = self._resumed_at()
        if done is None:
            return "Ended without a new checkpoint, and the run's own cannot be read: see the log."
        return (f"Nothing to train: the run is at step {done:,} of {self.total_steps:,}; set Steps (or \"steps\" in "
                f"Extra options, which wins) above {done:,} to train on.")

    def _failed(self, code: int, saved: bool, killed: bool = False) -> None:
        """Say why in one line (a clipped traceback's last lines began mid-way, with ^^^ markers) and where the
        whole output is; a trainer's model from the last checkpoint before the failure is installed, and said so only
        where it was (the box said it of a checkpoint whose model was never exported). `killed`: by a
        signal (`code` is its number), which leaves no output to tell why: the kernel's out-of-memory killer sends 9."""
        doer, what = self._doing()
        killed_by = f"was killed (signal {code}{OOM_HINT if code == KILLED_SIGNAL else ''})" if killed else ""
        self.status.setText(f"The {doer} {killed_by or f'exited with an error (code {code})'}.")
        said = ""
        if not saved:
            self._clear_refused_start()
        elif not self.pruning:  # hours of steps before the crash stay usable
            said = ("\n\nThe model from its last checkpoint is installed; Resume continues from there."
                    if self._install() else
                    "\n\nThe model is not installed (the log says why), but its last checkpoint is intact: Resume "
                    "continues from it, and installs the model when it ends.")
        cause = wording.for_train_tab(failure_cause(self.process.output))
        title = f"{what} failed" if self.stepped else f"Cannot start {what.lower()}"  # a refusal before any step
        self.errorRaised.emit(title, f"{cause}\n\nThe {doer} {killed_by or f'exited with code {code}'}; "
                                                f"its whole output is in {self.process.log_place()}.{said}")

    def _doing(self) -> tuple[str, str]:
        """What runs, for messages: the pruner or the trainer, and its work."""
        return ("pruner", "Pruning") if self.pruning else ("trainer", "Training")

    def _clear_refused_start(self) -> None:
        """A new run the trainer refused wrote nothing of its own: the options and log this tab wrote for it go too,
        as on the command line."""
        if self.new_run_made_dir is not None:
            remove_refused_start(self.run_dir, {OPTIONS_NAME, LOG_NAME}, self.new_run_made_dir)

    def _checkpoint_stamp(self) -> FileStamp | None:
        """The run's checkpoint's `file_stamp` (None: not yet), to tell whether a stopped trainer saved one."""
        return file_stamp(self.run_dir / "checkpoint.json")

    def _install(self) -> bool:
        """Install the run's model, or log why not; whether it was installed, for what a failure's box says (a disk
        that filled between the checkpoint and the model's export left none to install)."""
        task, name, teacher = self.last_model
        try:
            path = install_run_model(self.run_dir, name)
        except VsrAppError as exc:
            self._log(f"model not installed: {exc}")
            return False
        self._log(f"model '{name}' installed as {path}")
        self.modelsChanged.emit()
        self.compare_button.show()
        return True

    def _compare(self) -> None:
        if self.last_model is not None:
            self.compareRequested.emit(*self.last_model)

    # ---- curves ----
    def _poll(self) -> None:
        if self.tail is None:
            return
        records = self.tail.read()
        if self.tail.rewound:  # the file was rewritten (a resume dropped lost steps): what is plotted may be gone
            self.plots.reset()
        self._plot(records)

    def _plot(self, records: list[dict]) -> None:
        """Plot new records, and say the progress they make."""
        self.plots.add_records(records)
        self.stepped = self.stepped or any(record["step"] > self.steps_from for record in records)
        if records:
            self._show_progress(records)
            self.progressed.emit()

    def _show_progress(self, records: list[dict]) -> None:
        """The newest step, with the last s/step recorded and its ETA (a validation record, the newest, has none)."""
        record, total = records[-1], self.total_steps
        text = f"Step {record['step']:,} / {total:,}"
        self.per_step = per_step = next((r["s_per_step"] for r in reversed(records) if r.get("s_per_step")),
                                        self.per_step)
        if per_step:
            text += f"   \u00b7   {per_step:.2f} s/step{fmt.eta_suffix(per_step * (total - record['step']))}"
        val = self.plots.series.get("val_psnr")
        if val and val[1]:
            text += f"   \u00b7   val PSNR {val[1][-1]:.2f} dB"
        if self.pruning and record["step"] >= total:
            text = f"Step {total:,} / {total:,}   \u00b7   making the pruned net\u2026"
        if self.running() and not self.process.stopping:
            self.status.setText(text)


class CurvesOverLog(QSplitter):
    """The curves over the trainer's log. The log keeps the height the user last dragged (kept for the next start),
    but in a short window gives way, down to a few lines, before the plots lose their least height: a fixed 520:200
    split left each plot's data area ~20 px tall in a 600-px window."""

    def __init__(self, plots: TrainingCurves, log: QPlainTextEdit, settings: QSettings):
        super().__init__(Qt.Vertical)
        self.plots, self.log, self.settings = plots, log, settings
        self.addWidget(plots)
        self.addWidget(log)
        self.log_height = setting(settings, LOG_HEIGHT_KEY, LOG_HEIGHT)
        self.splitterMoved.connect(self._remember)
        plots.leastSizeChanged.connect(self.fit)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.fit()

    def fit(self) -> None:
        total = sum(self.sizes())
        least = self.log.fontMetrics().lineSpacing() * LOG_MIN_LINES + 2 * self.log.frameWidth()
        log = max(least, min(self.log_height, total - math.ceil(self.plots.least_height())))
        self.setSizes([max(1, total - log), log])

    def _remember(self) -> None:
        self.log_height = self.sizes()[1]
        self.settings.setValue(LOG_HEIGHT_KEY, self.log_height)
