"""A tester's Compare tab findings by keyboard: Space pressed a focused button twice, Reload models (Ctrl+R) closed an
analysis of the same models, and the model cards and the tab bar took the focus unseen and (the cards) unnamed."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication

from gui_support import gui_env, open_and_wait, window  # noqa: F401
from test_gui_keyboard import compare_by_keyboard, step_frames, tab_to
from vsr_app.gui import colours, viewer as viewer_module
from vsr_app.gui.processing import TRUTH

RELEASE_SETTLED_MS = 250  # past the 100 ms an animated click held a button down


def tap_space(qtbot, widget, hold_ms: int) -> None:
    """Space pressed on `widget`, held `hold_ms`, released, and the events after it let run."""
    qtbot.keyPress(widget, Qt.Key_Space)
    if hold_ms:
        qtbot.wait(hold_ms)
    qtbot.keyRelease(widget, Qt.Key_Space)
    qtbot.wait(RELEASE_SETTLED_MS)


def test_a_tap_or_a_held_space_presses_a_focused_button_once(window, qtbot, small_video):
    """Space held a button down 100 ms and its release clicked it too: "Ground truth" could not be ticked by a quick
    tap (ticked and unticked), and Swap swapped twice."""
    viewer = compare_by_keyboard(window, qtbot, small_video)
    step_frames(qtbot, viewer)
    swap = viewer.toolbar.swap
    tab_to(qtbot, swap)
    for hold_ms in (0, 50, 300):
        before = viewer.sides
        tap_space(qtbot, swap, hold_ms)
        assert viewer.sides == before[::-1], hold_ms
        assert not viewer.player.playing
    truth = viewer.inspector.truth
    truth.setFocus()
    qtbot.waitUntil(truth.hasFocus)
    toggled = []
    truth.toggled.connect(toggled.append)
    for hold_ms in (0, 50, 300):
        tap_space(qtbot, truth, hold_ms)
    assert toggled == [True, False, True] and viewer.truth_mode
    # a held key repeats its press: the play shortcut takes no repeat, so the button is pressed (or the video
    # played) once, however long Space is held
    assert not viewer.actions_by_name["play"].autoRepeat()


def analysis_running(qtbot, window, video):
    """The video open in ground truth mode, bicubic against the truth, its analysis started."""
    open_and_wait(qtbot, window, video)
    viewer = window.viewer
    viewer.inspector.truth.setChecked(True)
    qtbot.waitUntil(lambda: viewer.actions_by_name["analyse"].isEnabled())
    assert viewer.sides[1] == TRUTH and viewer.sides[0] != TRUTH
    viewer.start_analysis()
    assert viewer.analysis.isVisible()
    return viewer


def test_reload_models_keeps_the_analysis_of_the_same_models(window, qtbot, small_video):
    """Ctrl+R closed a running or finished analysis although the sides stayed the same models."""
    viewer = analysis_running(qtbot, window, small_video)
    sides = viewer.sides
    window.reload_action.trigger()
    assert viewer.sides == sides and viewer.analysis.isVisible()
    qtbot.waitUntil(lambda: not viewer.analysis_job.running, timeout=60_000)
    window.reload_action.trigger()
    assert viewer.analysis.isVisible()
    viewer.swap_sides()  # other sides: the curves are not theirs
    assert not viewer.analysis.isVisible()


def test_reload_models_closes_the_analysis_of_weights_written_again(window, qtbot, small_video, monkeypatch):
    """A training run that re-wrote a side's model under its name: the curves are the old weights'."""
    viewer = analysis_running(qtbot, window, small_video)
    monkeypatch.setattr(viewer_module, "weights_of", lambda model: ("written again",))
    window.reload_action.trigger()
    assert not viewer.analysis.isVisible()


def test_weights_of_a_model_file_change_when_it_is_written_again(tmp_path):
    from vsr_app.models import ModelInfo

    path = tmp_path / "student.pt"
    path.write_bytes(b"old weights")
    model = ModelInfo("student", "upscale", 4, 1, str(path))
    before = viewer_module.weights_of(model)
    assert viewer_module.weights_of(model) == before
    path.write_bytes(b"new weights, longer")
    assert viewer_module.weights_of(model) != before
    assert viewer_module.weights_of(ModelInfo("bicubic", "upscale", 4, 0, None)) is None


def test_the_tabs_buttons_pressed_with_alt_are_named_with_their_keys(window):
    """The F1 list left out Go to worst's Alt+W, which the README lists: the tab's buttons give their keys."""
    assert ("Go to worst", "Alt+W") in window.viewer.mnemonic_rows()


def test_every_shortcut_of_the_window_and_go_to_worst_are_in_the_f1_list(window):
    """A hand-kept list left Alt+W out: none of the window's actions with a key, nor a button of the tab pressed
    with Alt, may be left out of it."""
    listed = dict(window.shortcut_rows())
    for action in window.findChildren(QAction):
        keys = " or ".join(k.toString(QKeySequence.NativeText) for k in action.shortcuts())
        if keys:
            assert listed.get(action.text().replace("&", "").rstrip("\u2026")) == keys, action.text()  # (Alt letter)
    assert listed["Go to worst"] == "Alt+W"


def test_the_model_cards_are_named_and_the_tab_bar_and_cards_show_the_focus(window, qtbot):
    """The model cards were Tab stops with no name and no mark of the focus; the tab bar showed none either."""
    cards = window.viewer.inspector.cards
    assert [card.accessibleName() for card in cards] == ["Left model card", "Right model card"]
    assert all(card.focusPolicy() & Qt.TabFocus for card in cards)
    assert all(f"QTextBrowser:focus {{ border-color: {colours.FOCUS}; }}" in card.styleSheet() for card in cards)
    assert "QTabBar::tab:focus" in QApplication.instance().styleSheet()
    bar = window.tabs.tabBar()
    bar.clearFocus()
    unfocused = bar.grab().toImage()
    bar.setFocus()
    qtbot.waitUntil(bar.hasFocus)
    assert bar.grab().toImage() != unfocused  # drawn with a mark while it has the focus
