"""The signals that stop a command the way Ctrl+C does, in one place: SIGINT, SIGTERM (`kill`, `timeout`, the GUI's
Stop) and, where there is one, SIGHUP (the terminal closed, an SSH session dropped). Left to its default, SIGHUP
killed a batch or a training run as `kill -9` does: the unfinished output and the batch's lock left behind, the
report saying nothing was done, the training steps since the last checkpoint lost. A SIGHUP the process was started
ignoring (`nohup`) stays ignored: such a run is meant to outlive its terminal."""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import threading

STOPPING = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))
HANGUP = getattr(signal, "SIGHUP", None)


def handle_stops(handler) -> dict:
    """Set `handler` for every STOPPING signal (but a SIGHUP ignored), wrapped by `hung_up`; the handlers before,
    for `restore_handlers`."""
    def stopping(signum, frame):
        hung_up(signum)
        return handler(signum, frame)

    return {number: signal.signal(number, stopping) for number in STOPPING
            if not (number == HANGUP and signal.getsignal(number) == signal.SIG_IGN)}


def restore_handlers(previous: dict) -> None:
    for number, handler in previous.items():
        signal.signal(number, handler)


@contextlib.contextmanager
def handling_stops(handler):
    """`handler` on every STOPPING signal (`handle_stops`) while the block runs, the handlers before put back after
    it (scripts and tests run commands in-process). Outside the main thread, where Python sets no handler, none is
    set: a caller there stops by its own means (a cancel event)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = handle_stops(handler)
    try:
        yield
    finally:
        restore_handlers(previous)


def hung_up(signum: int) -> None:
    """After SIGHUP the terminal is gone and writing to it fails (EIO), which would break the clean stop midway: what
    the stop says to it goes nowhere instead. Output to a file or a pipe (a log) is left as it is."""
    if signum != HANGUP:
        return
    terminals = [fd for fd in (1, 2) if is_terminal_device(fd)]
    if terminals:
        null = os.open(os.devnull, os.O_WRONLY)
        for fd in terminals:
            os.dup2(null, fd)
        os.close(null)


def is_terminal_device(fd: int) -> bool:
    """Whether `fd` is a terminal, also one hung up (isatty fails on it then): a character device but /dev/null."""
    try:
        info = os.fstat(fd)
    except OSError:
        return False
    return stat.S_ISCHR(info.st_mode) and info.st_rdev != os.stat(os.devnull).st_rdev
