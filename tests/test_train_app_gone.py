"""A trainer the desktop app started stops, with its checkpoint, when the app dies (a crash, `kill -9`): one left
behind trained on at full CPU with its run folder locked, and a resume was refused without a word of which process
held the folder. A trainer started from a terminal (maybe under nohup) must outlive its shell all the same."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from videogen import write_pan_frames
from vsr_app.distill.runs import check_no_training_in, claim_run_dir, metrics_record, release_run_dir
from vsr_app.distill.train_cli import run_from_cli
from vsr_app.errors import VsrAppError
from vsr_app.filelock import hold
from vsr_app.stop_signals import APP_LOG_VARIABLE, APP_PID_VARIABLE

ROOT = Path(__file__).resolve().parents[1]
CONFIG = {"net_config": {"channels": 8, "blocks": 1, "hr_channels": 4}, "batch": 2, "frames": 3, "patch": 8,
          "lr": 2e-3, "warmup": 2, "log_every": 1, "val_every": 0, "threads": 1, "seed": 3, "ckpt_every_s": 3600}
# the app: starts a trainer with its output in a pipe (as QProcess does), says the trainer's PID once it has trained
# a step, and dies at once (os._exit: as a crash or kill -9 ends it, nothing cleaned up)
APP = textwrap.dedent("""
    import json, os, subprocess, sys
    watched, trainer = json.loads(sys.argv[1]), json.loads(sys.argv[2])
    env = {**os.environ, **({%r: str(os.getpid())} if watched else {})}
    child = subprocess.Popen(trainer, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    for line in child.stdout:
        if line.startswith(b"step=1/"):
            break
    print(child.pid, flush=True)
    os._exit(0)
""" % APP_PID_VARIABLE)
# a trainer without PR_SET_PDEATHSIG: as on macOS and Windows, the training loop's own check alone stops it
NO_KERNEL_SIGNAL = ("import sys, vsr_app.stop_signals as s; s._signal_at_parent_death = lambda: False; "
                    "from vsr_app.cli import main; sys.exit(main(sys.argv[1:]))")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("train_data")
    write_pan_frames(root / "pan", 8, np.random.default_rng(0))
    return root


def checkpoint_step(run_dir: Path) -> int:
    return json.loads((run_dir / "checkpoint.json").read_text())["step"]


def trained_steps(run_dir: Path) -> int:
    """The last step metrics.jsonl records (each step's, log_every 1; a line being written is no record yet)."""
    records = map(metrics_record, (run_dir / "metrics.jsonl").read_text().splitlines())
    return max((record["step"] for record in records if record), default=0)


def held(run_dir: Path) -> bool:
    try:
        check_no_training_in(run_dir, "--out")
    except VsrAppError:
        return True
    return False


def start_from_an_app_that_dies(data_dir, tmp_path, watched: bool, prefix: list[str]) -> tuple[Path, int]:
    """Start a trainer from an "app" that dies once it has trained a step; the run folder and the trainer's PID."""
    run, config = tmp_path / "run", tmp_path / "config.json"
    config.write_text(json.dumps(CONFIG))
    trainer = [sys.executable, *prefix, "train", "vsr", "--data", str(data_dir), "--out", str(run), "--config",
               str(config), "--steps", "100000"]
    log = tmp_path / "gui-log.txt"  # the app's copy of the trainer's output, as the Train tab keeps it
    log.write_text("")
    app = subprocess.run([sys.executable, "-c", APP, json.dumps(watched), json.dumps(trainer)], cwd=ROOT,
                         env={**os.environ, "PYTHONPATH": str(ROOT), APP_LOG_VARIABLE: str(log)},
                         capture_output=True, text=True, timeout=180)
    assert app.returncode == 0 and app.stdout.strip().isdigit(), app.stderr
    return run, int(app.stdout)


def wait_until(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def end(pid: int, run: Path) -> None:
    """Stop a trainer the test left running (not this process's child: no wait for it)."""
    if held(run):
        os.kill(pid, signal.SIGTERM)
        if not wait_until(lambda: not held(run), 60):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.skipif(os.name == "nt", reason="a POSIX parent's death; Windows watches the app's handle (untested here)")
@pytest.mark.parametrize("prefix", [pytest.param(["-m", "vsr_app"], id="kernel-signal"),  # ~10 s
                                    pytest.param(["-c", NO_KERNEL_SIGNAL], id="loop-check", marks=pytest.mark.slow)])
def test_a_trainer_the_app_started_stops_with_a_checkpoint_when_the_app_dies(data_dir, tmp_path, prefix):
    if prefix[0] == "-m" and not sys.platform.startswith("linux"):
        pytest.skip("PR_SET_PDEATHSIG is Linux's")
    run, pid = start_from_an_app_that_dies(data_dir, tmp_path, watched=True, prefix=prefix)
    try:
        assert wait_until(lambda: not held(run), 15), "the trainer went on training after the app died"
    finally:
        end(pid, run)
    stopped_at = checkpoint_step(run)  # the stop's checkpoint: the periodic one is an hour away
    assert stopped_at >= 1 and stopped_at == trained_steps(run)
    said = (tmp_path / "gui-log.txt").read_text()  # the log ended steps before the checkpoint, the stop unsaid
    assert "the app that started this training is gone" in said and f"stopped at step {stopped_at}" in said
    run_from_cli("vsr", [str(data_dir)], str(run), steps=stopped_at + 2, resume=True,
                 config=str(tmp_path / "config.json"), log=lambda *_: None)
    assert checkpoint_step(run) == stopped_at + 2


@pytest.mark.slow  # ~10 s: a trainer's start
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="elsewhere the loop's check stops it after a step")
def test_a_trainer_whose_app_died_before_it_watched_stops_at_once(data_dir, tmp_path):
    """The app gone before the trainer asked for the kernel's signal, which then never comes: its parent, checked
    right after, is another process (here: one that never was its parent)."""
    run, config = tmp_path / "run", tmp_path / "config.json"
    config.write_text(json.dumps(CONFIG))
    done = subprocess.run([sys.executable, "-m", "vsr_app", "train", "vsr", "--data", str(data_dir), "--out", str(run),
                           "--config", str(config), "--steps", "100000"], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT), APP_PID_VARIABLE: str(os.getppid())}, timeout=180)
    assert done.returncode == 130, done.stderr
    assert "step=" not in done.stdout and not (run / "checkpoint.json").exists()  # not a step trained: nothing to save


@pytest.mark.skipif(os.name == "nt", reason="SIGTERM stops no Windows console program")
def test_a_trainer_started_otherwise_trains_on_when_its_parent_dies(data_dir, tmp_path):
    """A terminal's trainer (`./run train ...`, under nohup) outlives its shell: only the app's PID stops one."""
    run, pid = start_from_an_app_that_dies(data_dir, tmp_path, watched=False, prefix=["-m", "vsr_app"])
    try:
        at_death = trained_steps(run)
        assert wait_until(lambda: trained_steps(run) >= at_death + 20, 60) and held(run)
    finally:
        end(pid, run)
    assert checkpoint_step(run) >= at_death + 20  # its Stop (SIGTERM) still writes the checkpoint


# how a trainer started from a terminal stops cleanly (Windows sends a console program no signal it can stop on)
TERMINAL_STOP = "with Ctrl+C in its terminal" + ("" if os.name == "nt" else f", or with kill {os.getpid()}")


def refusal(run: Path, other: str) -> str:
    with pytest.raises(VsrAppError) as refused:
        check_no_training_in(run, other)
    return str(refused.value)


def held_here(run: Path, stop: str, other: str) -> str:
    """The refusal of a run folder this process holds, told to stop it `stop`."""
    return (f"another training (process {os.getpid()}) is running in {run}: wait for it, or stop it ({stop}: it saves "
            f"a checkpoint and stops), or choose another {other}")


def test_a_refusal_names_the_process_that_holds_the_run_folder(tmp_path, monkeypatch):
    """A trainer started from a terminal is stopped there: the refusal said "in the app that started it" of one no app
    started, and wrapped the kill command in backticks, which the Train tab's message box showed as they are."""
    monkeypatch.delenv(APP_PID_VARIABLE, raising=False)
    run = tmp_path / "run"
    claim_run_dir(run)
    try:
        assert refusal(run, "--out") == held_here(run, TERMINAL_STOP, "--out")
        monkeypatch.setattr("socket.gethostname", lambda: "elsewhere")  # a shared disk: its PID is no use here
        assert re.fullmatch(rf"another training \(process {os.getpid()} on .+\) is running in .*: wait for it \(or "
                            r"stop it there\), or choose another model name", refusal(run, "model name"))
    finally:
        release_run_dir(run)


def test_a_refusal_sends_the_user_to_the_app_that_started_the_trainer(tmp_path, monkeypatch):
    monkeypatch.setenv(APP_PID_VARIABLE, str(os.getppid()))  # as the desktop app starts a trainer
    run = tmp_path / "run"
    claim_run_dir(run)
    try:
        assert refusal(run, "model name") == held_here(run, "in the app that started it", "model name")
    finally:
        release_run_dir(run)


def test_a_lock_from_before_locks_said_who_started_it_names_both_ways_to_stop_it(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    fd = hold(run / ".lock")
    os.write(fd, f"\n{json.dumps({'pid': os.getpid(), 'host': socket.gethostname()})}\n".encode())  # no "app"
    try:
        assert refusal(run, "--out") == held_here(run, f"in the app that started it, or {TERMINAL_STOP}", "--out")
    finally:
        os.close(fd)


def test_a_lock_from_before_locks_named_their_process_still_refuses(tmp_path):
    """A `.lock` with no record (an older trainer's, or a disk that took no write) still refuses, in the words
    before."""
    run = tmp_path / "run"
    run.mkdir()
    fd = hold(run / ".lock")  # as an older trainer took it
    try:
        with pytest.raises(VsrAppError, match=r"^another training is running in .*run: wait for it \(or stop it\), "
                                              r"or choose another --out$"):
            claim_run_dir(run)
    finally:
        os.close(fd)


@pytest.mark.skipif(os.name == "nt", reason="POSIX pipes and parents")
def test_what_a_trainer_says_after_its_app_is_gone_reaches_the_log_though_a_print_failed_first(tmp_path):
    """A print into the gone app's pipe sends stdout to devnull (`cli_output.say`); the stop then saw no pipe there,
    and 'stopped at step N' was lost from the log."""
    log = tmp_path / "gui-log.txt"
    log.write_text("")
    script = textwrap.dedent("""
        import os, vsr_app.stop_signals as s
        s._signal_at_parent_death = lambda: False
        gone = s.watch_app()  # its app is no process here: gone at the first look
        os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # as `say` does after a write into the dead pipe
        assert gone()
        print("stopped at step 5", flush=True)
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(ROOT), APP_PID_VARIABLE: "999999999",
                               APP_LOG_VARIABLE: str(log)})
    assert done.returncode == 0, done.stderr
    assert "the app that started this training is gone" in log.read_text()
    assert "stopped at step 5" in log.read_text()
