"""The `vsr-app` command the app prints to paste into a terminal runs where it is pasted."""

from __future__ import annotations

import os
import shlex
import sys

import pytest

from vsr_app.shell import app_command, command_line


@pytest.fixture
def app_not_on_path(tmp_path, monkeypatch):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


@pytest.mark.skipif(os.name == "nt", reason="POSIX quoting and executable bits")
def test_a_checkout_whose_vsr_app_is_not_on_path_gets_its_full_path_quoted(tmp_path, monkeypatch, app_not_on_path):
    """A source checkout's vsr-app is in .venv/bin, which no PATH holds: "vsr-app: command not found"."""
    scripts = tmp_path / "My Env" / "bin"
    scripts.mkdir(parents=True)
    script = scripts / "vsr-app"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    monkeypatch.setattr("sysconfig.get_path", lambda name: str(scripts))
    assert app_command(["models"]) == f"'{script}' models"


def test_without_a_vsr_app_script_it_runs_the_package_with_this_python(tmp_path, monkeypatch, app_not_on_path):
    monkeypatch.setattr("sysconfig.get_path", lambda name: str(tmp_path))  # no vsr-app there
    assert app_command(["models"]).split() == [sys.executable, "-m", "vsr_app", "models"]


def test_vsr_app_on_path_is_named_as_it_is():
    assert app_command(["models"]) == "vsr-app models"  # conftest puts it on PATH, as an install has it


@pytest.mark.skipif(os.name == "nt", reason="POSIX executable bits")
def test_another_install_on_path_is_not_taken_for_the_running_one(tmp_path, monkeypatch):
    """Any `vsr-app` the PATH found was named, an older global or pipx install among them, not the one running."""
    scripts, elsewhere = tmp_path / "venv" / "bin", tmp_path / "old" / "bin"
    for folder in (scripts, elsewhere):
        folder.mkdir(parents=True)
        (folder / "vsr-app").write_text("#!/bin/sh\n")
        (folder / "vsr-app").chmod(0o755)
    monkeypatch.setattr("sysconfig.get_path", lambda name: str(scripts))
    monkeypatch.setenv("PATH", str(elsewhere))
    assert app_command(["models"]) == f"{shlex.quote(str(scripts / 'vsr-app'))} models"


INSTALLED = r"C:\Program Files\vsr-app\vsr-app.exe"


class FakeKernel32:
    """GetShortPathNameW as the Win32 documentation gives it: with no buffer, the size it needs (its end included);
    with one, the length written. `short` None: the call fails."""

    def __init__(self, short: str | None):
        self.short = short

    def GetShortPathNameW(self, path, buffer, size):  # noqa: N802 (the Win32 name)
        assert path == INSTALLED
        if self.short is None:
            return 0
        if buffer is None or size <= len(self.short):
            return len(self.short) + 1
        buffer.value = self.short
        return len(self.short)


@pytest.fixture
def windows_app_command(monkeypatch):
    """`app_command` as on Windows (os.name faked for its call alone: pytest's report of a failure makes paths) of
    the app at `program`, where GetShortPathNameW says `short`."""
    from vsr_app import shell

    def command(args, short, program=INSTALLED):
        monkeypatch.setattr(shell, "_app_program", lambda: [program])
        monkeypatch.setattr("ctypes.WinDLL", lambda name, **kw: FakeKernel32(short), raising=False)
        with monkeypatch.context() as windows:
            windows.setattr(os, "name", "nt")
            return app_command(args)

    return command


def test_on_windows_a_program_path_with_a_space_is_named_by_its_short_name(windows_app_command):
    """A quoted program runs in cmd.exe, but PowerShell (Windows' default terminal) takes it for a string: its short
    name needs no quotes and pastes into both."""
    line = windows_app_command(["train", "--out", r"D:\My runs\a"], short=r"C:\PROGRA~1\vsr-app\vsr-app.exe")
    assert line == r'C:\PROGRA~1\vsr-app\vsr-app.exe train --out "D:\My runs\a"'


@pytest.mark.parametrize("program, short, line", [
    (INSTALLED, INSTALLED, rf'& "{INSTALLED}" models "D:\My runs"'),  # a disk without short names
    (INSTALLED, None, rf'& "{INSTALLED}" models "D:\My runs"'),  # the call failing
    ("vsr-app", None, r'vsr-app models "D:\My runs"')])  # only the program decides: an argument's quotes are fine
def test_on_windows_a_quoted_program_gets_powershells_call_operator(windows_app_command, program, short, line):
    assert windows_app_command(["models", r"D:\My runs"], short, program) == line


@pytest.fixture
def windows_command_line(monkeypatch):
    """`command_line` as on Windows (os.name faked for its call alone)."""
    def command(args):
        with monkeypatch.context() as windows:
            windows.setattr(os, "name", "nt")
            return command_line(args)

    return command


@pytest.mark.parametrize("name", ["a,b.mp4", "a;b.mp4", "(1).mp4", "{x}.mp4", "@x.mp4", "#1.mp4", "-x.mp4",
                                  "it's.mp4", "a&b.mp4", "a^b.mp4", "~x.mp4"])
def test_on_windows_a_name_a_terminal_reads_apart_is_in_double_quotes_both_keep(windows_command_line, name):
    """Only a space was quoted: PowerShell took a,b.mp4 for two (passed as "a b.mp4"), ran what follows a ; as
    another command, and cmd.exe what follows a &."""
    folder = "D:\\My runs\\"  # a Windows program reads \" as a quote: the backslash before the closing one doubled
    assert windows_command_line(["upscale", name, "-o", folder]) == f'upscale "{name}" -o "{folder}\\"'


@pytest.mark.parametrize("name, quoted", [
    ("clip $1.mp4", "'clip $1.mp4'"), ("a`b.mp4", "'a`b.mp4'"), ("it's $5.mp4", "'it''s $5.mp4'"),
    ("\u2018$x\u2019.mp4", "'\u2018\u2018$x\u2019\u2019.mp4'")])  # PowerShell takes curly quotes for '
def test_on_windows_a_name_powershell_expands_in_double_quotes_is_in_its_single_quotes(windows_command_line, name,
                                                                                        quoted):
    """PowerShell expands $1 in double quotes too ("clip .mp4"), and cmd.exe has no other quotes: the line is for
    PowerShell, the terminal Windows opens, whose single quotes keep all."""
    assert windows_command_line(["upscale", name, "-o", r"D:\My runs"]) == rf"upscale {quoted} -o 'D:\My runs'"


def test_on_windows_a_quoted_program_runs_with_a_name_powershell_expands(windows_app_command):
    line = windows_app_command(["upscale", "clip $1.mp4"], short=None)
    assert line == rf"& '{INSTALLED}' upscale 'clip $1.mp4'"
