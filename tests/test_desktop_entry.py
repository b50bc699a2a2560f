"""`vsr-app --install-desktop-entry`: the menu entry and icon for the program that runs it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from vsr_app import desktop_entry
from vsr_app.cli import main


def test_the_entry_starts_the_program_that_wrote_it_from_any_folder(tmp_path, monkeypatch, capsys):
    """Someone given only the packaged folder had no .desktop file: the README's recipe read one from the checkout."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    bundle = tmp_path / "my apps" / "vsr-app" / "vsr-app"  # a folder with a space, as a download folder may be
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(bundle))
    assert main(["--install-desktop-entry"]) == 0
    entry = tmp_path / "share" / "applications" / "vsr-app.desktop"
    icon = tmp_path / "share" / "icons" / "hicolor" / "256x256" / "apps" / "vsr-app.png"
    assert capsys.readouterr().out.splitlines() == [f"wrote {entry}", f"wrote {icon}",
                                                    f"the menu entry starts {bundle}"]
    lines = entry.read_text().splitlines()
    assert f'Exec="{bundle}" %f' in lines and f"TryExec={bundle}" in lines and "Icon=vsr-app" in lines
    assert next(line for line in lines if line.startswith("MimeType=")).count("video/") >= 7
    assert icon.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_exec_quotes_what_the_desktop_entry_spec_says_to_and_odd_paths_are_refused(tmp_path, monkeypatch, capsys):
    """A backslash in TryExec read as an escape (the entry was hidden); GLib looks for a program with a % before it
    undoes the doubling, and a path that is not UTF-8 ended in a traceback."""
    assert desktop_entry.exec_quoted(Path('/a b/$x/"q"/vsr-app')) == '"/a b/\\\\$x/\\\\"q\\\\"/vsr-app"'
    lines = desktop_entry.entry_text(Path("/opt/back\\slash/vsr-app")).splitlines()
    assert "TryExec=/opt/back\\\\slash/vsr-app" in lines
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    for odd in ("/opt/100%/vsr-app", "/opt/line\nbreak/vsr-app", os.fsdecode(b"/opt/caf\xe9/vsr-app")):
        monkeypatch.setattr(sys, "executable", odd)
        assert main(["--install-desktop-entry"]) == 1
        assert "a menu entry cannot start" in capsys.readouterr().err
    assert not (tmp_path / "share").exists()


def test_a_checkouts_entry_starts_its_run_script(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "frozen", False, raising=False)
    assert desktop_entry.program() == Path(__file__).resolve().parents[1] / "run"


def test_it_runs_on_its_own(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--install-desktop-entry", "models"])
    assert stop.value.code == 2 and "--install-desktop-entry runs on its own" in capsys.readouterr().err


def test_the_entry_reads_as_a_desktop_entry():
    import configparser

    from vsr_app import APP_NAME, __version__

    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str
    entry.read_string(desktop_entry.entry_text(Path("/opt/vsr app/vsr-app")))
    desktop = entry["Desktop Entry"]
    assert desktop["Type"] == "Application" and desktop["Name"] == APP_NAME and desktop["Icon"] == APP_NAME
    assert desktop["Exec"] == '"/opt/vsr app/vsr-app" %f' and desktop["X-AppVersion"] == __version__
    assert "video/mp4" in desktop["MimeType"].split(";") and desktop["Terminal"] == "false"
