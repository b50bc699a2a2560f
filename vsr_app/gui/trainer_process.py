"""The Train tab's trainer (or pruner): `vsr-app train|prune ...` in a process of its own, its output as lines.

Why a process (QProcess) and not a thread: training runs for hours, may use every core and can crash; in its own
process it can do all that without ever blocking or taking down the window, and Stop is the same SIGTERM a terminal
user would send (the trainer writes a checkpoint and exits; on Windows, which has none, the end of its input, taken
for one: `stop_signals.watch_input_end`); should the app crash or be killed, the trainer stops
the same way (it is given the app's PID: `stop_signals.watch_app`) rather than train on unseen for hours. Its output
is kept in the run folder (`LOG_NAME`), so Browse runs shows it again, and what made it fail is read from it
(`failure_cause`).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from PySide6.QtCore import QProcess, QProcessEnvironment, QTimer, Signal

from vsr_app.stop_signals import APP_LOG_VARIABLE, APP_PID_VARIABLE, STOP_AT_INPUT_END_VARIABLE

LOG_NAME = "gui-log.txt"  # the trainer's output, kept in the run folder so Browse runs shows it again
INTERRUPTED_EXIT = 130  # the CLI's exit code when a signal stops the trainer (after its checkpoint, if any)
KILLED_SIGNAL = 9  # SIGKILL: what the kernel's out-of-memory killer sends, and `kill -9`
OOM_HINT = ": the system may have run out of memory, or someone ran kill -9"
STOP_GRACE_MS = 120_000  # a trainer that does not stop this long (stuck in one long call) is killed
# a line that says why the trainer failed: the CLI's (or argparse's) "PROG: error: ...", a traceback's exception line
CLI_ERROR = re.compile(r"^.*?: error: ")
EXCEPTION = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception)\b")


def failure_cause(lines: list[str]) -> str:
    """The line of the trainer's output that says why it failed, the last (a chained traceback ends with its own):
    a traceback's frames, code and ^^^ markers are no cause, and the log has them all. The CLI's "vsr-app: error: "
    is terminal wording, left out of a box."""
    for line in reversed(lines):
        cli = CLI_ERROR.match(line)
        if cli or EXCEPTION.match(line):
            return line[cli.end() if cli else 0:].strip()
    return f"it gave no reason; its last line: {lines[-1].strip()}" if lines else "it printed nothing"


class TrainerProcess(QProcess):
    """One run of the CLI with its output merged and unbuffered, given out as lines (`lines`) and appended to
    `log_file` (None: not kept). A full disk there must not stop the tab from following the trainer and reporting
    its end: it is said once (`said`), and the trainer, on the same disk, fails and says why."""

    lines = Signal(list)  # new output lines, in order
    said = Signal(str)  # the tab's own remark on the output, for its log

    def __init__(self, log_file: Path | None, parent=None):
        super().__init__(parent)
        self.setProcessChannelMode(QProcess.MergedChannels)
        env = QProcessEnvironment.systemEnvironment()
        env.insert("PYTHONUNBUFFERED", "1")
        env.insert(APP_PID_VARIABLE, str(os.getpid()))  # the trainer stops when this process is gone
        if log_file is not None:
            env.insert(APP_LOG_VARIABLE, str(log_file))  # and says so there itself
        if os.name == "nt":
            env.insert(STOP_AT_INPUT_END_VARIABLE, "1")  # Stop closes its input (`stop`)
        self.setProcessEnvironment(env)
        self.log_file = log_file
        self.output: list[str] = []  # this process's lines: a failure shows these, not an earlier run's
        self.log_unsaved = False  # not all of them could be kept in `log_file` (said once)
        self.stopping = False  # Stop was asked: its end is a stop, not a failure, when it exits as stopped
        self.readyReadStandardOutput.connect(self.read_output)

    def read_output(self) -> None:
        """Take what the process wrote since the last call (also once more as it ends: nothing is left unread)."""
        text = bytes(self.readAllStandardOutput()).decode("utf-8", errors="replace")
        lines = [line for line in text.replace("\r", "\n").splitlines() if line.strip()]
        if not lines:
            return
        self.output += lines
        self._keep(lines)
        self.lines.emit(lines)

    def _keep(self, lines: list[str]) -> None:
        if self.log_file is None:
            return
        try:
            with open(self.log_file, "a", encoding="utf-8") as fh:
                fh.write("\n".join(lines) + "\n")
        except OSError as exc:
            if not self.log_unsaved:
                self.said.emit(f"(cannot keep this log in {self.log_file}: {exc.strerror or exc})")
            self.log_unsaved = True

    def log_place(self) -> str:
        """Where its whole output is: the log under the curves, and the run's log file while it is kept (a refused
        new run's goes with its folder)."""
        kept = self.log_file is not None and self.log_file.is_file() and not self.log_unsaved
        return f"the log under the curves and in {self.log_file}" if kept else "the log under the curves"

    def running(self) -> bool:
        return self.state() != QProcess.NotRunning

    def stop(self) -> None:
        """Graceful stop: SIGTERM, the trainer checkpoints and exits; killed if it ignores that for the grace time
        (the timer is the process's: it goes with it, should the window close within the grace time). On Windows,
        where terminate() posts a WM_CLOSE that the console trainer never reads (it was killed without its
        checkpoint), its input is closed instead, which it takes for a SIGTERM (`stop_signals.watch_input_end`)."""
        self.stopping = True
        if os.name == "nt":
            self.closeWriteChannel()
        else:
            self.terminate()
        QTimer.singleShot(STOP_GRACE_MS, self, self.kill)

    def wait_for_end(self, timeout_ms: int = STOP_GRACE_MS) -> None:
        """Block until a stopped trainer has written its checkpoint and exited (quitting the app), killing it past
        `timeout_ms`: the grace a Stop gives."""
        if not self.waitForFinished(timeout_ms):
            self.kill()
            self.waitForFinished(5000)
