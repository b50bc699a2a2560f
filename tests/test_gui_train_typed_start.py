"""A reviewer's finding: with "1e-" typed as the Learning rate, Alt+S (Start's key, which leaves the focus in the
field) started a run at lr 1.0, the "1" typed first; a click on Start, which ends the edit, started one at the rate
kept beside the refusal, not the one typed. Start takes every field's text first and refuses while one is refused:
on the tab's warning line, as the Export dialog does, not in a box over the field that has just said it."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from gui_support import announced, gui_env, type_into, window  # noqa: F401
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


@pytest.fixture
def boxes_opened(monkeypatch) -> list[tuple[str, str]]:
    """The message boxes the window opens, as (title, text), none shown."""
    opened = []
    for way in ("open", "exec", "show"):
        monkeypatch.setattr(QMessageBox, way, lambda box: opened.append((box.windowTitle(), box.text())))
    return opened


@pytest.mark.parametrize("how", ["Alt+S", "click"])
def test_a_half_typed_learning_rate_starts_no_run_and_one_typed_whole_starts_as_typed(window, qtbot, started, how,
                                                                                     boxes_opened, announced):
    panel = window.train
    rate = panel.form.inputs["lr"]
    type_into(qtbot, rate, "1e-")
    press_start(qtbot, window, how)
    qtbot.waitUntil(panel.warning.isVisible, timeout=5_000)  # Alt+S presses the button for a moment first
    refusal = f"Learning rate: \u201c1e-\u201d not taken, 0.0002 kept: {A_NUMBER}"
    assert panel.warning.text() == f"Not started: {refusal}" and boxes_opened == []
    assert started == [] and rate.value() == 0.0002 and panel.start_button.isEnabled()
    said = [text for _, text in announced if "not taken" in text]
    assert said and not [text for text in said if text.startswith("Warning: ")]  # the field said it: not twice
    qtbot.waitUntil(rate.hasFocus, timeout=2_000)  # there to be typed again

    type_into(qtbot, rate, "1e-4")
    assert panel.warning.isHidden()  # the field edited: the refusal goes
    press_start(qtbot, window, how)
    qtbot.waitUntil(lambda: bool(started), timeout=30_000)  # once the net is checked, on a worker
    assert [options["lr"] for options in started] == [pytest.approx(1e-4)] and boxes_opened == []


def test_a_refusal_by_an_earlier_key_is_said_aloud_at_start_and_goes_with_the_task(window, qtbot, started,
                                                                                  boxes_opened, announced):
    """A text refused as its edit ended (Tab), pressed Start for later: nothing has said it for this press, so the
    warning line says it aloud; another task's fields are new, and the refusal of the old ones goes."""
    panel = window.train
    rate = panel.form.inputs["lr"]
    type_into(qtbot, rate, "1e-")
    rate.interpretText()  # its edit ended; the field says its refusal now
    qtbot.wait(50)  # a later turn of the event loop: the press says nothing of its own
    announced.clear()
    panel.start_button.click()
    assert panel.warning.isVisible() and boxes_opened == [] and started == []
    assert [text for _, text in announced] == [f"Warning: {panel.warning.text()}"]
    panel.form.task.setCurrentIndex(panel.form.task.findData("vfi"))
    assert panel.warning.isHidden()


def test_continue_pruning_drops_a_refusal_start_showed(window, qtbot, started, boxes_opened, tmp_path, monkeypatch):
    """A number Start refused stayed on the tab's line ("Not started: Learning rate ...") while a pruning went on
    from Continue pruning, as if that had not started either."""
    import json

    from vsr_app.distill.runs import TASK_KEY

    panel = window.train
    panel.form.task.setCurrentIndex(panel.form.task.findData("vfi"))
    run = tmp_path / "runs" / "prune-vfi"
    run.mkdir(parents=True)
    (run / "checkpoint.safetensors").write_bytes(b"x")
    (run / "config.json").write_text(json.dumps({TASK_KEY: "prune", "options": {"steps": 800}}))
    panel.run_dir, panel.shown_task = run, "vfi"
    panel._label_run()
    continued = []
    monkeypatch.setattr(panel, "_run_cli", lambda args, val=None: continued.append(args))
    type_into(qtbot, panel.form.inputs["lr"], "1e-")
    panel.start_button.click()
    assert panel.warning.isVisible() and panel.warning.text().startswith("Not started: Learning rate")
    panel.form.continue_prune_button.click()
    assert continued and not panel.warning.isVisible() and boxes_opened == []
