"""Commands the app prints for the user to paste into a terminal."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

APP_NAME = "vsr-app"  # the console script's name (pyproject.toml)


def command_line(args: list[str]) -> str:
    """`args` as one line quoted for the system's shell: POSIX quotes, or on Windows the quotes of its programs'
    command lines (around a space), as POSIX quotes around a path do not paste into cmd.exe; a path with a space
    split where it was not quoted at all. (cmd.exe's own & | ^ % are not escaped.)"""
    return subprocess.list2cmdline(args) if os.name == "nt" else shlex.join(args)


def app_command(args: list[str]) -> str:
    """`vsr-app ARGS` as one line to paste: `vsr-app` where the PATH finds it, else the full path of the running
    one: the packaged app's executable, or the `vsr-app` installed beside this Python (a source checkout's
    .venv/bin, which no PATH holds: "vsr-app: command not found"), else this Python running the package."""
    return command_line([*_app_program(), *args])


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
