"""Commands the app prints for the user to paste into a terminal."""

from __future__ import annotations

import ctypes
import os
import re
import shlex
import shutil
import sys
import sysconfig
from pathlib import Path

APP_NAME = "vsr-app"  # the console script's name (pyproject.toml)


def command_line(args: list[str]) -> str:
    """`args` as one line quoted for the system's shell: POSIX quotes; on Windows one line that both its terminals,
    cmd.exe and PowerShell (the one Windows 10 and 11 open), read alike: each argument but a plain word in double
    quotes, its programs' own. PowerShell expands `$` and a backtick even in those, and cmd.exe has no others: a line
    with an argument holding one is for PowerShell alone, in its literal single quotes. (cmd.exe's % is not escaped:
    no quotes keep it.)"""
    if os.name != "nt":
        return shlex.join(args)
    quoted = _powershell_quoted if any(map(_POWERSHELL_EXPANDS.search, args)) else _double_quoted
    return " ".join(arg if _PLAIN_WORD.fullmatch(arg) else quoted(arg) for arg in args)


# an argument both terminals pass on as it is: no space, quote, or character either reads as its own (PowerShell's
# , ; ( ) { } @ # & | < >, cmd.exe's & | < > ^); led by a dash only as an option is (PowerShell 5.1 splits another
# at a . or :), by a tilde never (PowerShell 7 expands it)
_PLAIN_WORD = re.compile(r"[\w.\\/:][\w.\\/:+=%!~-]*|--?[^\W_][\w-]*|--")
# what PowerShell expands in double quotes, or ends them at (" and its curly kin, which it takes for the same)
_POWERSHELL_EXPANDS = re.compile("[$`\"\u201c\u201d\u201e]")
_POWERSHELL_SINGLE_QUOTES = re.compile("['\u2018\u2019\u201a\u201b]")  # ' and its curly kin, each doubled inside


def _double_quoted(arg: str) -> str:
    """`arg` in double quotes as a Windows program reads them: the backslashes before the closing one doubled."""
    trailing = len(arg) - len(arg.rstrip("\\"))
    return '"' + arg + "\\" * trailing + '"'


def _powershell_quoted(arg: str) -> str:
    """`arg` in PowerShell's single quotes, inside which nothing is expanded."""
    return "'" + _POWERSHELL_SINGLE_QUOTES.sub(lambda quote: quote[0] * 2, arg) + "'"


def app_command(args: list[str]) -> str:
    """`vsr-app ARGS` as one line to paste: `vsr-app` where the PATH finds it, else the full path of the running
    one: the packaged app's executable, or the `vsr-app` installed beside this Python (a source checkout's
    .venv/bin, which no PATH holds: "vsr-app: command not found"), else this Python running the package.

    On Windows a program path with a space ("C:\\Program Files\\...") is named by its short 8.3 form (PROGRA~1),
    which needs no quotes: a quoted program runs in cmd.exe, but PowerShell, the terminal Windows 10 and 11 open,
    takes a quoted string first for a string, and runs it only after its call operator `& `, which cmd.exe refuses.
    Where the disk keeps no short names, the line is for PowerShell (`& "C:\\..." ARGS`), the default terminal."""
    program, *rest = _app_program()
    line = command_line([_unquoted_program(program), *rest, *args])
    return f"& {line}" if os.name == "nt" and line.startswith(("'", '"')) else line


def _unquoted_program(program: str) -> str:
    """On Windows, `program` by its short path where its own needs quotes (a space) and the disk has short names."""
    if os.name != "nt" or not any(space in program for space in " \t"):
        return program
    try:
        get_short_path = ctypes.WinDLL("kernel32", use_last_error=True).GetShortPathNameW
        size = get_short_path(program, None, 0)  # the buffer it needs, its end included
        short = ctypes.create_unicode_buffer(size)
        done = get_short_path(program, short, size)
    except Exception:  # any failure of the system's call: the long path, quoted
        return program
    return short.value if 0 < done < size else program


def _app_program() -> list[str]:
    """The running app's command: its own `vsr-app` by name only where the PATH finds that very file (not an older
    install elsewhere on the PATH)."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    beside = shutil.which(APP_NAME, path=sysconfig.get_path("scripts"))
    if beside is None:
        found = shutil.which(APP_NAME)
        return [APP_NAME] if found else [sys.executable, "-m", "vsr_app"]
    on_path = shutil.which(APP_NAME)
    same = on_path is not None and os.path.samefile(on_path, beside)
    return [APP_NAME] if same else [str(Path(beside).absolute())]
