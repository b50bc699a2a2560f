"""The signals that stop a command the way Ctrl+C does, in one place: SIGINT, SIGTERM (`kill`, `timeout`, the GUI's
Stop) and, where there is one, SIGHUP (the terminal closed, an SSH session dropped) and SIGBREAK (Windows' Ctrl+Break,
which by default ends a process at once). Left to its default, SIGHUP killed a batch or a training run as `kill -9`
does: the unfinished output and the batch's lock left behind, the report saying nothing was done, the training steps
since the last checkpoint lost. A SIGHUP the process was started ignoring (`nohup`) stays ignored: such a run is
meant to outlive its terminal. Windows has no SIGTERM to send: there the GUI's Stop closes the trainer's input, and
its end is taken for a SIGTERM (`watch_input_end`).

A trainer the desktop app starts stops the same way when the app is gone (`watch_app`): one a crashed or killed app
left behind trained on for hours at full CPU, its run folder locked and its log unwritten."""

from __future__ import annotations

import _thread
import contextlib
import logging
import os
import signal
import stat
import sys
import threading
from typing import Callable

log = logging.getLogger(__name__)

STOPPING_NAMES = ("SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK")  # those the system has (`stopping_signals`)
HANGUP = getattr(signal, "SIGHUP", None)
APP_PID_VARIABLE = "VSR_APP_PARENT_PID"  # the desktop app's PID, in the environment of a trainer it starts
# the file the app keeps the trainer's output in (its run's log): once the app is gone, the trainer writes there itself
APP_LOG_VARIABLE = "VSR_APP_LOG_FILE"
# set by the desktop app on Windows, which stops the trainer by closing its input (`watch_input_end`)
STOP_AT_INPUT_END_VARIABLE = "VSR_APP_STOP_AT_INPUT_END"
PR_SET_PDEATHSIG = 1  # Linux prctl: the signal this process gets when its parent exits
WINDOWS_SYNCHRONIZE, WINDOWS_WAIT_TIMEOUT = 0x00100000, 0x102  # OpenProcess's right to wait on it; still running


def stopping_signals() -> tuple[int, ...]:
    """The signals of STOPPING_NAMES this system has (SIGHUP is POSIX's, SIGBREAK Windows')."""
    return tuple(getattr(signal, name) for name in STOPPING_NAMES if hasattr(signal, name))


def handle_stops(handler) -> dict:
    """Set `handler` for every stopping signal (but a SIGHUP ignored), wrapped by `hung_up`; the handlers before,
    for `restore_handlers`."""
    def stopping(signum, frame):
        hung_up(signum)
        return handler(signum, frame)

    return {number: signal.signal(number, stopping) for number in stopping_signals()
            if not (number == HANGUP and signal.getsignal(number) == signal.SIG_IGN)}


def restore_handlers(previous: dict) -> None:
    for number, handler in previous.items():
        signal.signal(number, handler)


@contextlib.contextmanager
def handling_stops(handler):
    """`handler` on every stopping signal (`handle_stops`), and on the end of the input where the app asks for it
    (`watch_input_end`), while the block runs, the handlers before put back after it (scripts and tests run commands
    in-process). Outside the main thread, where Python sets no handler, none is set: a caller there stops by its own
    means (a cancel event)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = handle_stops(handler)
    watch_input_end()
    try:
        yield
    finally:
        restore_handlers(previous)


_input_watched = threading.Event()  # once a process: its input ends once


def watch_input_end() -> threading.Thread | None:
    """Where the desktop app started this trainer on Windows (STOP_AT_INPUT_END_VARIABLE), take the end of its input
    for a SIGTERM, which stops it as on Linux (its checkpoint, exit 130): the app's Stop closes it. Windows has no
    SIGTERM: QProcess's terminate() posts WM_CLOSE, which a console program never reads, so the trainer was killed
    after the grace time without its checkpoint; and the console's Ctrl+Break reaches no trainer of an app without a
    console (`vsr-app-gui`), which starts it with a console of its own. The input closes too as the app dies, which
    stops the trainer at once (Linux's SIGTERM at its parent's death). The thread that waits for it, where one was
    started now; its SIGTERM does nothing once no handler is set (the command done). Only on Windows and with an input
    that is no console: the variable set by hand in a terminal, reading it froze a background job (SIGTTIN) and ate
    the keys typed."""
    if not os.environ.get(STOP_AT_INPUT_END_VARIABLE) or os.name != "nt" or os.isatty(0) or _input_watched.is_set():
        return None
    _input_watched.set()
    watcher = threading.Thread(target=_stop_at_input_end, name="input end", daemon=True)
    watcher.start()
    return watcher


def _stop_at_input_end() -> None:
    """Read the input to its end (the raw descriptor: a daemon thread in sys.stdin's reader holds its lock as the
    interpreter exits, a fatal error), then stop as by SIGTERM; an input that cannot be read (none: a windowed program
    maybe) is no stop, and said to be."""
    try:
        while os.read(0, 4096):
            pass
    except OSError as exc:
        log.warning("the input cannot be read (%s): the app's Stop will end this run without its checkpoint",
                    exc.strerror or exc)
        return
    _thread.interrupt_main(signal.SIGTERM)


def hung_up(signum: int) -> None:
    """After SIGHUP the terminal is gone and writing to it fails (EIO), which would break the clean stop midway: what
    the stop says to it goes nowhere instead. Output to a file or a pipe (a log) is left as it is."""
    if signum != HANGUP:
        return
    _to_null([fd for fd in (1, 2) if is_terminal_device(fd)])


def _to_file(fds: list[int], path: str) -> bool:
    """Send what is written to `fds` to the end of the file at `path`; whether it could be opened."""
    if not path:
        return False
    try:
        file = os.open(path, os.O_WRONLY | os.O_APPEND)
    except OSError:
        return False
    for fd in fds:
        os.dup2(file, fd)
    os.close(file)
    return True


def _to_null(fds: list[int]) -> None:
    """Send what is written to `fds` to devnull: whoever read it is gone, and a write would fail the stop midway."""
    if fds:
        _to_file(fds, os.devnull)


def is_terminal_device(fd: int) -> bool:
    """Whether `fd` is a terminal, also one hung up (isatty fails on it then): a character device but /dev/null."""
    try:
        info = os.fstat(fd)
    except OSError:
        return False
    return stat.S_ISCHR(info.st_mode) and info.st_rdev != os.stat(os.devnull).st_rdev


def watch_app() -> Callable[[], bool]:
    """For a trainer the desktop app started (APP_PID_VARIABLE names the app), a check of whether the app is gone,
    which the training loop makes where it checks for a stop; it never says so for a trainer started otherwise (a
    terminal's, maybe under `nohup`, must outlive its shell). On Linux the kernel also sends SIGTERM as the app goes
    (PR_SET_PDEATHSIG), which stops a trainer still loading its data at once. Call it with the stop handler set.
    Once the app is gone its pipes are too (a write there failed: EPIPE), and the trainer's output goes to the log
    the app kept it in (APP_LOG_VARIABLE), saying why it stops, else to devnull: the log ended steps before the
    checkpoint, with no word of the stop."""
    app = os.environ.get(APP_PID_VARIABLE, "")
    if not app.isdigit():
        return lambda: False
    # POSIX: the app is the trainer's parent, and a process whose parent exits is handed to another (init or a
    # subreaper) at once, before the parent is even reaped: a changed parent PID is a gone app
    running = _windows_process_check(int(app)) if os.name == "nt" else lambda: os.getppid() == int(app)
    # the app's pipes, told now: a print into one once the app is gone sends it to devnull (`cli_output.say`)
    pipes = [fd for fd in (1, 2) if _is_pipe(fd)]

    def gone() -> bool:
        if running():
            return False
        if pipes and _to_file(pipes, os.environ.get(APP_LOG_VARIABLE, "")):
            print("the app that started this training is gone: it stops at the end of this step, with a checkpoint",
                  flush=True)
        else:
            _to_null(pipes)
        pipes.clear()  # once
        return True

    if sys.platform.startswith("linux") and _signal_at_parent_death() and gone():
        signal.raise_signal(signal.SIGTERM)  # gone before the kernel was asked: the signal its going would have sent
    return gone


def _signal_at_parent_death() -> bool:
    """Ask Linux for SIGTERM when the parent exits (strictly: the app's thread that started this process, the Qt
    main thread, which lives as long as the app). Whether it was set."""
    import ctypes

    try:
        return ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) == 0
    except (AttributeError, OSError):  # a libc without prctl: the loop's check alone
        return False


def _windows_process_check(app: int) -> Callable[[], bool]:
    """Windows keeps a gone parent's PID as this process's parent (`os.getppid`), and may give it to another process:
    the app is held open by its handle instead, and asked whether it still runs. No handle: it is gone already."""
    import ctypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    kernel32.OpenProcess.restype = ctypes.c_void_p
    kernel32.WaitForSingleObject.argtypes = (ctypes.c_void_p, ctypes.c_uint32)
    handle = kernel32.OpenProcess(WINDOWS_SYNCHRONIZE, False, app)
    return lambda: bool(handle) and kernel32.WaitForSingleObject(handle, 0) == WINDOWS_WAIT_TIMEOUT


def _is_pipe(fd: int) -> bool:
    try:
        return stat.S_ISFIFO(os.fstat(fd).st_mode)
    except OSError:
        return False
