"""`vsr-app gui VIDEO --screenshot OUT.png`: renders the window headless (no display needed) and exits."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import cv2
import numpy as np
import pytest


def run_cli(tmp_path, *args, unset=(), **environment):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", *unset)}
    env.update(HOME=str(tmp_path / "home"), XDG_CONFIG_HOME=str(tmp_path / "config"), **environment)
    return subprocess.run([sys.executable, "-m", "vsr_app", *args], env=env, capture_output=True, text=True,
                          timeout=300)


def noise(stderr: str) -> str:
    """What a screenshot printed on stderr besides its note on a slow first frame (a loaded machine's)."""
    return "".join(line for line in stderr.splitlines(keepends=True)
                   if not line.startswith("waiting for the first frame from "))


def test_screenshot_renders_the_comparison(tmp_path, small_video):
    out = tmp_path / "shot.png"
    result = run_cli(tmp_path, "gui", str(small_video), "--screenshot", str(out))
    assert result.returncode == 0, result.stderr
    assert noise(result.stderr) == ""  # not the offscreen platform's "does not support propagateSizeHints()", 7 times
    image = cv2.imread(str(out))
    assert image.shape == (960, 1600, 3)
    # the test clip's colour ramp fills the middle of the comparison view, not the empty background
    middle = image[300:650, 200:1000].reshape(-1, 3)
    assert len(np.unique(middle, axis=0)) > 50


def test_the_c_locale_gets_no_warning_from_qt(tmp_path, small_video):
    """Without LANG (a bare container, a service) the packaged app printed Qt's four lines on switching to C.UTF-8:
    its interpreter does not switch the locale as `python` does (PEP 538), which PYTHONCOERCECLOCALE=0 stands for."""
    result = run_cli(tmp_path, "gui", str(small_video), "--screenshot", str(tmp_path / "shot.png"),
                     unset=("LANG", "LC_ALL", "LC_CTYPE", "LANGUAGE"), PYTHONCOERCECLOCALE="0")
    assert result.returncode == 0 and noise(result.stderr) == "", result.stderr


def test_a_screenshot_leaves_the_users_settings_as_they_were(tmp_path, small_video):
    """A scripted screenshot put its video first in Open recent and saved its window's choices."""
    config = tmp_path / "config" / "vsr-app" / "vsr-app.conf"
    config.parent.mkdir(parents=True)
    config.write_text("[General]\nrecent=/videos/mine.mp4\n")
    before = config.read_bytes()
    result = run_cli(tmp_path, "gui", str(small_video), "--screenshot", str(tmp_path / "shot.png"))
    assert result.returncode == 0, result.stderr
    assert config.read_bytes() == before and (tmp_path / "shot.png").is_file()


def test_screenshot_of_an_unreadable_file_fails_cleanly(tmp_path):
    """Nothing is left behind either: the settings copy's folder came back after it was removed, one a failed run."""
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00" * 1000)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    result = run_cli(tmp_path, "gui", str(broken), "--screenshot", str(tmp_path / "shot.png"), TMPDIR=str(scratch))
    assert result.returncode == 1
    assert "not a video" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "shot.png").exists()
    assert list(scratch.iterdir()) == []


def test_screenshot_is_written_in_the_format_its_name_says(tmp_path, small_video):
    """A `.jpg` got PNG data, a `.txt` too. (A missing folder is refused, not made: test_gui_app_start.py.)"""
    out = tmp_path / "shot.jpg"
    result = run_cli(tmp_path, "gui", str(small_video), "--screenshot", str(out))
    assert result.returncode == 0, result.stderr
    assert out.read_bytes()[:3] == b"\xff\xd8\xff"  # JPEG's start of image
    result = run_cli(tmp_path, "gui", str(small_video), "--screenshot", str(tmp_path / "shot.txt"))
    assert result.returncode == 1 and "cannot write a screenshot as '.txt': name it .png" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "shot.txt").exists()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11/Wayland display check is Linux-only")
@pytest.mark.parametrize("args", [(), ("gui",)], ids=["no-command", "gui"])
def test_no_display_is_one_clear_error_not_a_qt_abort(tmp_path, args):
    """Over SSH Qt printed 'could not load the Qt platform plugin "xcb"' and aborted (exit 134)."""
    result = run_cli(tmp_path, *args)
    assert result.returncode == 1, (result.returncode, result.stderr)
    assert result.stderr.startswith("vsr-app: error: no display found:"), result.stderr
    assert "see --help" in result.stderr and len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stdout == ""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Qt's xcb plugin is Linux's")
def test_a_wayland_plugin_that_cannot_load_falls_back_to_x11_or_is_named(monkeypatch):
    """In a container or distrobox Wayland session without libwayland-cursor, Qt aborted (exit 134, "no Qt platform
    plugin could be initialized"): the app takes the session's X11 server where xcb loads, else says what is
    missing."""
    from vsr_app.gui import app

    why = "libwayland-cursor.so.0: cannot open shared object file: No such file or directory"
    missing = {"wayland"}
    monkeypatch.setattr(app, "platform_plugin_error", lambda name: why if name in missing else None)
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.setenv("DISPLAY", ":0")
    assert app._wayland_only() and app._wayland_or_x11() is None and os.environ["QT_QPA_PLATFORM"] == "xcb"
    monkeypatch.delenv("QT_QPA_PLATFORM")
    missing.add("xcb")  # no X11 plugin either: one line naming the library and the packages
    assert app._wayland_or_x11() == (f"the desktop app cannot open the Wayland display: Qt's wayland plugin does not "
                                     f"load ({why}); install the Wayland libraries it needs (Debian/Ubuntu: sudo apt "
                                     f"install {app.WAYLAND_PACKAGES}) or use an X11 session; the command-line tools "
                                     "work without a display")
    assert "QT_QPA_PLATFORM" not in os.environ
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")  # another platform asked for: Wayland's plugin plays no part
    assert not app._wayland_only()


def test_a_window_that_fails_to_build_is_said_and_the_app_exits_at_once(monkeypatch, capsys):
    """A bad value in the settings file raised while the window was built: a double-click user saw nothing, and the
    workers it had started made Qt abort at exit (134), on every start."""
    from vsr_app.gui import app

    notified, exits = [], []
    monkeypatch.setattr(app, "_notify_desktop", notified.append)
    monkeypatch.setattr(app.os, "_exit", lambda code: exits.append(code))

    def broken():
        raise ValueError("invalid literal for int() with base 10: 'abc'")

    app._main_window(broken)
    assert exits == [1] and notified == ["the desktop app could not start: ValueError: invalid literal for int() with "
                                         "base 10: 'abc'"]
    assert "Traceback" in capsys.readouterr().err
    assert app._main_window(lambda: "window") == "window"


def test_a_gui_library_that_cannot_load_is_one_line_not_a_traceback(monkeypatch):
    """On a server without libGL, --screenshot ended in an ImportError traceback ("Failed to execute script" in the
    packaged app), where the command-line tools work."""
    import builtins

    from vsr_app.gui import app

    real_import = builtins.__import__

    def no_qtgui(name, *args, **kwargs):
        if name == "PySide6.QtGui":
            raise ImportError("libGL.so.1: cannot open shared object file: No such file or directory")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_qtgui)
    assert app._gui_library_error() == ("the desktop app cannot load Qt's GUI library (libGL.so.1: cannot open shared "
                                        "object file: No such file or directory); install the graphics libraries it "
                                        f"needs (Debian/Ubuntu: sudo apt install {app.GUI_PACKAGES}); the "
                                        "command-line tools work without them")
    monkeypatch.setattr(builtins, "__import__", real_import)
    assert app._gui_library_error() is None


def test_an_x11_plugin_that_cannot_load_is_named_not_left_to_qts_abort(monkeypatch):
    """Qt aborts (exit 134) saying libxcb-cursor0 is needed whichever library its xcb plugin misses (the bundle
    carried libxcb-cursor, the machine lacked libxcb-icccm): the app asks the loader first and names the library."""
    from vsr_app.errors import VsrAppError
    from vsr_app.gui import app

    assert app.platform_plugin_error("offscreen") is None  # a plugin whose libraries are all there loads
    assert app.platform_plugin_error("nosuch").endswith("libqnosuch.so is missing")
    monkeypatch.setenv("DISPLAY", ":99")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    why = "libxcb-icccm.so.4: cannot open shared object file: No such file or directory"
    monkeypatch.setattr(app, "platform_plugin_error", lambda name: why if name == "xcb" else None)
    app._headless_if_no_display()  # --screenshot needs no display: offscreen, not Qt's abort
    assert os.environ["QT_QPA_PLATFORM"] == "offscreen"
    monkeypatch.delenv("QT_QPA_PLATFORM")
    notified = []  # started with no terminal (a double-click): said as a desktop notification too
    monkeypatch.setattr(app.sys, "stderr", io.StringIO())
    monkeypatch.setattr(app.shutil, "which", lambda name: "/usr/bin/notify-send" if name == "notify-send" else None)
    monkeypatch.setattr(app.subprocess, "run", lambda command, **kw: notified.append(command))
    with pytest.raises(VsrAppError, match=r"^the desktop app cannot open the X11 display: Qt's xcb plugin does not "
                                          rf"load \({why}\); install the X11 libraries it needs \(Debian/Ubuntu: "
                                          r"sudo apt install libxcb-cursor0 libxcb-icccm4 ") as refused:
        app.run()
    assert notified == [["/usr/bin/notify-send", "--app-name", "vsr-app", "vsr-app cannot start", str(refused.value)]]
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")  # a Wayland session: Qt does not need xcb
    assert not app._x11_only()
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")  # unless xcb is asked for
    assert app._x11_only()
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert not app._x11_only()
