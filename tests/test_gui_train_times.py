"""The times the Train tab says at a run's end add up from one Stop to the next: each session's part of training and,
after a resume, the run's training in all."""

from __future__ import annotations

import json
import sys

from gui_support import gui_env, window  # noqa: F401
from test_gui_train import exported_run, write_checkpoint
from vsr_app.gui import train_panel


def record(step: int, elapsed_s: float) -> str:
    return json.dumps({"step": step, "loss": 1 / step, "elapsed_s": elapsed_s}) + "\n"


def trainer_session(panel, qtbot, monkeypatch, code: str, took_s: float, stopping: bool = True) -> str:
    """Run a stand-in trainer (`python -c CODE`) as Start or Resume runs one, `took_s` seconds after its start by the
    tab's clock, to its end (`stopping`: as after a Stop); the status it left."""
    monkeypatch.setattr(train_panel, "launcher", lambda: (sys.executable, ["-c", code]))
    panel._run_cli([])
    panel.started -= took_s  # no event ran: its end is not seen yet
    panel.process.stopping = stopping
    qtbot.waitUntil(lambda: not panel.running(), timeout=10_000)
    return panel.status.text()


def test_a_resumed_runs_training_in_all_adds_up_its_sessions(window, qtbot, monkeypatch, tmp_path):
    """Start, Stop, Resume, Stop said "Stopped after 35 s" and then "Stopped after 20 s, 31 s of training in all":
    the session's time from Start (the trainer's start-up, the nets built, its last save) beside the trainer's own
    time of all its sessions, a total below its first part."""
    panel = window.train
    panel.run_dir = exported_run(tmp_path / "runs" / "tiny-student")
    panel.last_model, panel.total_steps = ("upscale", "tiny-student", ""), 60
    metrics, checkpoint = panel.run_dir / "metrics.jsonl", panel.run_dir / "checkpoint.json"

    def stopped_at(step: int, lines: str, rewrite: bool = False) -> str:
        """A trainer that writes its metrics `lines` (`rewrite`: in place of the file's, as a resume that drops lost
        steps does) and its checkpoint at `step`."""
        written = f"open({str(metrics)!r}, 'a').write({lines!r})"
        if rewrite:  # by a rename, as the trainer's atomic_write
            written = f"open('{metrics}.tmp', 'w').write({lines!r}); os.replace('{metrics}.tmp', {str(metrics)!r})"
        return f"import json, os; {written}; open({str(checkpoint)!r}, 'w').write(json.dumps({{'step': {step}}}))"

    first = trainer_session(panel, qtbot, monkeypatch, stopped_at(3, record(1, 8.0) + record(3, 22.0)), took_s=35)
    assert first == "Stopped after 35 s (22 s of training); Resume continues from here.", first
    write_checkpoint(panel.run_dir, step=3)
    with open(metrics, "a") as fh:
        fh.write(record(4, 26.0))  # a hard kill after the checkpoint: the resume drops it and trains step 4 again
    kept = record(1, 8.0) + record(3, 22.0)
    again = trainer_session(panel, qtbot, monkeypatch, stopped_at(5, kept + record(4, 25.0) + record(5, 31.0), True),
                            took_s=20)
    assert again == "Stopped after 20 s (9 s of training, 31 s in all); Resume continues from here.", again
    write_checkpoint(panel.run_dir, step=5)
    last = trainer_session(panel, qtbot, monkeypatch, stopped_at(60, record(60, 130.0)), took_s=110,
                           stopping=False)
    assert last == "Finished after 1 min 50 s (1 min 39 s of training, 2 min 10 s in all).", last
