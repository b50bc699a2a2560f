"""The Train tab, opened again after the app was killed mid-run: the form still names the stopped run (Resume goes on
with it), and the tab shows that run, its curves and log, as Browse runs shows one; it said "No run yet."."""

from __future__ import annotations

import json

from PySide6.QtCore import QSettings

from gui_support import gui_env, stop_work  # noqa: F401 (gui_env: a fixture)
from vsr_app.gui.train_form import TASKS
from vsr_app.gui.trainer_process import LOG_NAME


def opened_window(qtbot, runs, name: str):
    """The app's window, opened with the Train form naming RUNS/NAME as a session that started it left it."""
    from vsr_app.gui.main_window import MainWindow

    settings = QSettings()
    settings.setValue("train/task", "vsr")
    settings.setValue("train/name", name)
    settings.setValue("train/runs_dir", str(runs))
    win = MainWindow(settings)
    qtbot.addWidget(win, before_close_func=stop_work)
    win.show()
    qtbot.waitExposed(win)
    return win


def test_a_run_killed_with_the_app_is_shown_when_the_tab_opens_again(gui_env, qtbot, tmp_path):
    run = tmp_path / "runs" / "tiny-student"
    run.mkdir(parents=True)
    (run / "config.json").write_text(json.dumps({"task": "vsr", "steps": 400}))
    first = opened_window(qtbot, tmp_path / "runs", "tiny-student")  # no step recorded yet: no run to show
    qtbot.wait(200)
    assert first.train.status.text() == "No run yet." and first.train.run_dir is None
    first.close()
    (run / "metrics.jsonl").write_text("".join(json.dumps({"step": s, "loss": 1 / s, "elapsed_s": s / 2}) + "\n"
                                               for s in (5, 10, 15)))
    (run / LOG_NAME).write_text("step 15: loss 0.0667\n", encoding="utf-8")
    panel = opened_window(qtbot, tmp_path / "runs", "tiny-student").train
    qtbot.waitUntil(lambda: panel.status.text() == "Run tiny-student: 15 steps recorded", timeout=10_000)
    assert panel.run_dir == run and panel.plots.last_step() == 15
    assert list(panel.plots.series["loss"][0]) == [5, 10, 15]
    assert panel.log.toPlainText().splitlines() == ["step 15: loss 0.0667"]
    assert not panel.run_label.isHidden() and panel.run_label.text() == f"{TASKS['vsr'][0]}: run tiny-student"
