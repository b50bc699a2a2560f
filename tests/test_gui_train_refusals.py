"""The Train tab refuses a start it can tell is wrong before it shows one (a checkpoint that cannot be opened, a run
of the other task, Steps behind the run), in its own words, and says what it cannot read instead of showing nothing."""

from __future__ import annotations

import builtins
import errno
import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from gui_support import gui_env, window  # noqa: F401
from test_gui_train import ended_trainer, exported_run, installed_run, metrics_lines, panel  # noqa: F401
from vsr_app.distill import checkpoint
from vsr_app.errors import VsrAppError
from vsr_app.gui import run_files, train_panel
from vsr_app.gui.run_files import MetricsTail
from vsr_app.gui.trainer_process import LOG_NAME, TrainerProcess

NAME = "tiny-student"


@pytest.fixture
def said(panel) -> list[tuple[str, str]]:
    """The tab's error messages (title, text), as the window would show them."""
    messages = []
    panel.errorRaised.connect(lambda title, text: messages.append((title, text)))
    return messages


def checkpointed_run(runs: Path, step: int, task: str = "vsr") -> Path:
    """A stopped run of `task` with its checkpoint at `step` and its curves so far."""
    run = exported_run(runs / NAME)
    save_file({"w": torch.zeros(1)}, str(run / "checkpoint.safetensors"), metadata={"step": str(step)})
    (run / "config.json").write_text(json.dumps({"task": task}))
    (run / "metrics.jsonl").write_text(metrics_lines(range(1, step + 1)))
    return run


def unopenable(path_end: str, real_open=builtins.open):
    """An open() that refuses files named `path_end` as a file without read permission does (chmod 000 stops no
    root): PermissionError."""
    def fake_open(path, *args, **kwargs):
        if str(path).endswith(path_end):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)
    return fake_open


def checkpoint_unopenable(monkeypatch) -> None:
    """safetensors says FileNotFoundError of a checkpoint it cannot open, a plain open the true reason."""
    import safetensors

    def not_found(path, *args, **kwargs):
        raise FileNotFoundError("No such file or directory (os error 2)")

    monkeypatch.setattr(safetensors, "safe_open", not_found)
    monkeypatch.setattr(checkpoint, "open", unopenable("checkpoint.safetensors"), raising=False)


def test_a_checkpoint_that_cannot_be_opened_is_said_with_the_real_reason(tmp_path, monkeypatch):
    run = checkpointed_run(tmp_path, 30)
    checkpoint_unopenable(monkeypatch)
    with pytest.raises(VsrAppError, match="cannot read .*checkpoint.safetensors: Permission denied"):
        checkpoint.check_steps(run, 60)  # what `train --resume` checks first: it ended in a raw traceback


def test_resume_of_a_run_whose_checkpoint_cannot_be_opened_is_refused_before_anything_starts(
        panel, tmp_path, monkeypatch, said):
    shown = installed_run(tmp_path / "runs", "runA", "none", None)
    panel.show_run(str(shown))
    checkpointed_run(tmp_path / "runs", 30)
    panel.form.name.setText(NAME)
    checkpoint_unopenable(monkeypatch)
    panel.start(resume=True)
    assert said and said[0][0] == "Cannot start training" and "Permission denied" in said[0][1]
    assert not panel.running() and panel.process is None
    assert "$ " not in panel.log.toPlainText() and panel.plots.last_step() == 2  # runA's curves stay
    assert "runA" in panel.run_label.text()


def test_resume_from_the_form_of_the_other_task_is_refused_in_the_tabs_words(panel, tmp_path, said):
    run = checkpointed_run(tmp_path / "runs", 30, task="vsr")
    panel.form.task.setCurrentIndex(panel.form.task.findData("vfi"))
    panel.form.distill.setCurrentIndex(panel.form.distill.findData("none"))
    panel.form.data.addItem(str(tmp_path / "data"))
    panel.form.name.setText(NAME)
    panel.start(resume=True)
    title, text = said[-1]
    assert title == "Cannot start training"
    assert text == f"{run} is a Video super-resolution \u00d74 run: set Task to resume it"
    assert not (run / LOG_NAME).exists() and panel.process is None  # nothing appended to the run's log
    panel.start()  # Start: "press Resume", which would fail, is not offered
    assert "already holds a run" in said[-1][1] and "press Resume" not in said[-1][1]
    assert "set Task to resume it, or choose another model name" in said[-1][1]


def test_resume_with_steps_behind_the_run_is_refused_before_it_starts(panel, tmp_path, said):
    shown = installed_run(tmp_path / "runs", NAME, "none", None)
    save_file({"w": torch.zeros(1)}, str(shown / "checkpoint.safetensors"), metadata={"step": "300"})
    panel.show_run(str(shown))
    assert panel.compare_button.isVisible()
    panel.form.inputs["steps"].setValue(100)
    panel.start(resume=True)
    title, text = said[-1]
    assert title == "Cannot start training" and "is at step 300" in text and "Steps 100" in text
    assert "above 300" in text and "--steps" not in text
    assert panel.process is None and panel.compare_button.isVisible()


def test_extra_options_the_trainer_refuses_are_refused_at_start_in_its_words(panel, qtbot, tmp_path, said):
    """Extra options {"net_config": {"scale": 2}}: Parameters said the trainer's refusal, yet Start was taken and the
    trainer exited with code 1 two seconds later; a top-level "scale" was offered as 'cache'. (The net is built on a
    worker: its refusal comes once it is.)"""
    for extra, message in (({"net_config": {"scale": 2}}, "VSR training is x4: net_config 'scale' must be 4, not 2"),
                           ({"scale": 2}, 'scale is a net_config option: {"net_config": {"scale": ...}}')):
        panel.form.extra.setText(json.dumps({"threads": 1, **extra}))
        before = len(said)
        panel.start()
        qtbot.waitUntil(lambda: len(said) > before, timeout=30_000)
        title, text = said[-1]
        assert title == "Cannot start training" and message in text and "'cache'" not in text
        assert panel.process is None and panel.checking is None and panel.start_button.isEnabled()
    assert not (tmp_path / "runs").exists()


def test_a_trainer_failing_before_any_step_cannot_start_and_after_one_failed(panel, qtbot, tmp_path, said):
    panel.run_dir = tmp_path / "runs" / NAME
    panel.run_dir.mkdir(parents=True)
    metrics = panel.run_dir / "metrics.jsonl"
    panel.tail = MetricsTail(metrics)
    ended_trainer(panel, qtbot, "print('vsr-app: error: no such data'); exit(1)")
    assert said[-1][0] == "Cannot start training"
    step = json.dumps({"step": 1, "loss": 0.5})
    ended_trainer(panel, qtbot, f"open({str(metrics)!r}, 'a').write({step!r} + '\\n'); exit(1)")
    assert said[-1][0] == "Training failed"


def test_a_trainer_that_cannot_start_is_named_and_its_removed_run_not_shown(panel, qtbot, tmp_path, monkeypatch,
                                                                             said):
    panel.show_run(str(installed_run(tmp_path / "runs", "runA", "none", None)))
    monkeypatch.setattr(train_panel, "launcher", lambda: ("/no/such/python", ["-m", "vsr_app"]))
    panel.form.name.setText(NAME)
    panel.form.val.setText("")  # no held-out check: started once its net is checked
    panel.start()
    qtbot.waitUntil(lambda: bool(said), timeout=10_000)
    title, text = said[-1]
    assert title == "Cannot start training" and "/no/such/python" in text
    assert not (tmp_path / "runs" / NAME).exists()  # the refused start's folder went
    assert panel.run_dir is None and not panel.run_label.isVisibleTo(panel)


def test_the_eta_stays_while_the_newest_record_is_a_validation(panel, tmp_path, monkeypatch):
    monkeypatch.setattr(panel, "running", lambda: True)
    panel.process, panel.total_steps = TrainerProcess(None, panel), 60
    metrics = tmp_path / "metrics.jsonl"
    metrics.write_text("".join(json.dumps({"step": s, "loss": 0.5, "s_per_step": 2.0}) + "\n" for s in (29, 30)))
    panel.tail = MetricsTail(metrics)
    try:
        panel._poll()
        with open(metrics, "a") as fh:
            fh.write(json.dumps({"step": 30, "val_psnr": 39.1}) + "\n")
        panel._poll()
    finally:
        monkeypatch.undo()  # the window closes as with no run
    text = panel.status.text()
    assert text.startswith("Step 30 / 60") and "2.00 s/step" in text and "left" in text and "39.10 dB" in text


def test_a_run_whose_metrics_cannot_be_read_says_so(panel, tmp_path, monkeypatch):
    run = installed_run(tmp_path / "runs", "runA", "none", None)
    monkeypatch.setattr(run_files, "open", unopenable("metrics.jsonl"), raising=False)
    tail = MetricsTail(run / "metrics.jsonl")
    assert tail.read() == [] and tail.error == "Permission denied"
    missing = MetricsTail(tmp_path / "none.jsonl")
    assert missing.read() == [] and missing.error is None  # not written yet: no error
    panel.show_run(str(run))
    assert "metrics.jsonl cannot be read (Permission denied)" in panel.status.text()
    assert "steps recorded" not in panel.status.text()
