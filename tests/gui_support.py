"""Fixtures and helpers shared by the GUI tests (tests/test_gui_*.py): an isolated settings store and home
folder per test, the main window, a deliberately slow model, and waiting for processed frames."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
import torch
from PySide6.QtCore import QSettings, QThreadPool
from PySide6.QtWidgets import QApplication, QMessageBox

from vsr_app import models
from vsr_app.nets.builtin import BicubicUpscale


@pytest.fixture
def gui_env(qapp, tmp_path, monkeypatch):
    """Settings in tmp (never the user's), HOME in tmp (user models folder), no shipped models (the tests pin the
    built-in pairs, whatever models/ holds), the app's names and theme."""
    from vsr_app.gui.app import application

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "no-shipped-models").mkdir()
    monkeypatch.setattr(models, "models_dir", lambda: tmp_path / "no-shipped-models")
    QSettings.setDefaultFormat(QSettings.IniFormat)
    QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, str(tmp_path / "settings"))
    monkeypatch.setattr(QMessageBox, "question", _unexpected_question)  # tests that expect one answer it
    application()
    return tmp_path


@pytest.fixture
def announced(monkeypatch) -> list[tuple[str, str]]:
    """What the app has a screen reader say, as (the label it comes from, the text), in order."""
    from vsr_app.gui import widgets

    said = []

    class Recorder:
        @staticmethod
        def updateAccessibility(event) -> None:
            shown = getattr(event.object(), "text", None)  # a label's text; the picture has none
            said.append((shown() if shown else event.object().accessibleName(), event.message()))

    monkeypatch.setattr(widgets, "QAccessible", Recorder)
    return said


def _unexpected_question(parent, title, text, *args, **kwargs):
    """A modal question headless blocks forever (a hung suite, not a failed test): fail with what it asked."""
    raise AssertionError(f"unexpected question {title!r}: {text}")


@pytest.fixture
def window(gui_env, qtbot):
    from vsr_app.gui.main_window import MainWindow

    win = MainWindow(QSettings())
    win.resize(1200, 800)
    qtbot.addWidget(win, before_close_func=stop_work)
    win.show()
    qtbot.waitExposed(win)
    return win


def stop_work(win) -> None:
    """Stop whatever a failed test left running, so closing the window never waits on a question."""
    win.train.stop_and_wait()
    if win.export_dialog is not None and win.export_dialog.job is not None:
        win.export_dialog.job.cancel()
    win.batch.shutdown()
    QThreadPool.globalInstance().waitForDone(30_000)
    QApplication.processEvents()  # the jobs' "finished" signals land, so nothing counts as running any more


class SlowBicubic(BicubicUpscale):
    """Bicubic x4 that takes `delay` seconds a frame, like a heavy network would; with a `gate` (an Event) set,
    every frame also waits for it to open, so a test decides when processing may go on."""

    delay = 0.12
    gate: threading.Event | None = None

    def step(self, lr, state=None):
        time.sleep(self.delay)
        if self.gate is not None:
            self.gate.wait(60)
        return super().step(lr, state)


@pytest.fixture
def slow_model(monkeypatch):
    """Registers 'test-slow' (upscale) for the duration of one test."""
    builtin = models.Builtin("test-slow", "upscale", 4, lambda: SlowBicubic(4), "slow bicubic for tests")
    monkeypatch.setitem(models._BUILTINS, "test-slow", builtin)
    return "test-slow"


def open_and_wait(qtbot, win, path, position: int = 0, timeout_ms: int = 30_000):
    """Open a video in the window and return the first Rendered shown at `position`."""
    with qtbot.waitSignal(win.viewer.frameShown, timeout=timeout_ms,
                          check_params_cb=lambda r: r.position == position) as blocker:
        win.open(str(path))
    return blocker.args[0]


def unavailable_after(qtbot, viewer, action, timeout_ms: int = 30_000) -> None:
    """Run `action` and wait until the viewer's worker says what it was asked cannot be shown. Not qtbot.waitSignal
    on that signal: the worker emits it from its thread, it can come twice (two requests answered), and the second,
    queued, reached pytest-qt's blocker after it was freed (PySide6 holds a bound method weakly): the test process
    died with a segmentation fault now and then."""
    said = []
    viewer.worker.unavailable.connect(lambda *args: said.append(args))  # a lambda it holds: never freed under it
    action()
    qtbot.waitUntil(lambda: bool(said), timeout=timeout_ms)


def show_and_wait(qtbot, viewer, action, accept=lambda r: True, timeout_ms: int = 30_000):
    """Run `action` (which changes what the viewer shows) and return the next accepted Rendered."""
    with qtbot.waitSignal(viewer.frameShown, timeout=timeout_ms, check_params_cb=accept) as blocker:
        action()
    return blocker.args[0]


def bicubic_x4(image: np.ndarray) -> np.ndarray:
    """The built-in bicubic model applied directly, to check what the viewer shows."""
    from vsr_app.inference import frame_to_tensor, tensor_to_frame

    with torch.inference_mode():
        return tensor_to_frame(BicubicUpscale(4).step(frame_to_tensor(image, torch.device("cpu")))[0])


def whole_message(box: QMessageBox) -> str:
    """An error box's message before a long path in it was cut to fit (`widgets.fit_long_words`)."""
    return box.detailedText() or box.text()


def type_into(qtbot, box, text: str) -> None:
    """`text` typed over the number in `box`, the focus left there (no edit ended)."""
    box.setFocus()
    qtbot.waitUntil(box.hasFocus, timeout=2_000)
    box.lineEdit().selectAll()
    qtbot.keyClicks(box, text)
