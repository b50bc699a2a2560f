"""A bad value in the settings file (a hand edit, a sync tool, an option whose type changed between versions) stopped
the desktop app from starting, every time: each setting is now read as the kind the app keeps there."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QByteArray, QSettings

from gui_support import gui_env, stop_work, window  # noqa: F401
from vsr_app.gui.settings_values import setting

GUI = Path(__file__).resolve().parents[1] / "vsr_app" / "gui"
LITERAL_KEY = re.compile(r'(?:setting\((?:self\.)?settings, |settings\.value\()"([^"]+)"')

# Builds the main window (and the export dialog) with the settings in argv[1], going through every task of the Train
# and Batch tabs; exit 1 with the traceback where anything raised. A window whose construction raised leaves a
# thread running, whose end aborts the process: here that is this process, not the test run.
BUILD_WINDOW = """
import os, sys, traceback
from pathlib import Path
from PySide6.QtCore import QSettings
from vsr_app import models
from vsr_app.gui.app import application

settings_dir, no_models = sys.argv[1:]
models.models_dir = lambda: Path(no_models)
QSettings.setDefaultFormat(QSettings.IniFormat)
QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, settings_dir)
qt = application()
try:
    from vsr_app.gui.export_dialog import ExportDialog
    from vsr_app.gui.main_window import MainWindow
    from vsr_app.resources import resource_path
    window = MainWindow(QSettings())
    window.show()
    qt.processEvents()
    for combo in (window.train.form.task, window.batch.form.task):
        for index in range(combo.count()):
            combo.setCurrentIndex(index)
            qt.processEvents()
    ExportDialog(str(resource_path("sample.mp4")), models.list_models(), {}, "upscale", "cpu", QSettings(), window)
    window.quit_without_asking()
    qt.processEvents()
except BaseException:
    traceback.print_exc()
    os._exit(1)
os._exit(0)
"""

BAD_VALUES = ["abc", ["a", "b"], "", "-1", "99999999999", "1e999"]


def test_the_window_builds_whatever_kind_of_value_each_setting_holds(window, qtbot, gui_env):
    """Every setting the window saves, and every one read by name, set to text where a number is kept, to a list
    (INI reads "a, b" as one), to nothing, to a number out of range: the window still builds, with no traceback."""
    for combo in (window.train.form.task, window.batch.form.task):  # each task's own settings are saved too
        for index in range(combo.count()):
            combo.setCurrentIndex(index)
    stop_work(window)
    window.close()
    read_by_name = {key for path in GUI.glob("*.py") for key in LITERAL_KEY.findall(path.read_text())}
    keys = sorted({*QSettings().allKeys(), *read_by_name})
    assert {"window/geometry", "batch/crf/libx264", "train/vsr/steps", "train/vfi/lr", "export/preset"} <= set(keys)
    (gui_env / "no-models").mkdir()
    env = {**os.environ, "HOME": str(gui_env / "home"), "OMP_NUM_THREADS": "1"}
    for value in BAD_VALUES:
        settings = QSettings()
        for key in keys:
            settings.setValue(key, value)
        settings.sync()
        built = subprocess.run([sys.executable, "-c", BUILD_WINDOW, str(gui_env / "settings"),
                                str(gui_env / "no-models")], env=env, capture_output=True, text=True, timeout=120)
        assert built.returncode == 0 and "Traceback" not in built.stderr, f"{value!r}:\n{built.stderr[-3000:]}"


@pytest.mark.parametrize("stored, default, read", [
    ("7", 0, 7), ("abc", 0, 0), ("8.0", 0, 0), ("", 0, 0), (["1", "2"], 0, 0), ("99999999999", 0, 0),
    ("0.25", 0.6, 0.25), ("nan", 0.6, 0.6), ("1e999", 0.6, 0.6), ("abc", 0.6, 0.6),
    ("true", False, True), ("false", True, False), ("yes", True, True), (["a", "b"], False, False),
    (["a", "b"], "x", "x"), ("a", "x", "a"),
    (["a", "b"], [], ["a", "b"]), ("a", [], ["a"]), ("", ["x"], []),
])
def test_a_setting_is_read_as_the_kind_of_its_default_else_the_default(gui_env, stored, default, read):
    settings = QSettings()
    settings.setValue("key", stored)
    settings.sync()
    assert setting(QSettings(), "key", default) == read


def test_a_geometry_is_read_only_as_bytes(gui_env):
    settings = QSettings()
    settings.setValue("geometry", QByteArray(b"\x01\xd9"))
    settings.setValue("text", "abc")
    assert setting(settings, "geometry", b"") == QByteArray(b"\x01\xd9")
    assert setting(settings, "text", b"") == b""
