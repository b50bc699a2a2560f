"""The `vsr-app` command the app prints to paste into a terminal runs where it is pasted."""

from __future__ import annotations

import os
import sys

import pytest

from vsr_app.shell import app_command


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
    assert app_command(["models"]) == f"{scripts / 'vsr-app'} models"
