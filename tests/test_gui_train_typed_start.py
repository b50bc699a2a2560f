"""A reviewer's finding: with "1e-" typed as the Learning rate, Alt+S (Start's key, which leaves the focus in the
field) started a run at lr 1.0, the "1" typed first; a click on Start, which ends the edit, started one at the rate
kept beside the refusal, not the one typed. Start takes every field's text first and refuses while one is refused."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from gui_support import gui_env, type_into, whole_message, window  # noqa: F401
from test_gui_keyboard_routes import active
from vsr_app.gui.number_boxes import A_NUMBER


@pytest.fixture
def started(window, qtbot, tmp_path, monkeypatch) -> list[dict]:
    """The Train tab shown in the active window, its form ready to start; the options of each run started (none is
    run)."""
    panel = window.train
    (tmp_path / "data").mkdir()
    panel.form.data.addItem(str(tmp_path / "data"))
    panel.form.name.setText("tiny-student")
    panel.form.runs_dir.setText(str(tmp_path / "runs"))
    panel.form.distill.setCurrentIndex(panel.form.distill.findData("none"))
    launched = []
    monkeypatch.setattr(panel, "_launch", lambda plan, status=None: launched.append(plan.options))
    active(qtbot, window, panel)
    return launched


def press_start(qtbot, window, how: str) -> None:
    if how == "Alt+S":
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key_S, Qt.AltModifier)
    else:
        qtbot.mouseClick(window.train.start_button, Qt.LeftButton)


@pytest.mark.parametrize("how", ["Alt+S", "click"])
def test_a_half_typed_learning_rate_starts_no_run_and_one_typed_whole_starts_as_typed(window, qtbot, started, how):
    rate = window.train.form.inputs["lr"]
    type_into(qtbot, rate, "1e-")
    press_start(qtbot, window, how)
    qtbot.waitUntil(lambda: window.error_box is not None and window.error_box.isVisible(), timeout=5_000)
    assert started == [] and rate.value() == 0.0002
    assert whole_message(window.error_box).endswith(f"Learning rate: \u201c1e-\u201d not taken, 0.0002 kept: "
                                                    f"{A_NUMBER}")
    window.error_box.close()
    active(qtbot, window, window.train)  # (headless, the window is not active again by itself)
    qtbot.waitUntil(rate.hasFocus, timeout=2_000)  # there to be typed again

    type_into(qtbot, rate, "1e-4")
    press_start(qtbot, window, how)
    qtbot.waitUntil(lambda: bool(started), timeout=5_000)  # Alt+S presses the button for a moment first
    assert [options["lr"] for options in started] == [pytest.approx(1e-4)]
