"""The Compare tab by keyboard alone: Tab reaches the model and device pickers, Ctrl+U / Ctrl+I choose the task, and
the viewer's keys (frame steps, play, modes, hold T) still act after a pick, by keyboard or by mouse."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from gui_support import announced, gui_env, open_and_wait, show_and_wait, window  # noqa: F401
from vsr_app.gui.processing import SOURCE
from vsr_app.gui.viewer_toolbar import Picker


def compare_by_keyboard(window, qtbot, video):
    """The video open on the Compare tab, the window active (shortcuts need it) and the keys with the picture."""
    open_and_wait(qtbot, window, video)
    window.activateWindow()
    qtbot.waitActive(window)
    viewer = window.viewer
    viewer.view.setFocus()
    qtbot.waitUntil(viewer.view.hasFocus)
    return viewer


def press(qtbot, key, modifier=Qt.NoModifier) -> None:
    """A key as the user presses it: to whatever has the focus."""
    qtbot.keyClick(QApplication.focusWidget(), key, modifier)


def tab_to(qtbot, widget, key=Qt.Key_Tab) -> list:
    """Press Tab (or Backtab) until `widget` has the focus; what had it on the way."""
    seen = []
    while QApplication.focusWidget() is not widget:
        assert len(seen) < 30, f"Tab never reached {type(widget).__name__}: {[type(w).__name__ for w in seen]}"
        press(qtbot, key)
        seen.append(QApplication.focusWidget())
    return seen


def wait_for_list(qtbot, combo) -> None:
    """Until the list `combo` opened is the focused window: offscreen activates it late, and an activation that came
    after the list had closed left the main window without focus."""
    qtbot.waitUntil(lambda: QGuiApplication.focusWindow() == combo.view().window().windowHandle())


def step_frames(qtbot, viewer) -> None:
    """Right steps to the next frame and Left back, wherever the focus is in the tab."""
    start = viewer.player.position
    show_and_wait(qtbot, viewer, lambda: press(qtbot, Qt.Key_Right), lambda r: r.position == start + 1)
    show_and_wait(qtbot, viewer, lambda: press(qtbot, Qt.Key_Left), lambda r: r.position == start)


def test_tab_goes_along_the_toolbar_to_the_pickers_and_on_to_the_picture(window, qtbot, small_video):
    """The pickers had ClickFocus: the Tab chain went Swap, Fit, 1:1, picture, and never to a model or the device."""
    viewer = compare_by_keyboard(window, qtbot, small_video)
    seen = tab_to(qtbot, viewer.left)
    toolbar = tab_to(qtbot, viewer.view)
    assert [w for w in toolbar if isinstance(w, Picker)] == [viewer.right, viewer.device]
    assert [w.toolTip() for w in toolbar] == ["Swap left and right", viewer.right.currentText(),
                                              "Where the models run", "Fit the frame in the view (F)",
                                              "One video pixel per screen pixel (Ctrl+0)", ""]
    groups = viewer.toolbar.task_group, viewer.toolbar.mode_group
    buttons = groups[0].buttons() + groups[1].buttons()  # chosen by shortcut: Space would play
    assert not set(buttons) & set(seen + toolbar)
    assert tab_to(qtbot, viewer.device, Qt.Key_Backtab) == toolbar[4:1:-1]  # and back the same way: 1:1, Fit


def test_a_side_and_the_device_are_picked_by_keyboard_and_the_viewers_keys_still_act(window, qtbot, small_video):
    viewer = compare_by_keyboard(window, qtbot, small_video)
    assert viewer.sides == (SOURCE, "bicubic")
    tab_to(qtbot, viewer.left, Qt.Key_Backtab)

    def pick_from_the_list():
        press(qtbot, Qt.Key_Down, Qt.AltModifier)
        wait_for_list(qtbot, viewer.left)
        press(qtbot, Qt.Key_Down)
        press(qtbot, Qt.Key_Return)

    show_and_wait(qtbot, viewer, pick_from_the_list, lambda r: r.request.sides == ("bicubic", "bicubic"))
    assert not viewer.left.view().isVisible() and viewer.left.hasFocus()  # focus stays where the user was
    step_frames(qtbot, viewer)
    tab_to(qtbot, viewer.right)
    show_and_wait(qtbot, viewer, lambda: press(qtbot, Qt.Key_Up), lambda r: r.request.sides == ("bicubic", SOURCE))
    press(qtbot, Qt.Key_3)
    assert viewer.view.mode == "toggle"
    qtbot.keyPress(viewer.right, Qt.Key_T)  # a combo's search took it: the toggle view never flipped
    assert viewer.view.flipped and viewer.right.currentData() == SOURCE
    qtbot.keyRelease(viewer.right, Qt.Key_T)
    assert not viewer.view.flipped
    press(qtbot, Qt.Key_S)
    assert viewer.sides == (SOURCE, "bicubic")
    tab_to(qtbot, viewer.device)
    press(qtbot, Qt.Key_Down)
    assert viewer.request().device == "cpu" and viewer.settings.value("viewer/device") == "cpu"
    step_frames(qtbot, viewer)
    press(qtbot, Qt.Key_Space)
    assert viewer.player.playing
    press(qtbot, Qt.Key_Space)
    assert not viewer.player.playing


def test_space_presses_the_toolbar_button_that_has_the_focus_and_plays_elsewhere(window, qtbot, small_video):
    """The tab's Space took the key from every button in it: on Swap, Fit or 1:1, the usual way to press a button
    played the video instead."""
    viewer = compare_by_keyboard(window, qtbot, small_video)
    step_frames(qtbot, viewer)
    swap = viewer.toolbar.swap
    tab_to(qtbot, swap)
    before = viewer.sides
    press(qtbot, Qt.Key_Space)
    qtbot.waitUntil(lambda: viewer.sides == before[::-1])
    assert not viewer.player.playing
    tab_to(qtbot, viewer.view)
    press(qtbot, Qt.Key_Space)
    assert viewer.player.playing
    press(qtbot, Qt.Key_Space)


def test_ctrl_u_and_ctrl_i_choose_the_task_and_the_shortcut_list_names_them(window, qtbot, small_video):
    """The task buttons were out of reach by keyboard, and no shortcut or menu item changed the task."""
    viewer = compare_by_keyboard(window, qtbot, small_video)
    show_and_wait(qtbot, viewer, lambda: press(qtbot, Qt.Key_I, Qt.ControlModifier),
                  lambda r: r.request.task == "interpolate")
    assert viewer.toolbar.task_group.checkedId() == 1 and viewer.actions_by_name["task_interpolate"].isChecked()
    assert viewer.view.hasFocus()
    step_frames(qtbot, viewer)
    tab_to(qtbot, viewer.left)
    show_and_wait(qtbot, viewer, lambda: press(qtbot, Qt.Key_U, Qt.ControlModifier),
                  lambda r: r.request.task == "upscale")
    assert viewer.toolbar.task_group.checkedId() == 0 and viewer.actions_by_name["task_upscale"].isChecked()
    names = dict(window.shortcut_rows())
    assert names["Upscale \u00d74"] == "Ctrl+U" and names["Interpolate \u00d72"] == "Ctrl+I"
    assert [b.toolTip() for b in viewer.toolbar.task_group.buttons()] == ["Upscale \u00d74 (Ctrl+U)",
                                                                          "Interpolate \u00d72 (Ctrl+I)"]


def test_a_mouse_pick_leaves_the_keys_with_the_picture(window, qtbot, small_video):
    """A click no longer focuses a picker: T and letters go on acting on the picture, not searching the list."""
    viewer = compare_by_keyboard(window, qtbot, small_video)
    combo = viewer.left
    qtbot.mouseClick(combo, Qt.LeftButton)
    wait_for_list(qtbot, combo)
    qtbot.wait(QApplication.doubleClickInterval() + 50)  # a release sooner is the end of the click that opened it
    item = combo.view().visualRect(combo.model().index(1, 0)).center()

    def click_bicubic():
        qtbot.mouseClick(combo.view().viewport(), Qt.LeftButton, pos=item)

    show_and_wait(qtbot, viewer, click_bicubic, lambda r: r.request.sides == ("bicubic", "bicubic"))
    assert not combo.view().isVisible() and viewer.view.hasFocus()
    step_frames(qtbot, viewer)


def test_an_opened_video_starts_with_focus_on_the_picture(window, qtbot, small_video):
    """The first picker in the Tab order took the focus at start: Up/Down then changed the model."""
    window.show()
    open_and_wait(qtbot, window, small_video)
    assert window.focusWidget() is window.viewer.view


def test_zoom_pan_and_the_split_divider_by_keyboard(window, qtbot, small_video):
    """The wheel zoomed, a drag panned and moved the divider: a keyboard-only user could do none of it (F1 said
    "mouse wheel / drag")."""
    viewer = compare_by_keyboard(window, qtbot, small_video)
    view, state = viewer.view, viewer.view.state
    zoom = state.zoom
    press(qtbot, Qt.Key_Plus)
    assert state.zoom == zoom * 1.25
    press(qtbot, Qt.Key_Equal)  # the "+" key unshifted
    assert state.zoom == zoom * 1.25**2
    centre = QPointF(state.center)
    press(qtbot, Qt.Key_Right, Qt.ControlModifier)
    assert state.center.x() > centre.x() and state.center.y() == centre.y()
    press(qtbot, Qt.Key_Down, Qt.ControlModifier)
    assert state.center.y() > centre.y()
    press(qtbot, Qt.Key_Minus)
    assert state.zoom == zoom * 1.25
    press(qtbot, Qt.Key_BracketRight)
    assert view.divider == 0.55
    press(qtbot, Qt.Key_BracketLeft)
    press(qtbot, Qt.Key_BracketLeft)
    assert view.divider == 0.45
    rows = dict(window.shortcut_rows())
    assert rows["Zoom in"] == "+ or =" and rows["Move the split divider left"] == "["
    assert rows["Pan left"] == "Ctrl+Left"


def test_enter_presses_a_focused_button_and_opens_a_recent_link(window, qtbot, small_video):
    """Outside dialogs only Space pressed a button (the Welcome page starts with focus on Open a video…, where Enter
    did nothing), and the Welcome page's recent files were links for the mouse only."""
    window.activateWindow()
    qtbot.waitActive(window)
    opened = []
    button = window.welcome.sample_button  # (Open a video… would open a file dialog)
    button.clicked.disconnect()
    button.clicked.connect(lambda: opened.append(True))
    button.setFocus()
    qtbot.waitUntil(button.hasFocus)
    qtbot.keyClick(button, Qt.Key_Return)
    assert opened == [True]
    assert window.welcome.open_button.autoDefault() and window.batch.start_button.autoDefault()
    chosen = []
    window.welcome.recentRequested.connect(chosen.append)
    window.welcome.set_recent([str(small_video), str(small_video.with_name("other.mp4"))])
    first, second = window.welcome.recent_buttons()
    assert first.accessibleName() == f"Open {small_video.name}" and second.accessibleName() == "Open other.mp4"
    window.welcome.sample_button.setFocus()
    qtbot.waitUntil(window.welcome.sample_button.hasFocus)
    qtbot.keyClick(window.welcome.sample_button, Qt.Key_Tab)  # on to the first recent file, a stop of its own
    assert first.hasFocus(), QApplication.focusWidget()
    qtbot.keyClick(first, Qt.Key_Return)
    assert chosen == [str(small_video)]
    window.welcome.set_recent([])
    assert window.welcome.recent.isHidden() and window.welcome.recent_buttons() == []  # no empty stop


def test_a_step_a_view_and_the_player_controls_are_said_to_a_screen_reader(window, qtbot, small_video, announced):
    """The picture stayed "Comparison picture" whatever it showed: stepping, the view and the scores went unsaid, and
    the player's buttons and slider had no names."""
    viewer = compare_by_keyboard(window, qtbot, small_video)
    announced.clear()
    show_and_wait(qtbot, viewer, lambda: press(qtbot, Qt.Key_Right), lambda r: r.position == 1)
    said = viewer.view.accessibleDescription()
    assert said.startswith("frame 2 / 12 at 00:00.10; Split: ") and announced[-1] == ("Comparison picture", said)
    press(qtbot, Qt.Key_2)
    assert announced[-1][1].startswith("frame 2 / 12 at 00:00.10; Side by side: ")
    assert [b.accessibleName() for b in viewer.bar.buttons.values()] == [
        "First frame", "Previous frame", "Play / pause", "Next frame", "Last frame"]
    assert viewer.bar.slider.accessibleName() == "Position"
    show_and_wait(qtbot, viewer, lambda: viewer.set_sides("bicubic", "bicubic"), lambda r: r.psnr is not None)
    assert "; PSNR " in viewer.view.accessibleDescription()
    assert viewer.inspector.psnr.accessibleName() == f"PSNR {viewer.inspector.psnr.text()} dB"
    viewer.view.setFocus()
    said, described = len(announced), viewer.view.accessibleDescription()
    press(qtbot, Qt.Key_Space)
    qtbot.waitUntil(lambda: viewer.player.shown >= 4)  # frames shown while playing: none said, none described
    assert len(announced) == said and viewer.view.accessibleDescription() == described
    press(qtbot, Qt.Key_Space)
    shown = viewer.player.shown
    assert len(announced) == said + 1 and announced[-1][1].startswith(f"frame {shown + 1} / 12")  # where it stopped
