"""The Batch tab: a GUI over `vsr_app.batch.run_batch` (what `vsr-app batch` runs): folder in, folder out,
the queue with each file's status, overall progress with ETA, Cancel, and the JSON report.

The queue is listed before starting (same file discovery and output naming as the batch itself, and the files at
the outputs' names judged as it judges them: done, kept, or to do; with Replace ticked, made again), then each row
is updated as the batch reports the file finished. Both run on Job threads: listing a large tree or a network share,
opening the files at the outputs' names and checking the report file against every one of them can take minutes,
and the window must stay usable.
The form's fields are `batch_form.BatchForm`, the queue's rows and a row's actions `batch_queue.QueueView`; this
panel lists, starts, follows and reports the batch, and wires the two. The report is written where the form says, as
`--report` would, and replaces a file that is not a batch report once asked, Replace ticked or not: the command line
needs --overwrite, which makes every existing output again too, and the question is consent enough. So is the report
of a batch into another output folder, which a remembered full path in the Report file field would otherwise replace
at every batch into another folder; one anywhere under the output folder is its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QStatusTipEvent
from PySide6.QtWidgets import (QApplication, QHBoxLayout, QLabel, QMessageBox, QProgressBar, QPushButton, QVBoxLayout,
                               QWidget)

from vsr_app import APP_NAME
from vsr_app.batch import NOT_STARTED_REASON, run_batch
from vsr_app.batch_plan import Queue, list_queue
from vsr_app.batch_report import SKIPPED, ReportFile, check_report_path, ignored_in_words, is_own_report
from vsr_app.batch_resume import SameFile, listed_settings
from vsr_app.errors import VsrAppError
from vsr_app.files import shown_name
from vsr_app.gui import fmt
from vsr_app.gui.batch_form import REPLACE_LABEL, BatchForm
from vsr_app.gui.batch_queue import QueueView
from vsr_app.gui.number_boxes import Refused
from vsr_app.gui.widgets import WarningLabel, announce, open_with_system
from vsr_app.gui.workers import Job
from vsr_app.words import counted

REPLACE_LISTED = 8  # files named when asking before replacing files this app did not make
NOT_A_REPORT = "would replace an existing file that is not a batch report"  # the command line's words, after its name
NO_RECORD_TITLE = "Replace files with no record of this app?"
# the title and the choice of the question asked of another output folder's report, and of one whose output folder is
# gone (this folder's before a rename, where emptying the field would drop the notes the rerun carries from it)
ANOTHER_FOLDERS = ("Replace another batch's report?", "Replace it? With No, nothing starts: choose another Report "
                   "file, or empty the field for the report in the output folder.")
RENAMED_FOLDERS = ("Go on from this folder's report?", "Replace it? With Yes, the batch carries its notes of the "
                   "outputs it skips; with No, nothing starts.")
KEPT_WHEN_STOPPED = "the batch keeps the files it finished, not the one in progress"  # asked before Esc and quitting
# what the rows a batch did not finish say once it is cancelled or has failed (`QueueView.end_unfinished`); the file in
# work when cancelled is said by the batch itself, as its frame ends
CANCELLED_ROWS = {"queued": ("cancelled", NOT_STARTED_REASON)}
FAILED_ROWS = {"queued": ("not started", "the batch failed before reaching this file"),
               "processing": ("stopped", "the batch failed before this file ended")}
UNSTARTED_ROWS = {"queued": ("not started", "the batch could not start")}  # refused before its first file (a folder)
CANCELLED_BEFORE_START = "The batch was cancelled before it started."  # Cancel while a start lists the folder
# what replacing the report file would lose, in words that follow its name, and the title and choice of the question
# about it (None: the question about files with no record of this app)
WouldReplace = tuple[str, tuple[str, str] | None]


@dataclass
class Listing:
    """What a listing found (`list_queue_and_report`): the queue and, for a start, its report file, read and checked on
    the worker thread too: checked against every input and output, it froze the window for seconds with thousands of
    files."""
    queue: Queue
    report: ReportFile | None = None  # where the start's report goes, read once: the batch goes by it too
    report_of: Path | None = None  # the output folder of the batch report there, None where none is there
    replaced: WouldReplace | None = None  # what replacing it would lose (`report_would_replace`)


def list_queue_and_report(report: Path | None, *queue_args, progress=None, cancel=None, settings=None) -> Listing:
    """(worker thread) The queue (`list_queue` of `queue_args` and `settings`) and, for a start, the report file at
    `report` (None: a listing to show only)."""
    queue = list_queue(*queue_args, progress=progress, cancel=cancel, settings=settings)
    if report is None or queue.problem:
        return Listing(queue)
    report_file = ReportFile(report)
    report_of = report_file.output_dir
    return Listing(queue, report_file, report_of, report_would_replace(queue, report_file, report_of))


def report_would_replace(queue: Queue, report_file: ReportFile, report_of: Path | None) -> WouldReplace | None:
    """What replacing the report file would lose unasked, with the question to ask (`WouldReplace`); None where
    nothing. A file that is not a batch report (a user's own of that name, or one not read as a report), which the
    command line replaces only with --overwrite; a report refused even so (a video, an input) is not asked about:
    the batch refuses it, saying why. Or the report of a batch into another output folder (`report_of`): on the
    command line --report is typed each time, but the Report file field is remembered, so a full path left there
    replaced the report of each batch before, into another folder, without a word. The field still keeps full paths,
    as every field keeps its value: a batch run with --report elsewhere is gone on with from that file after a
    restart, and forgetting full paths would not guard a change of output folder within one session either. A report
    anywhere under the output folder (`reports/r.json`) is that folder's own whatever folder it names: the folder
    was renamed since, or is one network share reached by another mount path, and the command line's rerun replaces
    it as ever. One elsewhere whose folder is gone is likely this folder's, renamed: said so (its notes go on)."""
    report = report_file.path
    if report_of is not None:
        if is_own_report(report, report_of, queue.out_dir):
            return None
        folder = shown_name(str(report_of))
        if not report_of.exists():
            return (f"is the report of a batch into '{folder}', which is no longer there: this folder's before a "
                    "rename, it seems", RENAMED_FOLDERS)
        return f"would replace the report of a batch into '{folder}'", ANOTHER_FOLDERS
    if not report.is_file():
        return None
    try:
        check_report_path(report_file, queue.inputs, queue.outputs, overwrite=True)
    except VsrAppError:
        return None
    return NOT_A_REPORT, None


def _judged_in_words(queue: Queue, count: int, replacing: bool) -> str:
    """What the listing found at the outputs' names, out of the `count` videos the batch does not leave as they are,
    after "N videos found": ": 6 done, 2 with a file kept at the output's name, 3 to do"; "" where nothing is there.
    A folder of finished outputs listed as "11 videos found." left the user to learn after Process all that 6 were
    skipped and 2 files kept. With Replace ticked (`replacing`) the batch makes every one again: said so, not done
    and kept as if unticked."""
    if not queue.there:
        return ""
    if replacing:
        return f": {len(queue.there)} will replace the file at the output's name"
    done = sum(kept is None for kept in queue.there.values())
    kept = len(queue.there) - done
    parts = [f"{done} done"] if done else []
    parts += [f"{kept} with a file kept at the output's name"] if kept else []
    return f": {', '.join(parts)}, {count - done - kept or 'none'} to do"


def made_again(queue: Queue) -> int:
    """The files at the outputs' names, other than those with no record of this app (named on their own), that a
    batch with Replace ticked makes again."""
    foreign = set(queue.foreign)
    return sum(1 for src, dst in zip(queue.inputs, queue.outputs)
               if dst is not None and src not in queue.earlier and dst not in foreign and dst.is_file())


class BatchPanel(QWidget):
    errorRaised = Signal(str, str)
    compareRequested = Signal(str, str, str)  # input video, viewer task, model name
    fileStarted = Signal(int, int, object)  # index (1-based), count, batch_report.FileResult; emitted from the job
    fileFinished = Signal(int, int, object)  # as fileStarted
    listed = Signal()  # a listing of the queue has ended (shown, failed, or found no folder)
    batchFinished = Signal()  # a batch job has ended, however

    def __init__(self, settings: QSettings, parent=None):
        super().__init__(parent)
        self.job: Job | None = None  # the batch
        self.list_job: Job | None = None  # the newest listing; an older one still running is ignored when it ends
        self.start_when_listed = False
        self.start_cancelled = False  # the newest listing was for a start that was cancelled: its rows never start
        self.report_path: str | None = None
        self.report_was_there = False  # an earlier batch report was at `report_path` as the batch started
        self.run_folders: tuple[Path, Path] | None = None  # (input, output) of the batch last started
        self.report_ready = False  # that batch has ended with its report (done or cancelled, not failed)
        self.files_begun = False  # the batch last started has begun a file: it did not fail as it started
        self.made_with: tuple[str, str] | None = None  # (task, model) of the batch whose results the table shows
        self.fileStarted.connect(self._file_started)
        self.fileFinished.connect(self._file_finished)

        self.form = BatchForm(settings)
        self.form.changed.connect(self.scan)
        # and the fields that decide whether an output there is this batch's, which the listing judges: the model as
        # picked, not as Reload models fills the list in again, which took the last batch's rows away; and Replace,
        # which decides whether the batch makes the files there again
        for judged in (self.form.model.activated, self.form.crf.valueChanged, self.form.self_ensemble.toggled,
                       self.form.deinterlace.toggled, self.form.overwrite.toggled):
            judged.connect(self.scan)
        # the fields the main window (a folder dropped) and scripts/make_screenshots.py fill in
        self.in_dir, self.out_dir, self.model = self.form.in_dir, self.form.out_dir, self.form.model
        for field in (self.in_dir, self.out_dir):
            field.textChanged.connect(self._folders_edited)
        for edited in (self.form.crf.valueChanged, self.form.crf.lineEdit().textEdited):
            edited.connect(self._drop_refusal)  # the form locks while a batch runs: its own warnings stay
        self.table = QueueView(self.form.for_gui)
        self.table.compareRequested.connect(self._compare)
        self.table.openRequested.connect(self._open_with_system)

        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setAccessibleName("Batch progress")
        self.status = QLabel("Choose an input and an output folder.")
        self.status.setProperty("role", "muted")
        self.status.setWordWrap(True)  # on one line, a long file name in work widened the window past the screen
        self.warning = WarningLabel()
        buttons = QHBoxLayout()
        self.report_button = QPushButton("Ope&n report")
        self.report_button.clicked.connect(self._open_report)
        self.report_button.hide()
        self.folder_button = QPushButton("Sho&w output folder")
        self.folder_button.clicked.connect(self._show_output_folder)
        self.folder_button.hide()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the batch after the current frame (Esc, which asks first)")
        # a shortcut of the button's acts only while the button is shown: while this tab shows a running batch
        QShortcut(QKeySequence(Qt.Key_Escape), self.cancel_button).activated.connect(self._ask_to_cancel)
        self.cancel_button.clicked.connect(self.cancel)
        self.start_button = QPushButton("Process &all")
        self.start_button.setProperty("accent", True)
        self.start_button.clicked.connect(self.start)
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.folder_button)
        buttons.addWidget(self.report_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.start_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.addWidget(self.form)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.table.detail)  # the selected row's output or reason, whole
        layout.addWidget(self.progress)
        layout.addWidget(self.warning)
        layout.addLayout(buttons)
        self._set_running(False)
        self.scan()

    def refresh_models(self) -> None:
        """List the models again (the main window's Reload models)."""
        self.form.refresh_models()

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
        if self.start_cancelled:  # its rows say "cancelled" of a start gone by: not of this listing's files
            self._clear_queue()
        self.start_when_listed, self.start_cancelled = then_start, False
        self._set_running(False)
        self._restart_progress()  # the rows give way to the listing: the bar of the batch that ended them goes too
        try:
            in_dir, out_dir = self.form.folders()
            if then_start and (in_dir is None or out_dir is None):
                raise VsrAppError("choose both an input and an output folder")
        except VsrAppError as exc:  # a start refused too: the last batch's rows and words read as these folders'
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
        if then_start:
            self.remember_form()
        form = self.form
        report = form.report_file(out_dir) if then_start else None
        job = Job(list_queue_and_report, report, in_dir, out_dir, form.ext.text(), form.recursive.isChecked(),
                  form.codec.currentData(), form.task.currentData(), then_start and form.overwrite.isChecked(),
                  settings=self._judged_as(), parent=self)
        # bound methods, not lambdas: a lambda holding the panel made the job its last owner, and a panel without a
        # parent (a test's) was freed inside the job's own deletion, which deleted the job a second time
        job.done.connect(self._listed)
        job.failed.connect(self._list_failed)
        self.list_job = job
        self.status.setText("Listing the input folder\u2026")
        if then_start:
            self._set_running(True)  # fields locked, Cancel shown: the batch is on its way
        job.start()

    def _judged_as(self):
        """What gives the settings the files at the outputs' names are judged by, on the listing's worker thread
        (`listed_settings`: it loads the model); None without a model to load."""
        options = self.form.batch_options()
        if not options["model"]:
            return None
        return partial(listed_settings, options["task"], options["model"], options["codec"], options["crf"],
                       options["self_ensemble"], options["deinterlace"])

    def _clear_queue(self) -> None:
        self.table.clear_rows()
        self.made_with = None

    def _listed(self, listing: Listing) -> None:
        if self.sender() is not self.list_job:  # an older listing's end
            return
        self.list_job = None
        queue = listing.queue
        self._clear_queue()  # the rows listed before stay until then: no flicker on each new listing
        if queue.problem:
            self.status.setText(queue.problem)
        else:
            self._show_queue(queue)
        if self.start_cancelled:  # the rows say cancelled: so does the line above them, not only what was found
            self.table.end_unfinished(CANCELLED_ROWS)
            self.status.setText(f"{self.status.text()} {CANCELLED_BEFORE_START}")
        if self.start_when_listed:
            self._start_batch(listing)
        self._listing_ended()

    def _list_failed(self, message: str) -> None:
        if self.sender() is not self.list_job:
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
        """List the queue, and say what was found."""
        replacing = self.form.overwrite.isChecked()
        self.table.fill(queue, replacing)
        twice = sum(isinstance(why, SameFile) for why in queue.earlier.values())
        count, left = len(queue.inputs) - len(queue.earlier), ignored_in_words(len(queue.earlier) - twice, twice)
        # the videos sub-folders hold, where they are not listed, as Process all and the command line then say them
        elsewhere = self.form.for_gui(queue.in_sub_folders.hint(more=bool(queue.inputs)))
        if queue.inputs:
            judged = _judged_in_words(queue, count, replacing)
            found = f"{counted(count, 'video')} found{judged}{('; ' if judged else ', ').join(['', *left])}."
            found += f" {elsewhere[0].upper()}{elsewhere[1:]}." if elsewhere else ""
        else:
            found = f"No videos with these extensions in the input folder{f'; {elsewhere}' if elsewhere else ''}."
        missed = [str(Path(exc.filename).relative_to(queue.in_dir)) if Path(exc.filename).is_relative_to(queue.in_dir)
                  else str(exc.filename) for exc in queue.unreadable]
        if missed:  # named here: the end of the batch counted them, and only its report said which
            found += (f" Left out, as {'they' if len(missed) > 1 else 'it'} cannot be read: "
                      f"{', '.join(missed[:3])}{' and more' if len(missed) > 3 else ''}.")
        self.status.setText(found)

    # ---- running ----
    def start(self) -> None:
        """Take the CRF typed (`BatchForm.take_typed`), list the folder again, then (`_start_batch`) run the batch over
        it; `_list` refuses folders it cannot. A CRF refused is said on the warning line, as the Export dialog says
        it, not in a box over the field that has just said it; aloud only where the field has not (`Refused.said`).
        It goes as the CRF or the form changes (`_drop_refusal`, `scan`), or at the next start."""
        try:
            self.form.take_typed()
        except Refused as exc:  # refused before the listing: the queue shown is still these folders'
            self.warning.show_warning(f"Not started: {exc}", aloud=not exc.said)
            return
        self._list(then_start=True)

    def _start_batch(self, listing: Listing) -> None:
        """Run the batch over the folders listed, its report where the form says. A folder without videos is refused
        on the status line, which the listing has just said why on: run, the batch failed with a box of every
        extension looked for, and its end stayed in the status bar. First ask about what it would replace unasked:
        with Replace ticked, the files there this app did not make; ticked or not, a report file that is not a batch
        report or is another output folder's report (`report_would_replace`, found as the folder was listed)."""
        queue, report_file, replaced = listing.queue, listing.report, listing.replaced
        if queue.problem:
            self._set_running(False)
            self.errorRaised.emit("Cannot start the batch", queue.problem)
            return
        if not queue.inputs:
            found = self.status.text()
            self._not_started(f"Not started: {found[:1].lower()}{found[1:]}")
            announce(self.status, self.status.text())
            return
        report = report_file.path
        self.report_was_there = listing.report_of is not None
        if (queue.foreign or replaced) and not self._may_replace_others(queue, report, replaced):
            self._not_started("Nothing was replaced.")  # the rows stay as listed: what the batch would find
            return
        in_dir, out_dir = queue.in_dir, queue.out_dir
        self.run_folders, self.report_ready = (in_dir, out_dir), False
        self.report_path = str(report)
        self.report_button.setToolTip(self.report_path)  # the Report file field may name another file by then
        self.folder_button.setToolTip(str(out_dir))
        options = self.form.batch_options()
        self.made_with = options["task"], options["model"]
        self.files_begun = False
        self.job = Job(run_batch, str(in_dir), str(out_dir), **options, report_path=report_file,
                       replace_report=replaced is not None,  # the user said so, naming it
                       on_start=self.fileStarted.emit, on_file=self.fileFinished.emit,
                       listed=queue, parent=self)  # the queue shown, not a new listing
        self.job.progressed.connect(self._progressed)
        self.job.done.connect(self._done)
        self.job.failed.connect(self._failed)
        self.job.finished.connect(self.batchFinished)
        self.status.setText("Loading the model\u2026")
        self.job.start()

    def _not_started(self, why: str) -> None:
        """Say why a start ended before its batch ran, and take the last batch's end off the window's status bar (a
        status tip, which the main window shows there): after No to replacing files it still said "Batch done:
        ...", beside "Nothing was replaced." and rows listed anew."""
        self._set_running(False)
        self.status.setText(why)
        QApplication.sendEvent(self, QStatusTipEvent(""))

    def _may_replace_others(self, queue: Queue, report: Path, replaced: WouldReplace | None) -> bool:
        """Files at output names that this app did not make (a video of the user's own, a text file: found only with
        Replace ticked), and a `report` file that it would replace what `replaced` says of, are replaced too: asked
        first, naming them, since nothing else in the batch says so beforehand (outputs by their paths in the output
        folder: with sub-folders, one name can be in several; the report by its full path, as it can be anywhere).
        With Replace ticked it says how many existing outputs are made again: Yes about a report alone did that too.
        Of another folder's report alone the question says too what to do instead: no refusal says it first."""
        others = queue.foreign
        names = "\n".join(str(p.relative_to(queue.out_dir)) for p in others[:REPLACE_LISTED]) + (
            f"\n... and {len(others) - REPLACE_LISTED} more" if len(others) > REPLACE_LISTED else "")
        said = []
        if others:
            said.append(f"{counted(len(others), 'file')} at the outputs' names {'has' if len(others) == 1 else 'have'} "
                        f"no record of being made by {APP_NAME} (another program's, or a {APP_NAME} from before it "
                        f"kept one) and would be replaced:\n\n{names}")
        if replaced is not None:
            said.append(f"The report '{shown_name(str(report))}' {replaced[0]}.")
        if self.form.overwrite.isChecked() and (again := made_again(queue)):
            said.append(f"With \"{REPLACE_LABEL}\" ticked, {counted(again, 'existing output')} will be "
                        f"made again too (untick it to keep {'them' if again > 1 else 'it'}).")
        title, choice = (replaced[1] if replaced is not None and not others else None) or (NO_RECORD_TITLE, None)
        if choice:
            said.append(choice)
        answer = QMessageBox.question(self, title, "\n\n".join(said), QMessageBox.Yes | QMessageBox.No, QMessageBox.No)
        return answer == QMessageBox.Yes

    def cancel(self) -> None:
        """Stop the batch, or the start a listing is for; the rows of files it will not start say so at once: the
        frame in work can take long (the teacher's, on a CPU)."""
        if self.start_when_listed:  # still listing: nothing has started; the listing goes on, to be shown
            self.start_when_listed, self.start_cancelled = False, True
            self._set_running(False)
            self.status.setText(f"{self.status.text()} {CANCELLED_BEFORE_START}")  # a big folder lists for minutes
            return
        if self.job is not None and self.job.running:
            self.status.setText("Cancelling after the current frame\u2026")
            self.job.cancel()  # checked before each file: none starts now (one just started says so as it ends)
            self.table.end_unfinished(CANCELLED_ROWS)

    def _ask_to_cancel(self) -> None:
        """Esc: one key, pressed by a slip, threw away the file in progress (hours of a long video): asked first, as
        quitting asks. A click on Cancel still stops at once; a start still listing its folder has nothing to lose,
        nor has a batch already cancelling."""
        question = f"Cancel the batch? ({KEPT_WHEN_STOPPED[0].upper()}{KEPT_WHEN_STOPPED[1:]}.)"
        job = self.job
        if job is not None and job.running and not job.cancelling and QMessageBox.question(
                self, "Batch in progress", question, QMessageBox.Yes | QMessageBox.No,
                QMessageBox.No) != QMessageBox.Yes:
            return
        self.cancel()

    def remember_form(self) -> None:
        """Keep the form's choices for the next start (on Process all, and on quitting)."""
        self.form.remember()

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
        self.form.set_locked(running)
        self._offer_run_files(idle=not running)

    def _drop_refusal(self) -> None:
        self.warning.show_warning("")

    def _folders_edited(self) -> None:
        """At each key, not once the field is left: Alt+N from a field just edited opened the last batch's report."""
        self._offer_run_files(idle=not self.running())

    def _offer_run_files(self, idle: bool) -> None:
        """Open report and Show output folder open the last batch's files: offered only while the form names that
        batch's folders and no batch is on its way. After a change of folder, or a start refused, declined or
        cancelled for others, they opened the report of a batch into another folder as if it were of the folders
        shown; for the same folders it is theirs still (a start declined has replaced nothing)."""
        try:
            shown = self.form.folders()
        except VsrAppError:  # a relative input folder: no batch's
            shown = None
        offered = idle and self.report_ready and shown == self.run_folders
        self.report_button.setVisible(offered)
        self.folder_button.setVisible(offered)

    def _restart_progress(self) -> None:
        """The bar at 0, showing its percentage again (after a batch that made nothing it said why)."""
        self.progress.setValue(0)
        self.progress.setFormat("%p%")

    def _progressed(self, values: tuple) -> None:
        info = values[0]
        if info.fraction is not None:
            self.progress.setValue(round(info.fraction * 1000))
        if self.job is None or not self.job.cancel_event.is_set():  # one queued before Cancel replaced "Cancelling..."
            self.status.setText(fmt.progress_line(info.stage, info, " of the batch"))
        self.warning.show_warning(info.warning)

    def _file_started(self, index: int, count: int, result) -> None:
        self.files_begun = True
        self.table.mark_started(result.input)

    def _file_finished(self, index: int, count: int, result) -> None:
        self.table.show_result(result)

    def _done(self, report) -> None:
        for result in report.files:  # files never started (after a cancel) get no per-file call
            self.table.show_result(result)
        self.report_ready = True
        self._set_running(False)
        self.progress.setValue(1000 if not report.cancelled else self.progress.value())
        if (nothing_made := report.nothing_made()) is not None:  # a bare 100% of nothing: every output was there
            self.progress.setFormat(nothing_made[0].upper() + nothing_made[1:])
        self.status.setText(("Cancelled: " if report.cancelled else "Done: ") + report.summary()
                            + self._notes_carried(report))
        announce(self.status, self.status.text())

    def _notes_carried(self, report) -> str:
        """Which report a rerun carried the skipped outputs' notes from, or that it had none to carry them from: a
        batch run from the command line with its --report elsewhere left its notes there, and a rerun here gave its
        skipped outputs none without a word. Said only where outputs were skipped, and not where the report there held
        no notes of them ("No notes carried from ..." told a user nothing); the report by its name (the Report file
        field, or its placeholder, says where it is): a full path took the status four lines at 720 px."""
        skipped = [f for f in report.files if f.status == SKIPPED]
        if not skipped:
            return ""
        name = shown_name(Path(self.report_path).name)
        if not self.report_was_there:
            return f". No earlier report '{name}' to carry notes from."
        if carried := sum(1 for f in skipped if f.notes):
            return f". Notes of {counted(carried, 'skipped output')} carried from '{name}'."
        return ""

    def _failed(self, message: str) -> None:
        self._set_running(False)
        self.table.end_unfinished(FAILED_ROWS if self.files_begun else UNSTARTED_ROWS)
        message = self.form.for_gui(message)
        self.status.setText(f"The batch could not run: {message}")  # still there once the dialog is closed
        self.errorRaised.emit("Batch failed", message)

    def _open_report(self) -> None:
        if self.report_path and Path(self.report_path).is_file():
            self._open_with_system(self.report_path)

    def _show_output_folder(self) -> None:
        if self.run_folders is not None:
            self._open_with_system(self.run_folders[1])

    def _open_with_system(self, path: Path | str) -> None:
        if not open_with_system(path):
            self.errorRaised.emit("Cannot open", f"the system has no app to open {path}")

    def _compare(self, path: str) -> None:
        """Ask for a row's input in the viewer with the model of the batch that ran over it (before a batch, the
        form's). The viewer runs the model live in its own worker: a batch still running is not touched. (A
        self-ensemble batch's frames are the model's averaged over flips; the viewer shows the model's own.)"""
        task, model = self.made_with or (self.form.task.currentData(), self.form.model.currentData())
        self.compareRequested.emit(path, task, model)

    def shutdown(self) -> None:
        """Stop the batch and any listing, and the start a listing was for: its end, delivered after the window
        closed, started the batch anyway."""
        self.start_when_listed = False
        if self.list_job is not None:
            self.list_job.cancel()
            self.list_job = None
        if self.job is not None and self.job.running:
            self.job.cancel()
