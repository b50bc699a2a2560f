"""The Compare tab's controls: its toolbar (task, sides, device, view mode, zoom) and its keyboard shortcuts.

Apart from viewer.py, which keeps the tab's state, workers and rendering: this module only builds the widgets and
actions, with their texts, keys, names and Tab order, and says what was chosen; the viewer wires them to what they do.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (QBoxLayout, QButtonGroup, QComboBox, QHBoxLayout, QLabel, QMenu,
                               QSizePolicy, QToolBar, QToolButton, QWidget)

from vsr_app.gui import colours
from vsr_app.gui.compare_view import FLIP_KEY, MODES
from vsr_app.gui.icons import icon
from vsr_app.gui.number_boxes import PlainSpinBox
from vsr_app.gui.widgets import bind_name
from vsr_app.devices import device_choices

TASKS = {"upscale": "Upscale \u00d74", "interpolate": "Interpolate \u00d72"}
TASK_KEYS = ("Ctrl+U", "Ctrl+I")
MODE_KEYS = ("1", "2", "3", "4")
# the tab's shortcuts, in the order the F1 list shows them: name -> (text, keys, icon shape or None); what each does is
# the viewer's (Viewer._shortcut_slots)
SHORTCUTS = {
    "play": ("Play / pause", "Space", "play"),
    "prev": ("Previous frame", "Left", "prev"),
    "next": ("Next frame", "Right", "next"),
    "back_second": ("Back one second", "Shift+Left", None),
    "forward_second": ("Forward one second", "Shift+Right", None),
    "home": ("First frame", "Home", "first"),
    "end": ("Last frame", "End", "last"),
    "go_to": ("Go to frame\u2026", "Ctrl+G", None),
    "fit": ("Fit to view", "F", "fit"),
    "actual": ("Actual pixels", "Ctrl+0", "actual"),
    # Ctrl+arrows, not Alt+arrows: Alt+Down opens a model picker's list
    "zoom_in": ("Zoom in", "+", None),
    "zoom_out": ("Zoom out", "-", None),
    "pan_left": ("Pan left", "Ctrl+Left", None),
    "pan_right": ("Pan right", "Ctrl+Right", None),
    "pan_up": ("Pan up", "Ctrl+Up", None),
    "pan_down": ("Pan down", "Ctrl+Down", None),
    "divider_left": ("Move the split divider left", "[", None),
    "divider_right": ("Move the split divider right", "]", None),
    "swap": ("Swap sides", "S", "swap"),
    "analyse": ("Analyse all frames", "Ctrl+Shift+A", "chart"),
    "save_view": ("Save view as PNG\u2026", "Ctrl+Shift+S", None),
    "save_sides": ("Save sides at 1:1\u2026", "Ctrl+Alt+S", None),
}


class WrappingRow(QWidget):
    """Two toolbars side by side, stacked when the window is too narrow for both, and never narrower than the
    wider one: a toolbar that does not fit hides its last controls behind a small overflow arrow, which hid the
    view modes at 1024 px."""

    def __init__(self, first: QToolBar, second: QToolBar):
        super().__init__()
        self.bars = (first, second)
        self.box = QBoxLayout(QBoxLayout.LeftToRight, self)
        self.box.setContentsMargins(0, 0, 0, 0)
        self.box.setSpacing(0)
        for bar in self.bars:
            bar.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Fixed)  # stacked, each keeps its own height
            bar.installEventFilter(self)  # a control shown or hidden (the difference gain) changes the need
            self.box.addWidget(bar)

    def resizeEvent(self, event) -> None:
        self._arrange(event.size().width())
        super().resizeEvent(event)

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.LayoutRequest:
            self._arrange(self.width())
        return False

    @staticmethod
    def _least(bar: QToolBar) -> int:
        """The width `bar` shows every control in: its model pickers may shrink to their minimum, cutting names."""
        # shown or not by its action: the toolbar itself hides a widget it has not laid out yet (the minimum was
        # then the widest one, 1,661 px at a 20 pt font) or put in its overflow
        shown = [bar.widgetForAction(action) for action in bar.actions() if action.isVisible()]
        combos = [widget for widget in shown if isinstance(widget, QComboBox)]
        slack = sum(combo.sizeHint().width() - combo.minimumSizeHint().width() for combo in combos)
        return bar.sizeHint().width() - slack

    def _arrange(self, width: int) -> None:
        needs = [bar.sizeHint().width() for bar in self.bars]
        # stacked, each bar still needs its own width: the window may not get narrower (below it the right model
        # picker went behind the overflow arrow)
        self.setMinimumWidth(max(self._least(bar) for bar in self.bars))
        wide = width >= sum(needs)
        direction = QBoxLayout.LeftToRight if wide else QBoxLayout.TopToBottom
        if direction != self.box.direction():
            self.box.setDirection(direction)
            QTimer.singleShot(0, self, self.box.invalidate)  # lay out again once the parent gave the new height


class Picker(QComboBox):
    """A choice in the toolbar (a side's model, the device), reached by Tab but not focused by a click, so a mouse
    pick leaves the keys where they were. Focused, it keeps Up/Down and its list (Alt+Down) and the viewer's keys
    still act: they are shortcuts, and T, which a combo takes as a search, goes on to the viewer."""

    def __init__(self):
        super().__init__()
        self.setFocusPolicy(Qt.TabFocus)

    def keyPressEvent(self, event) -> None:
        if event.key() == FLIP_KEY:
            event.ignore()
        else:
            super().keyPressEvent(event)


class ViewerToolbar(WrappingRow):
    """What to compare (task, sides) and how to compute and show it (device, mode, zoom): one row, or two when the
    window is narrow. Its pickers, swap, gain and zoom buttons are the viewer's to wire; a task or mode button says
    which key it chose."""

    taskChosen = Signal(str)  # a key of TASKS
    modeChosen = Signal(str)  # a key of compare_view.MODES

    def __init__(self):
        bar, view_bar = QToolBar(), QToolBar()
        super().__init__(bar, view_bar)
        self.task_group = QButtonGroup(self)
        for text, keys in zip(TASKS.values(), TASK_KEYS):
            _segment(bar, text, keys, self.task_group)
        self.task_group.idClicked.connect(lambda i: self.taskChosen.emit(list(TASKS)[i]))
        bar.addSeparator()
        self.left = Picker()
        self.right = Picker()
        bar.addWidget(_side_marker(colours.SIDE_A, self.left, "Left side"))
        for combo in (self.left, self.right):
            # as wide as the longest name where there is room (cut, "aligned" and "aligned-bicubic" looked the
            # same), down to 15 characters in the narrowest window
            combo.setMinimumContentsLength(15)
            combo.setSizeAdjustPolicy(QComboBox.AdjustToContents)
        bar.addWidget(self.left)
        self.swap = QToolButton()
        self.swap.setIcon(icon("swap"))
        self.swap.setToolTip("Swap left and right")
        self.swap.setAccessibleName("Swap left and right")  # a screen reader said nothing of it
        bar.addWidget(self.swap)
        bar.addWidget(_side_marker(colours.SIDE_B, self.right, "Right side"))
        bar.addWidget(self.right)
        self.device = Picker()
        self.device.setToolTip("Where the models run")
        for key, text in device_choices():
            self.device.addItem(text, key)
        named = QWidget()  # the picker and its empty name label side by side, with no toolbar spacing between
        pair = QHBoxLayout(named)
        pair.setContentsMargins(0, 0, 0, 0)
        pair.setSpacing(0)
        pair.addWidget(bind_name(self.device, "Device"))
        pair.addWidget(self.device)
        view_bar.addWidget(named)
        view_bar.addSeparator()
        self.mode_group = QButtonGroup(self)
        for text, keys in zip(MODES.values(), MODE_KEYS):
            _segment(view_bar, text, keys, self.mode_group)
        self.mode_group.idClicked.connect(lambda i: self.modeChosen.emit(list(MODES)[i]))
        self.gain = PlainSpinBox()  # whole numbers: a QDoubleSpinBox with no decimals read "2.5" as 25 or 2, silently
        self.gain.setRange(1, 64)
        self.gain.setPrefix("\u00d7")
        self.gain.setToolTip("Amplification of the difference map")
        self.gain.setAccessibleName("Difference gain")
        self.gain_action = view_bar.addWidget(self.gain)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Preferred)
        view_bar.addWidget(spacer)
        self.fit = _tool_button(view_bar, "fit", "Fit", "Fit the frame in the view (F)")
        self.actual = _tool_button(view_bar, "actual", "1:1", "One video pixel per screen pixel (Ctrl+0)")
        self.save = QToolButton()  # its menu holds the viewer's save actions, their keys beside them
        self.save.setText("Save\u2026")
        self.save.setToolTip("Save the view, or each side at the frame's own pixels, as PNG")
        self.save.setAccessibleName("Save as PNG")
        self.save.setPopupMode(QToolButton.InstantPopup)
        self.save.setMenu(QMenu(self.save))
        self.save.setFocusPolicy(Qt.NoFocus)  # as the mode buttons: its actions' keys reach what it offers
        view_bar.addWidget(self.save)
        # Tab goes along the toolbar as it reads (the viewer sends it on to the picture)
        self.tab_chain = [self.left, self.swap, self.right, self.device, self.gain, self.fit, self.actual]

    def show_task(self, task: str) -> None:
        self.task_group.button(list(TASKS).index(task)).setChecked(True)

    def show_mode(self, mode: str) -> None:
        """The mode's button checked, and the gain shown only where it acts: the difference map."""
        self.mode_group.button(list(MODES).index(mode)).setChecked(True)
        self.gain_action.setVisible(mode == "diff")


def _side_marker(colour: str, picker: QComboBox, name: str) -> QLabel:
    """The coloured dot that also marks this side's label on the picture; it names the side's picker."""
    marker = QLabel()
    marker.setPixmap(icon("dot", colour).pixmap(18, 18))
    marker.setToolTip(name)
    return bind_name(picker, name, marker)


def _segment(bar: QToolBar, text: str, keys: str, group: QButtonGroup) -> QToolButton:
    """One checkable button of an exclusive group; its id is its position. Not in the Tab chain: Space, which
    would press it, plays; its shortcut `keys` chooses it instead."""
    button = QToolButton()
    button.setText(text)
    button.setToolTip(f"{text} ({keys})")
    button.setCheckable(True)
    button.setFocusPolicy(Qt.NoFocus)
    group.addButton(button, len(group.buttons()))
    bar.addWidget(button)
    return button


def _tool_button(bar: QToolBar, shape: str, text: str, tip: str) -> QToolButton:
    button = QToolButton()
    button.setIcon(icon(shape))
    button.setText(text)
    button.setToolTip(tip)
    bar.addWidget(button)
    return button


def build_actions(owner: QWidget, slots: dict[str, Callable[[], None]], choose_mode: Callable[[str], None],
                  choose_task: Callable[[str], None]) -> dict[str, QAction]:
    """Shortcuts that work anywhere in `owner` (the tab) and nowhere else, so typing in other tabs is safe: each of
    SHORTCUTS doing what `slots` gives for its name, then a checkable one for each view mode and task."""
    actions = {}
    for name, (text, keys, shape) in SHORTCUTS.items():
        actions[name] = _tab_action(owner, text, keys, slots[name])
        if shape is not None:
            actions[name].setIcon(icon(shape))
    # "+" is Shift+= on many keyboards: "=" zooms in too, as in image viewers
    actions["zoom_in"].setShortcuts([QKeySequence("+"), QKeySequence("=")])
    actions.update(_choice_actions(owner, "mode", MODES, MODE_KEYS, choose_mode))
    actions.update(_choice_actions(owner, "task", TASKS, TASK_KEYS, choose_task))
    return actions


def _choice_actions(owner: QWidget, kind: str, choices: dict[str, str], keys: tuple[str, ...],
                    choose: Callable[[str], None]) -> dict[str, QAction]:
    """A checkable shortcut for each of an exclusive set of choices (view mode, task), as their buttons are: the
    buttons stay out of the Tab chain."""
    group = QActionGroup(owner)
    actions = {}
    for (key, text), sequence in zip(choices.items(), keys):
        action = _tab_action(owner, text, sequence, lambda _=False, k=key: choose(k), checkable=True)
        group.addAction(action)
        actions[f"{kind}_{key}"] = action
    return actions


def _tab_action(owner: QWidget, text: str, keys: str, slot: Callable, checkable: bool = False) -> QAction:
    """An action of `owner` whose shortcut `keys` acts while the focus is anywhere in it."""
    action = QAction(text, owner, checkable=checkable)
    action.setShortcut(QKeySequence(keys))
    action.setShortcutContext(Qt.WidgetWithChildrenShortcut)
    action.triggered.connect(slot)
    owner.addAction(action)
    return action
