"""Go to frame… (Ctrl+G): the slider and the player's buttons are out of the Tab chain, and a keyboard user could only
step to a frame they had read the number of. The dialog is patched: each test says what the user typed."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog

from gui_support import gui_env, show_and_wait, window  # noqa: F401
from test_gui_keyboard import compare_by_keyboard, press


@pytest.fixture
def typed(monkeypatch):
    """Sets what the dialog answers (`typed.answer`); `typed.asked` holds the (label, value, least, most) it was asked
    with."""
    class Typed:
        answer = (0, False)
        asked = []

    def get_int(parent, title, label, value, least, most, *args, **kwargs):
        Typed.asked.append((label, value, least, most))
        return Typed.answer

    monkeypatch.setattr(QInputDialog, "getInt", staticmethod(get_int))
    return Typed


def test_ctrl_g_and_a_number_go_to_that_frame(window, qtbot, small_video, typed):
    viewer = compare_by_keyboard(window, qtbot, small_video)
    typed.answer = (5, True)
    shown = show_and_wait(qtbot, viewer, lambda: press(qtbot, Qt.Key_G, Qt.ControlModifier),
                          lambda r: r.position == 4)
    assert viewer.player.position == 4 and "frame 5 / 12" in viewer.bar.readout.text()
    assert shown.request.task == "upscale"
    (label, value, least, most), = typed.asked
    assert (value, least, most) == (1, 1, 12) and "1\u201312" in label


def test_in_interpolate_a_frames_number_goes_to_the_in_between_after_it(window, qtbot, small_video, typed):
    viewer = compare_by_keyboard(window, qtbot, small_video)
    show_and_wait(qtbot, viewer, lambda: press(qtbot, Qt.Key_I, Qt.ControlModifier),
                  lambda r: r.request.task == "interpolate")
    typed.answer = (5, True)
    show_and_wait(qtbot, viewer, lambda: press(qtbot, Qt.Key_G, Qt.ControlModifier), lambda r: r.position == 4)
    assert "in-between 5\u00bd of 12 frames" in viewer.bar.readout.text()
    typed.answer = (12, True)  # the last frame has no in-between after it: the last in-between
    show_and_wait(qtbot, viewer, lambda: press(qtbot, Qt.Key_G, Qt.ControlModifier), lambda r: r.position == 10)
    label, value, least, most = typed.asked[-1]
    assert (value, least, most) == (5, 1, 12) and "in-between after it" in label


def test_cancel_stays_where_it_was(window, qtbot, small_video, typed):
    viewer = compare_by_keyboard(window, qtbot, small_video)
    show_and_wait(qtbot, viewer, lambda: press(qtbot, Qt.Key_Right), lambda r: r.position == 1)
    moved = []
    viewer.player.positionChanged.connect(moved.append)
    press(qtbot, Qt.Key_G, Qt.ControlModifier)
    assert len(typed.asked) == 1 and typed.asked[0][1] == 2  # asked, at the frame shown
    assert viewer.player.position == 1 and moved == []


def test_go_to_frame_is_in_the_playback_menu_and_f1_and_greyed_without_a_video(window, qtbot, typed):
    action = window.viewer.actions_by_name["go_to"]
    play_menu = window.tab_menus[1]
    assert action in play_menu.actions() and "&" in action.text()
    assert dict(window.shortcut_rows())["Go to frame"] == "Ctrl+G"
    assert not action.isEnabled()
    action.trigger()
    assert typed.asked == [] and window.viewer.player.position == 0


def test_in_ground_truth_mode_a_frames_number_goes_to_the_held_out_frame_at_or_after_it(gui_env, typed):
    """Interpolate's ground truth mode holds out every other frame (2, 4, 6... as the player counts them)."""
    from vsr_app.gui.go_to_frame import ask_position

    typed.answer = (6, True)
    assert ask_position(None, 0, 5, "interpolate", True) == 2  # frame 6, the third held out
    typed.answer = (5, True)
    assert ask_position(None, 0, 5, "interpolate", True) == 2
    label, value, least, most = typed.asked[-1]
    assert (value, least, most) == (2, 1, 11) and "held-out frame at or after it" in label
