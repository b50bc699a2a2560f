"""The Train tab's Stop on Windows: no SIGTERM there, and QProcess's terminate() posts a WM_CLOSE that the console
trainer never reads, so after the grace time it was killed without its checkpoint. The app closes the trainer's input
instead, which the trainer takes for a SIGTERM; and a terminal's Ctrl+Break (SIGBREAK) stops a command as Ctrl+C
does. Run here for real, with os.name (the app's side and the trainer's: the trainer reads its input only on
Windows, `watch_input_end`) and signal.SIGBREAK faked."""

from __future__ import annotations

import errno
import logging
import os
import signal
import subprocess
import sys
import threading

import pytest

from vsr_app import stop_signals
from vsr_app.gui.trainer_process import INTERRUPTED_EXIT, TrainerProcess
from vsr_app.stop_signals import STOP_AT_INPUT_END_VARIABLE, handling_stops, watch_input_end

# a command's stop handling as the CLI sets it: the stop it got said, and the exit a stop makes; run with the steps it
# takes and the system it plays (os.name: "nt" for Windows)
STOPPABLE = ("import os, signal, sys, time\n"
             "from vsr_app.stop_signals import handling_stops\n"
             "os.name = sys.argv[2]\n"
             "def stop(signum, frame):\n"
             "    print(f'stopped by {signal.Signals(signum).name}', flush=True)\n"
             f"    sys.exit({INTERRUPTED_EXIT})\n"
             "with handling_stops(stop):\n"
             "    print('ready', flush=True)\n"
             "    for _ in range(int(sys.argv[1])):\n"
             "        time.sleep(0.05)\n"
             "print('not stopped', flush=True)\n")


def test_ctrl_break_stops_a_command_as_ctrl_c_does(monkeypatch):
    """Windows' SIGBREAK, left to its default, ends the process at once: a training run lost its steps since the
    last checkpoint. Here SIGUSR1 plays it."""
    monkeypatch.setattr(signal, "SIGBREAK", signal.SIGUSR1, raising=False)
    got = []
    with handling_stops(lambda signum, frame: got.append(signum)):
        assert signal.getsignal(signal.SIGUSR1) is not signal.SIG_DFL  # else raising it would end this test run
        signal.raise_signal(signal.SIGUSR1)
    assert got == [signal.SIGUSR1]
    assert signal.getsignal(signal.SIGUSR1) is signal.SIG_DFL  # put back after


def test_the_end_of_its_input_stops_a_trainer_the_app_started_as_sigterm_does():
    trainer = subprocess.Popen([sys.executable, "-c", STOPPABLE, "1200", "nt"], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True, env={**os.environ, STOP_AT_INPUT_END_VARIABLE: "1"})
    try:
        assert trainer.stdout.readline() == "ready\n"
        out, _ = trainer.communicate(timeout=60)  # which closes its input first: what the app's Stop does
    finally:
        trainer.kill()
    assert (trainer.returncode, out) == (INTERRUPTED_EXIT, "stopped by SIGTERM\n")


def test_without_the_apps_word_the_end_of_its_input_is_no_stop(monkeypatch):
    """A trainer run from a terminal may have no input at all (`nohup`, `< /dev/null`): it trains on."""
    monkeypatch.delenv(STOP_AT_INPUT_END_VARIABLE, raising=False)
    assert watch_input_end() is None
    done = subprocess.run([sys.executable, "-c", STOPPABLE, "10", "nt"], stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=60, env={k: v for k, v in os.environ.items()
                                                      if k != STOP_AT_INPUT_END_VARIABLE})
    assert (done.returncode, done.stdout) == (0, "ready\nnot stopped\n")


def test_stop_on_windows_closes_the_trainers_input_and_it_stops_with_its_checkpoint(qtbot, monkeypatch):
    with monkeypatch.context() as windows:
        windows.setattr(os, "name", "nt")
        process = TrainerProcess(None)
    terminated = []
    monkeypatch.setattr(process, "terminate", lambda: terminated.append(True))  # a WM_CLOSE nobody reads
    process.start(sys.executable, ["-c", STOPPABLE, "1200", "nt"])
    try:
        qtbot.waitUntil(lambda: "ready" in process.output, timeout=60_000)
        with qtbot.waitSignal(process.finished, timeout=60_000):
            with monkeypatch.context() as windows:
                windows.setattr(os, "name", "nt")
                process.stop()
    finally:
        process.kill()
        process.waitForFinished(5000)
    assert (process.exitCode(), process.output, terminated) == (INTERRUPTED_EXIT, ["ready", "stopped by SIGTERM"], [])


@pytest.mark.skipif(os.name == "nt", reason="POSIX's SIGTERM")
def test_elsewhere_stop_is_sigterm_as_before(qtbot, monkeypatch):
    monkeypatch.delenv(STOP_AT_INPUT_END_VARIABLE, raising=False)  # (one set by hand passes through, doing nothing)
    process = TrainerProcess(None)
    assert STOP_AT_INPUT_END_VARIABLE not in process.processEnvironment().keys()
    process.start(sys.executable, ["-c", STOPPABLE, "1200", "posix"])
    try:
        qtbot.waitUntil(lambda: "ready" in process.output, timeout=60_000)
        with qtbot.waitSignal(process.finished, timeout=60_000):
            process.stop()
    finally:
        process.kill()
        process.waitForFinished(5000)
    assert (process.exitCode(), process.output) == (INTERRUPTED_EXIT, ["ready", "stopped by SIGTERM"])


@pytest.mark.skipif(os.name == "nt", reason="POSIX's terminal")
def test_the_variable_set_by_hand_elsewhere_leaves_the_input_alone():
    """Set in a terminal, it had the trainer read the terminal: a background job frozen (SIGTTIN), keys eaten; here,
    an input that ends stopped a trainer that should train on."""
    done = subprocess.run([sys.executable, "-c", STOPPABLE, "10", "posix"], input="", capture_output=True, text=True,
                          timeout=60, env={**os.environ, STOP_AT_INPUT_END_VARIABLE: "1"})
    assert (done.returncode, done.stdout) == (0, "ready\nnot stopped\n")


def watched_on_windows(monkeypatch, console: bool) -> threading.Thread | None:
    """`watch_input_end` in this process as in a trainer the app started on Windows, its input a `console` or not;
    os.name is faked for the call only (pytest's report of a failure needs the real one)."""
    monkeypatch.setenv(STOP_AT_INPUT_END_VARIABLE, "1")
    monkeypatch.setattr(stop_signals, "_input_watched", threading.Event())
    with monkeypatch.context() as windows:
        windows.setattr(os, "name", "nt")
        windows.setattr(os, "isatty", lambda fd: console)
        return watch_input_end()


def test_a_console_as_input_is_not_read_on_windows_either(monkeypatch):
    monkeypatch.setattr(stop_signals, "_stop_at_input_end", lambda: None)  # (this test run's input stays unread)
    assert watched_on_windows(monkeypatch, console=True) is None


def test_an_input_that_cannot_be_read_is_said_to_leave_stop_without_its_checkpoint(monkeypatch, caplog):
    """A windowed program may have no input at all: the app's Stop then kills it after the grace time, unsaid."""
    def no_input(fd, size):
        raise OSError(errno.EBADF, "Bad file descriptor")

    monkeypatch.setattr(os, "read", no_input)
    with caplog.at_level(logging.WARNING, logger=stop_signals.__name__):
        watched_on_windows(monkeypatch, console=False).join(timeout=60)
    assert [record.getMessage() for record in caplog.records] == [
        "the input cannot be read (Bad file descriptor): the app's Stop will end this run without its checkpoint"]
