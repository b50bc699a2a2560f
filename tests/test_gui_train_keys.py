"""A Train tab tester's finding: Open run, Compare in viewer, Smoothing and the Hyper-parameters had no Alt+letter.
The menus and the tab's other controls hold 20 letters, and the names of these hold few of the rest. Continue
pruning had none either: each letter of its name was another's, and the 14 controls with no letter of their own shared
13, so it took Validation clip's I, and that label's name a Q (video or frame se&quence)."""

from __future__ import annotations

from collections import Counter

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QAbstractButton, QApplication, QFileDialog, QGroupBox, QLabel, QWidget

from gui_support import gui_env, window  # noqa: F401
from test_gui_keyboard_routes import active


def tab_keys(window, tab: QWidget) -> list[str]:
    """The Alt+letters of the menus and of the tab's buttons, labels bound to a field and group boxes (whose own
    reaches its first field)."""
    controls = [w for w in tab.findChildren(QWidget)
                if isinstance(w, (QAbstractButton, QGroupBox)) or isinstance(w, QLabel) and w.buddy() is not None]
    texts = [a.text() for a in window.menuBar().actions()]
    texts += [w.title() if isinstance(w, QGroupBox) else w.text() for w in controls]
    return [key for key in map(alt_key, texts) if key]


def alt_key(text: str) -> str:
    """The Alt+letter a control's text gives it, "" for none."""
    return QKeySequence.mnemonic(text).toString()


@pytest.mark.parametrize("task", ["vsr", "vfi"])
def test_open_run_compare_smoothing_and_the_hyper_parameters_have_alt_keys_none_alike(window, qtbot, monkeypatch,
                                                                                        task):
    panel = window.train
    form = panel.form
    form.task.setCurrentIndex(form.task.findData(task))
    keys = tab_keys(window, panel)
    assert [key for key, count in Counter(keys).items() if count > 1] == []
    smoothing = next(w for w in panel.plots.findChildren(QLabel) if w.buddy() is panel.plots.smoothing)
    named = {w.text(): alt_key(w.text()) for w in (panel.open_run_button, panel.compare_button, smoothing)}
    assert all(named.values()), named
    assert alt_key(form.options_box.title()) in keys

    opened, compared = [], []
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a: opened.append(a[1]) or "")
    panel.compareRequested.connect(lambda *a: compared.append(a))
    panel.last_model = ("upscale", "tiny-student", "")
    panel.compare_button.show()
    active(qtbot, window, panel)
    first, sized = ("net", "patch") if task == "vsr" else ("base", "crop")
    for key, field in ((Qt.Key_Y, form.inputs[first]), (Qt.Key_Z, form.inputs[sized]),
                       (Qt.Key_0, panel.plots.smoothing)):
        qtbot.keyClick(QApplication.focusWidget() or panel, key, Qt.AltModifier)
        qtbot.waitUntil(field.hasFocus, timeout=2_000)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key_B, Qt.AltModifier)
    qtbot.waitUntil(lambda: opened == ["Training run folder"], timeout=2_000)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key_W, Qt.AltModifier)
    qtbot.waitUntil(lambda: compared == [("upscale", "tiny-student", "")], timeout=2_000)


def test_every_button_and_checkable_of_the_tab_has_an_alt_key_of_its_own(window, qtbot):
    """Continue pruning, shown for a stopped pruning, had no Alt+letter. Every button and checkable widget with a
    name (the icon-only Choose buttons have none: each follows its field) has one, none another's or a menu's."""
    panel = window.train
    form = panel.form
    form.task.setCurrentIndex(form.task.findData("vfi"))
    named = [w for w in panel.findChildren(QAbstractButton) if w.text()]
    assert form.continue_prune_button in named and panel.compare_button in named
    assert [w.text() for w in named if not alt_key(w.text())] == []
    keys = tab_keys(window, panel)
    assert [key for key, count in Counter(keys).items() if count > 1] == []

    pressed = []
    form.continue_prune_button.clicked.connect(lambda: pressed.append(True))
    form.continue_prune_button.show()  # as for a stopped pruning shown (with none, its press does nothing)
    active(qtbot, window, panel)
    qtbot.keyClick(QApplication.focusWidget() or panel, Qt.Key_I, Qt.AltModifier)
    qtbot.waitUntil(lambda: pressed == [True], timeout=2_000)
