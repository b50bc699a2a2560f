"""Playback: the current position, play/pause at the video's own frame times, seek and frame steps, and the bar
of controls under the comparison.

Playback never outruns processing: a tick moves on only once the frame at the current position has been
shown, so slow models play slower than real time instead of skipping frames or queueing work; the bar then says
how much slower (`playback_speed`).
(Processed frames are cached by `processing.FrameService` on the worker thread, where they are made.)
"""

from __future__ import annotations

import time
from bisect import bisect_left

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QToolButton, QWidget

from vsr_app.gui import fmt
from vsr_app.gui.frame_times import GAP
from vsr_app.gui.icons import icon
from vsr_app.gui.playback_speed import PlaybackSpeed, speed_text
from vsr_app.gui.widgets import announce
from vsr_app.video.frame_folder import ASSUMED_FPS


TIMER_SLACK = 0.005  # seconds a tick may come after it was due and still count as on time
KEEPING_UP = 0.95  # a measured speed this near real time is playback keeping up: nothing to say
SPEED_EVERY = 500  # ms between updates of the speed said: often enough to follow, seldom enough to read


class Player(QObject):
    positionChanged = Signal(int)
    playingChanged = Signal(bool)
    lengthChanged = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.position = 0
        self.length = 0
        self.fps = float(ASSUMED_FPS)
        self.times = lambda k: k / self.fps  # seconds from the start to position k; set by the viewer
        self.playing = False
        self.shown = -1  # the last position whose frame reached the screen
        self.moved_at = 0.0  # when the position last changed (time.monotonic)
        self.due = 0.0  # when playback is to move on from the position
        self.speed = PlaybackSpeed(self.held)  # measured while playing, as frames are shown
        self.timer = QTimer(self, singleShot=True)
        self.timer.setTimerType(Qt.PreciseTimer)
        self.timer.timeout.connect(self._tick)

    def set_video(self, length: int, fps: float) -> None:
        self.pause()
        self.fps = fps if fps > 0 else float(ASSUMED_FPS)  # a rate not known: timed as a folder of frames is
        self.set_timeline(length, 0)

    def set_timeline(self, length: int, position: int) -> None:
        """Positions now stand for new frames (another video, the other task): go to `position` (clamped) and ask for
        its frame even where the number stays the same. Playback goes on."""
        self.shown = -1
        self.speed.restart()
        self.position = min(max(position, 0), max(length - 1, 0))
        self.set_length(length)
        self.positionChanged.emit(self.position)

    def set_length(self, length: int) -> None:
        if length != self.length:
            self.length = max(0, length)
            self.lengthChanged.emit(self.length)
            if self.position >= self.length > 0:
                self.seek(self.length - 1)

    def seek(self, position: int) -> None:
        position = min(max(position, 0), max(self.length - 1, 0))
        if position != self.position:
            self.position = position
            self.moved_at = time.monotonic()
            self.positionChanged.emit(position)

    def step(self, delta: int) -> None:
        self.pause()
        self.seek(self.position + delta)

    def jump(self, seconds: float) -> None:
        """Go to the position whose time is nearest this one's plus `seconds`, by the frames' own times (`times`):
        round(seconds x average fps) positions landed seconds off on a variable frame rate. At least one position
        that way, as a jump from a frame held through a long pause would not move."""
        self.pause()
        if self.length < 2:
            return
        target = self.times(self.position) + seconds
        later = bisect_left(range(self.length), target, key=self.times)  # the first position at or after it
        candidates = [k for k in (later - 1, later) if 0 <= k < self.length]
        nearest = min(candidates, key=lambda k: abs(self.times(k) - target))
        self.seek(nearest if nearest != self.position else nearest + (1 if seconds > 0 else -1))

    def home(self) -> None:
        self.seek(0)

    def end(self) -> None:
        self.seek(self.length - 1)

    def frame_shown(self, position: int) -> None:
        self.shown = position
        if self.playing and position == self.position:
            self.speed.shown(position)
            self._schedule()

    def toggle(self) -> None:
        self.pause() if self.playing else self.play()

    def play(self) -> None:
        if self.playing or self.length <= 1:
            return
        if self.position >= self.length - 1:
            self.seek(0)
        elif self.shown != self.position:  # its frame failed (ticks would wait for it forever) or is on its way
            self.positionChanged.emit(self.position)  # ask again: a frame on its way goes on where it is
        self.playing = True
        self.moved_at = time.monotonic()  # the frame on screen is shown for its whole length from now
        self.speed.restart()
        if self.shown == self.position:
            self.speed.shown(self.position)  # measured from now, as the frame on screen is held from now
            self._schedule()
        self.playingChanged.emit(True)

    def pause(self) -> None:
        if self.playing:
            self.playing = False
            self.timer.stop()
            self.playingChanged.emit(False)

    def step_after(self, k: int) -> float | None:
        """Seconds from position k to the next one, by `times`; None at the last position."""
        return max(0.0, self.times(k + 1) - self.times(k)) if k + 1 < self.length else None

    def held(self, k: int) -> float:
        """Seconds playback holds position k: until the next one's time, at most GAP; the last, none (it stops
        there)."""
        step = self.step_after(k)
        return 0.0 if step is None else min(step, GAP)

    def _schedule(self) -> None:
        """Move on once the frame shown has lasted until the next one's time: a variable frame rate's pause is held
        as mpv and ffplay hold it, and its frames between are not slowed to the average (a fixed timer at the average
        rate did both). Counted from when the position changed, so the time its frame took to come is not added. A
        gap (`frame_times.GAP` or longer: a recording paused for an hour waited the hour) is held GAP, the longest
        pause held, and the rest skipped; the readout says so at the frame after it."""
        self.due = self.moved_at + self.held(self.position)
        self.timer.start(max(0, round((self.due - time.monotonic()) * 1000)))

    def _tick(self) -> None:
        if self.shown != self.position:
            return  # still computing the current frame: its arrival schedules the next tick
        if self.position + 1 >= self.length:
            self.pause()
            return
        due = self.due
        self.seek(self.position + 1)
        # on time, from when it was due, so the timer's lateness does not add up; late (the frame came after it),
        # from now: no rush to catch up
        self.moved_at = max(due, self.moved_at - TIMER_SLACK)


class PlayerBar(QWidget):
    """Transport buttons, a seek slider and the time / frame readout for a Player."""

    def __init__(self, player: Player, parent=None):
        super().__init__(parent)
        self.player = player
        # Set by the viewer: what position k is called.
        self.describe = lambda k, total: f"frame {k + 1} / {total}"
        self.duration = 0.0
        self.buttons = {}
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 10, 6)
        layout.setSpacing(4)
        specs = [("home", "first", "First frame (Home)", player.home),
                 ("back", "prev", "Previous frame (\u2190)", lambda: player.step(-1)),
                 ("play", "play", "Play / pause (Space)", player.toggle),
                 ("next", "next", "Next frame (\u2192)", lambda: player.step(1)),
                 ("end", "last", "Last frame (End)", player.end)]
        for key, shape, tip, slot in specs:
            button = QToolButton(self)
            button.setIcon(icon(shape))
            button.setToolTip(tip)
            button.setAccessibleName(tip.split(" (")[0])
            button.setAutoRaise(True)
            button.setFocusPolicy(Qt.NoFocus)
            button.clicked.connect(slot)
            layout.addWidget(button)
            self.buttons[key] = button
        self.slider = QSlider(Qt.Horizontal, self)
        self.slider.setFocusPolicy(Qt.NoFocus)
        self.slider.setAccessibleName("Position")
        self.slider.setRange(0, 0)
        self.slider.valueChanged.connect(player.seek)
        layout.addSpacing(8)
        layout.addWidget(self.slider, 1)
        layout.addSpacing(8)
        self.readout = QLabel(self)
        self.readout.setProperty("role", "muted")
        self.readout.setMinimumWidth(250)
        self.readout.setAlignment(Qt.AlignRight | Qt.AlignVCenter)
        layout.addWidget(self.readout)
        self.speed = QLabel(self)  # said only while playback is slower than real time
        self.speed.setProperty("role", "warning")
        self.speed.setContentsMargins(18, 0, 0, 0)  # (not a spacing in the layout: none while it is hidden)
        self.speed.hide()
        layout.addWidget(self.speed)
        self.speed_timer = QTimer(self, interval=SPEED_EVERY)
        self.speed_timer.timeout.connect(self._show_speed)
        player.positionChanged.connect(self._position)
        player.lengthChanged.connect(self._length)
        player.playingChanged.connect(self._playing)

    def _length(self, length: int) -> None:
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(0, length - 1))
        self.slider.blockSignals(False)
        self.setEnabled(length > 0)
        self._position(self.player.position)

    def refresh(self) -> None:
        """Redraw the readout: the player's `times` learned a decoded timestamp for the position shown."""
        self._position(self.player.position)

    def _position(self, k: int) -> None:
        self.slider.blockSignals(True)
        self.slider.setValue(k)
        self.slider.blockSignals(False)
        total = self.player.length
        if total <= 0:
            self.readout.setText("")
            return
        self.readout.setText(f"{fmt.clock(self.player.times(k))} / {fmt.clock(self.duration)}   \u00b7   "
                             f"{self.describe(k, total)}{self._gap_before(k)}")

    def _gap_before(self, k: int) -> str:
        """'   \u00b7   after a gap of 59 min 58 s' at the position after a gap (`frame_times.GAP` or longer), which
        playback holds at most GAP and a step goes over at once: the clock alone jumped an hour unexplained ("skipped"
        was not true of a gap just over GAP, held nearly whole)."""
        step = self.player.step_after(k - 1) if k > 0 else None
        return f"   \u00b7   after a gap of {fmt.duration(step)}" if step is not None and step >= GAP else ""

    def _playing(self, playing: bool) -> None:
        self.buttons["play"].setIcon(icon("pause" if playing else "play"))
        if playing:
            self.speed_timer.start()
        else:
            self.speed_timer.stop()
            self.speed.hide()

    def _show_speed(self) -> None:
        """Say that playback is slow motion, and why, while it is: it waits for each frame (the module's docstring),
        and a slow model's 9% of real time went unsaid. Nothing until a second is measured, nor while it keeps up; a
        seek in playback measures afresh, and the speed said stays meanwhile rather than blink off and on. Said to a
        screen reader as it appears, not at each update."""
        speed = self.player.speed.measured()
        if speed is None:
            return
        if speed >= KEEPING_UP:
            self.speed.hide()
            return
        text = speed_text(speed)
        self.speed.setText(f"{text}\u00d7 speed")
        why = (f"Playing at {text}\u00d7 real time: the frames take longer to make than the video shows them for, and "
               f"playback waits for each one rather than skip it.")
        self.speed.setToolTip(f"{why} A faster model, or a GPU, plays nearer real time.")
        if self.speed.isHidden():
            self.speed.show()
            announce(self.speed, why)
