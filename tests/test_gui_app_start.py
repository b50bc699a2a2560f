"""The desktop app's start and close as a double-clicking user meets them: a display named but not there, a
screenshot's folder, the splash while the window loads, jobs that outlive the window, settings that cannot be kept."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import threading

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QSplashScreen, QWidget

from gui_support import gui_env  # noqa: F401
from vsr_app.errors import VsrAppError
from vsr_app.gui import app


@pytest.fixture
def no_displays(monkeypatch, tmp_path):
    """Linux over SSH: no X11 or Wayland display, not even Wayland's default socket."""
    monkeypatch.setattr(app.sys, "platform", "linux")
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))


@pytest.mark.parametrize(("platform", "display", "missing"), [
    ("xcb", None, "QT_QPA_PLATFORM=xcb needs DISPLAY, which is not set"),
    ("wayland", None, "QT_QPA_PLATFORM=wayland needs WAYLAND_DISPLAY, which is not set"),
    ("wayland-egl", None, "QT_QPA_PLATFORM=wayland-egl needs WAYLAND_DISPLAY, which is not set"),
    ("wayland;xcb", None, "QT_QPA_PLATFORM=wayland;xcb needs WAYLAND_DISPLAY or DISPLAY, neither set"),
    ("wayland;xcb", ("DISPLAY", ":0"), None),  # Qt goes on to xcb
    ("xcb", ("DISPLAY", ":0"), None),
    ("wayland", ("WAYLAND_DISPLAY", "wayland-1"), None),
    ("offscreen", None, None),
    ("vnc:size=800x600", None, None),
    ("minimal;xcb", None, None),  # Qt goes on to nothing: minimal needs no display
])
def test_a_platform_named_that_needs_a_display_not_there_is_said(no_displays, monkeypatch, platform, display,
                                                                  missing):
    """QT_QPA_PLATFORM=xcb in /etc/environment, over SSH: Qt aborted (134) blaming xcb-cursor0 ("Reinstalling the
    application may fix this problem") where the app said nothing."""
    monkeypatch.setenv("QT_QPA_PLATFORM", platform)
    if display:
        monkeypatch.setenv(*display)
    assert app._missing_display() == missing
    if missing:
        with pytest.raises(VsrAppError, match=r"^no display found: the desktop app needs a graphical session \("
                                              f"{missing.replace(';', '.')}\\); the command-line tools work"):
            app.run()


def test_waylands_default_socket_is_a_display(no_displays, monkeypatch, tmp_path):
    monkeypatch.setenv("QT_QPA_PLATFORM", "wayland")
    (tmp_path / "wayland-0").touch()
    assert app._missing_display() is None
    monkeypatch.delenv("QT_QPA_PLATFORM")  # none named: Qt takes xcb, which the socket does not serve
    assert app._missing_display() == "DISPLAY or WAYLAND_DISPLAY is not set"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11/Wayland display check is Linux-only")
def test_xcb_named_without_a_display_is_one_line_and_exit_1(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(QT_QPA_PLATFORM="xcb", HOME=str(tmp_path), XDG_RUNTIME_DIR=str(tmp_path))
    result = subprocess.run([sys.executable, "-m", "vsr_app", "gui"], env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 1, (result.returncode, result.stderr)
    assert result.stderr == ("vsr-app: error: no display found: the desktop app needs a graphical session "
                             "(QT_QPA_PLATFORM=xcb needs DISPLAY, which is not set); the command-line tools work "
                             "without one, see --help\n")


def test_a_screenshots_folder_is_checked_before_rendering(tmp_path, monkeypatch):
    """A missing folder failed after the render (45 s on a loaded machine), said "Permission denied", and was made
    when it could be (/nonexistent, as root)."""
    missing = tmp_path / "nonexistent" / "deeper"
    where = re.escape(str(missing))
    with pytest.raises(VsrAppError, match=f"^cannot write the screenshot to {where}/shot.png: No such folder: "
                                          f"{where}$"):
        app.check_screenshot_folder(str(missing / "shot.png"))
    assert not (tmp_path / "nonexistent").exists()
    (tmp_path / "file").touch()
    with pytest.raises(VsrAppError, match="file/shot.png: not a folder: "):
        app.check_screenshot_folder(str(tmp_path / "file" / "shot.png"))
    (tmp_path / "shot.png").mkdir()
    with pytest.raises(VsrAppError, match="shot.png: it is a folder$"):
        app.check_screenshot_folder(str(tmp_path / "shot.png"))
    app.check_screenshot_folder(str(tmp_path / "new.png"))
    monkeypatch.setattr(app.os, "access", lambda path, mode: False)  # read-only (root may write anywhere)
    with pytest.raises(VsrAppError, match=f"new.png: the folder {re.escape(str(tmp_path))} is not writable$"):
        app.check_screenshot_folder(str(tmp_path / "new.png"))


def test_a_screenshot_into_a_missing_folder_is_refused_at_once(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env.update(HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path / "config"))
    out = tmp_path / "nonexistent" / "shot.png"
    result = subprocess.run([sys.executable, "-m", "vsr_app", "gui", "--screenshot", str(out)], env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 1 and "No such folder" in result.stderr and "Traceback" not in result.stderr
    assert not out.parent.exists()


def test_a_splash_shows_while_the_window_loads_and_closes_when_it_shows(gui_env, monkeypatch):  # noqa: F811
    """A double-click showed nothing for 3 to 9 s while torch and the window's modules loaded."""
    from vsr_app.gui import main_window

    splashes_while_made = []

    class Window(QWidget):
        def __init__(self, **_):
            super().__init__()
            splashes_while_made.extend(w for w in QApplication.topLevelWidgets()
                                       if isinstance(w, QSplashScreen) and w.isVisible())

    monkeypatch.setattr(main_window, "MainWindow", Window)
    monkeypatch.setattr(app, "_close_on_signals", lambda window: None)
    monkeypatch.setattr(QApplication, "exec", lambda *_: 0)
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert app.run() == 0
    assert len(splashes_while_made) == 1
    splash = splashes_while_made[0]
    assert splash.message() == "Starting\u2026" and not splash.pixmap().isNull()
    assert not splash.isVisible()


JOB_OUTLIVES_WINDOW = """
    import threading
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QWidget
    from vsr_app.gui.workers import Job

    app = QApplication([])
    window = QWidget()
    def slow(progress, cancel):
        threading.Event().wait(1.5)
        progress(1, 2)
        return "counted"
    Job(slow, parent=window).start()
    window.show()
    QTimer.singleShot(100, window.close)  # the last window: the app quits, the job still running
    app.exec()
"""


def test_a_job_that_outlives_its_window_ends_silently(tmp_path):
    """Closing the window right after start printed "Error calling Python override of QRunnable::run() ...
    RuntimeError: Signal source has been deleted": the Train tab's parameter count ran on as the app quit."""
    # Qt warns on stderr of a "C" locale (a tester's LC_ALL=C), which is no part of what is checked here
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "LC_ALL": "C.UTF-8"}
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(JOB_OUTLIVES_WINDOW)], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stderr == "", result.stderr


def test_jobs_still_running_are_cancelled_and_waited_for(qapp):
    """What the app does once its event loop has ended, before Python ends (a torch assert from a count in work)."""
    from vsr_app.gui.workers import Job, finish_jobs

    started = threading.Event()

    def until_cancelled(progress, cancel):
        started.set()
        if not cancel.wait(30):
            raise AssertionError("never cancelled")

    job = Job(until_cancelled)
    job.start()
    assert started.wait(10)
    assert finish_jobs(10_000)
    assert job.cancel_event.is_set()


def test_settings_that_cannot_be_written_are_said_once(gui_env, qtbot):  # noqa: F811
    """HOME unset or its config folder read-only: the settings were silently lost at every start."""
    from vsr_app.gui.main_window import MainWindow

    folder = gui_env / "settings"  # where gui_env keeps them: a file there, so that not even root can write
    folder.write_text("")
    window = MainWindow(QSettings())
    qtbot.addWidget(window)
    assert window.statusBar().currentMessage() == (f"Settings cannot be saved: {folder / 'vsr-app'} is not "
                                                   "writable; they last for this session only")
    folder.unlink()  # writable: nothing said
    window = MainWindow(QSettings())
    qtbot.addWidget(window)
    assert window.statusBar().currentMessage() == ""
