"""The app's window shows before what needs torch (the tabs' modules, every model's net checked, the devices): a
double-click waited 3-9 s on a splash for it. The tabs are built once that is loaded on a worker thread, and what
the user asked for meanwhile is done then, not lost; a headless screenshot says what it waits for."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from dataclasses import replace
from importlib import metadata

import pytest
import torch
from PySide6.QtCore import QMimeData, QPointF, QSettings, Qt, QThreadPool, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication, QLabel

from gui_support import announced, gui_env, stop_work, window  # noqa: F401
from vsr_app import models
from vsr_app.gui import about_dialog, main_window

# imports the window's module in a new Python, then says which of those it loaded
IMPORT_AND_TELL = ("import sys\nimport vsr_app.gui.main_window\n"
                   "print(' '.join(name for name in ('torch', 'pyqtgraph') if name in sys.modules))")
# About's versions where no package has metadata (as in a bundle built without it), then whether torch got imported
VERSIONS_WITHOUT_METADATA = ("import sys\nfrom importlib import metadata\nfrom vsr_app.gui import about_dialog\n"
                             "def no_metadata(name):\n    raise metadata.PackageNotFoundError(name)\n"
                             "metadata.version = no_metadata\n"
                             "print(dict(about_dialog.runtime_versions())['PyTorch'], 'torch' in sys.modules, sep=';')")


def test_importing_the_window_leaves_torch_and_the_plots_to_the_tabs_loading(tmp_path):
    done = subprocess.run([sys.executable, "-c", IMPORT_AND_TELL], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == []


def loading_window(qtbot) -> main_window.MainWindow:
    window = main_window.MainWindow(QSettings(), tabs_after_show=True)
    window.resize(1000, 700)
    qtbot.addWidget(window, before_close_func=lambda win: win.viewer is not None and stop_work(win))
    window.show()
    return window


def drop(window: main_window.MainWindow, path) -> None:
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(path))])
    window.dropEvent(QDropEvent(QPointF(5, 5), Qt.CopyAction, data, Qt.LeftButton, Qt.NoModifier))


def no_metadata(name):
    raise metadata.PackageNotFoundError(name)


def opened_about(window: main_window.MainWindow, qtbot) -> about_dialog.AboutDialog:
    window.about_action.trigger()
    qtbot.waitUntil(window.about_dialog.isVisible)
    return window.about_dialog


def test_the_window_shows_loading_then_builds_its_tabs_and_opens_what_was_asked_meanwhile(gui_env, qtbot,  # noqa: F811
                                                                                          small_video, announced):
    window = loading_window(qtbot)
    assert window.viewer is None and window.tabs.widget(1).text() == main_window.LOADING
    assert not window.tab_menus[0].isEnabled()
    # F1 at once (greyed, it did nothing): the list is read from the tabs, so the status bar says it waits for them
    window.keys_action.trigger()
    assert window.statusBar().currentMessage() == main_window.KEYS_WAIT.format("F1") and window.viewer is None
    assert [text for _, text in announced] == [main_window.KEYS_WAIT.format("F1")]  # to a screen reader too
    # About at once (greyed, a bug report waited for the models): the runtime, and the cards said to be loading,
    # then listed once they have loaded, in the About left open (it said "Loading models..." for good)
    about = opened_about(window, qtbot)
    assert f"PyTorch\n{metadata.version('torch')}\n" in about.about_text.toPlainText()
    assert about.models_text.toPlainText().startswith(main_window.LOADING) and window.viewer is None
    window.open(str(small_video))  # `vsr-app gui VIDEO`, Open recent: before the tabs are there
    qtbot.waitUntil(lambda: window.viewer is not None and window.viewer.info is not None, timeout=120_000)
    assert window.viewer.info.path == str(small_video)
    assert window.compare.currentWidget() is window.viewer
    assert [window.tabs.widget(i) for i in (1, 2)] == [window.batch, window.train]
    assert window.keys_action.isEnabled() and all(menu.isEnabled() for menu in window.tab_menus)
    assert window.busy_text.whole == "Ready"
    cards = about.models_text.toPlainText()
    assert not cards.startswith(main_window.LOADING) and all(info.name in cards for info in models.list_models())
    about.close()


def test_f1_s_wait_is_said_until_the_tabs_are_built_and_no_longer(gui_env, qtbot, monkeypatch):  # noqa: F811
    """F1 while the tabs loaded said the shortcuts were listed once the models had loaded, and went on saying so for
    10 s over the built tabs, where the list did not open by itself."""
    asked, load = threading.Event(), main_window.load_tabs
    monkeypatch.setattr(main_window, "load_tabs", lambda **kwargs: asked.wait(60) and load(**kwargs))
    monkeypatch.setattr(main_window, "KEYS_NOTE_MS", 600_000)  # a slow build does not outlast it
    window = loading_window(qtbot)
    window.keys_action.trigger()
    assert window.statusBar().currentMessage() == ("The keyboard shortcuts are listed once the models have loaded: "
                                                   "press F1 again then")
    asked.set()
    qtbot.waitUntil(lambda: window.viewer is not None, timeout=120_000)
    assert window.statusBar().currentMessage() == ""


def test_a_folder_dropped_while_the_tabs_load_becomes_the_batch_input(gui_env, qtbot, tmp_path):  # noqa: F811
    window = loading_window(qtbot)
    folder = tmp_path / "videos"
    folder.mkdir()
    drop(window, folder)
    qtbot.waitUntil(lambda: window.viewer is not None and window.batch.in_dir.text() == str(folder), timeout=120_000)
    assert window.tabs.currentWidget() is window.batch


def test_while_the_tabs_load_the_latest_of_each_kind_asked_for_is_kept_and_said(gui_env, qtbot,  # noqa: F811
                                                                              small_video, tmp_path, monkeypatch):
    """Open recent clicked three times queued the video three times, with no word of it: the status bar said only
    "Loading models...". A video asked for later replaces one asked for before; a folder for the Batch tab is kept
    beside it."""
    asked, load = threading.Event(), main_window.load_tabs
    # the loading held until all is asked (the tabs' modules imported by a test before, it can end in a moment)
    monkeypatch.setattr(main_window, "load_tabs", lambda **kwargs: asked.wait(60) and load(**kwargs))
    window = loading_window(qtbot)
    earlier = shutil.copy(small_video, tmp_path / "earlier.mp4")
    for _ in range(3):
        window.open(str(earlier))
    assert len(window.when_tabs_built) == 1
    assert window.busy_text.whole == "earlier.mp4 opens once the models have loaded"
    folder = tmp_path / "videos"
    folder.mkdir()
    drop(window, folder)
    qtbot.waitUntil(lambda: window.drop_look is None)  # its kind told (a drop meanwhile would be taken in its place)
    drop(window, small_video)  # the latest video: opened in place of earlier.mp4
    assert window.busy_text.whole == (f"videos becomes the Batch tab's input folder and {small_video.name} opens "
                                      "once the models have loaded")
    asked.set()
    qtbot.waitUntil(lambda: window.viewer is not None and window.viewer.info is not None, timeout=120_000)
    assert window.viewer.info.path == str(small_video) and window.batch.in_dir.text() == str(folder)
    qtbot.waitUntil(lambda: window.recent_files() == [str(small_video)])


def test_a_window_closed_while_its_tabs_load_builds_none(gui_env, qtbot):  # noqa: F811
    window = loading_window(qtbot)
    QApplication.processEvents()  # the loading starts
    window.close()
    assert QThreadPool.globalInstance().waitForDone(120_000)
    QApplication.processEvents()  # its end arrives
    assert window.viewer is None


def test_a_screenshot_says_once_what_it_waits_for(window, tmp_path, capfd, monkeypatch, small_video):  # noqa: F811
    monkeypatch.setattr(main_window, "SCREENSHOT_NOTE_MS", 0, raising=False)  # said before any frame can be there
    window.viewer.set_sides("source", "bicubic")
    capfd.readouterr()
    window.screenshot(str(small_video), str(tmp_path / "shot.png"), timeout_s=120)
    assert capfd.readouterr().err == "waiting for the first frame from bicubic (up to 120 s)...\n"
    assert (tmp_path / "shot.png").is_file()


def test_a_failed_load_says_so_in_place_of_the_tabs_and_what_was_not_opened(gui_env, qtbot, monkeypatch,  # noqa: F811
                                                                           small_video):
    def broken_install(*_, **__):
        raise PermissionError("[Errno 13] Permission denied: 'torch/__init__.py'")

    monkeypatch.setattr(main_window, "load_tabs", broken_install)
    monkeypatch.setattr(about_dialog.metadata, "version", no_metadata)  # as in a bundle built without it
    monkeypatch.setitem(sys.modules, "torch", None)  # its import fails
    window = loading_window(qtbot)
    window.open(str(small_video))  # the command line's video, asked for before the load ends
    qtbot.waitUntil(lambda: window.load_failure is not None, timeout=120_000)
    for index in (1, 2):
        page = window.tabs.widget(index).text()
        assert page.startswith(main_window.LOAD_FAILED) and "Permission denied" in page and "--selftest" in page
    assert not window.busy_bar.isVisible() and window.busy_text.whole == main_window.LOAD_FAILED
    assert window.error_box.text().startswith(f"Not opened: {small_video.name}.\n\n")
    window.open(str(small_video))  # the Welcome page's Open recent, afterwards: said as not opened too
    assert f"Not opened: {small_video.name}." in window.error_box.text() and not window.when_tabs_built
    window.error_box.close()
    # About says what a bug report needs (it stayed greyed for good), F1 why the shortcuts are not listed
    about = opened_about(window, qtbot)
    assert f"PyTorch\n{about_dialog.NOT_LOADED}\n" in about.about_text.toPlainText()
    cards = about.models_text.toPlainText()
    assert cards == window.tabs.widget(1).text() and cards.startswith(main_window.LOAD_FAILED)
    about.close()
    window.keys_action.trigger()
    assert window.statusBar().currentMessage() == main_window.KEYS_NOT_LISTED


@pytest.mark.parametrize("failing", ["TrainPanel", "_fill_tab_menus"])
def test_a_build_that_fails_part_way_is_taken_out_and_said_in_every_tab(gui_env, qtbot, monkeypatch,  # noqa: F811
                                                                        failing):
    """The Train panel failing (made after the viewer and the Batch panel), or the menus once the panels were placed:
    what was made is stopped and goes, and the Batch and Train tabs both say the failure (a half-built window had
    its failure said by setting a label's text on a panel, which failed in turn)."""
    from vsr_app.gui import batch_panel, train_panel, viewer

    stopped, shutdown = [], viewer.Viewer.shutdown
    monkeypatch.setattr(viewer.Viewer, "shutdown", lambda self: stopped.append(self) or shutdown(self))
    if failing == "TrainPanel":
        monkeypatch.setattr(train_panel, "TrainPanel", lambda *_: 1 / 0)
    else:
        monkeypatch.setattr(main_window.MainWindow, "_fill_tab_menus", lambda self: 1 / 0)
    window = loading_window(qtbot)
    qtbot.waitUntil(lambda: window.load_failure is not None, timeout=120_000)
    assert [window.tabs.tabText(i) for i in range(window.tabs.count())] == ["Compare", "Batch", "Train"]
    for index in (1, 2):
        page = window.tabs.widget(index)
        assert isinstance(page, QLabel) and page.text().startswith(main_window.LOAD_FAILED)
        assert "ZeroDivisionError" in page.text() and "--selftest" in page.text()
    assert window.viewer is None and window.batch is None and len(stopped) == 1
    assert window.compare.currentWidget() is window.welcome and not window.work_poll.isActive()
    assert not window.busy_bar.isVisible() and not any(menu.isEnabled() for menu in window.tab_menus)
    qtbot.waitUntil(lambda: not window.findChildren(viewer.Viewer) and not window.findChildren(batch_panel.BatchPanel))


def test_an_open_about_lists_a_model_trained_meanwhile_and_about_again_raises_it(window, qtbot,  # noqa: F811
                                                                               monkeypatch):
    """Opened before a model was trained, About kept the list it was opened with; each About opened another."""
    about = opened_about(window, qtbot)
    assert "mine-x4" not in about.models_text.toPlainText()
    model = models.list_models()[0]
    monkeypatch.setattr(about_dialog, "list_models", lambda: [model, replace(model, name="mine-x4")])
    window.train.modelsChanged.emit()  # a model trained: the Train tab says so
    assert "mine-x4" in about.models_text.toPlainText()
    assert opened_about(window, qtbot) is about and window.findChildren(about_dialog.AboutDialog) == [about]
    about.close()


def test_about_gives_versions_without_importing_a_package(tmp_path, monkeypatch):
    """Where a package has no metadata (a bundle built without it), About imported it for its version: torch's
    import waited for the models' loading, which imports it on its thread. A module imported already gives its
    version; one not is said not loaded."""
    done = subprocess.run([sys.executable, "-c", VERSIONS_WITHOUT_METADATA], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{about_dialog.NOT_LOADED};False"
    monkeypatch.setattr(about_dialog.metadata, "version", no_metadata)
    assert dict(about_dialog.runtime_versions())["PyTorch"] == torch.__version__
