"""The menus' items have Alt letters, and the status bar's busy bar keeps off a temporary message."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence

from gui_support import gui_env, window  # noqa: F401
from vsr_app.gui.main_window import BUSY_AFTER_MS


def test_every_menu_item_has_an_alt_letter_of_its_own(window):
    """None had one (Open..., Open recent, About, the View, Playback and Models items): a keyboard user could only
    arrow through them."""
    menus = [action.menu() for action in window.menuBar().actions()]
    assert len(menus) == 5
    for menu in menus:
        items = [a for a in menu.actions() if not a.isSeparator()]
        letters = [QKeySequence.mnemonic(a.text()).toString() for a in items]
        assert "" not in letters and len(set(letters)) == len(letters), [a.text() for a in items]
    file_items = [a.text() for a in menus[0].actions() if a.text()]
    assert file_items[:4] == ["&Open\u2026", "Open &folder of frames\u2026", "Open &recent", "Open &sample clip"]
    assert "Open" in dict(window.shortcut_rows())  # the F1 list names them without the letter's mark


def test_the_busy_bar_is_not_drawn_over_a_saved_message(window, qtbot):
    """The viewer busy while "Saved ..." was up for 15 s: the bar was shown again over the message's text."""
    status, bar, busy = window.statusBar(), window.busy_bar, window.viewer.busyChanged
    busy.emit("measuring PSNR / SSIM")
    qtbot.waitUntil(lambda: bar.isVisibleTo(window), timeout=5_000)
    status.showMessage("Saved clip_f0001_bicubic.png in /tmp", 15_000)
    assert not bar.isVisibleTo(window)
    busy.emit("bicubic: frame 2")
    qtbot.wait(BUSY_AFTER_MS + 200)
    assert not bar.isVisibleTo(window) and status.currentMessage().startswith("Saved")
    status.clearMessage()  # the message over: the work is still going on
    assert bar.isVisibleTo(window) and window.busy_text.isVisibleTo(window)
    busy.emit("")
    assert not bar.isVisibleTo(window)
