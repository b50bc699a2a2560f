"""The main window: Compare / Batch / Train tabs, menus, drag-and-drop, recent files, settings, errors.

Errors reach the user as a non-blocking message box (an export's on its dialog's status line) and never close the
window; every background piece (frame worker, export, analysis, training process) reports through signals.

The Compare and Train tabs' modules (TAB_MODULES) import torch, the nets and the plots, and building the tabs checks
every model's net: 3-9 s on a loaded 2-core machine, which a double-click spent on a splash. The app's window shows
first, with "Loading models..." in the Batch and Train tabs; `load_tabs` runs on a worker thread, and `_tabs_loaded`
then puts the tabs in place (importing those modules only there) and does what the user asked for meanwhile (a video
to open, a drop). Where the loading or the building fails (a broken install), the window stays, saying so in place of
the tabs and what to do (`_tabs_failed`); a build that failed part way is taken out first (`_take_out_tabs`).
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

from PySide6.QtCore import QEventLoop, QSettings, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import (QApplication, QDialog, QDialogButtonBox, QFileDialog, QLabel, QMainWindow, QMenu,
                               QMessageBox, QProgressBar, QPushButton, QStackedWidget, QTabWidget, QTextBrowser,
                               QToolBar, QVBoxLayout, QWidget)

from vsr_app import APP_NAME, models
from vsr_app.devices import device_choices
from vsr_app.errors import VsrAppError
from vsr_app.files import atomic_write, shown_name
from vsr_app.gui import fmt, wording
from vsr_app.gui.app import mark_startup, screenshot_format
from vsr_app.gui.about_dialog import AboutDialog
from vsr_app.gui.batch_panel import KEPT_WHEN_STOPPED, BatchPanel
from vsr_app.gui.export_dialog import ExportDialog
from vsr_app.gui.icons import icon
from vsr_app.gui.processing import SOURCE
from vsr_app.gui.settings_values import setting
from vsr_app.gui.welcome import WelcomePage, shown_labels
from vsr_app.gui.widgets import ElidedLabel, announce, fit_long_words, resize_within_screen
from vsr_app.gui.workers import Job, error_message, finish_jobs
from vsr_app.media import OPEN_VIDEO_EXTS, file_filter
from vsr_app.resources import resource_path
from vsr_app.shipped import PREFERRED
from vsr_app.video.frame_folder import opens_as_frames
from vsr_app.words import counted

VIDEO_FILTER = file_filter("Videos", OPEN_VIDEO_EXTS, all_files=True)
MAX_RECENT = 10
DROP_NOTE_MS = 10_000  # how long the status bar says which dropped files were not opened
LOOKING_AT = "Looking at {}\u2026"  # what the status bar says while a dropped folder's kind is told
EXPORT_TIP = "Write the processed video to a file (Ctrl+E)"
FOLDER_EXPORT_TIP = "A folder of frames is compared and scored here, not exported: make a video of it first"
ENDED_NOTE_MS = 15_000  # how long it says that an export or a batch has ended, and how
BUSY_AFTER_MS = 300  # how long the frame worker must be busy before the status bar says so
WORK_POLL_MS = 1000  # how often the status bar looks at the batch, export and training (none says it started);
# their progress updates it at once
LOADING = "Loading models\u2026"  # what the Batch and Train tabs and the status bar say until the tabs are built
LOAD_FAILED = "The models could not be loaded"  # what they say where loading them or building the tabs failed
# what a user can do then: the selftest names what is missing (`./run --selftest` is the same in a source folder)
AFTER_LOAD_FAILED = ("Run vsr-app --selftest in a terminal to see what is missing (./run --selftest in a source "
                     "folder), or install the app again.")
TAB_MODULES = ("vsr_app.gui.viewer", "vsr_app.gui.train_panel")
# what is done, once the tabs are built, with what was asked for while they load: one of each kind, the latest (three
# clicks on a recent file queued it three times; a second video asked for meanwhile is the one the user wants now)
OPENS = "{} opens"
BATCH_INPUT = "{} becomes the Batch tab's input folder"
# what F1 says in the status bar until the tabs are built: the shortcuts list is read from their actions and buttons;
# their building takes it away (it stayed 10 s over the built tabs, as if F1 still had to wait), and F1 lists them then
KEYS_WAIT = "The keyboard shortcuts are listed once the models have loaded: press {} again then"
KEYS_NOT_LISTED = f"The keyboard shortcuts are listed from the tabs: {LOAD_FAILED[0].lower()}{LOAD_FAILED[1:]}"
KEYS_NOTE_MS = 10_000  # how long it says so
SCREENSHOT_NOTE_MS = 5000  # how long a screenshot waits for its first frame before saying what it waits for


def give_alt_letters(menu: QMenu) -> None:
    """An Alt letter for each of `menu`'s items that has none, no two alike, a word's first letter where one is free:
    none had any, and a keyboard user could only arrow through them. Items added later get letters when it is run
    again."""
    actions = [a for a in menu.actions() if a.text() and not a.isSeparator()]
    used = {a.text()[a.text().index("&") + 1].lower() for a in actions if "&" in a.text()}
    for action in (a for a in actions if "&" not in a.text()):
        text = action.text()
        firsts = [i for i in range(len(text)) if i == 0 or text[i - 1] == " "]
        free = [i for i in firsts + list(range(len(text))) if text[i].isalnum() and text[i].lower() not in used]
        if free:
            used.add(text[free[0]].lower())
            action.setText(f"{text[:free[0]]}&{text[free[0]:]}")


def load_tabs(progress=None, cancel=None) -> None:
    """What building the tabs asks for, loaded before (on a worker thread where the window shows first): their
    modules, and the model lists' checks (each net built from its card, remembered by `models`) and devices."""
    for name in TAB_MODULES:
        importlib.import_module(name)
    models.list_models()
    device_choices()


class MainWindow(QMainWindow):
    def __init__(self, settings: QSettings | None = None, tabs_after_show: bool = False):
        """`tabs_after_show`: build the tabs once `load_tabs` has run on a worker thread, after the window shows
        (the app's start), not before this returns."""
        super().__init__()
        self.settings = settings or QSettings()
        self.setWindowTitle(APP_NAME)
        self.setWindowIcon(QIcon(str(resource_path("icon.png"))))
        self.setAcceptDrops(True)
        self.error_box: QMessageBox | None = None
        self.export_dialog: ExportDialog | None = None
        self.about_dialog: AboutDialog | None = None  # one, kept: it reads the cards each time it is shown
        self.ask_before_quitting = True  # whether closing over running work asks first
        self.viewer = self.batch = self.train = None  # until `_build_tabs`
        self.when_tabs_built: dict[str, tuple[str, object]] = {}  # what the user asked for before (`_after_tabs`)
        self.load_failure: str | None = None  # why the tabs could not be built, and what to do
        self.closed = False  # a window closed while its tabs load builds none
        self.drop_look: Job | None = None  # telling the kind of the folder dropped last (`_look_at_dropped`)
        self.recent: list[str] = []  # the remembered files found there at the last look (`_refresh_recent`)
        self.recent_look: Job | None = None

        self.welcome = WelcomePage(self)
        self.welcome.openRequested.connect(self.open_dialog)
        self.welcome.sampleRequested.connect(self.open_sample)
        self.welcome.recentRequested.connect(self.open)
        self.compare = QStackedWidget(self)
        self.compare.addWidget(self.welcome)
        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.compare, "Compare")
        for name in ("Batch", "Train"):
            self.tabs.addTab(QLabel(LOADING, alignment=Qt.AlignCenter), name)
        self.setCentralWidget(self.tabs)

        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setFixedWidth(110)
        self.busy_bar.setMaximumHeight(12)
        self.busy_bar.hide()
        # the status bar's texts are cut in their middle where it has no room (the whole in their tooltips): plain
        # labels were cut mid-word in a 720-px window, with no way to read the rest
        self.busy_text = ElidedLabel("Ready")
        self.busy_on = False  # whether the busy bar is wanted: not shown over a temporary message (`_sync_busy_bar`)
        self.busy_pending = ""
        self.compare_when_opened: tuple[str, str, str] | None = None  # (video, task, model) for the viewer
        self.busy_delay = QTimer(self, singleShot=True, interval=BUSY_AFTER_MS)
        self.busy_delay.timeout.connect(lambda: self._show_busy(self.busy_pending))
        self.statusBar().addWidget(self.busy_bar)
        self.statusBar().addWidget(self.busy_text, 1)
        self.statusBar().messageChanged.connect(lambda _: self._sync_busy_bar())
        self.work_text = ElidedLabel()  # what runs out of sight of the Compare tab: a batch, an export, training
        self.statusBar().addPermanentWidget(self.work_text)
        self.work_poll = QTimer(self, interval=WORK_POLL_MS)
        self.work_poll.timeout.connect(self._show_work)

        self._build_actions()
        self._build_menus()
        self._refresh_recent()
        geometry = setting(self.settings, "window/geometry", b"")
        if not (geometry and self.restoreGeometry(geometry)):  # a first start (or a geometry Qt cannot read): no
            resize_within_screen(self, 1440, 900)  # larger than the screen (1440x900 ran off a 1366x768 laptop's)
        self.tabs.setCurrentIndex(setting(self.settings, "window/tab", 0))
        self._say_if_settings_unsaved()
        if tabs_after_show:
            self._show_busy(LOADING)
            QTimer.singleShot(0, self._load_tabs_in_background)  # once the event loop runs: the window shows
        else:
            load_tabs()
            self._build_tabs()

    def _load_tabs_in_background(self) -> None:
        loading = Job(load_tabs, parent=self)
        loading.done.connect(self._tabs_loaded)
        loading.failed.connect(self._tabs_failed)
        loading.start()

    def _tabs_loaded(self, _=None) -> None:
        """Build the tabs, then do what the user asked for meanwhile. A slot's exception only reached the terminal: the
        window stayed "Loading models..." for good, so it is said as a failed load is."""
        if self.closed:
            return
        try:
            self._build_tabs()
        except Exception as exc:
            self._tabs_failed(error_message(exc))
            return
        asked, self.when_tabs_built = self.when_tabs_built, {}
        for _, action in asked.values():
            action()

    def _build_tabs(self) -> None:
        """The Compare tab's viewer and the Batch and Train tabs, in place of their "Loading models..." pages, with
        the menus and status bar that act on them. Where a step fails, what was made is taken out again, placed or
        not: a viewer's frame worker left running aborts Qt, and a half-built window (panels placed, menus half
        filled) had its failure said by setting a label's text on a panel, which failed in turn."""
        made = []
        try:
            self._make_tabs(made)
            self._place_tabs(*made)
        except Exception:
            self._take_out_tabs(made)
            raise
        mark_startup("models")
        QTimer.singleShot(0, self._say_broken_install)

    def _make_tabs(self, made: list) -> None:
        """The viewer and the Batch and Train panels, wired to the window, appended to `made` as each is made."""
        from vsr_app.gui.train_panel import TrainPanel
        from vsr_app.gui.viewer import Viewer

        viewer = Viewer(self.settings, self)
        made.append(viewer)
        viewer.errorRaised.connect(self._show_compare_error)
        viewer.videoOpened.connect(self._video_opened)
        viewer.busyChanged.connect(self._busy)
        viewer.saver.saved.connect(lambda text: self.statusBar().showMessage(text, ENDED_NOTE_MS))
        batch = BatchPanel(self.settings, self)
        made.append(batch)
        batch.errorRaised.connect(self.show_error)
        batch.compareRequested.connect(self.compare_batch_input)
        train = TrainPanel(self.settings, self)
        made.append(train)
        train.errorRaised.connect(self.show_error)
        train.modelsChanged.connect(self._models_changed)
        train.compareRequested.connect(self.compare_trained)

    def _place_tabs(self, viewer, batch, train) -> None:
        """The panels in their tabs, and the menus and status bar wired to them."""
        self.viewer, self.batch, self.train = viewer, batch, train
        self.compare.addWidget(viewer)
        self._put_in_tab(1, batch)
        self._put_in_tab(2, train)
        batch.batchFinished.connect(self._show_work)  # an end is said at once, not up to a poll later
        batch.batchFinished.connect(self._say_batch_ended)
        train.modelsChanged.connect(self._show_work)
        batch.progress.valueChanged.connect(self._show_work)  # the percentages as the panel's bar shows them
        train.progressed.connect(self._show_work)
        self.work_poll.start()
        self._fill_tab_menus()
        for button in self.findChildren(QPushButton):  # Enter presses a focused button as in a dialog (Space did)
            button.setAutoDefault(True)
        self._show_busy("")
        if self.statusBar().currentMessage() == self._keys_wait():
            self.statusBar().clearMessage()
        self._refresh_about()

    def _take_out_tabs(self, made: list) -> None:
        """Undo a build that failed part way: the panels made are stopped and go (their tabs get `_tabs_failed`'s
        pages), and the window is as before the build (nothing of theirs polled, their menus greyed)."""
        self.viewer = self.batch = self.train = None
        self.work_poll.stop()
        self._enable_tab_menus(False)
        for panel in made:
            panel.shutdown()
            panel.deleteLater()

    def _put_in_tab(self, index: int, page: QWidget) -> None:
        """`page` as the tab at `index`, in place of the one there, the tab shown kept. The page replaced goes out of
        the window's children at once, not at the next event loop pass."""
        shown, replaced, name = self.tabs.currentIndex(), self.tabs.widget(index), self.tabs.tabText(index)
        self.tabs.removeTab(index)
        self.tabs.insertTab(index, page, name)
        self.tabs.setCurrentIndex(shown)
        replaced.setParent(None)
        replaced.deleteLater()

    def _tabs_failed(self, message: str) -> None:
        """The tabs could not be loaded or built (a broken install): their pages and the status bar say so and what to
        do, and what was asked for meanwhile is said as not done. The window stays rather than exiting with a desktop
        notice as a window that failed to build did: a double-click user has no terminal for the traceback, a notice
        may not show or is gone in seconds, and a window that vanished after showing looked like a crash."""
        if self.closed:
            return
        self.load_failure = f"{message}\n\n{AFTER_LOAD_FAILED}"
        for index in (1, 2):
            page = QLabel(self._load_failed_text(), alignment=Qt.AlignCenter, wordWrap=True)
            page.setTextInteractionFlags(Qt.TextSelectableByMouse)  # the error can be copied into a report
            self._put_in_tab(index, page)
        self._show_busy("")
        self._say(self.busy_text, LOAD_FAILED)
        self._refresh_about()
        asked, self.when_tabs_built = self.when_tabs_built, {}
        self._refuse_for_load_failure([what for what, _ in asked.values()])

    def _load_failed_text(self) -> str:
        """What the tabs' pages and About's Models tab say where the tabs could not be built: that, why and what to
        do."""
        return f"{LOAD_FAILED}.\n\n{self.load_failure}"

    def _refuse_for_load_failure(self, asked: list[str]) -> None:
        not_done = "".join(f"Not opened: {what}.\n\n" for what in asked)
        self.show_error(LOAD_FAILED, not_done + self.load_failure)

    def _after_tabs(self, kind: str, what: str, action) -> None:
        """Do `action` (opening `what`) now, or once the tabs are built where they are still loading: a video opened
        from the command line, from Open recent or by a drop in the first seconds is opened then, not lost, in place
        of one of the same `kind` (OPENS, BATCH_INPUT) asked for before, and the status bar says so (it said only
        "Loading models...", as if the click had not been heard); where they could not be built, say that `what`
        was not opened, and why."""
        if self.load_failure is not None:
            self._refuse_for_load_failure([what])
        elif self.viewer is None:
            self.when_tabs_built.pop(kind, None)  # done in the order asked: the latest last
            self.when_tabs_built[kind] = (what, action)
            said = " and ".join(done.format(name) for done, (name, _) in self.when_tabs_built.items())
            self._show_busy(f"{said} once the models have loaded")
        else:
            action()

    def _say_if_settings_unsaved(self) -> None:
        """Say once, in the status bar, where the settings cannot be written (HOME unset, its config folder read-only):
        Qt fails to write them silently, and every choice was gone at the next start. Found by writing one."""
        self.settings.setValue("window/tab", self.tabs.currentIndex())
        self.settings.sync()
        if self.settings.status() == QSettings.AccessError:
            folder = Path(self.settings.fileName()).parent
            self.statusBar().showMessage(f"Settings cannot be saved: {folder} is not writable; they last for this "
                                         "session only")

    def _say_broken_install(self) -> None:
        """The app's own models that cannot be used, said in the window: a double-click user had only a weaker
        model in the pickers, and a bundle missing its default student looked like a working one."""
        broken = [s for s in models.scan_models()[1] if not s.hidden and Path(s.path).parent == models.models_dir()]
        if broken:
            self.show_error("Some of the app's models cannot be used",
                            "\n".join(f"{Path(s.path).name}: {' '.join(s.reason.split())}" for s in broken)
                            + "\n\nInstall the app again to get them back.")

    # ---- actions and menus ----
    def _build_actions(self) -> None:
        def action(text, slot, shortcut=None, shape=None, tip=None) -> QAction:
            a = QAction(text, self)
            if shortcut is not None:
                a.setShortcut(QKeySequence(shortcut))
            if shape is not None:
                a.setIcon(icon(shape))
            if tip:
                a.setToolTip(tip)
            a.triggered.connect(slot)
            return a

        self.open_action = action("Open\u2026", self.open_dialog, QKeySequence.Open, "open",
                                  "Open a video (Ctrl+O)")
        self.sample_action = action("Open sample clip", self.open_sample)
        self.folder_action = action("Open folder of frames\u2026", self.open_folder_dialog,
                                    tip="Open a folder of frames (PNG, JPEG, BMP: a benchmark sequence) as a video")
        self.export_action = action("Export\u2026", self.export, "Ctrl+E", "export", EXPORT_TIP)
        self.export_action.setEnabled(False)
        self.quit_action = action("Quit", self.close, QKeySequence.Quit)
        self.reload_action = action("Reload models", self._models_changed, "Ctrl+R")
        self.about_action = action("About", self.about)
        self.keys_action = action("Keyboard shortcuts", self.show_shortcuts, QKeySequence.HelpContents)
        corner = QToolBar(self)  # beside the tabs: reachable from every tab
        corner.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
        corner.setIconSize(QSize(16, 16))
        corner.setStyleSheet("QToolBar { border: none; background: transparent; padding: 0 6px; spacing: 2px; }"
                             "QToolButton { padding: 2px 8px; }")
        corner.addAction(self.open_action)
        corner.addAction(self.export_action)
        self.tabs.setCornerWidget(corner, Qt.TopRightCorner)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self.open_action)
        file_menu.addAction(self.folder_action)
        self.recent_menu = file_menu.addMenu("Open recent")
        self.recent_menu.setToolTipsVisible(True)  # each item's full path: a menu shows none unless told
        file_menu.addAction(self.sample_action)
        file_menu.addSeparator()
        file_menu.addAction(self.export_action)
        self.file_menu, self.quit_separator = file_menu, file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        # the viewer's actions: filled in by `_fill_tab_menus`, the menus and reloading the models disabled until
        # then. Help is not: the version and runtime a bug report needs are wanted most where the models load slowly
        # or not at all, and F1 says why the shortcuts are not listed yet, where greyed it did nothing
        self.tab_menus = [bar.addMenu(title) for title in ("&View", "&Playback", "&Models")]
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.keys_action)
        help_menu.addAction(self.about_action)
        for menu in (file_menu, help_menu):
            give_alt_letters(menu)
        self._enable_tab_menus(False)

    def _fill_tab_menus(self) -> None:
        from vsr_app.gui.viewer import PLAYBACK_ACTIONS  # (loaded with the viewer, after the window shows)

        actions = self.viewer.actions_by_name
        # the Compare tab's picture, as its Save button offers it
        self.file_menu.insertActions(self.quit_separator, [actions["save_view"], actions["save_sides"]])
        view_menu, play_menu, model_menu = self.tab_menus
        for key in ("split", "side", "toggle", "diff"):
            view_menu.addAction(actions[f"mode_{key}"])
        view_menu.addSeparator()
        for key in ("fit", "actual", "swap"):
            view_menu.addAction(actions[key])
        for key in PLAYBACK_ACTIONS:
            play_menu.addAction(actions[key])
        for key in ("task_upscale", "task_interpolate"):
            model_menu.addAction(actions[key])
        model_menu.addSeparator()
        model_menu.addAction(actions["analyse"])
        model_menu.addAction(self.reload_action)
        for menu in (self.file_menu, *self.tab_menus):
            give_alt_letters(menu)
        self._enable_tab_menus(True)

    def _enable_tab_menus(self, enabled: bool) -> None:
        """The menus that act on the tabs, and Reload models: greyed until the tabs are built, and again if they fail."""
        for item in [*self.tab_menus, self.reload_action]:
            item.setEnabled(enabled)

    # ---- opening ----
    def open_dialog(self) -> None:
        start = setting(self.settings, "window/last_dir", str(Path.home()))
        path, _ = QFileDialog.getOpenFileName(self, "Open video", start, VIDEO_FILTER)
        if path:
            self.open(path)

    def open_folder_dialog(self) -> None:
        """A folder of frames, read in eval's order as a video at an assumed frame rate (`video.frame_folder`)."""
        start = setting(self.settings, "window/last_dir", str(Path.home()))
        path = QFileDialog.getExistingDirectory(self, "Open folder of frames", start)
        if path:
            self.open(path)

    def open_sample(self) -> None:
        self.open(str(resource_path("sample.mp4")))

    def open(self, path: str) -> None:
        """Open a video; a relative path (`vsr-app clip.mp4`) is made absolute, so the recent-files list and the
        next session's folder still find it when the app is started from elsewhere."""
        self.compare_when_opened = None  # another video asked for since
        path = os.path.abspath(path)
        self._after_tabs(OPENS, shown_name(Path(path).name), lambda: self.viewer.open(path))

    def _video_opened(self, path: str) -> None:
        pending, self.compare_when_opened = self.compare_when_opened, None
        if pending is not None and pending[0] == path:
            self._compare_model(pending[1], pending[2], "")
        self.compare.setCurrentWidget(self.viewer)
        self.tabs.setCurrentIndex(0)
        self.setWindowTitle(f"{shown_name(Path(path).name)} \u2014 {APP_NAME}")
        folder = Path(path).is_dir()  # a folder of frames: process_video reads video files
        self.export_action.setEnabled(not folder)
        self.export_action.setToolTip(FOLDER_EXPORT_TIP if folder else EXPORT_TIP)
        self._retire_export_dialog(path)
        if Path(path).resolve() == resource_path("sample.mp4").resolve():
            return  # the Welcome page's own button opens it; a path inside the app goes stale when the app moves
        self.settings.setValue("window/last_dir", str(Path(path).parent))
        recent = [p for p in self._stored_recent() if p != path]
        self.settings.setValue("window/recent", [path, *recent][:MAX_RECENT])
        self._refresh_recent()

    def _stored_recent(self) -> list[str]:
        """Every remembered video, also those not reachable now: a clip on an unplugged disk or a network share
        comes back when it is mounted again, rather than being forgotten by the next file opened."""
        return setting(self.settings, "window/recent", [])

    def recent_files(self) -> list[str]:
        """The remembered videos (and folders of frames) found there at the last look, most recent first: what the
        menu offers."""
        return self.recent

    def _refresh_recent(self) -> None:
        """Offer the remembered files that are there now, looked for on a worker thread: a stat of a path on an
        unreachable hard-mounted network share (NFS) never returns, and it held the window at its start and at each
        open (`file_systems` cannot tell such a path without a stat of its own: realpath, statfs). Of two looks,
        the latest's is shown."""
        stored = self._stored_recent()
        looking = Job(lambda progress, cancel: [p for p in stored if os.path.exists(p)], parent=self)
        self.recent_look = looking
        looking.done.connect(lambda found: looking is self.recent_look and self._show_recent(found))
        looking.start()

    def _show_recent(self, recent: list[str]) -> None:
        self.recent = recent
        self.recent_menu.clear()
        for path, label in zip(recent, shown_labels(fmt.file_labels(recent))):
            a = self.recent_menu.addAction(label)
            a.setToolTip(path)
            a.triggered.connect(lambda _=False, p=path: self.open(p))
        self.recent_menu.setEnabled(bool(recent))
        self.welcome.set_recent(recent)

    def dragEnterEvent(self, event) -> None:
        if any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        """A video or a folder of frames opens in Compare, and a benchmark's root of them or frames beside folders of
        frames is refused there as File › Open folder of frames refuses it (`opens_as_frames`); another folder becomes
        the Batch tab's input folder, unless a batch runs (its form is locked: what it shows is the work going on); of
        several files the first opens and the status bar says the others were not (the Batch tab processes a folder
        of them). A folder's kind is told on a worker thread (`_look_at_dropped`)."""
        paths = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        if not paths:
            return
        event.acceptProposedAction()
        if self.drop_look is not None:  # a folder dropped before, still looked at: this drop is the one wanted now
            self.drop_look = None
            self.statusBar().clearMessage()
        if Path(paths[0]).is_dir():
            self._look_at_dropped(paths)
        else:
            self._take_dropped(paths, opens=True)

    def _look_at_dropped(self, paths: list[str]) -> None:
        """Tell whether the dropped folder opens (`opens_as_frames`) on a worker thread, the status bar saying which
        folder is looked at meanwhile: a folder of 40 folders of 2,000 frames each held the window for seconds."""
        name = shown_name(Path(paths[0]).name)
        looking = Job(lambda progress, cancel: opens_as_frames(paths[0]), parent=self)
        self.drop_look = looking
        looking.done.connect(lambda opens: self._looked_at(looking, lambda: self._take_dropped(paths, opens)))
        looking.failed.connect(lambda message: self._looked_at(
            looking, lambda: self.show_error(f"Cannot open {name}", message)))
        self.statusBar().showMessage(LOOKING_AT.format(name))
        looking.start()

    def _looked_at(self, looking: Job, then) -> None:
        """Do `then` with the dropped folder looked at, unless another drop came since or the window was closed."""
        if looking is not self.drop_look or self.closed:
            return
        self.drop_look = None
        self.statusBar().clearMessage()
        then()

    def _take_dropped(self, paths: list[str], opens: bool) -> None:
        """Open the first dropped path, or make it the Batch tab's input folder; where the tabs still load, each is
        kept until then."""
        first = paths[0]
        if opens:
            self._after_tabs(OPENS, shown_name(Path(first).name), lambda: self._open_dropped(paths))
        else:
            self._after_tabs(BATCH_INPUT, shown_name(Path(first).name), lambda: self._take_batch_input(first))

    def _take_batch_input(self, folder: str) -> None:
        if self.batch.running():
            self.tabs.setCurrentWidget(self.batch)
            self.statusBar().showMessage(f"{Path(folder).name} was not taken: a batch is running; drop it again "
                                         f"when the batch has ended", DROP_NOTE_MS)
            return
        self.batch.in_dir.setText(folder)
        self.batch.scan()
        self.tabs.setCurrentWidget(self.batch)

    def _open_dropped(self, paths: list[str]) -> None:
        self.open(paths[0])
        if len(paths) > 1:
            others = counted(len(paths) - 1, "other dropped file")
            self.statusBar().showMessage(f"Opened {Path(paths[0]).name}, not the {others}: the Batch tab processes a "
                                         "folder of videos", DROP_NOTE_MS)

    # ---- export ----
    def export(self) -> None:
        """Bring back the dialog of a running export (even hidden) or the one still open for this video; else a new
        one (an idle dialog left open for another video, whose export finished after this one was opened, goes)."""
        viewer = self.viewer
        if viewer.info is None:
            return
        self._retire_export_dialog(viewer.info.path)
        if self.export_dialog is None or not (self.export_dialog.running or self.export_dialog.isVisible()):
            self._retire_export_dialog()
            self.export_dialog = ExportDialog(viewer.info.path, viewer.models, self._export_picks(), viewer.task,
                                              viewer.device.currentData(), self.settings, self)
            # a failure is said in the dialog, not in a box over it as well
            for ended in (self.export_dialog.failed, self.export_dialog.exported, self.export_dialog.cancelled):
                ended.connect(self._show_work)
            # said where the Compare tab is, too: the dialog may be behind the window or minimised
            say = self.statusBar().showMessage
            self.export_dialog.exported.connect(lambda path: say(f"Exported {Path(path).name}", ENDED_NOTE_MS))
            self.export_dialog.failed.connect(lambda _: say("The export failed (its dialog says why)", ENDED_NOTE_MS))
            self.export_dialog.cancelled.connect(lambda: say("Export cancelled; no file was written", ENDED_NOTE_MS))
            self.export_dialog.progress.valueChanged.connect(self._show_work)
        self.export_dialog.show()
        self.export_dialog.raise_()
        self.export_dialog.activateWindow()

    def _export_picks(self) -> dict[str, str]:
        """Each step's model: one shown for the viewer's task (the teacher, about ten times slower, and the baseline
        only when no other is, whichever side each is on), else the task's preferred (the student first)."""
        viewer = self.viewer
        names = {m.name for m in viewer.models}
        picks = {}
        for task in ("upscale", "interpolate"):
            rank = {PREFERRED[task].teacher: 1, PREFERRED[task].baseline: 2}
            shown = sorted((s for s in viewer.sides if s != SOURCE), key=lambda s: rank.get(s, 0)) \
                if viewer.task == task else []
            pick = next((n for n in [*shown, *PREFERRED[task]] if n in names), None)
            if pick is not None:
                picks[task] = pick
        return picks

    def _retire_export_dialog(self, opened: str | None = None) -> None:
        """Close an idle export dialog (for another video than `opened`, if given): it would export the old one.
        A running export keeps its dialog, which names its video."""
        dialog = self.export_dialog
        if dialog is None or dialog.running or dialog.source == opened:
            return
        dialog.close()
        dialog.deleteLater()
        self.export_dialog = None

    # ---- feedback ----
    def show_error(self, title: str, message: str) -> None:
        """A message box over the window (window-modal: the window waits for OK, while playback and running jobs go
        on, as it is opened, not exec'd)."""
        if self.error_box is not None:
            self.error_box.close()
            self.error_box.deleteLater()  # one box at a time, not one kept per error
        box = self.error_box = QMessageBox(QMessageBox.Warning, title, message, QMessageBox.Ok, self)
        box.setTextFormat(Qt.PlainText)  # a file name is not markup
        box.setTextInteractionFlags(Qt.TextSelectableByMouse)
        box.setWindowModality(Qt.WindowModal)
        box.open()
        fit_long_words(box)
        if self.compare.currentWidget() is self.viewer and self.viewer.info is None:
            self.compare.setCurrentWidget(self.welcome)

    def _show_compare_error(self, title: str, message: str) -> None:
        """The Compare tab's error, in the GUI's words where it is eval's (a folder of frames refused)."""
        self.show_error(title, wording.for_compare_tab(message))

    def _busy(self, text: str) -> None:
        """Say what the frame worker computes once it has lasted BUSY_AFTER_MS: playback is busy for a moment on
        every frame, and a bar shown and hidden per frame flickers and relays the status bar out twice a frame."""
        self.busy_pending = text
        if not text:
            self.busy_delay.stop()
            self._show_busy("")
        elif self.busy_on:
            self._show_busy(text)
        elif not self.busy_delay.isActive():
            self.busy_delay.start()

    def _show_busy(self, text: str) -> None:
        self.busy_on = bool(text)
        self._sync_busy_bar()
        self._say(self.busy_text, text or "Ready")

    def _sync_busy_bar(self) -> None:
        """The busy bar while work goes on, but not over a temporary message ("Saved ..."): the status bar hides its
        other widgets for one and shows them after, and a bar shown meanwhile was drawn over the message."""
        self.busy_bar.setVisible(self.busy_on and not self.statusBar().currentMessage())

    def _say(self, label: ElidedLabel, text: str) -> None:
        """Show `text` in one of the status bar's labels, its whole in the tooltip; laid out at once, so that it is cut
        to the width the new text gets, not to the old one's (the work label is as wide as its text where it fits)."""
        if text != label.whole:
            label.setText(text)
            label.setToolTip(text)
            self.statusBar().layout().activate()

    def _work(self) -> list[tuple[str, str, str]]:
        """The work running now, each as (its name when quitting asks, what the status bar says of it, what
        quitting loses of it)."""
        work = []
        if self.viewer is None:  # the tabs not built yet: nothing runs
            return work
        if self.train.running():
            name = "pruning" if self.train.pruning else "training"
            work.append((name, self.train.work_said(), f"{name} keeps a checkpoint to resume from"))
        if self.export_dialog is not None and self.export_dialog.running:
            work.append(("an export", "Export cancelling\u2026" if self.export_dialog.cancelling
                          else "Exporting" + _percent(self.export_dialog.progress),
                          "the unfinished export is not kept"))
        if self.batch.running():
            work.append(("a batch", "Batch cancelling\u2026" if self.batch.job is not None and self.batch.job.cancelling
                          else "Batch running" + _percent(self.batch.progress), KEPT_WHEN_STOPPED))
        return work

    def _say_batch_ended(self) -> None:
        """The Batch tab's last word, in the status bar: the batch may have run out of sight ("Done: 3 ok..." reads
        "Batch done: 3 ok...")."""
        said = self.batch.status.text()
        self.statusBar().showMessage(said if said.startswith("The batch") else f"Batch {said[:1].lower()}{said[1:]}",
                                     ENDED_NOTE_MS)

    def _show_work(self, *_) -> None:
        self._say(self.work_text, "   \u00b7   ".join(text for _, text, _ in self._work()))

    def _models_changed(self) -> None:
        self.viewer.refresh_models()
        self.batch.refresh_models()
        self.train.form.refresh_models()
        self._retire_export_dialog()  # an idle one listed the models before: Export makes a new one
        self._refresh_about()

    def compare_trained(self, task: str, name: str, teacher: str) -> None:
        """Show a freshly trained model against its teacher (or the task's usual baseline) in the viewer."""
        self._compare_model(task, name, teacher)
        if self.viewer.info is None:
            self.open_sample()

    def compare_batch_input(self, path: str, task: str, model: str) -> None:
        """Show a batch's input with the batch's model against the task's usual baseline, run live by the viewer's
        own worker: a batch still running goes on as it was. The model is set once the video has opened: one that
        cannot be opened leaves the viewer as it was."""
        if self._viewer_lists(task, model):
            self.open(path)
            self.compare_when_opened = (os.path.abspath(path), task, model)

    def _viewer_lists(self, task: str, name: str) -> bool:
        """Whether the viewer offers `name` for `task`, the models folder read again if not (one installed since);
        said in a dialog when it still does not (removed since)."""
        if name not in {m.name for m in self.viewer.models_for(task)}:
            self._models_changed()
        if name in {m.name for m in self.viewer.models_for(task)}:
            return True
        self.show_error("Cannot compare", f"the model '{name}' is not installed any more")
        return False

    def _compare_model(self, task: str, name: str, other: str) -> None:
        """Set the viewer to `name` against `other` (the task's usual baseline where the viewer has no `other`, the
        source where that is `name` itself), and show it."""
        if not self._viewer_lists(task, name):
            return
        viewer = self.viewer
        viewer.set_task(task)
        names = {m.name for m in viewer.models_for(task)}
        other = other if other in names else next(n for n in PREFERRED[task][::-1] if n in names)
        viewer.set_sides(name, other if other != name else SOURCE)
        self.tabs.setCurrentIndex(0)

    def shortcut_rows(self) -> list[tuple[str, str]]:
        """Every shortcut, the window's (Open, Export, Reload models, Quit, this list) first, then every other action's
        in it (the viewer's, Copy table) and the Compare tab's buttons pressed with Alt (Go to worst), each with all its
        keys ("+ or =": the list said only "+"): taken from the actions and buttons, where a hand-kept list left
        Alt+W out."""
        window = [self.open_action, self.export_action, self.reload_action, self.quit_action, self.keys_action]
        others = [a for a in self.findChildren(QAction) if a not in window]
        rows = [(a.text().replace("&", "").rstrip("\u2026"),  # (a menu item's Alt letter unmarked)
                 " or ".join(k.toString(QKeySequence.NativeText) for k in a.shortcuts()))
                for a in window + others if a.shortcuts()]
        rows += self.viewer.mnemonic_rows()
        return rows + [("Flip sides in toggle mode", "hold T"),
                       ("Zoom / pan / move the divider", "mouse wheel / drag"),
                       ("Next / previous tab", "Ctrl+Tab / Ctrl+Shift+Tab"),
                       ("A field or button of the Batch and Train tabs", "Alt + its underlined letter"),
                       ("Cancel a running batch, once you say so (Batch tab)", "Esc"),
                       ("A file's menu: compare, play, show in folder (Batch tab)", "Menu key / Shift+F10")]

    def show_shortcuts(self) -> None:
        """The list in a box that scrolls, no larger than the screen: as a message box, its 33 rows ran past a
        laptop's screen at the usual 11 pt, with its OK button. Until the tabs are built, why it is not there."""
        if self.viewer is None:  # said to a screen reader too: the menu item was greyed with a tooltip before
            why = self._keys_wait() if self.load_failure is None else KEYS_NOT_LISTED
            self.statusBar().showMessage(why, KEYS_NOTE_MS)
            announce(self.statusBar(), why)
            return
        text = "".join(f"<tr><td style='padding-right:18px'>{t}</td><td><b>{k}</b></td></tr>"
                       for t, k in self.shortcut_rows())
        dialog = self.shortcuts_dialog = QDialog(self)
        dialog.setAttribute(Qt.WA_DeleteOnClose)
        dialog.setWindowTitle("Keyboard shortcuts")
        browser = QTextBrowser()
        browser.setHtml(f"<table>{text}</table>")
        browser.setAccessibleName("Keyboard shortcuts")
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.rejected.connect(dialog.reject)
        layout = QVBoxLayout(dialog)
        layout.addWidget(browser, 1)
        layout.addWidget(buttons)
        browser.document().adjustSize()  # laid out only once shown, it measured 0x0 and the box opened 92x124
        content = browser.document().size().toSize()
        resize_within_screen(dialog, content.width() + 80, content.height() + buttons.sizeHint().height() + 80,
                             tall=(17, 20))
        dialog.open()

    def _keys_wait(self) -> str:
        """What F1 says until the tabs are built, naming its key as this system has it."""
        return KEYS_WAIT.format(self.keys_action.shortcut().toString(QKeySequence.NativeText))

    def about(self) -> None:
        """Version, runtime, every model's card and the bundled components' licences (non-blocking)."""
        if self.about_dialog is None:
            self.about_dialog = AboutDialog(self, models_missing=self._cards_missing)
        self._refresh_about()  # one open already is not shown again
        self.about_dialog.open()
        self.about_dialog.raise_()
        self.about_dialog.activateWindow()

    def _cards_missing(self) -> str | None:
        """Why About lists no model cards now (the models load, or could not be loaded); None once they can be."""
        if self.load_failure is not None:
            return self._load_failed_text()
        return f"{LOADING} Their cards are listed here once they have loaded." if self.viewer is None else None

    def _refresh_about(self) -> None:
        """An open About's cards and versions as they are now (a closed one reads them when shown again): one opened
        while the models loaded said so for good, and one opened before a model was trained lacked its card."""
        if self.about_dialog is not None and self.about_dialog.isVisible():
            self.about_dialog.refresh()

    # ---- headless rendering ----
    def screenshot(self, video: str, out: str, timeout_s: float = 300.0) -> None:
        """Open `video`, wait for the first processed comparison, save the window to `out` (PNG); a wait longer than
        SCREENSHOT_NOTE_MS is said once on stderr (on a loaded machine the teacher's frame took minutes, in silence)."""
        loop = QEventLoop()
        failures: list[str] = []
        shown: list[object] = []

        def on_frame(rendered):
            if rendered.position == 0:
                shown.append(rendered)
                loop.quit()

        def on_error(title, message):
            failures.append(f"{title}: {message}")
            loop.quit()

        self.viewer.frameShown.connect(on_frame)
        self.viewer.errorRaised.connect(on_error)
        QTimer.singleShot(int(timeout_s * 1000), loop.quit)
        note = QTimer(self, singleShot=True, interval=SCREENSHOT_NOTE_MS)
        note.timeout.connect(lambda: print(f"waiting for the first frame from {self._made_sides()} (up to "
                                           f"{timeout_s:.0f} s)...", file=sys.stderr, flush=True))
        note.start()
        self.show()
        self.open(video)
        loop.exec()
        note.stop()
        if failures:
            raise VsrAppError(failures[0])
        if not shown:
            raise VsrAppError(f"the first frame was not ready within {timeout_s:.0f} s")
        self.viewer.view.fit()
        for _ in range(3):
            QApplication.processEvents()
        image = self.grab()

        def save(tmp: Path) -> None:
            if not image.save(str(tmp), screenshot_format(out)):
                raise VsrAppError(f"cannot write the screenshot to {out}")

        try:
            atomic_write(Path(out), save)  # a screenshot that failed halfway leaves no broken PNG
        except OSError as exc:  # the folder gone or made read-only since the start, the disk full
            raise VsrAppError(f"cannot write the screenshot to {out}: {exc.strerror or exc}") from exc

    def _made_sides(self) -> str:
        """The models the viewer's sides are made by, as words ("vsr-x4-student and vsr-x4-teacher")."""
        return " and ".join(side for side in self.viewer.sides if side != SOURCE) or "the video"

    def quit_without_asking(self) -> None:
        """Close as if "Stop and quit?" were answered Yes: a signal (Ctrl+C, SIGTERM) has nobody to answer it."""
        self.ask_before_quitting = False
        self.close()

    def closeEvent(self, event) -> None:
        """Ask before quitting over running work; then stop it cleanly (checkpoint kept, no partial files)."""
        work = self._work()
        if work and self.ask_before_quitting:
            answer = QMessageBox.question(self, "Work in progress", _quit_question(work),
                                          QMessageBox.Yes | QMessageBox.No, QMessageBox.No)
            if answer != QMessageBox.Yes:
                event.ignore()
                return
        self.settings.setValue("window/geometry", self.saveGeometry())  # while shown: a hidden one loses its frame
        self.settings.setValue("window/tab", self.tabs.currentIndex())
        self.closed = True
        self.hide()  # gone at once: a model call in flight can take seconds to finish, and the stops wait for it
        if self.viewer is not None:
            self._stop_tabs()
        finish_jobs()  # cancelled jobs finish their current frame; a parameter count its net; the tabs' loading
        super().closeEvent(event)

    def _stop_tabs(self) -> None:
        self.train.form.remember_form()  # edits made without a run started are there next time
        self.batch.remember_form()
        self.train.shutdown()
        self.train.stop_and_wait()
        if self.export_dialog is not None:
            self.export_dialog.cancel()  # when it runs
        self.batch.shutdown()
        self.viewer.shutdown()


def _quit_question(work: list[tuple[str, str, str]]) -> str:
    """"A batch is still running. Stop and quit? (...)", with what quitting loses of only the work that runs: a
    note on training and exports over a lone batch left the user wondering what else ran."""
    names = " and ".join(name for name, _, _ in work)
    notes = "; ".join(note for _, _, note in work)
    return (f"{names[0].upper()}{names[1:]} {'is' if len(work) == 1 else 'are'} still running. Stop and quit? "
            f"({notes[0].upper()}{notes[1:]}.)")


def _percent(bar: QProgressBar) -> str:
    """": 42%" of a progress bar, as the bar's own %p rounds it (down: rounded, 159/1000 read "16%" beside a bar at
    "15%"); nothing for a busy bar (of unknown length)."""
    steps, done = bar.maximum() - bar.minimum(), max(0, bar.value() - bar.minimum())  # below it: not started
    return f": {100 * done // steps}%" if steps else ""
