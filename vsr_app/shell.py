"""Commands the app prints for the user to paste into a terminal."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys


def command_line(args: list[str]) -> str:
    """`args` as one line quoted for the system's shell: POSIX quotes, or on Windows the quotes of its programs'
    command lines (around a space), as POSIX quotes around a path do not paste into cmd.exe; a path with a space
    split where it was not quoted at all. (cmd.exe's own & | ^ % are not escaped.)"""
    return subprocess.list2cmdline(args) if os.name == "nt" else shlex.join(args)


def app_command(args: list[str]) -> str:
    """`vsr-app ARGS` as one line to paste: in the packaged app its executable's full path, as no PATH holds a
    `vsr-app` there (a bundle's "use it with: vsr-app upscale ..." ran nothing)."""
    return command_line([sys.executable if getattr(sys, "frozen", False) else "vsr-app", *args])
