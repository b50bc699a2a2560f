"""What the Train tab takes from a run and gives the pruner: Browse runs on an extended run put the warm-up the
trainer had capped for the run's first length into Extra options, as if typed; Prune teacher ran with the pruner's
defaults, whatever Crop size and Batch the form said."""

from __future__ import annotations

import json

import numpy as np
import pytest

from gui_support import gui_env, window  # noqa: F401
from videogen import write_pan_frames
from vsr_app.distill.train_cli import run_from_cli

TINY_VSR = {"net_config": {"channels": 8, "blocks": 1, "hr_channels": 4}, "batch": 1, "frames": 3, "patch": 8,
            "log_every": 1, "val_every": 0, "threads": 1}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("train_data")
    write_pan_frames(root / "pan", 8, np.random.default_rng(0))
    return root


@pytest.mark.parametrize("typed, shown", [({}, {}), ({"warmup": 3}, {"warmup": 3})])
def test_an_extended_run_shows_the_warmup_as_typed(window, data_dir, tmp_path, typed, shown):
    """5 steps cap the warm-up at 1; extended to 20, the cap of its length now is 2, so the 1 showed as typed."""
    run, config = tmp_path / "run", tmp_path / "options.json"
    config.write_text(json.dumps({**TINY_VSR, "seed": 4, **typed}))
    run_from_cli("vsr", [str(data_dir)], str(run), steps=5, config=str(config), log=lambda *_: None)
    run_from_cli("vsr", [], str(run), steps=20, resume=True, log=lambda *_: None)
    assert json.loads((run / "config.json").read_text())["warmup"] == 1  # the run keeps the schedule it began with
    form = window.train.form
    form.load_run(run)
    assert json.loads(form.extra.text()) == {"threads": 1, "seed": 4, **shown, "net_config": {"hr_channels": 4}}


def test_prune_teacher_sends_the_form_settings_the_pruner_takes(window, qtbot, tmp_path, monkeypatch):
    panel = window.train
    form = panel.form
    form.task.setCurrentIndex(form.task.findData("vfi"))
    form.teacher.addItem("a teacher", "tiny-vfi-teacher")
    form.teacher.setCurrentIndex(form.teacher.findData("tiny-vfi-teacher"))
    (tmp_path / "data").mkdir()
    form.data.addItem(str(tmp_path / "data"))
    form.val.setText(str(tmp_path / "held out.mp4"))
    form.runs_dir.setText(str(tmp_path / "runs"))
    form.inputs["crop"].setValue(48)
    form.inputs["batch"].setValue(2)
    form.extra.setText(json.dumps({"threads": 1, "device": "cpu", "max_stride": 2, "lr": 0.5, "ema": 0.9,
                                   "steps": 9, "init_from": "x.safetensors"}))
    started = []
    monkeypatch.setattr(panel, "_run_cli", lambda args, val_clips=None: started.append(args))
    panel.prune()
    qtbot.waitUntil(lambda: len(started) == 1, timeout=10_000)  # once the clip is found held out
    args = started[0]
    assert args[:4] == ["prune", "vfi", "--teacher", "tiny-vfi-teacher"] and args[-2] == "--config"
    sent = json.loads(open(args[-1], encoding="utf-8").read())
    # the pruner's own length and rate stay; "ema" it refuses, init_from is the teacher's to give
    assert sent == {"crop": 48, "batch": 2, "log_every": 20, "val_videos": [str(tmp_path / "held out.mp4")],
                    "threads": 1, "device": "cpu", "max_stride": 2}
    assert "Crop size, Batch" in form.start_note.text()
