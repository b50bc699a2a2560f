"""A Batch row's own actions (its menu by right-click or keyboard, a double-click): compare its input in the viewer,
play its output, show it in its folder, each for the file the row lists wherever sorting has put it. After a batch
of many videos, the whole output folder and the report were all the tab offered."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QContextMenuEvent, QDesktopServices
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from gui_support import SlowBicubic, gui_env, slow_model, whole_message, window  # noqa: F401
from test_batch_panel_sort import click_header
from test_gui_batch import folders, run_to_end, setup_panel, wait_listed
from vsr_app.gui.processing import SOURCE


@pytest.fixture
def opened(monkeypatch):
    """The URLs handed to the system's apps, in order."""
    urls = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: urls.append(Path(url.toLocalFile())) or True)
    return urls


def row_of(panel, name: str) -> int:
    table = panel.table
    return next(r for r in range(table.rowCount()) if table.item(r, 0).text() == name)


def row_menu(panel, name: str, keyboard: bool = False) -> dict:
    """Open the row's menu as the user would (right-click on it, or the menu key on it as the current row) and
    return its actions by text."""
    table = panel.table
    rect = table.visualItemRect(table.item(row_of(panel, name), 1))
    if keyboard:
        table.setFocus()
        table.setCurrentCell(row_of(panel, name), 1)
        event = QContextMenuEvent(QContextMenuEvent.Keyboard, rect.center(), table.mapToGlobal(rect.center()))
        QApplication.sendEvent(table, event)
    else:
        event = QContextMenuEvent(QContextMenuEvent.Mouse, rect.center(), table.viewport().mapToGlobal(rect.center()))
        QApplication.sendEvent(table.viewport(), event)
    assert panel.table.row_menu.isVisible()
    return {action.text(): action for action in panel.table.row_menu.actions()}


def pick(panel, actions: dict, text: str) -> None:
    actions[text].trigger()
    panel.table.row_menu.hide()


def enabled(actions: dict) -> dict[str, bool]:
    return {text: action.isEnabled() for text, action in actions.items()}


def double_click(panel, name: str, column: int) -> None:
    """As a user's double-click arrives: a press and release, then the double-click (QTest's alone is not one)."""
    table = panel.table
    spot = table.visualItemRect(table.item(row_of(panel, name), column)).center()
    QTest.mouseClick(table.viewport(), Qt.LeftButton, Qt.NoModifier, spot)
    QTest.mouseDClick(table.viewport(), Qt.LeftButton, Qt.NoModifier, spot)


def sorted_by_name_descending(panel) -> list[str]:
    click_header(panel, 0)
    click_header(panel, 0)
    return [panel.table.item(r, 0).text() for r in range(panel.table.rowCount())]


def test_each_action_acts_on_the_row_s_own_file_once_sorted(window, qtbot, small_video, tmp_path, slow_model,
                                                            opened):
    assert slow_model not in {m.name for m in window.viewer.models}  # installed after the viewer listed its models
    in_dir, out_dir = folders(tmp_path, small_video, 3)
    panel = setup_panel(qtbot, window, in_dir, out_dir, slow_model)
    run_to_end(qtbot, panel)
    assert sorted_by_name_descending(panel) == ["clip2.mp4", "clip1.mp4", "clip0.mp4"]

    pick(panel, row_menu(panel, "clip0.mp4"), "Play output")
    pick(panel, row_menu(panel, "clip1.mp4", keyboard=True), "Show in folder")
    assert opened == [out_dir / "clip0.mp4", out_dir]
    assert window.tabs.currentWidget() is panel  # nothing else moved

    panel.model.setCurrentIndex(panel.model.findData("bicubic"))  # the rows are still the batch's, made with its model
    actions = row_menu(panel, "clip1.mp4", keyboard=True)
    assert enabled(actions) == {"Compare in viewer": True, "Play output": True, "Show in folder": True}
    assert panel.table.row_menu.defaultAction() is actions["Compare in viewer"]
    with qtbot.waitSignal(window.viewer.videoOpened, timeout=30_000):
        pick(panel, actions, "Compare in viewer")
    viewer = window.viewer
    assert viewer.info.path == str(in_dir / "clip1.mp4")
    assert (viewer.task, viewer.sides) == ("upscale", (slow_model, "bicubic"))
    assert window.tabs.currentIndex() == 0 and window.compare.currentWidget() is viewer


def test_a_double_click_compares_the_row_s_input(window, qtbot, small_video, tmp_path):
    in_dir, out_dir = folders(tmp_path, small_video, 2)
    panel = setup_panel(qtbot, window, in_dir, out_dir, "bicubic")  # nothing run: the form's model
    sorted_by_name_descending(panel)
    with qtbot.waitSignal(window.viewer.videoOpened, timeout=30_000):
        double_click(panel, "clip0.mp4", 2)
    assert window.viewer.info.path == str(in_dir / "clip0.mp4")
    assert window.viewer.sides == ("bicubic", SOURCE)  # the baseline itself: against the source
    assert window.tabs.currentIndex() == 0


def test_actions_that_do_not_apply_to_a_row_are_disabled(window, qtbot, small_video, tmp_path, opened):
    in_dir, out_dir = folders(tmp_path, small_video, 2)
    (in_dir / "broken.mp4").write_bytes(b"not a video")
    panel = setup_panel(qtbot, window, in_dir, out_dir, "bicubic")
    queued = {"Compare in viewer": True, "Play output": False, "Show in folder": False}
    assert enabled(row_menu(panel, "clip0.mp4")) == queued
    panel.table.row_menu.hide()

    run_to_end(qtbot, panel)
    run_to_end(qtbot, panel)  # again: the outputs made are found complete, and skipped
    click_header(panel, 1)  # by status: failed first
    assert panel.table.item(row_of(panel, "clip0.mp4"), 1).text() == "skipped"
    assert enabled(row_menu(panel, "broken.mp4")) == queued  # its input is there to look at
    panel.table.row_menu.hide()
    (out_dir / "clip0.mp4").unlink()
    (in_dir / "clip1.mp4").unlink()
    assert enabled(row_menu(panel, "clip0.mp4")) == queued  # its output is gone
    panel.table.row_menu.hide()
    actions = row_menu(panel, "clip1.mp4", keyboard=True)
    assert enabled(actions) == {"Compare in viewer": False, "Play output": True, "Show in folder": True}
    pick(panel, actions, "Compare in viewer")  # a disabled action does nothing, as does a double-click
    double_click(panel, "clip1.mp4", 0)
    QApplication.processEvents()
    assert window.viewer.info is None and window.tabs.currentWidget() is panel and opened == []


def test_a_finished_row_is_compared_while_the_batch_runs_on(window, qtbot, small_video, tmp_path, slow_model,
                                                             monkeypatch):
    gate = threading.Event()
    gate.set()
    monkeypatch.setattr(SlowBicubic, "gate", gate)
    window.reload_action.trigger()  # the viewer lists the test's model too
    in_dir, out_dir = folders(tmp_path, small_video, 3)
    panel = setup_panel(qtbot, window, in_dir, out_dir, slow_model)
    sorted_by_name_descending(panel)
    panel.start()
    qtbot.waitUntil(lambda: panel.table.item(row_of(panel, "clip0.mp4"), 1).text() == "ok", timeout=60_000)
    gate.clear()  # the batch waits in its next file (and so does the viewer, with the same model)
    try:
        assert panel.running()
        actions = row_menu(panel, "clip0.mp4")
        assert enabled(actions)["Play output"]
        with qtbot.waitSignal(window.viewer.videoOpened, timeout=30_000):
            pick(panel, actions, "Compare in viewer")
        assert window.viewer.info.path == str(in_dir / "clip0.mp4") and window.tabs.currentIndex() == 0
        assert panel.running() and panel.cancel_button.isVisibleTo(panel)
    finally:
        gate.set()
    qtbot.waitUntil(lambda: not panel.running(), timeout=120_000)
    assert {panel.table.item(r, 1).text() for r in range(3)} == {"ok"}
    assert panel.status.text().startswith("Done: 3 ok")


def test_compare_leaves_the_viewer_alone_for_a_video_it_cannot_open_or_a_model_gone(window, qtbot, small_video,
                                                                                   tmp_path, slow_model,
                                                                                   monkeypatch):
    """A failed row's Compare set the viewer's task and sides (and remembered them) before the video failed to
    open; a model removed since the batch raised in the viewer, said nowhere but on stderr."""
    in_dir, out_dir = folders(tmp_path, small_video, 1)
    (in_dir / "broken.mp4").write_bytes(b"not a video")
    panel = setup_panel(qtbot, window, in_dir, out_dir, slow_model)
    run_to_end(qtbot, panel)
    before = window.viewer.sides
    pick(panel, row_menu(panel, "broken.mp4"), "Compare in viewer")
    qtbot.waitUntil(lambda: window.error_box is not None and window.error_box.isVisible(), timeout=30_000)
    window.error_box.close()
    assert window.viewer.sides == before and window.viewer.info is None

    from vsr_app import models
    monkeypatch.delitem(models._BUILTINS, slow_model)  # gone since the batch ran with it
    window.reload_action.trigger()
    pick(panel, row_menu(panel, "clip0.mp4"), "Compare in viewer")
    assert "not installed any more" in window.error_box.text() and window.tabs.currentWidget() is panel
    assert window.viewer.sides == before and window.viewer.info is None


def test_a_new_listing_closes_the_menu_of_a_row_it_removed(window, qtbot, small_video, tmp_path):
    """A menu opened on the old folder's clip0.mp4, picked after another folder with a clip0.mp4 was listed,
    compared the new folder's file."""
    in_dir, out_dir = folders(tmp_path, small_video, 1)
    panel = setup_panel(qtbot, window, in_dir, out_dir, "bicubic")
    actions = row_menu(panel, "clip0.mp4")
    other = tmp_path / "other"
    other.mkdir()
    (other / "clip0.mp4").write_bytes(small_video.read_bytes())
    panel.in_dir.setText(str(other))
    wait_listed(qtbot, panel, panel.scan)
    assert not panel.table.row_menu.isVisible()
    actions["Compare in viewer"].trigger()
    QApplication.processEvents()
    assert window.viewer.info is None and window.tabs.currentWidget() is panel


def test_shift_f10_opens_the_current_row_s_menu(window, qtbot, small_video, tmp_path):
    in_dir, out_dir = folders(tmp_path, small_video, 2)
    panel = setup_panel(qtbot, window, in_dir, out_dir, "bicubic")
    panel.table.setFocus()
    panel.table.setCurrentCell(row_of(panel, "clip1.mp4"), 0)
    QTest.keyClick(panel.table, Qt.Key_F10, Qt.ShiftModifier)
    assert panel.table.row_menu.isVisible() and panel.table.menu_input == "clip1.mp4"
    panel.table.row_menu.hide()


def test_an_earlier_output_among_the_inputs_is_ignored_with_no_output_of_its_own(window, qtbot, small_video, tmp_path,
                                                                                opened):
    """An earlier batch's output left in the input folder was "skipped" at an output name never written, its row a
    done file's, and a rerun's bar said "all 2 outputs already exist" where one did."""
    from vsr_app.batch import run_batch
    from vsr_app.gui import colours

    in_dir, out_dir = folders(tmp_path, small_video, 1)
    run_batch(in_dir, in_dir / "enhanced", model="bicubic")
    panel = setup_panel(qtbot, window, in_dir, out_dir, "bicubic")
    wait_listed(qtbot, panel, lambda: panel.form.recursive.setChecked(True))
    run_to_end(qtbot, panel)
    run_to_end(qtbot, panel)  # again: clip0.mp4's output is there
    assert panel.progress.format() == "Nothing to do: 1 output already exists, 1 earlier output left as it is"
    row = row_of(panel, "enhanced/clip0.mp4")
    status = panel.table.item(row, 1)
    assert (status.text(), status.foreground().color().name()) == ("ignored", colours.MUTED.lower())
    assert panel.table.item(row, 3).text() == (
        "not upscaled a second time (move it out of the input folder, or upscale it on its own with Export in the "
        "Compare tab): this app's upscaled output of clip0.mp4, which this batch upscales too")  # no `vsr-app upscale`
    assert enabled(row_menu(panel, "enhanced/clip0.mp4")) == {"Compare in viewer": True, "Play output": False,
                                                               "Show in folder": False}
    panel.table.row_menu.hide()
    assert not (out_dir / "enhanced").exists()


def test_the_queue_lists_earlier_outputs_as_the_batch_will_leave_them_for_the_task_chosen(window, qtbot, small_video,
                                                                                         tmp_path):
    """An earlier batch's outputs in the input folder were listed "queued", with outputs the batch never made, and
    turned "ignored" only once the batch reached them. Whether one is left depends on the task: an upscale is
    upscaled by no upscaling batch, but interpolated by an interpolating one."""
    from vsr_app.batch import run_batch
    from vsr_app.gui import colours

    in_dir, out_dir = folders(tmp_path, small_video, 2)
    run_batch(in_dir, in_dir / "enhanced", model="bicubic")
    panel = setup_panel(qtbot, window, in_dir, out_dir, "bicubic")
    wait_listed(qtbot, panel, lambda: panel.form.recursive.setChecked(True))
    assert panel.status.text() == "2 videos found, 2 earlier outputs left as they are."
    row = row_of(panel, "enhanced/clip1.mp4")
    status, output = panel.table.item(row, 1), panel.table.item(row, 3)
    assert (status.text(), status.foreground().color().name()) == ("ignored", colours.MUTED.lower())
    assert output.text().startswith("not upscaled a second time (move it out of the input folder")
    assert output.text().endswith("this app's upscaled output of clip1.mp4, which this batch upscales too")
    assert panel.table.item(row_of(panel, "clip1.mp4"), 1).text() == "queued"
    wait_listed(qtbot, panel, lambda: panel.form.task.setCurrentIndex(panel.form.task.findData("interpolate")))
    assert panel.status.text() == "4 videos found."
    assert panel.table.item(row_of(panel, "enhanced/clip1.mp4"), 3).text() == str(out_dir / "enhanced" / "clip1.mp4")
    wait_listed(qtbot, panel, lambda: panel.form.task.setCurrentIndex(panel.form.task.findData("upscale")))
    assert panel.status.text() == "2 videos found, 2 earlier outputs left as they are."
    run_to_end(qtbot, panel)
    assert [panel.table.item(row_of(panel, f"enhanced/clip{i}.mp4"), 1).text() for i in range(2)] == ["ignored"] * 2


def test_an_output_no_app_can_open_is_said(window, qtbot, small_video, tmp_path, monkeypatch):
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: False)
    in_dir, out_dir = folders(tmp_path, small_video, 1)
    panel = setup_panel(qtbot, window, in_dir, out_dir, "bicubic")
    run_to_end(qtbot, panel)
    pick(panel, row_menu(panel, "clip0.mp4"), "Play output")
    assert "no app to open" in window.error_box.text() and str(out_dir / "clip0.mp4") in whole_message(window.error_box)


def test_a_name_that_is_not_utf8_is_shown_escaped_and_its_row_acts_on_its_own_file(window, qtbot, small_video,
                                                                                    tmp_path, monkeypatch):
    """b'caf\\xe9.mp4' (a Latin-1 name from an old USB drive) showed as caf.mp4 beside a real caf.mp4, and its row's
    Play output opened the other file's output: Qt text drops what is not UTF-8."""
    import os
    import shutil
    import urllib.parse

    in_dir, out_dir = tmp_path / "in", tmp_path / "out"
    in_dir.mkdir()
    odd = os.fsdecode(b"caf\xe9.mp4")
    for name in ("caf.mp4", odd):
        shutil.copy(small_video, in_dir / name)
    panel = setup_panel(qtbot, window, in_dir, out_dir, "bicubic")
    run_to_end(qtbot, panel)
    assert sorted(panel.table.item(r, 0).text() for r in range(2)) == ["caf.mp4", "caf\\xe9.mp4"]
    opened = []  # as the URL's bytes: its text cannot hold the name
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(bytes(url.toEncoded())) or True)
    pick(panel, row_menu(panel, "caf\\xe9.mp4"), "Play output")
    assert opened == [b"file://" + urllib.parse.quote(os.fsencode(out_dir / odd)).encode()]


def test_the_selected_rows_whole_reason_is_shown_under_the_table(window, qtbot, small_video, tmp_path):
    """A long reason was cut in the middle of its cell, losing the words that say what to do ("...ng outputs\\" to
    replace it..."), and was whole only in a tooltip. The row selected has it whole under the table; a reason is cut
    at its end in its cell, a path still in its middle (its file name is at the end)."""
    from vsr_app.gui.batch_queue import REASON

    in_dir, out_dir = folders(tmp_path, small_video, 2)
    out_dir.mkdir()
    (out_dir / "clip0.mp4").write_text("my notes")
    panel = setup_panel(qtbot, window, in_dir, out_dir, "bicubic")
    table = panel.table
    assert not table.detail.isVisible()  # no row selected: nothing to say
    table.setCurrentCell(row_of(panel, "clip1.mp4"), 0)
    assert table.detail.isVisible() and table.detail.text() == f"clip1.mp4 (queued): {out_dir / 'clip1.mp4'}"
    table.setCurrentCell(row_of(panel, "clip0.mp4"), 0)
    run_to_end(qtbot, panel)
    row = row_of(panel, "clip0.mp4")
    table.selectRow(row)
    reason = table.item(row, 3).text()
    assert reason.endswith("to replace it or choose another output folder")
    assert table.detail.isVisible() and table.detail.text() == f"clip0.mp4 (exists): {reason}"
    assert table.detail.geometry().top() >= table.geometry().bottom()  # under the table, in the tab
    assert table.item(row, 3).data(REASON) and not table.item(row_of(panel, "clip1.mp4"), 3).data(REASON)
    assert table.item(row, 3).toolTip() == reason  # kept too


def test_the_listing_says_a_file_reached_by_a_link_apart_from_earlier_outputs(window, qtbot, small_video, tmp_path):
    """A file met a second time through a link was counted among "earlier outputs left as they are" in the tab's
    found line, while the command line's summary says it apart: it is no earlier output."""
    in_dir, out_dir = folders(tmp_path, small_video, 1)
    (in_dir / "link.mp4").symlink_to(in_dir / "clip0.mp4")
    panel = setup_panel(qtbot, window, in_dir, out_dir, "bicubic")
    assert panel.status.text() == "1 video found, 1 duplicate left as it is."
    assert panel.table.item(row_of(panel, "link.mp4"), 1).text() == "ignored"
