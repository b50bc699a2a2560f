"""The times the Train tab says at a run's end add up from one Stop to the next: each session's part of training and,
after a resume, the run's training in all."""

from __future__ import annotations

import json
import sys

from gui_support import gui_env, window  # noqa: F401
from test_gui_train import exported_run, write_checkpoint
from vsr_app.gui import train_panel

# the second session of a run: its own part of the training, beside the run's training in all
RESUMED_STOP = "Stopped after 20 s (9 s of training this time, 31 s in all for the run); Resume continues from here."


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


def stopped_at(run_dir, step: int, lines: str, rewrite: bool = False) -> str:
    """A stand-in trainer that writes its metrics `lines` (`rewrite`: in place of the file's, as a resume that drops
    lost steps does) and its checkpoint at `step`."""
    metrics, checkpoint = run_dir / "metrics.jsonl", run_dir / "checkpoint.json"
    written = f"open({str(metrics)!r}, 'a').write({lines!r})"
    if rewrite:  # by a rename, as the trainer's atomic_write
        written = f"open('{metrics}.tmp', 'w').write({lines!r}); os.replace('{metrics}.tmp', {str(metrics)!r})"
    return f"import json, os; {written}; open({str(checkpoint)!r}, 'w').write(json.dumps({{'step': {step}}}))"


def resumable_run(window, tmp_path):
    """The Train tab set to resume a 60-step run of its own."""
    panel = window.train
    panel.run_dir = exported_run(tmp_path / "runs" / "tiny-student")
    panel.last_model, panel.total_steps = ("upscale", "tiny-student", ""), 60
    return panel


def test_a_resumed_runs_training_in_all_adds_up_its_sessions(window, qtbot, monkeypatch, tmp_path):
    """Start, Stop, Resume, Stop said "Stopped after 35 s" and then "Stopped after 20 s, 31 s of training in all":
    the session's time from Start (the trainer's start-up, the nets built, its last save) beside the trainer's own
    time of all its sessions, a total below its first part."""
    panel = resumable_run(window, tmp_path)
    run, metrics = panel.run_dir, panel.run_dir / "metrics.jsonl"
    first = trainer_session(panel, qtbot, monkeypatch, stopped_at(run, 3, record(1, 8.0) + record(3, 22.0)),
                            took_s=35)
    assert first == "Stopped after 35 s (22 s of training); Resume continues from here.", first
    write_checkpoint(panel.run_dir, step=3)
    with open(metrics, "a") as fh:
        fh.write(record(4, 26.0))  # a hard kill after the checkpoint: the resume drops it and trains step 4 again
    kept = record(1, 8.0) + record(3, 22.0)
    resumed = stopped_at(run, 5, kept + record(4, 25.0) + record(5, 31.0), rewrite=True)
    again = trainer_session(panel, qtbot, monkeypatch, resumed, took_s=20)
    assert again == RESUMED_STOP, again
    write_checkpoint(panel.run_dir, step=5)
    last = trainer_session(panel, qtbot, monkeypatch, stopped_at(run, 60, record(60, 130.0)), took_s=110,
                           stopping=False)
    assert last == "Finished after 1 min 50 s (1 min 39 s of training this time, 2 min 10 s in all for the run).", \
        last


def test_a_resume_counts_the_training_before_it_past_a_record_whose_step_is_no_number(window, qtbot, monkeypatch,
                                                                                     tmp_path):
    """A metrics record whose step is no number (`true`: a damaged or hand-edited line) counted in the tab as a step
    before the checkpoint, where the trainer drops it with the lost steps: its elapsed_s was taken for the time the
    resumed run goes on from, and the session's training said as 5 s, not 9 s."""
    panel = resumable_run(window, tmp_path)
    run = panel.run_dir
    write_checkpoint(run, step=3)
    kept = record(1, 8.0) + record(3, 22.0)
    (run / "metrics.jsonl").write_text(kept + json.dumps({"step": True, "loss": 0.3, "elapsed_s": 26.0}) + "\n")
    resumed = stopped_at(run, 5, kept + record(4, 25.0) + record(5, 31.0), rewrite=True)
    again = trainer_session(panel, qtbot, monkeypatch, resumed, took_s=20)
    assert again == RESUMED_STOP, again
