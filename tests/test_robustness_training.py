"""Training survives what users' machines do to it: kill -9 at any moment, then --resume; a disk that fills
up while a checkpoint is being written (the previous checkpoint must stay usable)."""

from __future__ import annotations

import errno
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from videogen import write_pan_frames
from vsr_app.distill import checkpoint as checkpoint_mod
from vsr_app.distill.train_cli import run_from_cli
from vsr_app.errors import VsrAppError

ROOT = Path(__file__).resolve().parents[1]
CONFIG = {"net_config": {"channels": 8, "blocks": 1, "hr_channels": 4}, "batch": 2, "frames": 3, "patch": 8,
          "lr": 2e-3, "warmup": 2, "log_every": 1, "val_every": 0, "threads": 1, "seed": 3}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    """A folder of 8 frames of a texture panning right."""
    root = tmp_path_factory.mktemp("train_data")
    rng = np.random.default_rng(0)
    write_pan_frames(root / "pan", 8, rng)
    return root


def config_file(tmp_path, **extra) -> str:
    path = tmp_path / "config.json"
    path.write_text(json.dumps({**CONFIG, **extra}))
    return str(path)


def train_cli(data_dir, run_dir, config, steps, resume=False):
    return run_from_cli("vsr", [str(data_dir)], str(run_dir), steps=steps, resume=resume, config=config,
                        log=lambda *_: None)


def checkpoint_step(run_dir) -> int:
    from safetensors import safe_open

    with safe_open(str(run_dir / "checkpoint.safetensors"), "pt") as fh:
        return int(fh.metadata()["step"])


def leftovers(run_dir) -> list[str]:
    return sorted(p.name for p in run_dir.iterdir() if p.name.endswith(".tmp"))


def test_a_crash_between_the_checkpoint_files_still_resumes(data_dir, tmp_path, monkeypatch):
    """The tensors file is renamed into place, then the process dies before checkpoint.json is rewritten."""
    config, run = config_file(tmp_path), tmp_path / "run"
    train_cli(data_dir, run, config, steps=3)
    real_atomic_write = checkpoint_mod.atomic_write

    def die_before_json(target, write):
        if Path(target).name == "checkpoint.json":
            raise KeyboardInterrupt  # stands in for the power going off here
        real_atomic_write(target, write)

    monkeypatch.setattr(checkpoint_mod, "atomic_write", die_before_json)
    with pytest.raises(KeyboardInterrupt):
        train_cli(data_dir, run, config, steps=5, resume=True)
    monkeypatch.undo()
    assert json.loads((run / "checkpoint.json").read_text())["step"] == 3 and checkpoint_step(run) == 5

    train_cli(data_dir, run, config, steps=7, resume=True)
    assert checkpoint_step(run) == 7 and json.loads((run / "checkpoint.json").read_text())["step"] == 7


def test_disk_full_while_saving_a_checkpoint_keeps_the_previous_one(data_dir, tmp_path, monkeypatch):
    from safetensors import torch as st_torch

    config, run = config_file(tmp_path), tmp_path / "run"
    train_cli(data_dir, run, config, steps=3)
    before = {name: (run / name).read_bytes() for name in ("checkpoint.safetensors", "checkpoint.json")}
    real_save = st_torch.save_file

    def full_disk(tensors, filename, metadata=None):
        real_save(tensors, filename, metadata=metadata)  # part of the data reached the disk ...
        with open(filename, "r+b") as fh:
            fh.truncate(os.path.getsize(filename) // 2)
        raise OSError(errno.ENOSPC, "No space left on device")  # ... then it filled up

    monkeypatch.setattr(st_torch, "save_file", full_disk)
    with pytest.raises(VsrAppError, match="no space left on the disk while saving the checkpoint"):
        train_cli(data_dir, run, config, steps=5, resume=True)
    monkeypatch.undo()
    assert {name: (run / name).read_bytes() for name in before} == before
    assert leftovers(run) == []
    train_cli(data_dir, run, config, steps=5, resume=True)  # the kept checkpoint resumes
    assert checkpoint_step(run) == 5


@pytest.mark.slow  # two interpreter start-ups with torch: ~15 s; the crash-between-files test above is the fast check
def test_kill_9_during_training_then_resume(data_dir, tmp_path):
    """A real SIGKILL at an arbitrary moment (checkpoints are written after every step, so it often lands
    inside one), then `vsr-app train --resume` finishes the run."""
    config, run = config_file(tmp_path, ckpt_every_s=0), tmp_path / "run"
    cmd = [sys.executable, "-m", "vsr_app", "train", "vsr", "--data", str(data_dir), "--out", str(run),
           "--config", config, "--steps", "400"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if (run / "checkpoint.json").exists() and json.loads((run / "checkpoint.json").read_text())["step"] >= 3:
                break
            time.sleep(0.05)
        assert proc.poll() is None, proc.stderr.read().decode()
        time.sleep(0.13)  # land somewhere in the middle of a step or a checkpoint write
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    killed_at = checkpoint_step(run)
    assert killed_at < 400

    done = subprocess.run(cmd[:-1] + [str(killed_at + 3), "--resume"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    assert checkpoint_step(run) == killed_at + 3
    assert json.loads((run / "checkpoint.json").read_text())["step"] == killed_at + 3
    assert leftovers(run) == []  # temporaries the killed run left were cleared
    from vsr_app.models import load_model

    assert load_model(str(run / "model.safetensors")).info.params > 0


def test_a_new_run_clears_what_a_run_killed_in_its_first_checkpoint_left_half_written(data_dir, tmp_path):
    """`kill -9` during a new run's first checkpoint left an 8 MB .checkpoint.safetensors.*.tmp (nothing to resume:
    the user starts the run again), which only a resume cleared: it stayed for good."""
    run = tmp_path / "run"
    run.mkdir()
    for name in (".checkpoint.safetensors.b822e65d.tmp", ".config.json.0a1b2c3d.tmp", ".draft.tmp"):
        (run / name).write_bytes(b"\0" * 1000)
    train_cli(data_dir, run, config_file(tmp_path), steps=2)
    assert leftovers(run) == [".draft.tmp"] and (run / "checkpoint.safetensors").is_file()  # not another program's


@pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="no hang-up signal on this system")
def test_a_closed_terminal_stops_training_with_a_checkpoint(data_dir, tmp_path):
    """SIGHUP (the terminal closed, an SSH session dropped) killed the trainer as `kill -9` does, losing the steps
    since the last checkpoint (every 5 minutes): it stops as on Ctrl+C, writing one."""
    config, run = config_file(tmp_path, ckpt_every_s=3600), tmp_path / "run"
    cmd = [sys.executable, "-m", "vsr_app", "train", "vsr", "--data", str(data_dir), "--out", str(run),
           "--config", config, "--steps", "100000"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None and not (run / "metrics.jsonl").exists():
            time.sleep(0.05)
        assert proc.poll() is None
        proc.send_signal(signal.SIGHUP)
        assert proc.wait(timeout=60) == 130
    finally:
        if proc.poll() is None:
            proc.kill()
    assert checkpoint_step(run) >= 1 and leftovers(run) == []


def test_a_teacher_named_by_a_config_file_without_distillation_is_said_in_the_files_words(data_dir, tmp_path):
    for distill in ({}, {"distill": "none"}):
        path = tmp_path / "teacher_only.json"
        path.write_text(json.dumps({"teacher": "vsr-x4-teacher", "steps": 1, **distill}))
        with pytest.raises(VsrAppError, match=f'{re.escape(str(path))} names a "teacher", which only distillation '
                                              'uses: set "distill" '
                                              r'\(std, space, time, output\) in it or on the command line'):
            run_from_cli("vsr", [str(data_dir)], str(tmp_path / "run"), config=str(path),
                         log=lambda *_: None)
        assert not (tmp_path / "run").exists()


def test_a_teacher_without_distillation_is_refused_not_ignored(data_dir, tmp_path):
    for task, modes in (("vsr", "std, space, time, output"), ("vfi", "laplacian")):  # every mode the task takes
        with pytest.raises(VsrAppError, match=f"--teacher is used only for distillation: add --distill \\({modes}\\)"):
            run_from_cli(task, [str(data_dir)], str(tmp_path / task), teacher="vsr-x4-teacher",
                         config=config_file(tmp_path), log=lambda *_: None)
        assert not (tmp_path / task).exists()


def test_resume_refuses_other_distillation_and_says_when_there_is_nothing_to_do(data_dir, tmp_path):
    config, run = config_file(tmp_path), tmp_path / "run"
    train_cli(data_dir, run, config, steps=2)
    with pytest.raises(VsrAppError, match="was started with --distill none"):
        run_from_cli("vsr", [str(data_dir)], str(run), teacher="vsr-x4-teacher", distill="std", steps=3,
                     resume=True, log=lambda *_: None)
    with pytest.raises(VsrAppError, match="was started with --teacher"):
        run_from_cli("vsr", [str(data_dir)], str(run), teacher="vsr-x4-teacher", steps=3, resume=True,
                     log=lambda *_: None)
    assert checkpoint_step(run) == 2
    lines = []
    run_from_cli("vsr", [str(data_dir)], str(run), distill="none", steps=2, resume=True, log=lines.append)
    assert "nothing to train: the run is at step 2 of 2; give --steps above 2 to train on" in lines
    run_from_cli("vsr", [str(data_dir)], str(run), distill="none", steps=3, resume=True, log=lines.append)
    assert checkpoint_step(run) == 3  # the same --distill as the run's is fine
    with pytest.raises(VsrAppError, match="was started with --distill none"):  # nor through --config
        run_from_cli("vsr", [str(data_dir)], str(run), resume=True, steps=4, log=lines.append,
                     config=config_file(tmp_path, distill="space", teacher="vsr-x4-teacher"))
    (run / "config.json").write_text("{ half written")
    with pytest.raises(VsrAppError, match="cannot read"):
        run_from_cli("vsr", [str(data_dir)], str(run), resume=True, distill="none", log=lines.append)
