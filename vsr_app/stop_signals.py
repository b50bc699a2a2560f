"""The signals that stop a command the way Ctrl+C does, in one place: SIGINT, SIGTERM (`kill`, `timeout`, the GUI's
Stop) and, where there is one, SIGHUP (the terminal closed, an SSH session dropped). Left to its default, SIGHUP
killed a batch or a training run as `kill -9` does: the unfinished output and the batch's lock left behind, the
report saying nothing was done, the training steps since the last checkpoint lost."""

from __future__ import annotations

import os
import signal

STOPPING = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


def handle_stops(handler) -> dict:
    """Set `handler` for every STOPPING signal, wrapped by `hung_up`; the handlers before, for `restore_handlers`."""
    def stopping(signum, frame):
        hung_up(signum)
        return handler(signum, frame)

    return {number: signal.signal(number, stopping) for number in STOPPING}


def restore_handlers(previous: dict) -> None:
    for number, handler in previous.items():
        signal.signal(number, handler)


def hung_up(signum: int) -> None:
    """After SIGHUP the terminal is gone and writing to it fails (EIO), which would break the clean stop midway:
    what the stop says then goes nowhere instead (a batch's report still records it)."""
    if signum == getattr(signal, "SIGHUP", None):
        null = os.open(os.devnull, os.O_WRONLY)
        for fd in (1, 2):
            os.dup2(null, fd)
        os.close(null)
