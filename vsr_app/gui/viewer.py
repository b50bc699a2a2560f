"""The Compare tab: choose task, the two sides, device and view mode; play the video through both.

It wires the pieces together and holds no model or video logic: frames come from the FrameWorker thread,
analysis and export run as Jobs, and every choice is remembered in QSettings.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Callable

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QAbstractButton, QApplication, QSplitter, QVBoxLayout, QWidget

from vsr_app.files import file_stamp
from vsr_app.gui import colours, fmt
from vsr_app.gui.analysis import analyse, analyse_truth
from vsr_app.gui.analysis_plot import AnalysisPlot
from vsr_app.gui.compare_view import FLIP_KEY, MODES, CompareView
from vsr_app.gui.frame_times import FrameTimes
from vsr_app.gui.go_to_frame import ask_position
from vsr_app.gui.inspector import Inspector
from vsr_app.gui.model_streams import WARMUP
from vsr_app.gui.player import Player, PlayerBar
from vsr_app.gui.processing import SOURCE, TRUTH, Pending, Request
from vsr_app.gui.settings_values import setting
from vsr_app.gui.timeline import position_of, source_frame, timeline_length, timeline_name, timeline_x
from vsr_app.gui.view_export import TRUTH_SIDES, ViewSaver
from vsr_app.gui.viewer_toolbar import TASKS, ViewerToolbar, build_actions
from vsr_app.gui.widgets import announce, fill_models
from vsr_app.gui.workers import FrameWorker, Job
from vsr_app.models import ModelInfo, list_models
from vsr_app.shipped import PREFERRED
from vsr_app.video.probing import VideoInfo

# In a small window the side panels give way first: at 800x600 the analysis and the inspector left the video 178 px
INSPECTOR_SHARE = 0.3  # of the width, at most
PANEL_LEAST, PANEL_MOST, SHARE_MOST = 80, 4000, 0.8  # a saved panel size (px) and share are kept within these
ANALYSIS_SHARE = 0.35  # of the height, at most; more where its plots need it (`AnalysisPlot.usable_height`) ...
VIDEO_LEAST = 225  # ... while the video keeps this many px: at 0.35 and 220 px the PSNR plot was 45 px tall at 1400x900
ANALYSIS_SIZE = 360  # px, the analysis's height until a drag sets another
STALE_AFTER_MS = 200  # a frame slower than this has the picture before it marked; in playback frames come faster
PLAYBACK_ACTIONS = ("play", "prev", "next", "back_second", "forward_second", "home", "end", "go_to")
SAVE_ACTIONS = ("save_view", "save_sides")
MUTED_HTML = f"<span style='color:{colours.MUTED}'>{{}}</span>"
# the cards of the sides no model makes in ground truth mode, in each task
TRUTH_CARDS = {"upscale": {
                   SOURCE: "<b>Input</b><br>" + MUTED_HTML.format(
                       "the ground truth downscaled \u00d74 (MATLAB-style bicubic, as <code>eval vsr</code> does), "
                       "each pixel drawn as a 4\u00d74 block; what every model side is fed"),
                   TRUTH: "<b>Ground truth</b><br>" + MUTED_HTML.format(
                       "this video's frame, cropped to a multiple of 4: what each side is scored against")},
               "interpolate": {
                   SOURCE: "<b>Input: the frame before</b><br>" + MUTED_HTML.format(
                       "the frame before the held-out one, as the video has it: <code>eval vfi</code> feeds it to "
                       "every model side, with the frame after (a 4-frame model also one more on each side); not "
                       "scored"),
                   TRUTH: "<b>Ground truth</b><br>" + MUTED_HTML.format(
                       "this video's frame, held out: each model side predicts it from the frames either side, as "
                       "<code>eval vfi</code> feeds them, and is scored against it")}}
TRUTH_NOTES = {"upscale": "Each model side against the ground truth, luma (BT.601), as eval vsr scores it. Analyse "
                          "all frames runs from the first frame, as eval does, and gives its numbers exactly; a frame "
                          f"shown after a seek has {WARMUP} frames of history: a recurrent student's figures can "
                          "differ from eval's there (on Vid4 by up to 0.065 dB, the motion-aligned ones the most), "
                          "the teacher's not.",
               "interpolate": "Each model side's prediction of the held-out frame against it, luma (BT.601), as eval "
                              "vfi scores it: fed the frames eval feeds it, each frame's figures are eval's, here and "
                              "in Analyse all frames."}
# eval vfi's note on frames not halfway in time between their neighbours, for a video whose frame rate varies
UNEVEN_NOTE = (" This video's frame rate varies: a held-out frame need not be halfway in time between the frames "
               "either side, and a midpoint model is judged on it all the same (eval vfi says how many are not).")
# what the inspector says at an in-between where no model ran (`scenecut.break_kind`), as an export's summary names it
BREAK_NOTES = {"scene cut": "A scene cut: every side repeats the frame before it.",
               "flash": "A flash: every side repeats the frame before it.",
               "pause": "A pause: the source held this picture; every side repeats it."}


def default_sides(task: str, names: list[str], truth: bool = False) -> tuple[str, str]:
    """Student vs teacher when both exist; else the best model against the plain baseline or the source. In ground
    truth mode the best model against the truth, so that the truth is on screen once the box is ticked (student vs
    teacher hid it until picked), in Upscale and Interpolate alike."""
    student, teacher, baseline = PREFERRED[task]
    if truth:
        return next((name for name in (student, teacher, baseline) if name in names), SOURCE), TRUTH
    if student in names and teacher in names:
        return student, teacher
    if student in names:
        return student, baseline
    if teacher in names:
        return baseline, teacher
    return SOURCE, baseline


def pending_note(pending: Pending, task: str, truth: bool, elapsed: float) -> str:
    """What a side still being made waits for: its model, the frames it makes, and the time left at its pace so far
    or, before its first call is timed, the time taken (no figure to go by: a teacher's call on a CPU took minutes)."""
    first, last = pending.frames
    what = (timeline_name(timeline_x(first, task, truth)) if first == last else
            f"frames {first + 1}\u2013{last + 1}")  # a range only in Upscale, where positions are frames
    if pending.seconds is None:
        when = f"{fmt.duration(elapsed)} so far; its first call, so no estimate yet"
    elif pending.seconds > elapsed:
        when = f"about {fmt.duration(pending.seconds - elapsed)} left"
    else:
        when = f"{fmt.duration(elapsed)} so far, longer than its calls before"
    return f"{pending.model} is making {what}\n{when}"


def truth_series(sides: tuple[str, str]) -> tuple[tuple[str, str], ...]:
    """The (name, colour) of each model side measured against the ground truth, in order; one model on both sides is
    named by its side, so that its two curves and CSV columns can be told apart."""
    twice = sides[0] == sides[1]
    return tuple((f"{side}-{which}" if twice else side, colour)
                 for side, which, colour in zip(sides, ("left", "right"), (colours.SIDE_A, colours.SIDE_B))
                 if side not in (SOURCE, TRUTH))


def truth_note(rendered) -> str:
    """What the inspector says under a frame's scores against the ground truth; in Interpolate with eval vfi's note
    on a variable frame rate, which the figures alone did not pass on."""
    request = rendered.request
    return TRUTH_NOTES[request.task] + (UNEVEN_NOTE if request.held_out and rendered.variable_fps else "")


def weights_of(model: ModelInfo | None) -> tuple | None:
    """What tells a model's weights apart: its file with that file's size and time of writing, as a training run that
    re-wrote the model under its name changes them; None for a built-in or a side no model makes."""
    return None if model is None or model.path is None else (model.path, file_stamp(model.path))


def side_label(side: str, task: str, truth: bool = False) -> str:
    if truth and side in TRUTH_SIDES[task]:
        return TRUTH_SIDES[task][side].label
    if side == SOURCE:
        return "Source, nearest \u00d74" if task == "upscale" else "Source, no in-between"
    if side == "bicubic":
        return "bicubic \u00d74"
    return side


class Viewer(QWidget):
    errorRaised = Signal(str, str)  # title, message: the window shows a dialog
    videoOpened = Signal(str)  # path, for recent files
    busyChanged = Signal(str)
    frameShown = Signal(object)  # processing.Rendered, after it is on screen

    def __init__(self, settings: QSettings, parent=None):
        super().__init__(parent)
        self.settings = settings
        self.info: VideoInfo | None = None
        self.models: list[ModelInfo] = []
        self.task = setting(settings, "viewer/task", "upscale")
        self.task = self.task if self.task in TASKS else "upscale"
        self.sides = (SOURCE, "bicubic")
        # ground truth mode (`Request.truth`), the box under the video's facts, unticked at every start: remembered, a
        # video opened days later was shown x4 degraded without a word
        self.truth_mode = False
        # the last switch of task or mode, from and to (task, truth, position): a switch straight back returns there
        self.last_switch: tuple[tuple[str, bool, int], tuple[str, bool, int]] | None = None
        self.analysis_job: Job | None = None
        self.analysed: tuple | None = None  # the choices the analysis measures (`_analysed_choices`)
        self.available = False  # whether the view has frames for the current choices
        self.on_screen: tuple[Request, str] | None = None  # the frame shown, and what the readout called it then
        self.stale_timer = QTimer(self, singleShot=True, interval=STALE_AFTER_MS)
        self.stale_timer.timeout.connect(self._mark_stale)
        # a side shown before the other (`_shown_early`): the other's model and since when; its note said again a second
        self.pending: tuple[Pending, float] | None = None
        self.pending_timer = QTimer(self, interval=1000)
        self.pending_timer.timeout.connect(self._say_pending)
        self.unmeasured = None  # a frame shown before its figures (`_shown_unmeasured`), kept on screen when they come
        # the analysis's height again once a resize has settled: a toolbar stacked by a narrower window takes height
        # from the splitter after `resizeEvent`, and the analysis then had some of the video's VIDEO_LEAST
        self.settled_timer = QTimer(self, singleShot=True, interval=0)
        self.settled_timer.timeout.connect(lambda: self._fit_panel(self.splitter))

        self.worker = FrameWorker(parent=self)
        self.worker.opened.connect(self._opened)
        self.worker.rendered.connect(self._rendered)
        self.worker.early.connect(self._shown_early)
        self.worker.failed.connect(self.errorRaised)
        self.worker.unavailable.connect(self._unavailable)
        self.worker.busy.connect(self._busy)
        self.worker.start()

        self.player = Player(self)
        self.player.positionChanged.connect(self._position_changed)
        self.player.playingChanged.connect(self._playing_changed)
        self.view = CompareView(self)
        self.view.setAccessibleName("Comparison picture")
        self.described: tuple | None = None  # the frame shown and its sides' labels, as the picture's description says
        self.view.set_placeholder("Drop a video here, or use File \u203a Open")
        self.inspector = Inspector(self)
        self.inspector.analyseRequested.connect(self.start_analysis)
        self.inspector.truthToggled.connect(self.set_truth)
        self.analysis = AnalysisPlot(self)
        self.analysis.seekRequested.connect(self.player.seek)
        self.analysis.cancelRequested.connect(self.stop_analysis)
        self.analysis.closeRequested.connect(self._close_analysis)
        self.analysis.errorRaised.connect(self.errorRaised)
        self.analysis.hide()
        self.bar = PlayerBar(self.player, self)
        self.bar.setEnabled(False)

        self.toolbar = ViewerToolbar()
        self.left, self.right, self.device = self.toolbar.left, self.toolbar.right, self.toolbar.device  # read often
        self._wire_toolbar()
        self.saver = ViewSaver(self.view, self)  # its `saved` says what was written, for a status line
        self.saver.errorRaised.connect(self.errorRaised)
        self.actions_by_name = build_actions(self, self._shortcut_slots(), self.set_mode, self.set_task)
        self.actions_by_name["play"].setAutoRepeat(False)  # a held Space plays, or presses a button, once
        self.toolbar.save.menu().addActions([self.actions_by_name[name] for name in SAVE_ACTIONS])

        self.top = QSplitter(Qt.Horizontal)
        self.top.addWidget(self.view)
        self.top.addWidget(self.inspector)
        self.top.setStretchFactor(0, 1)
        self.top.setSizes([1000, 300])
        self.splitter = QSplitter(Qt.Vertical)
        self.splitter.addWidget(self.top)
        self.splitter.addWidget(self.analysis)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setCollapsible(1, False)  # a drag stops at the analysis's least height: it collapsed to nothing
        self.panel_keys = {self.top: "viewer/inspector", self.splitter: "viewer/analysis"}  # settings, + _size/_share
        # the side panels' sizes, as the user last dragged them (this start or an earlier one)
        self.panel_sizes = {s: min(max(setting(settings, f"{key}_size", default), PANEL_LEAST), PANEL_MOST)
                            for (s, key), default in zip(self.panel_keys.items(), (300, ANALYSIS_SIZE))}
        # the share of the window each may take at most: INSPECTOR_SHARE and ANALYSIS_SHARE, or what a drag gave it
        self.default_shares = {self.top: INSPECTOR_SHARE, self.splitter: ANALYSIS_SHARE}
        self.panel_shares = {s: min(max(setting(settings, f"{self.panel_keys[s]}_share", share), share), SHARE_MOST)
                             for s, share in self.default_shares.items()}
        for splitter in self.panel_sizes:
            splitter.splitterMoved.connect(lambda _pos, _index, s=splitter: self._panel_dragged(s))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.bar)
        tab_chain = [*self.toolbar.tab_chain, self.view]  # along the toolbar as it reads, then to the picture
        for first, second in zip(tab_chain, tab_chain[1:]):
            QWidget.setTabOrder(first, second)

        self.refresh_models()
        self._show_task()
        self.set_mode(setting(settings, "viewer/mode", "split"))
        self._sync_actions()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._give_video_priority()
        self.settled_timer.start()

    def _give_video_priority(self) -> None:
        """The inspector and the analysis at the size the user gave them, but in a small window no more than their
        share of it (down to their minimum sizes; the analysis as much as its plots need to be read while the video
        keeps VIDEO_LEAST), and back to that size as the window grows again. A drag past the share moves the share: a
        panel dragged larger fell back at the next resize of the window."""
        for splitter in self.panel_shares:
            self._fit_panel(splitter)

    def _fit_panel(self, splitter: QSplitter) -> None:
        sizes = splitter.sizes()
        room = int(self.panel_shares[splitter] * sum(sizes))
        if splitter is self.splitter:  # readable plots, where the video keeps its least
            room = max(room, min(self.analysis.usable_height(), sum(sizes) - VIDEO_LEAST))
        wanted = min(self.panel_sizes[splitter], room)
        if not splitter.widget(1).isHidden() and sizes[1] != wanted:
            splitter.setSizes([sum(sizes) - wanted, wanted])

    def _panel_dragged(self, splitter: QSplitter) -> None:
        """The size a drag gave the inspector or the analysis, kept for the next start too (it reset every start)."""
        sizes = splitter.sizes()
        self.panel_sizes[splitter] = sizes[1]
        self.panel_shares[splitter] = max(self.default_shares[splitter], sizes[1] / max(1, sum(sizes)))
        key = self.panel_keys[splitter]
        self.settings.setValue(f"{key}_size", sizes[1])
        self.settings.setValue(f"{key}_share", self.panel_shares[splitter])

    # ---- building ----
    def _wire_toolbar(self) -> None:
        """The toolbar's device and gain at their saved values, and each of its controls to what it changes."""
        toolbar = self.toolbar
        saved = self.device.findData(setting(self.settings, "viewer/device", "auto"))
        self.device.setCurrentIndex(max(0, saved))
        self.device.activated.connect(self._device_picked)
        toolbar.taskChosen.connect(self.set_task)
        toolbar.modeChosen.connect(self.set_mode)
        for combo in (self.left, self.right):
            combo.activated.connect(self._sides_picked)
        toolbar.swap.clicked.connect(self.swap_sides)
        # a whole number (8 unsaved), read as a float rounded half up: versions before kept one ("8.0"), and a 2.5
        # given to the box became 2
        toolbar.gain.setValue(int(setting(self.settings, "viewer/gain", 8.0) + 0.5))
        toolbar.gain.valueChanged.connect(self._gain_changed)
        self.view.set_gain(toolbar.gain.value())
        toolbar.fit.clicked.connect(self.view.fit)
        toolbar.actual.clicked.connect(self.view.actual_pixels)

    def _shortcut_slots(self) -> dict[str, Callable[[], None]]:
        """What each of the tab's shortcuts does (their texts and keys: viewer_toolbar.SHORTCUTS)."""
        return {
            "play": self._space,
            "prev": lambda: self.player.step(-1),
            "next": lambda: self.player.step(1),
            "back_second": lambda: self.player.jump(-1.0),
            "forward_second": lambda: self.player.jump(1.0),
            "home": self.player.home,
            "end": self.player.end,
            "go_to": self._go_to_frame,
            "fit": self.view.fit,
            "actual": self.view.actual_pixels,
            "zoom_in": lambda: self.view.zoom_step(1),
            "zoom_out": lambda: self.view.zoom_step(-1),
            "pan_left": lambda: self.view.pan_step(-1, 0),
            "pan_right": lambda: self.view.pan_step(1, 0),
            "pan_up": lambda: self.view.pan_step(0, -1),
            "pan_down": lambda: self.view.pan_step(0, 1),
            "divider_left": lambda: self.view.move_divider(-1),
            "divider_right": lambda: self.view.move_divider(1),
            "swap": self.swap_sides,
            "analyse": self.start_analysis,
            "save_view": lambda: self._save(self.saver.save_view),
            "save_sides": lambda: self._save(self.saver.save_sides),
        }

    def mnemonic_rows(self) -> list[tuple[str, str]]:
        """Each of the tab's buttons pressed with Alt and its underlined letter (Go to worst, Alt+W), as the F1 list
        shows a shortcut: taken from the buttons, where a hand-kept line left Alt+W out."""
        rows = []
        for button in self.findChildren(QAbstractButton):
            keys = QKeySequence.mnemonic(button.text())
            if not keys.isEmpty():
                rows.append((button.text().replace("&", ""), keys.toString(QKeySequence.NativeText)))
        return rows

    def _save(self, save: Callable) -> None:
        """Save the frame on screen (`ViewSaver.save_view` or `save_sides`); nothing where none is."""
        if self.described is not None:
            save(self.described[0], self.info.path)

    def _space(self) -> None:
        """Play or pause; on a button with the keyboard's focus (Swap, Fit, Analyse...), press it: the tab's Space
        took the key from every button in it, and the usual way to press one played the video instead. A click, not
        an animated one: the button held down 100 ms took the key's release as a second click (a box could not be
        ticked by a tap, Swap swapped twice)."""
        focused = QApplication.focusWidget()
        if isinstance(focused, QAbstractButton) and self.isAncestorOf(focused):
            focused.click()
        else:
            self.player.toggle()

    def _go_to_frame(self) -> None:
        """Ask for a frame's number and seek there, as Home and End do."""
        position = ask_position(self, self.player.position, self.player.length, self.task, self.truth_mode)
        if position is not None:
            self.player.seek(position)

    # ---- video ----
    def open(self, path: str) -> None:
        self.view.set_placeholder("Opening\u2026")
        self.worker.open(path)

    def _opened(self, info: VideoInfo) -> None:
        self.info = info
        self.frame_times = FrameTimes(info.fps, info.start_time)  # the source frames' times, learned from frames shown
        self.stop_analysis()
        self.analysis.hide()
        self.inspector.set_video(info)
        # the video's, whatever the task: a switch of task put back the header's where the frames had told another
        self.bar.duration = info.duration if info.duration is not None else (info.estimated_frames or 1) / info.fps
        self._stop_pending()
        self.view.clear()
        self.on_screen = self.described = self.last_switch = None
        self.view.set_placeholder("Processing the first frame\u2026")
        self._reset_player()
        self._set_available(True)
        self.view.setFocus(Qt.OtherFocusReason)  # a new video starts on the picture, not in the first picker
        self.videoOpened.emit(info.path)

    def _reset_player(self, keep: int | None = None) -> None:
        """The timeline for the video, task and mode, at the start; or, for a switch of them, at position `keep`
        (`_arrival`)."""
        info, task, truth = self.info, self.task, self.truth_mode
        frames = info.estimated_frames or 1
        length = timeline_length(frames, task, truth)
        clock = self.frame_times
        # an in-between is halfway between its frames
        in_between = task == "interpolate" and not truth
        self.player.times = (lambda k: (clock(k) + clock(k + 1)) / 2) if in_between else \
            (lambda k: clock(source_frame(k, task, truth)))

        def named(k: int) -> str:
            return timeline_name(timeline_x(k, task, truth))

        if task == "interpolate" and info.estimated_frames == 1:  # not "in-between 1½ of 2 frames"
            self.bar.describe = lambda k, total: "a single frame: nothing to interpolate"
        elif in_between:
            self.bar.describe = lambda k, total: f"{named(k)} of {total + 1} frames"
        elif task == "interpolate":  # the frames held out, every other one
            self.bar.describe = lambda k, total: f"{named(k)}, held out ({k + 1} / {total})"
        else:
            self.bar.describe = lambda k, total: f"{named(k)} / {total}"
        if keep is None:
            self.player.set_video(length, info.fps)
        else:
            self.player.set_timeline(length, keep)

    def _arrival(self, task: str, truth: bool) -> int:
        """Where a switch to `task` and `truth` is to show: the position standing for the source frame shown (source
        frame k, output frame 2k of an interpolation, the in-between after it (2k + 1) and a held-out frame k share a
        position, `timeline.position_of`), or straight back, where the last switch came from: a held-out frame
        stands for two in-betweens, and one of them came back as the other."""
        here = (self.task, self.truth_mode, self.player.position)
        if self.last_switch is not None and self.last_switch[1] == here and self.last_switch[0][:2] == (task, truth):
            return self.last_switch[0][2]
        return position_of(source_frame(self.player.position, self.task, self.truth_mode), task, truth)

    # ---- models and choices ----
    def refresh_models(self) -> None:
        """Re-read the model list (after training) and refill the side selectors."""
        self.models = list_models()
        self.worker.forget_models()
        self._fill_sides()

    def models_for(self, task: str) -> list[ModelInfo]:
        return [m for m in self.models if m.task == task]

    def _sides_setting(self) -> str:
        """Where the sides are remembered: for each task, and apart in ground truth mode (its own side choice)."""
        return f"viewer/sides/{self.task}" + ("/truth" if self.truth_mode else "")

    def _fill_sides(self, request: bool = True) -> None:
        """The sides the task and mode offer, each picker at its remembered choice (`_set_sides`, `request`)."""
        available = [SOURCE, *[TRUTH] * self.truth_mode, *[m.name for m in self.models_for(self.task)]]
        saved = self.settings.value(self._sides_setting())  # (any value: checked below)
        usable = isinstance(saved, (list, tuple)) and len(saved) == 2 and all(s in available for s in saved)
        sides = (saved[0], saved[1]) if usable else default_sides(self.task, available, self.truth_mode)
        by_name = {m.name: m for m in self.models}
        items = [(name, side_label(name, self.task, self.truth_mode), by_name.get(name)) for name in available]
        for combo, current in ((self.left, sides[0]), (self.right, sides[1])):
            combo.blockSignals(True)
            fill_models(combo, items, [current])
            combo.blockSignals(False)
        # a saved choice whose model is gone for now (a damaged install, a user model moved) stays saved: written
        # over with the fallback, the student never came back once the install was repaired
        self._set_sides(sides, remember=usable or saved is None, request=request)

    def _sides_picked(self) -> None:
        self._set_sides((self.left.currentData(), self.right.currentData()))

    def swap_sides(self) -> None:
        a, b = self.left.currentIndex(), self.right.currentIndex()
        self.left.setCurrentIndex(b)
        self.right.setCurrentIndex(a)
        self._sides_picked()

    def set_sides(self, left: str, right: str) -> None:
        """Choose both sides by name (models of the current task, or SOURCE)."""
        for combo, name in ((self.left, left), (self.right, right)):
            index = combo.findData(name)
            if index < 0:
                raise ValueError(f"'{name}' is not available for {self.task}")
            combo.setCurrentIndex(index)
        self._sides_picked()

    def _set_sides(self, sides: tuple[str, str], remember: bool = True, request: bool = True) -> None:
        """Show `sides`; `request` False where the caller asks for the frame once it is ready for it."""
        self.sides = sides
        if remember:
            self.settings.setValue(self._sides_setting(), list(sides))
        by_name = {m.name: m for m in self.models}
        cards = []
        for side in sides:
            if side in TRUTH_CARDS[self.task] and self.truth_mode:
                cards.append(TRUTH_CARDS[self.task][side])
            elif side == SOURCE:
                cards.append(f"<b>Source video</b><br><span style='color:{colours.MUTED}'>" +
                             ("each source pixel drawn as a 4\u00d74 block (nearest neighbour)"
                              if self.task == "upscale" else "the frame before the gap, repeated") + "</span>")
            else:
                m = by_name[side]
                cards.append(fmt.card_html(m.name, m.task, m.scale, m.params, m.card))
        self.inspector.set_cards(*cards)
        for combo in (self.left, self.right):
            combo.setToolTip(combo.currentText())  # the whole name, where the narrowest window cuts it
        self._sync_actions()
        if self._analysed_choices() != self.analysed:  # its curves were for other sides or other weights
            self._close_analysis()
        if request:
            self._request()

    def set_task(self, task: str) -> None:
        if task != self.task:
            self._switch(task, self.truth_mode)

    def _show_task(self) -> None:
        self.toolbar.show_task(self.task)
        self.actions_by_name[f"task_{self.task}"].setChecked(True)
        self.inspector.show_truth_mode(self.task, self.truth_mode)

    def set_truth(self, on: bool) -> None:
        """Take the video as the ground truth, or not (the inspector's box): the sides are offered and remembered
        apart, and the frames are made afresh (in Interpolate on a timeline of the frames held out)."""
        if on != self.truth_mode:
            self._switch(self.task, on)

    def _switch(self, task: str, truth: bool) -> None:
        """Another task or mode: its sides, and where its positions stand for other frames (in Interpolate), its
        timeline at the frame shown (`_arrival`), whose position change asks for the one frame. The sides asked for
        it first, at the old position under the new mode (in-between 6½ for frame 12), drawn at times."""
        moves = self.info is not None and "interpolate" in (task, self.task)
        arrival, departure = self._arrival(task, truth), (self.task, self.truth_mode, self.player.position)
        self.task, self.truth_mode = task, truth
        self.settings.setValue("viewer/task", task)
        self.inspector.truth.setChecked(truth)
        self._show_task()
        self._fill_sides(request=not moves)
        if moves:
            self._reset_player(keep=arrival)
        self.last_switch = (departure, (task, truth, self.player.position))

    def _device_picked(self) -> None:
        self.settings.setValue("viewer/device", self.device.currentData())
        self._request()

    def set_mode(self, mode: str) -> None:
        mode = mode if mode in MODES else "split"
        difference_changed = (mode == "diff") != (self.view.mode == "diff")
        self.view.set_mode(mode)
        self.settings.setValue("viewer/mode", mode)
        self.toolbar.show_mode(mode)
        self.actions_by_name[f"mode_{mode}"].setChecked(True)
        if difference_changed:  # the difference map needs the worker's luma difference; other modes do not
            self._request()
        elif self.described is not None:  # the same frame in another view: said as the view's new description
            self._describe(*self.described)

    def _gain_changed(self, value: int) -> None:
        self.view.set_gain(value)
        self.settings.setValue("viewer/gain", value)

    # ---- frames ----
    def request(self) -> Request:
        return Request(self.player.position, self.task, self.sides, self.device.currentData(),
                       difference=self.view.mode == "diff", truth=self.truth_mode)

    def _request(self) -> None:
        if self.info is None:
            return
        request = self.request()
        if not self.stale_timer.isActive():
            self.stale_timer.start()
        prefetch = None
        if self.player.playing and request.position + 1 < self.player.length:
            prefetch = replace(request, position=request.position + 1, difference=False)
        self.worker.request(request, prefetch)

    def _unavailable(self, request, reason: str) -> None:
        """Say so in the view itself (switching task to Interpolate on a one-frame video is not an error; a side that
        failed said so in a dialog too), not under the last choices' picture and figures; an answer to earlier choices
        is dropped, or it could blank the view the current ones just filled."""
        if not self._is_current(request):
            return
        self.player.pause()
        self._stop_pending()
        self.view.clear()
        self.on_screen = None
        self.view.set_placeholder(reason)
        self.view.setAccessibleDescription(reason)
        self.described = None
        announce(self.view, reason)  # drawn on the picture only, it went unsaid
        self.inspector.set_metrics(None, None, "Nothing to measure in this view.")  # not the last view's figures
        self._set_available(False)  # no frames to step through or analyse; the next frame shown allows it again

    def _set_available(self, available: bool) -> None:
        self.available = available
        self.bar.setEnabled(available)
        self._sync_actions()

    def _sync_actions(self) -> None:
        """Playback and analysis (button, menu and shortcut alike) enabled only where they can act: a video with
        frames in this view, and for analysis two models (a Source side has nothing to measure)."""
        playable = self.info is not None and self.available
        for name in PLAYBACK_ACTIONS:
            self.actions_by_name[name].setEnabled(playable)
        measured = [side for side in self.sides if side not in (SOURCE, TRUTH)]
        analysable = playable and len(measured) >= (1 if self.truth_mode else 2)
        self.inspector.analyse.setEnabled(analysable)
        self.actions_by_name["analyse"].setEnabled(analysable)
        self._sync_saving()

    def _sync_saving(self) -> None:
        """Saving a picture (menu, button and keys) enabled only while a frame is on screen."""
        shown = self.described is not None
        for name in SAVE_ACTIONS:
            self.actions_by_name[name].setEnabled(shown)
        self.toolbar.save.setEnabled(shown)

    def _mark_stale(self) -> None:
        """The frame asked for is slow to come: the picture and figures on screen are another frame's (a seek with a
        slow model) or another choice's; say so rather than let them pass for the frame the player names. Not in
        playback, where the picture follows the player a frame behind."""
        if self.on_screen is None or self.player.playing:
            return
        shown, name = self.on_screen
        current = self.request()
        if replace(shown, difference=current.difference) == current:
            return
        self._stop_pending()
        self.view.set_notes(("", ""))  # what the model was making for the picture marked: it makes another now
        self.view.set_stale(f"showing {name}" + ("" if shown.same_choices(current) else
                                                  ", made with the previous choices"))
        asked = self.bar.describe(current.position, self.player.length)
        self.inspector.set_metrics(None, None, f"Waiting for {asked}.")

    def _position_changed(self, position: int) -> None:
        self.analysis.set_cursor(position)
        self._request()

    def _shown_early(self, rendered) -> None:
        """One side of a frame whose other side's model is still at work, that side saying which model, what it makes
        and for how long: the teacher's first chunk on a loaded 2-core CPU left the view empty for 171 s and more.
        Only where nothing of these sides is on screen (a video opened, sides or task picked): after a seek the
        picture before stays, marked stale (`_mark_stale`), not half of one frame beside the other's note. Not in the
        difference view, which needs both."""
        if rendered.measuring:
            self._shown_unmeasured(rendered)
            return
        req, on_screen = rendered.request, self.on_screen[0] if self.on_screen else None
        these_sides = on_screen is not None and (on_screen.task, on_screen.truth, on_screen.sides) == (
            req.task, req.truth, req.sides)
        # a whole frame of these sides stays (a half picture may give way to a newer one); an early picture of an
        # older position (a seek while the model loaded) showed unmarked for as long as the teacher took
        if ((these_sides and self.pending is None) or req.difference or not self._is_current(req)
                or req.position != self.request().position):
            return
        labels = tuple(side_label(s, req.task, req.truth) for s in req.sides)
        self.pending = (rendered.pending, time.monotonic())
        self.view.set_frames(*rendered.images, rendered.canvas, labels, None, float(self.info.sample_aspect_ratio or 1),
                             self._pending_notes())
        self.pending_timer.start()
        waiting = labels[rendered.pending.side]
        self.inspector.set_metrics(None, None, f"Measured once {waiting}'s side is made.")
        self.on_screen = (replace(req, position=rendered.position), self.bar.describe(rendered.position,
                                                                                     self.player.length))
        self.described = None  # not saved: half a comparison
        self._sync_saving()
        text = (f"{self.bar.describe(rendered.position, self.player.length)}: "
                f"{labels[1 - rendered.pending.side]} shown; {waiting} still being made")
        self.view.setAccessibleDescription(text)
        announce(self.view, text)

    def _shown_unmeasured(self, rendered) -> None:
        """Both sides of a large frame before their figures, which the inspector says are being measured: those of an
        x4 upscale of a 4K frame took minutes on a machine short of memory, the picture waiting for them and the side
        made last still said to be in the making."""
        req = rendered.request
        if not self._is_current(req) or req.position != self.request().position:
            return
        self._stop_pending()
        labels = tuple(side_label(s, req.task, req.truth) for s in req.sides)
        self._set_frames(rendered, labels)
        self.unmeasured = rendered
        self.inspector.set_metrics(None, None, "Measuring PSNR / SSIM\u2026")
        self.on_screen = (replace(req, position=rendered.position), self.bar.describe(rendered.position,
                                                                                     self.player.length))
        self.described = (rendered, labels)  # the whole frame: saved as it is
        self._sync_saving()

    def _set_frames(self, rendered, labels: tuple[str, str]) -> None:
        aspect = self.info.sample_aspect_ratio if self.info is not None else None
        self.view.set_frames(*rendered.images, rendered.canvas, labels, rendered.difference, float(aspect or 1))

    def _pending_notes(self) -> tuple[str, str]:
        pending, since = self.pending
        note = pending_note(pending, self.task, self.truth_mode, time.monotonic() - since)
        return (note, "") if pending.side == 0 else ("", note)

    def _say_pending(self) -> None:
        self.view.set_notes(self._pending_notes())

    def _stop_pending(self) -> None:
        self.pending = None
        self.pending_timer.stop()

    def _rendered(self, rendered) -> None:
        req = rendered.request
        if not self._is_current(req):
            return  # made for earlier choices; the frame for the current ones is on its way
        self._stop_pending()
        # the header overstated the length (the real end is known now), or understated it by more than a frame (joined
        # recordings state one part's duration: the readout said "00:05.96 / 00:03.00")
        if rendered.length != self.player.length or rendered.duration - self.bar.duration > 1 / self.info.fps:
            self.bar.duration = rendered.duration
            self.inspector.set_length(rendered.frames, rendered.duration)
            self.player.set_length(rendered.length)
        labels = tuple(side_label(s, req.task, req.truth) for s in req.sides)
        early, self.unmeasured = self.unmeasured, None
        if early is None or early.images is not rendered.images:  # (a picture shown before its figures stays)
            self._set_frames(rendered, labels)
        if req.truth:
            self.inspector.set_truth_metrics(rendered.truth_scores, labels, truth_note(rendered)
                                             if any(rendered.truth_scores) else
                                             "Pick a model to score it against the ground truth.")
        elif rendered.at_break:  # no model ran, as in the export: the 100 dB of one frame twice says nothing of them
            self.inspector.set_metrics(None, None, BREAK_NOTES[rendered.at_break])
        elif rendered.psnr is not None:
            self.inspector.set_metrics(rendered.psnr, rendered.ssim, f"{labels[0]} against {labels[1]}, luma (BT.601)")
        else:
            self.inspector.set_metrics(None, None, "Pick two models to measure them against each other.")
        self.frame_times.learn(rendered.times, rendered.packet_times)
        self.inspector.set_variable_rate(rendered.variable_fps, rendered.gaps)
        self.inspector.set_restarts(rendered.restarts)
        self.inspector.set_deinterlaced(rendered.deinterlaced)
        if rendered.position == self.request().position:
            self.stale_timer.stop()
        else:  # an earlier seek's frame: the one the player names is still to come, and may be slow too
            self.stale_timer.start()
        self.on_screen = (replace(req, position=rendered.position), self.bar.describe(rendered.position,
                                                                                     self.player.length))
        if not self.available:  # not on every frame: playback would set the bar and every action again each time
            self._set_available(True)
        self.bar.refresh()
        self._describe(rendered, labels)
        self.player.frame_shown(rendered.position)
        self.frameShown.emit(rendered)

    def _playing_changed(self, playing: bool) -> None:
        if not playing and self.described is not None:
            self._describe(*self.described)

    def _describe(self, rendered, labels: tuple[str, str]) -> None:
        """What the picture shows, for a screen reader (a step, a seek, a mode or a score changed it unsaid): the frame,
        the view, the sides and their scores; said as it changes while paused and where playback stops, not at every
        frame of playback."""
        self.described = (rendered, labels)
        self._sync_saving()
        if self.player.playing:  # at every frame a reader could say it again: said where playback stops
            return
        text = (f"{self.bar.describe(rendered.position, self.player.length)} at {fmt.clock(rendered.time)}; "
                f"{MODES[self.view.mode]}: {labels[0]} and {labels[1]}")
        if rendered.at_break:
            note = BREAK_NOTES[rendered.at_break]
            text += f"; {note[0].lower()}{note[1:].removesuffix('.')}"
        elif rendered.psnr is not None:
            text += f"; PSNR {fmt.psnr(rendered.psnr)} dB, SSIM {fmt.ssim(rendered.ssim)}"
        for label, score in zip(labels, rendered.truth_scores):
            if score is not None:
                text += (f"; {label} against the ground truth: PSNR {fmt.psnr(score.psnr)} dB, "
                         f"SSIM {fmt.ssim(score.ssim)}")
        self.view.setAccessibleDescription(text)
        announce(self.view, text)

    def _is_current(self, request) -> bool:
        """Whether `request` was made for the current choices (any position: playback moves on)."""
        return replace(request, position=0) == replace(self.request(), position=0)

    def _busy(self, text: str) -> None:
        self.view.set_busy(text)
        self.busyChanged.emit(text)

    # ---- analysis ----
    def start_analysis(self) -> None:
        if not self.actions_by_name["analyse"].isEnabled():  # nothing to analyse: the button and menu say so
            return
        self.stop_analysis()
        self.analysed = self._analysed_choices()
        labels = [side_label(s, self.task) for s in self.sides]
        series = truth_series(self.sides) if self.truth_mode else ()
        title = (f"{' and '.join(name for name, _ in series)} against the ground truth" if series else
                 f"{labels[0]} vs {labels[1]}")
        self.analysis.reset(title, first=timeline_x(0, self.task, self.truth_mode), video=self.info.path,
                            task=self.task, sides=self.sides, series=series, held_out=self.request().held_out,
                            device=self.device.currentData())
        self.analysis.show()
        self._give_video_priority()
        device = self.device.currentData()
        if series:
            job = Job(analyse_truth, self.info.path, self.task, self.sides, device, parent=self)
            add = self.analysis.add_truth_progress
        else:
            job = Job(analyse, self.info.path, self.task, self.sides, device, parent=self)
            add = self.analysis.add_point
        job.progressed.connect(self._if_current(job, lambda values: add(*values)))
        job.failed.connect(self._if_current(job, lambda message: self.errorRaised.emit("Analysis failed", message)))
        job.done.connect(self._if_current(job, lambda _: self.analysis.finished(complete=True)))
        for ended in (job.failed, job.cancelled):
            ended.connect(self._if_current(job, lambda *_: self.analysis.finished()))
        self.analysis_job = job
        job.start()

    def _analysed_choices(self) -> tuple:
        """The task, mode, sides and each side's weights (`weights_of`): Reload models kept the same models but closed
        their analysis; one with a side's weights re-written, or other sides, is closed."""
        by_name = {m.name: m for m in self.models}
        return self.task, self.truth_mode, tuple((side, weights_of(by_name.get(side))) for side in self.sides)

    def _if_current(self, job: Job, slot):
        """`slot`, called only while `job` is the current analysis: a cancelled run still delivers its last point
        and its end after a new run has started, which would mix into the new plot and hide its Stop button."""
        return lambda *args: slot(*args) if job is self.analysis_job else None

    def stop_analysis(self) -> None:
        if self.analysis_job is not None and self.analysis_job.running:
            self.analysis_job.cancel()

    def _close_analysis(self) -> None:
        self.stop_analysis()
        self.analysis.hide()

    def keyPressEvent(self, event) -> None:
        """T held anywhere in the tab (the focused view included) flips the toggle view."""
        if event.key() == FLIP_KEY and not event.isAutoRepeat():
            self.view.set_flipped(True)
        else:
            super().keyPressEvent(event)

    def keyReleaseEvent(self, event) -> None:
        if event.key() == FLIP_KEY and not event.isAutoRepeat():
            self.view.set_flipped(False)
        else:
            super().keyReleaseEvent(event)

    def shutdown(self) -> None:
        self.stop_analysis()
        self.player.pause()
        self.worker.stop()
