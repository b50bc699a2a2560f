"""What the window's status bar says of a training run: after Stop the tab said "Stopping: writing a checkpoint…" while
the bar went on with "Training: step 24 / 10,000" (a stopping batch or export reads "… cancelling…" there)."""

from __future__ import annotations

import json
import sys

from gui_support import gui_env, window  # noqa: F401
from vsr_app.gui import train_panel


def test_the_status_bar_says_a_stopped_run_is_stopping(window, qtbot, monkeypatch, tmp_path):
    panel = window.train
    panel.run_dir = tmp_path / "run"
    panel.run_dir.mkdir()
    panel.total_steps = 10_000
    step = json.dumps({"step": 24, "loss": 0.5}) + "\n"
    # a stand-in trainer that records step 24 and takes its time over the checkpoint Stop asks for
    trainer = (f"import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
               f"open({str(panel.run_dir / 'metrics.jsonl')!r}, 'a').write({step!r}); time.sleep(30)")
    monkeypatch.setattr(train_panel, "launcher", lambda: (sys.executable, ["-c", trainer]))
    panel._run_cli([])
    try:
        qtbot.waitUntil(lambda: panel.plots.last_step() == 24, timeout=10_000)
        assert panel.work_said() == "Training: step 24 / 10,000"
        panel.stop()
        assert panel.work_said() == "Training stopping: writing a checkpoint\u2026"
        window._show_work()
        assert window.work_text.whole == panel.work_said()
    finally:
        panel.process.kill()
        panel.process.waitForFinished(5000)
