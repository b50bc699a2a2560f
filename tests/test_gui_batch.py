"""The Batch tab: queue listed up front, per-file status as the batch runs, a report, and cancel."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
from functools import partial
from pathlib import Path

import pytest
from PySide6.QtGui import QDesktopServices, QFont
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox

from gui_support import SlowBicubic, announced, gui_env, slow_model, type_into, window  # noqa: F401
from test_gui_train_typed_start import boxes_opened  # noqa: F401
from videogen import make_video, woven_fields
from vsr_app.gui.batch_form import RECURSIVE_LABEL, REPLACE_LABEL
from vsr_app.progress import ProgressInfo


def folders(tmp_path, small_video, copies: int):
    in_dir, out_dir = tmp_path / "in", tmp_path / "out"
    in_dir.mkdir()
    for i in range(copies):
        shutil.copy(small_video, in_dir / f"clip{i}.mp4")
    return in_dir, out_dir


def setup_panel(qtbot, window, in_dir, out_dir, model: str):
    panel = window.batch
    window.tabs.setCurrentWidget(panel)
    panel.refresh_models()
    panel.in_dir.setText(str(in_dir))
    panel.out_dir.setText(str(out_dir))
    panel.model.setCurrentIndex(panel.model.findData(model))
    wait_listed(qtbot, panel, panel.scan)
    return panel


def wait_listed(qtbot, panel, action):
    """Do `action` and wait for the queue it lists (on a worker thread) to be shown."""
    with qtbot.waitSignal(panel.listed, timeout=30_000):
        action()


def run_to_end(qtbot, panel, timeout=120_000):
    """Process all, and wait for the batch to end."""
    with qtbot.waitSignal(panel.batchFinished, timeout=timeout):
        panel.start()


def test_batch_processes_queue_with_status_and_report(window, qtbot, small_video, tmp_path, announced):
    in_dir, out_dir = folders(tmp_path, small_video, 2)
    (in_dir / "broken.mp4").write_bytes(b"not a video")
    panel = setup_panel(qtbot, window, in_dir, out_dir, "bicubic")
    assert announced[-1] == ("3 videos found.", "3 videos found.")  # what a listing finds is said too
    announced.clear()
    assert [panel.table.item(r, 0).text() for r in range(3)] == ["broken.mp4", "clip0.mp4", "clip1.mp4"]
    assert {panel.table.item(r, 1).text() for r in range(3)} == {"queued"}
    run_to_end(qtbot, panel)
    statuses = [panel.table.item(r, 1).text() for r in range(3)]
    assert statuses == ["failed", "ok", "ok"]
    reason = panel.table.item(0, 3).text()  # the File column names the file: no full path again
    assert reason.startswith("cannot read this file: it is not a video") and str(in_dir) not in reason
    assert (out_dir / "clip0.mp4").is_file() and (out_dir / "clip1.mp4").is_file()
    report = json.loads((out_dir / "vsr-app-report.json").read_text())
    assert report["counts"]["ok"] == 2 and report["counts"]["failed"] == 1
    assert panel.status.text().startswith("Done: 2 ok") and panel.progress.value() == 1000
    assert announced == [(panel.status.text(), panel.status.text())]  # a screen reader says the end, only it
    assert panel.report_button.isVisible()
    assert window.work_text.text() == ""  # the status bar says at once that the batch no longer runs
    assert window.statusBar().currentMessage().startswith("Batch done: 2 ok")  # and how, seen from any tab


def test_the_batch_runs_over_the_queue_shown_when_the_folder_changes_after_it_was_listed(window, qtbot, small_video,
                                                                                        tmp_path, monkeypatch):
    """The batch listed the folder again by itself: a file gone since the tab's listing stayed "queued" forever, and
    one come since was processed without a row. Now the queue shown is what runs: a file gone fails, and one come
    waits for the next batch."""
    from vsr_app import batch_plan

    in_dir, out_dir = folders(tmp_path, small_video, 2)
    plan = batch_plan.plan_batch

    def folder_changes_once_listed(*args, **kwargs):
        listed = plan(*args, **kwargs)
        (in_dir / "clip1.mp4").unlink(missing_ok=True)
        shutil.copy(small_video, in_dir / "arrived.mp4")
        return listed

    monkeypatch.setattr(batch_plan, "plan_batch", folder_changes_once_listed)
    panel = setup_panel(qtbot, window, in_dir, out_dir, "bicubic")
    shutil.copy(small_video, in_dir / "clip1.mp4")  # back for Process all's own listing
    (in_dir / "arrived.mp4").unlink()
    run_to_end(qtbot, panel)
    rows = {panel.table.item(r, 0).text(): panel.table.item(r, 1).text() for r in range(panel.table.rowCount())}
    assert rows == {"clip0.mp4": "ok", "clip1.mp4": "failed"}
    report = json.loads((out_dir / "vsr-app-report.json").read_text())
    assert sorted(f["input"] for f in report["files"]) == ["clip0.mp4", "clip1.mp4"]
    assert not (out_dir / "arrived.mp4").exists()


def test_the_listing_names_a_folder_it_cannot_read(window, qtbot, small_video, tmp_path):
    """It said "17 videos found." and, at the end, "1 unreadable folder left out": which one was in the report only."""
    in_dir, out_dir = folders(tmp_path, small_video, 1)
    (in_dir / "usb-footage").symlink_to(tmp_path / "unplugged")
    panel = window.batch
    panel.form.recursive.setChecked(True)
    panel = setup_panel(qtbot, window, in_dir, out_dir, "bicubic")
    assert panel.status.text() == "1 video found. Left out, as it cannot be read: usb-footage."


def test_batch_cancel(window, qtbot, small_video, tmp_path, slow_model, monkeypatch):
    # frames wait at the gate until the cancel has been asked for, so the first file cannot finish first
    gate = threading.Event()
    monkeypatch.setattr(SlowBicubic, "gate", gate)
    in_dir, out_dir = folders(tmp_path, small_video, 3)
    panel = setup_panel(qtbot, window, in_dir, out_dir, slow_model)
    panel.start()
    qtbot.waitUntil(lambda: panel.table.item(0, 1).text() == "processing", timeout=60_000)
    panel.cancel()
    gate.set()
    with qtbot.waitSignal(panel.job.finished, timeout=60_000):
        pass
    assert [panel.table.item(r, 1).text() for r in range(3)] == ["cancelled"] * 3
    # the file in work, as the tab stopped it: the command line's reason says "(Cancel, Ctrl-C or a stop signal)"
    assert panel.table.item(0, 3).text() == "stopped by Cancel before it ended; no output was written"
    assert panel.status.text().startswith("Cancelled")
    assert not any(p.suffix == ".mp4" for p in out_dir.rglob("*"))  # no output, not even a partial one
    assert panel.start_button.isVisible()


def test_a_file_in_the_way_is_kept_and_shown_with_how_to_replace_it(window, qtbot, small_video, tmp_path,
                                                                      monkeypatch):
    in_dir, out_dir = folders(tmp_path, small_video, 1)
    out_dir.mkdir()
    (out_dir / "clip0.mp4").write_text("my notes")
    panel = setup_panel(qtbot, window, in_dir, out_dir, "bicubic")
    run_to_end(qtbot, panel)
    assert panel.table.item(0, 1).text() == "exists"
    assert panel.table.item(0, 3).text() == ("kept an existing file that is not a readable video; "
                                             f"tick \"{REPLACE_LABEL}\" to replace it or choose another output folder")
    assert (out_dir / "clip0.mp4").read_text() == "my notes"
    assert panel.status.text().startswith("Done: 0 ok, 0 skipped, 0 failed, 1 existing file kept")

    panel.form.overwrite.setChecked(True)
    asked = []  # a file this app did not make: replaced only once the user says so
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[1]) or QMessageBox.Yes)
    run_to_end(qtbot, panel)
    assert asked == ["Replace files with no record of this app?"]
    assert panel.table.item(0, 1).text() == "ok" and (out_dir / "clip0.mp4").stat().st_size > 1000


def test_an_output_folder_inside_the_input_folder_is_not_listed_as_input(window, qtbot, small_video, tmp_path):
    """The table listed the previous run's outputs as inputs and put each result on the row at its position."""
    in_dir = tmp_path / "in"
    (in_dir / "zz").mkdir(parents=True)
    shutil.copy(small_video, in_dir / "a.mp4")
    shutil.copy(small_video, in_dir / "zz" / "x.mp4")
    out_dir = in_dir / "enh"
    panel = setup_panel(qtbot, window, in_dir, out_dir, "bicubic")
    wait_listed(qtbot, panel, lambda: panel.form.recursive.setChecked(True))
    # the second run finds the first run's outputs in the output folder; its bar says so, not a bare "100%" of
    # nothing; the third replaces them
    for expected, replace in (("ok", False), ("skipped", False), ("ok", True)):
        panel.form.overwrite.setChecked(replace)
        run_to_end(qtbot, panel)
        rows = {panel.table.item(r, 0).text(): panel.table.item(r, 1).text() for r in range(panel.table.rowCount())}
        assert rows == {"a.mp4": expected, "zz/x.mp4": expected}
        assert panel.status.text().startswith("Done: " + ("2 ok" if expected == "ok" else "0 ok, 2 skipped"))
        assert panel.progress.value() == 1000
        assert panel.progress.text() == ("100%" if expected == "ok" else "Nothing to do: all 2 outputs already exist")


def test_folders_expand_home_and_a_relative_output_folder_is_inside_the_input_folder(window, qtbot, small_video,
                                                                                       tmp_path, monkeypatch):
    """Neither a folder literally named "~" nor output in whatever folder the app started in; the table shows the
    full output paths. A relative input folder is refused: there is nothing it could be relative to."""
    in_dir, _ = folders(tmp_path, small_video, 1)
    monkeypatch.chdir(tmp_path)
    for text, out_dir in (("~/bout", Path.home() / "bout"), ("enh", in_dir / "enh")):
        panel = setup_panel(qtbot, window, in_dir, text, "bicubic")
        assert panel.table.item(0, 3).text() == str(out_dir / "clip0.mp4")
        run_to_end(qtbot, panel)
        assert panel.table.item(0, 1).text() == "ok" and (out_dir / "clip0.mp4").is_file()
        assert panel.report_path == str(out_dir / "vsr-app-report.json")
    assert not (tmp_path / "~").exists() and not (tmp_path / "enh").exists()
    assert "inside the input folder" in panel.out_dir.toolTip()

    last_job = panel.job
    panel = setup_panel(qtbot, window, "in", "out", "bicubic")
    assert "must be a full path" in panel.status.text() and panel.table.rowCount() == 0
    with qtbot.waitSignal(panel.errorRaised, timeout=5_000) as blocker:
        panel.start()
    assert "must be a full path" in blocker.args[1] and panel.job is last_job  # nothing started


def test_an_input_folder_without_videos_points_to_the_sub_folders_checkbox(window, qtbot, small_video, tmp_path,
                                                                           announced):
    """Process all over it opened a "Batch failed" box listing 22 extensions, and the status bar said so for 15 s,
    over the next listing too: nothing had run. It is refused on the tab's status line, in the listing's words."""
    in_dir, out_dir = tmp_path / "in", tmp_path / "out"
    (in_dir / "sub").mkdir(parents=True)
    shutil.copy(small_video, in_dir / "sub" / "clip.mp4")
    panel = setup_panel(qtbot, window, in_dir, out_dir, "bicubic")
    # the listing says it too, with how many: it said only "No videos...", and the hint came at Process all
    found = f"videos with these extensions in the input folder; sub-folders hold 1 video: tick \"{RECURSIVE_LABEL}\" "
    assert panel.status.text() == f"No {found}to add them."
    announced.clear()
    with qtbot.assertNotEmitted(panel.errorRaised), qtbot.assertNotEmitted(panel.batchFinished):
        wait_listed(qtbot, panel, panel.start)
    assert panel.status.text() == f"Not started: no {found}to add them." and panel.job is None
    assert announced == [(panel.status.text(), panel.status.text())]
    assert window.statusBar().currentMessage() == "" and panel.start_button.isVisible()
    wait_listed(qtbot, panel, lambda: panel.form.recursive.setChecked(True))
    assert panel.status.text() == "1 video found."


def test_the_listing_says_how_many_more_videos_sub_folders_hold(window, qtbot, small_video, tmp_path, monkeypatch):
    """A folder with videos at the top said nothing of more in its sub-folders: the user processed 1 and missed the
    rest. A count cut short by its budget says "at least"."""
    import vsr_app.batch_plan as batch_plan

    in_dir, out_dir = folders(tmp_path, small_video, 1)
    (in_dir / "sub" / "deep").mkdir(parents=True)
    for name in ("sub/a.mp4", "sub/deep/b.mp4"):
        shutil.copy(small_video, in_dir / name)
    panel = setup_panel(qtbot, window, in_dir, out_dir, "bicubic")
    # "sub-folders" once, not beside the checkbox's name and again after it
    assert panel.status.text() == (f"1 video found. Sub-folders hold 2 more videos: tick \"{RECURSIVE_LABEL}\" to "
                                   "add them.")
    monkeypatch.setattr(batch_plan, "count_in_sub_folders", partial(batch_plan.count_in_sub_folders, entries=2))
    wait_listed(qtbot, panel, panel.scan)  # sub/'s 2 names (the top's are not in the budget): deep/ is left
    assert panel.status.text() == ("1 video found. Sub-folders hold at least 1 more video: "
                                   f"tick \"{RECURSIVE_LABEL}\" to add them.")
    wait_listed(qtbot, panel, lambda: panel.form.recursive.setChecked(True))
    assert panel.status.text() == "3 videos found."


def test_a_count_for_a_folder_no_longer_chosen_is_not_shown(window, qtbot, small_video, tmp_path, monkeypatch):
    """The count walks the sub-folders on the listing's worker thread, up to its budget (a network share is slow):
    one for a folder chosen before must not be shown as the count of the folder chosen since."""
    import vsr_app.batch_plan as batch_plan

    before, since = tmp_path / "before", tmp_path / "since"
    for folder, copies in ((before, 3), (since, 1)):
        (folder / "sub").mkdir(parents=True)
        for i in range(copies):
            shutil.copy(small_video, folder / "sub" / f"clip{i}.mp4")
    counting, release = threading.Event(), threading.Event()
    count = batch_plan.count_in_sub_folders

    def held(root, *args, **kwargs):
        if root == before:
            counting.set()
            release.wait(30)
        return count(root, *args, **kwargs)

    monkeypatch.setattr(batch_plan, "count_in_sub_folders", held)
    panel = setup_panel(qtbot, window, since, tmp_path / "out", "bicubic")
    try:
        panel.in_dir.setText(str(before))
        panel.scan()
        stale = panel.list_job
        assert counting.wait(30)  # then the folder chosen before is being counted
        panel.in_dir.setText(str(since))
        wait_listed(qtbot, panel, panel.scan)
        shown = panel.status.text()
        assert shown.endswith(f"sub-folders hold 1 video: tick \"{RECURSIVE_LABEL}\" to add them.")
        with qtbot.waitSignal(stale.finished, timeout=30_000):
            release.set()
    finally:
        release.set()
    qtbot.wait(50)  # anything the stale listing queued for the GUI thread is delivered by then
    assert panel.status.text() == shown and panel.list_job is None


def test_a_long_file_name_being_processed_never_widens_the_window(window, qtbot, small_video, tmp_path):
    """The status line names the file in work; kept on one line, a long name in a sub-folder asked for more width
    than a 1024 px window has (1109 px here), and the window grew past the screen."""
    in_dir = tmp_path / "in"
    (in_dir / "Holiday 2023" / "Day 2").mkdir(parents=True)
    name = "Beach at sunset with the family, long cut " * 3 + ".mp4"
    shutil.copy(small_video, in_dir / "Holiday 2023" / "Day 2" / name)
    window.resize(1024, 640)
    panel = setup_panel(qtbot, window, in_dir, tmp_path / "out", "bicubic")
    wait_listed(qtbot, panel, lambda: panel.form.recursive.setChecked(True))
    needed = []
    wait_listed(qtbot, panel, panel.start)  # then the batch has started
    panel.job.progressed.connect(lambda _: needed.append((panel.status.text(), window.minimumSizeHint().width())))
    with qtbot.waitSignal(panel.batchFinished, timeout=120_000):
        pass
    assert any("Beach at sunset" in text for text, _ in needed)
    assert max(width for _, width in needed) <= 1024


def test_the_progress_line_counts_frames_and_says_the_frames_waiting_are_in_the_encoder(window):
    """"[1/5] flash.mp4 (10 more made)   \u00b7   11.2 fps" read as 10 more files made, and gave no count."""
    panel = window.batch
    panel._progressed((ProgressInfo(14, 1800, 11.2, 5.0, 72.0, "[1/5] flash.mp4", waiting=10),))
    assert panel.status.text() == ("[1/5] flash.mp4: frame\u00a014\u00a0/\u00a01800 of the batch (10 still in the "
                                   "encoder)   \u00b7   11.2\u00a0fps   \u00b7   1\u00a0min\u00a012\u00a0s\u00a0left")


@pytest.mark.parametrize("points, width", [(None, 1280), (14, 1024)])
def test_the_fields_of_a_row_stand_apart_and_still_fit(gui_env, qtbot, points, width):
    """The two boxes under the task touched ("...(8x slower)[ ]Deinterlace..."), and "with" and "on" sat against
    their pickers (2 px), also at 14 pt in a 1024 px window, which must still hold the tab."""
    from PySide6.QtCore import QSettings

    from gui_support import stop_work
    from vsr_app.gui.main_window import MainWindow

    usual = QApplication.font()
    large = QFont(usual)
    if points:
        large.setPointSize(points)
    QApplication.setFont(large)  # before the window is made, as a desktop's font setting is
    try:
        win = MainWindow(QSettings())
        qtbot.addWidget(win, before_close_func=stop_work)
        win.resize(width, 700)
        win.show()
        panel = win.batch
        win.tabs.setCurrentWidget(panel)
        qtbot.waitUntil(lambda: win.width() == width and panel.form.deinterlace.isVisible())
        QApplication.processEvents()
        assert win.minimumSizeHint().width() <= width
        boxes = panel.form.self_ensemble.geometry(), panel.form.deinterlace.geometry()
        assert boxes[1].left() - boxes[0].right() > 8
        for name, before, after in (("with", panel.form.task, panel.model), ("on", panel.model, panel.form.device)):
            label = next(label for label in panel.findChildren(QLabel) if label.text() == name)
            assert label.geometry().left() - before.geometry().right() > 4, name
            assert after.geometry().left() - label.geometry().right() > 4, name
    finally:
        QApplication.setFont(usual)


def test_a_reason_cut_off_in_a_small_window_is_in_its_tooltip(window, qtbot, small_video, tmp_path):
    """At 1024 px the reason column showed half of 'kept an existing file ...; tick "Replace existing outputs" to
    replace it': the half that says what to do was nowhere to be read (900 px now: the status and time columns
    take only what they need)."""
    in_dir, out_dir = folders(tmp_path, small_video, 1)
    out_dir.mkdir()
    (out_dir / "clip0.mp4").write_text("my notes")
    window.resize(900, 640)  # narrow enough to cut it (the status and time columns take only what they need)
    panel = setup_panel(qtbot, window, in_dir, out_dir, "bicubic")
    run_to_end(qtbot, panel)
    reason = panel.table.item(0, 3)
    assert panel.table.fontMetrics().horizontalAdvance(reason.text()) > panel.table.columnWidth(3)  # cut off
    assert reason.toolTip() == reason.text() and "to replace it" in reason.toolTip()


def test_an_output_folder_another_batch_writes_into_is_refused_in_one_line(window, qtbot, small_video, tmp_path):
    """A batch from the command line holds the folder (its lock, taken here by a process that waits): the tab says
    why it could not run in a dialog and, once that is closed, still in its status line."""
    in_dir, out_dir = folders(tmp_path, small_video, 1)
    out_dir.mkdir()
    hold = (f"from vsr_app.batch import claim_output_folder\nwith claim_output_folder(__import__('pathlib').Path("
            f"{str(out_dir)!r})):\n    print('held', flush=True)\n    input()")
    other = subprocess.Popen([sys.executable, "-c", hold], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                             cwd=Path(__file__).resolve().parent.parent)
    try:
        assert other.stdout.readline() == "held\n"
        panel = setup_panel(qtbot, window, in_dir, out_dir, "bicubic")
        with qtbot.waitSignal(panel.errorRaised, timeout=30_000) as blocker:
            panel.start()
    finally:
        other.communicate("\n")
    title, message = blocker.args
    assert message.startswith(f"another batch is already writing into the output folder '{out_dir}'")
    assert "\n" not in message and "rror" not in message  # no traceback, no "Unexpected error"
    assert message in panel.status.text() and panel.start_button.isVisible()
    assert list(out_dir.iterdir()) == []  # the refused batch wrote nothing there, not even its report


def test_a_finished_batch_offers_to_show_its_output_folder(window, qtbot, small_video, tmp_path, monkeypatch):
    """Like an export's "Show in folder": the report was the only thing the tab could open."""
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)
    in_dir, out_dir = folders(tmp_path, small_video, 1)
    panel = setup_panel(qtbot, window, in_dir, out_dir, "bicubic")
    assert not panel.folder_button.isVisible()
    run_to_end(qtbot, panel)
    assert panel.folder_button.isVisible()
    panel.folder_button.click()
    assert opened == [str(out_dir)]


def test_quitting_during_a_batch_asks_then_stops_it_leaving_only_its_report(window, qtbot, small_video, tmp_path,
                                                                            slow_model, monkeypatch):
    gate = threading.Event()  # opened only once the quit has cancelled the batch: the file in work is cut short
    monkeypatch.setattr(SlowBicubic, "gate", gate)
    in_dir, out_dir = folders(tmp_path, small_video, 2)
    panel = setup_panel(qtbot, window, in_dir, out_dir, slow_model)
    shutdown = panel.shutdown
    monkeypatch.setattr(panel, "shutdown", lambda: (shutdown(), gate.set()))
    panel.start()
    qtbot.waitUntil(lambda: panel.table.item(0, 1).text() == "processing", timeout=60_000)
    answers, asked = [QMessageBox.No, QMessageBox.Yes], []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or answers.pop(0))
    window.close()
    assert window.isVisible() and panel.job.running  # "No": the batch goes on
    window.close()
    assert not window.isVisible()
    qtbot.waitUntil(lambda: not panel.job.running, timeout=5_000)  # its thread had already finished
    assert asked[0] == ("A batch is still running. Stop and quit? (The batch keeps the files it finished, not the "
                        "one in progress.)")
    assert [p.name for p in out_dir.iterdir()] == ["vsr-app-report.json"]  # no output, no partial file
    report = json.loads((out_dir / "vsr-app-report.json").read_text())
    assert report["cancelled"] and report["counts"]["cancelled"] == 2


def test_a_long_path_in_a_sub_folder_leaves_the_status_and_reason_in_view(window, qtbot, small_video, tmp_path):
    """The file column took the width of the longest relative path: with one of 130 characters, status, time and
    reason were past the right edge of a 1024 px window, behind a scroll bar."""
    in_dir = tmp_path / "in"
    folder = in_dir / "Family videos 2023" / "Summer holiday in Brittany" / "Day 2 - the beach"
    folder.mkdir(parents=True)
    name = "GoPro footage of the beach at sunset, part 2 (edited for the family).mp4"
    shutil.copy(small_video, folder / name)
    window.resize(1024, 640)
    panel = setup_panel(qtbot, window, in_dir, tmp_path / "out", "bicubic")
    wait_listed(qtbot, panel, lambda: panel.form.recursive.setChecked(True))
    table = panel.table
    assert table.rowCount() == 1 and table.item(0, 0).toolTip().endswith(name)
    qtbot.waitUntil(lambda: table.horizontalHeader().length() <= table.viewport().width(), timeout=5_000)


def test_self_ensemble_is_an_upscaling_option_the_batch_records_in_its_outputs(window, qtbot, small_video, tmp_path):
    from vsr_app.video.encoding import read_made_by

    in_dir, out_dir = folders(tmp_path, small_video, 1)
    panel = setup_panel(qtbot, window, in_dir, out_dir, "bicubic")
    panel.form.self_ensemble.setChecked(True)
    panel.form.task.setCurrentIndex(panel.form.task.findData("interpolate"))
    assert not panel.form.self_ensemble.isEnabled()  # frame interpolation has no such option
    panel.form.task.setCurrentIndex(panel.form.task.findData("upscale"))
    panel.model.setCurrentIndex(panel.model.findData("bicubic"))
    assert panel.form.self_ensemble.isEnabled()
    with qtbot.waitSignal(panel.batchFinished, timeout=120_000):
        panel.start()
        assert not panel.form.self_ensemble.isEnabled()  # not while it runs (nor while the folder is listed first)
    assert [panel.table.item(0, 1).text()] == ["ok"]
    assert read_made_by(out_dir / "clip0.mp4")["models"] == ["bicubic+self-ensemble"]
    assert panel.form.settings.value("batch/self_ensemble") in (True, "true")


def test_deinterlacing_can_be_turned_off_for_a_batch(window, qtbot, tmp_path):
    in_dir, out_dir = tmp_path / "in", tmp_path / "out"
    in_dir.mkdir()
    make_video(in_dir / "25i.mkv", images=woven_fields(6), fps=25, interlaced=True)
    panel = setup_panel(qtbot, window, in_dir, out_dir, "bicubic")
    assert panel.form.deinterlace.isChecked()
    panel.form.deinterlace.setChecked(False)
    with qtbot.waitSignal(panel.batchFinished, timeout=120_000):
        panel.start()
        assert not panel.form.deinterlace.isEnabled()
    [done] = json.loads((out_dir / "vsr-app-report.json").read_text())["files"]
    assert done["status"] == "ok" and "6 frames flagged interlaced were not deinterlaced (--deinterlace off)" in \
        done["notes"]
    # the row says it as the tab let it be done
    assert '6 frames flagged interlaced were not deinterlaced ("Deinterlace interlaced frames" unticked)' in \
        panel.table.item(0, 3).text() and "--" not in panel.table.item(0, 3).text()
    assert panel.form.settings.value("batch/deinterlace") in (False, "false")


def test_each_finished_file_finds_its_row_without_a_search_of_the_table(window, qtbot, tmp_path, monkeypatch):
    """Each finished file searched the whole table for its row: with thousands of files the tab froze for seconds
    per file. Rows are still found by name, also once the queue is listed anew."""
    from vsr_app.batch_report import FileResult

    in_dir = tmp_path / "in"
    in_dir.mkdir()
    names = [f"clip{i:03}.mp4" for i in range(300)]
    for name in names:
        (in_dir / name).touch()  # listed by name; never opened here
    panel = setup_panel(qtbot, window, in_dir, tmp_path / "out", "bicubic")
    searched = []
    monkeypatch.setattr(panel.table, "findItems", lambda *args: searched.append(args) or [])
    for index, name in reversed(list(enumerate(names, 1))):
        panel.fileFinished.emit(index, len(names), FileResult(name, "", status="skipped", reason="done before"))
    assert not searched
    assert [(panel.table.item(r, 0).text(), panel.table.item(r, 1).text()) for r in range(len(names))] == [
        (name, "skipped") for name in names]

    for name in names[::2]:
        (in_dir / name).unlink()
    wait_listed(qtbot, panel, panel.scan)
    panel.fileFinished.emit(1, len(names) // 2, FileResult(names[3], "", status="failed", reason="broken"))
    assert [panel.table.item(r, 1).text() for r in range(3)] == ["queued", "failed", "queued"]


def test_each_codec_has_its_own_crf_as_on_the_command_line(window, qtbot, small_video, tmp_path):
    """One CRF spinner, 18 whatever the codec: an H.265 batch started here and resumed with `vsr-app batch --codec
    libx265` (its CRF 20) found every output made with other settings and kept them all as "exists"."""
    from vsr_app.batch import run_batch
    from vsr_app.gui.batch_panel import BatchPanel

    in_dir, out_dir = folders(tmp_path, small_video, 1)
    panel = setup_panel(qtbot, window, in_dir, out_dir, "bicubic")
    assert panel.form.crf.value() == 18
    panel.form.codec.setCurrentIndex(panel.form.codec.findData("libx265"))
    assert panel.form.crf.value() == 20
    run_to_end(qtbot, panel)
    assert panel.table.item(0, 1).text() == "ok"
    (resumed,) = run_batch(in_dir, out_dir, model="bicubic", codec="libx265").files
    assert (resumed.status, resumed.reason) == ("skipped", "a complete output already exists")

    panel.form.crf.setValue(24)  # kept for H.265 only, once a batch has run with it
    run_to_end(qtbot, panel)
    again = BatchPanel(panel.form.settings)
    qtbot.addWidget(again)
    assert (again.form.codec.currentData(), again.form.crf.value()) == ("libx265", 24)
    again.form.codec.setCurrentIndex(again.form.codec.findData("libx264"))
    assert again.form.crf.value() == 18


def test_the_one_crf_saved_before_each_codec_had_its_own_stays_with_its_codec(gui_env, qtbot):
    """A batch started before the upgrade resumes with the CRF it ran with; other codecs start at their own."""
    from PySide6.QtCore import QSettings

    from vsr_app.gui.batch_panel import BatchPanel

    settings = QSettings()
    settings.setValue("batch/codec", "libx265")
    settings.setValue("batch/crf", 23)
    panel = BatchPanel(settings)
    qtbot.addWidget(panel)
    assert (panel.form.codec.currentData(), panel.form.crf.value()) == ("libx265", 23)
    panel.form.codec.setCurrentIndex(panel.form.codec.findData("libx264"))
    assert panel.form.crf.value() == 18


def test_replace_asks_before_replacing_files_this_app_did_not_make(window, qtbot, small_video, tmp_path, monkeypatch):
    """An output folder holding the user's own holiday.mp4: with Replace ticked it was replaced without a word."""
    in_dir, out_dir = folders(tmp_path, small_video, 2)
    out_dir.mkdir()
    shutil.copy(small_video, out_dir / "clip0.mp4")  # a video of the user's, no record of this app
    (out_dir / "clip1.mp4").write_text("notes")  # not even a video
    panel = setup_panel(qtbot, window, in_dir, out_dir, "bicubic")
    panel.form.overwrite.setChecked(True)
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.No)
    wait_listed(qtbot, panel, panel.start)
    assert panel.job is None and len(asked) == 1
    assert asked[0].startswith("2 files at the outputs' names have no record") and "clip0.mp4\nclip1.mp4" in asked[0]
    assert (out_dir / "clip1.mp4").read_text() == "notes"
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Yes)
    run_to_end(qtbot, panel)
    assert [panel.table.item(r, 1).text() for r in range(2)] == ["ok", "ok"]
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: pytest.fail("asked about its own outputs"))
    run_to_end(qtbot, panel)  # now the outputs are this app's: replaced without a question


@pytest.fixture
def slow_listing(monkeypatch):
    """Listing a folder waits at `gate` (a slow network share), and records the thread it ran on."""
    import vsr_app.batch_plan as batch_plan

    gate, threads = threading.Event(), []

    def find_videos(*args, **kwargs):
        threads.append(threading.current_thread())
        assert gate.wait(30)
        return batch_find_videos(*args, **kwargs)

    batch_find_videos = batch_plan.find_videos
    monkeypatch.setattr(batch_plan, "find_videos", find_videos)
    return gate, threads


def test_a_slow_folder_is_listed_off_the_gui_thread_and_its_start_can_be_cancelled(window, qtbot, small_video,
                                                                                   tmp_path, slow_listing):
    """The folder was listed on the GUI thread: a large tree or a network share froze the window until it was
    read, Cancel included."""
    gate, threads = slow_listing
    in_dir, out_dir = folders(tmp_path, small_video, 2)
    panel = setup_panel(qtbot, window, tmp_path / "empty", out_dir, "bicubic")
    panel.in_dir.setText(str(in_dir))
    panel.start()  # returns at once, while the folder is still being listed
    assert panel.status.text() == "Listing the input folder\u2026"
    assert panel.cancel_button.isVisible() and not panel.in_dir.isEnabled()
    assert not any(button.isEnabled() for button in panel.form.browse_buttons)  # Browse ran the batch on another folder
    qtbot.waitUntil(lambda: bool(threads), timeout=10_000)
    assert threads[-1] is not threading.main_thread()
    with qtbot.waitSignal(panel.listed, timeout=30_000):
        panel.cancel()  # the listing goes on, without a start after it, and without a second walk
        assert panel.start_button.isVisible() and panel.in_dir.isEnabled()
        gate.set()
    assert len(threads) == 1 and panel.job is None and all(button.isEnabled() for button in panel.form.browse_buttons)
    assert panel.table.rowCount() == 2 and not out_dir.exists()


def test_only_the_newest_listing_is_shown(window, qtbot, small_video, tmp_path, slow_listing):
    gate, _ = slow_listing
    gate.set()
    old_dir, out_dir = folders(tmp_path, small_video, 3)
    panel = setup_panel(qtbot, window, old_dir, out_dir, "bicubic")
    gate.clear()
    new_dir = tmp_path / "new"
    new_dir.mkdir()
    shutil.copy(small_video, new_dir / "only.mp4")
    panel.scan()  # the old folder again, held at the gate
    panel.in_dir.setText(str(new_dir))
    with qtbot.waitSignal(panel.listed, timeout=30_000):
        panel.scan()
        gate.set()
    qtbot.wait(200)  # the superseded listing ends too, and is ignored
    assert [panel.table.item(r, 0).text() for r in range(panel.table.rowCount())] == ["only.mp4"]


def test_an_output_folder_that_is_the_input_folder_is_said_when_listed(window, qtbot, small_video, tmp_path):
    """The queue was listed with each output on its own input; only Process all said why it could not run."""
    in_dir, _ = folders(tmp_path, small_video, 2)
    panel = setup_panel(qtbot, window, in_dir, in_dir, "bicubic")
    assert panel.table.rowCount() == 0 and panel.status.text().startswith("the output folder is the input folder")


@pytest.mark.parametrize("below", ["", "sub"])
def test_an_output_folder_that_is_a_file_is_said_when_listed(window, qtbot, small_video, tmp_path, below):
    """The queue was listed ("2 videos found.") with outputs inside a video file; only Process all said "Batch failed:
    ... is a file, not a folder"."""
    in_dir, _ = folders(tmp_path, small_video, 2)
    in_the_way = tmp_path / "a.mp4"
    shutil.copy(small_video, in_the_way)
    out_dir = in_the_way / below if below else in_the_way
    panel = setup_panel(qtbot, window, in_dir, out_dir, "bicubic")
    assert panel.table.rowCount() == 0
    assert panel.status.text() == (f"cannot write to the output folder '{out_dir}': '{in_the_way}' is a file, not a "
                                   "folder; choose a folder you can write to")


def test_the_status_bar_shows_the_batch_s_percentage_as_its_bar_does(window, monkeypatch):
    """The status bar rounded ("Batch running: 16%") where the bar's own text is cut down ("15%")."""
    from types import SimpleNamespace

    panel = window.batch
    with monkeypatch.context() as m:  # undone before the window closes, or closing would ask to stop it
        m.setattr(panel, "job", SimpleNamespace(running=True, cancelling=False))
        for value, shown in ((159, "15%"), (999, "99%"), (1000, "100%")):
            panel.progress.setValue(value)
            assert (panel.progress.text(), window.work_text.text()) == (shown, f"Batch running: {shown}")


def test_the_status_bar_says_a_batch_cancelling_until_it_ends(window, monkeypatch):
    """It went on saying "Batch running: 42%" after Cancel, while the file in work finished its frame (minutes with
    the teacher on a CPU)."""
    from types import SimpleNamespace

    with monkeypatch.context() as m:
        m.setattr(window.batch, "job", SimpleNamespace(running=True, cancelling=True))
        window.batch.progress.setValue(420)
        assert window.work_text.text() == "Batch cancelling\u2026"


def test_a_rerun_that_made_nothing_counts_the_outputs_found_beside_the_failures(window, qtbot, small_video, tmp_path):
    """Its bar said "No output made", as if every file had failed."""
    in_dir, out_dir = folders(tmp_path, small_video, 2)
    (in_dir / "broken.mp4").write_bytes(b"not a video")
    panel = setup_panel(qtbot, window, in_dir, out_dir, "bicubic")
    run_to_end(qtbot, panel)
    run_to_end(qtbot, panel)
    assert panel.progress.text() == "Nothing to do: 2 outputs already exist, 1 failed"


def test_quitting_while_the_folder_is_listed_for_a_start_asks_and_starts_nothing(window, qtbot, small_video, tmp_path,
                                                                                 slow_listing, monkeypatch):
    """The listing's end, delivered after the window closed, started the batch anyway, without a window (and with
    Replace ticked, asked about replacing the user's files from nowhere)."""
    from PySide6.QtCore import QThreadPool

    gate, threads = slow_listing
    in_dir, out_dir = folders(tmp_path, small_video, 2)
    panel = setup_panel(qtbot, window, tmp_path / "empty", out_dir, "bicubic")
    panel.in_dir.setText(str(in_dir))
    panel.start()
    qtbot.waitUntil(lambda: bool(threads), timeout=10_000)
    qtbot.waitUntil(lambda: window.work_text.text().startswith("Batch running"), timeout=5_000)
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.Yes)
    gate.set()  # the listing ends as the window closes
    window.close()
    QThreadPool.globalInstance().waitForDone(10_000)
    qtbot.wait(200)
    assert asked and asked[0].startswith("A batch is still running")
    assert panel.job is None and not out_dir.exists()


def test_tab_leaves_the_table_and_focus_follows_the_button_shown_and_esc_cancels(window, qtbot, small_video,
                                                                                 tmp_path, slow_model, monkeypatch):
    """Tab went from cell to cell and never left the table; Process all hid under the focus, which fell to the tab
    bar, out of reach of Cancel."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    gate = threading.Event()
    monkeypatch.setattr(SlowBicubic, "gate", gate)
    in_dir, out_dir = folders(tmp_path, small_video, 2)
    panel = setup_panel(qtbot, window, in_dir, out_dir, slow_model)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5_000)
    panel.table.setCurrentCell(0, 0)
    panel.table.setFocus()
    qtbot.keyClick(panel.table, Qt.Key_Tab)
    assert panel.start_button.hasFocus()
    qtbot.keyClick(panel.start_button, Qt.Key_Space)
    qtbot.waitUntil(lambda: panel.table.item(0, 1).text() == "processing", timeout=60_000)
    assert panel.progress.hasFocus()  # not Cancel: a second Space cancelled the batch just started
    qtbot.keyClick(panel.progress, Qt.Key_Space)
    assert panel.job.running and not panel.job.cancel_event.is_set()
    qtbot.keyClick(panel.progress, Qt.Key_Tab)
    assert panel.cancel_button.hasFocus()  # Tab reaches it
    panel.table.setFocus()
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.Yes)
    qtbot.keyClick(panel.table, Qt.Key_Escape)  # asks first (test_gui_keyboard_routes.py), answered Yes
    assert len(asked) == 1
    gate.set()
    with qtbot.waitSignal(panel.job.finished, timeout=60_000):
        pass
    assert [panel.table.item(r, 1).text() for r in range(2)] == ["cancelled"] * 2 and window.isVisible()
    panel.start_button.setFocus()
    with qtbot.waitSignal(panel.batchFinished, timeout=120_000):
        qtbot.keyClick(panel.start_button, Qt.Key_Space)
        qtbot.waitUntil(panel.progress.hasFocus, timeout=5_000)
    assert panel.start_button.hasFocus()  # the run ended: back to Process all


def test_the_batch_form_is_remembered_on_quit(window, qtbot, small_video, tmp_path):
    """Only Process all saved it: folders, task, model and sub-folders chosen, then quitting, came back empty."""
    from vsr_app.gui.batch_panel import BatchPanel

    in_dir, out_dir = folders(tmp_path, small_video, 1)
    panel = setup_panel(qtbot, window, in_dir, out_dir, "bicubic")
    panel.form.task.setCurrentIndex(panel.form.task.findData("interpolate"))
    panel.model.setCurrentIndex(panel.model.findData("blend"))
    panel.form.recursive.setChecked(True)
    window.close()
    again = BatchPanel(panel.form.settings)
    qtbot.addWidget(again)
    assert (again.in_dir.text(), again.out_dir.text()) == (str(in_dir), str(out_dir))
    assert (again.form.task.currentData(), again.model.currentData(), again.form.recursive.isChecked()) == (
        "interpolate", "blend", True)


def test_long_names_stay_on_one_line_cut_in_the_middle(window, qtbot, small_video, tmp_path):
    """Wrapped, a row showed only "a/"; cut at the right, names lost the end that tells them apart ("..._3.mp4")."""
    from PySide6.QtCore import Qt

    in_dir = tmp_path / "in"
    (in_dir / "a").mkdir(parents=True)
    for i in range(2):
        shutil.copy(small_video, in_dir / "a" / f"{'x' * 70}_{i}.mp4")
    window.resize(1024, 640)
    panel = setup_panel(qtbot, window, in_dir, tmp_path / "out", "bicubic")
    wait_listed(qtbot, panel, lambda: panel.form.recursive.setChecked(True))
    table = panel.table
    assert not table.wordWrap() and table.textElideMode() == Qt.ElideMiddle
    assert table.item(1, 0).toolTip() == f"a/{'x' * 70}_1.mp4"


def test_a_missing_input_folder_says_so_and_what_to_do(window, qtbot, tmp_path):
    """It was listed as "Choose an input folder of videos." and Start said only "'...' does not exist"."""
    missing = tmp_path / "gone"
    panel = setup_panel(qtbot, window, missing, tmp_path / "out", "bicubic")
    said = f"'{missing}' does not exist; choose an existing folder of videos."
    assert panel.status.text() == said
    with qtbot.waitSignal(panel.errorRaised, timeout=30_000) as blocker:
        panel.start()
    assert blocker.args == ["Cannot start the batch", said] and panel.job is None
    assert panel.start_button.isVisible() and panel.in_dir.isEnabled()


def test_the_replace_question_names_paths_in_the_output_folder(window, qtbot, small_video, tmp_path, monkeypatch):
    """With sub-folders it said "clip.mp4" for "b/clip.mp4": one name can be in several sub-folders."""
    in_dir, out_dir = tmp_path / "in", tmp_path / "out"
    for sub in ("a", "b"):
        (in_dir / sub).mkdir(parents=True)
        shutil.copy(small_video, in_dir / sub / "clip.mp4")
        (out_dir / sub).mkdir(parents=True)
        (out_dir / sub / "clip.mp4").write_text("notes")
    panel = setup_panel(qtbot, window, in_dir, out_dir, "bicubic")
    wait_listed(qtbot, panel, lambda: panel.form.recursive.setChecked(True))
    panel.form.overwrite.setChecked(True)
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.No)
    wait_listed(qtbot, panel, panel.start)
    assert asked[0].endswith(f"\n\n{Path('a', 'clip.mp4')}\n{Path('b', 'clip.mp4')}")


def test_the_quit_question_names_only_the_work_that_runs(window, qtbot, monkeypatch):
    """Over a lone batch it spoke of training too; over training, of batches and exports."""
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.No)
    window.train.running = lambda: True
    try:
        window.close()
    finally:
        del window.train.running
    assert window.isVisible()
    assert asked == ["Training is still running. Stop and quit? (Training keeps a checkpoint to resume from.)"]


def test_each_task_keeps_its_model_through_a_look_at_the_other(window, slow_model):
    """A model picked for upscaling was replaced by the preferred one after a look at the interpolation task, and
    saved over the pick: the next run then found every earlier output made with another model."""
    panel = window.batch
    panel.refresh_models()  # (test-slow registered after the window was made)
    panel.model.setCurrentIndex(panel.model.findData(slow_model))
    panel.form.task.setCurrentIndex(panel.form.task.findData("interpolate"))
    interpolator = panel.model.currentData()
    assert interpolator and interpolator != slow_model
    panel.form.task.setCurrentIndex(panel.form.task.findData("upscale"))
    assert panel.model.currentData() == slow_model
    panel.refresh_models()  # Reload models keeps it too
    assert panel.model.currentData() == slow_model
    panel.remember_form()
    assert window.settings.value("batch/model/upscale") == slow_model
    assert window.settings.value("batch/model/interpolate") == interpolator


def test_the_extensions_an_earlier_version_saved_as_its_default_give_way_to_todays(gui_env, qtbot):
    """Quitting saved the Extensions field even untouched, so a user of an earlier version never got the camcorder,
    DVD and phone videos added to the default: a folder of them was "No videos with these extensions"."""
    from PySide6.QtCore import QSettings

    from vsr_app.gui.batch_panel import BatchPanel
    from vsr_app.media import BATCH_EXTENSIONS

    settings = QSettings()
    settings.setValue("batch/ext", "mp4,mkv,mov,avi,webm,m4v")
    panel = BatchPanel(settings)
    qtbot.addWidget(panel)
    assert panel.form.ext.text() == ",".join(BATCH_EXTENSIONS)
    assert panel.form.ext.cursorPosition() == 0  # the list shown from its start: at 18 pt it showed "...bm,m4v,mts..."
    panel.remember_form()
    assert settings.value("batch/extensions") is None  # the default is not kept: a later, longer one reaches the form
    for typed in ("mp4, MOV", "mp4,mkv,mov,avi,webm,m4v"):  # the earlier default, typed now: meant
        panel.form.ext.setText(typed)
        panel.remember_form()
        again = BatchPanel(settings)
        qtbot.addWidget(again)
        assert again.form.ext.text() == typed
    settings.clear()
    settings.setValue("batch/ext", "mp4,avi")  # an earlier version's own choice is kept
    chosen = BatchPanel(settings)
    qtbot.addWidget(chosen)
    assert chosen.form.ext.text() == "mp4,avi"


def test_a_crf_typed_for_one_codec_survives_a_look_at_another(gui_env, qtbot):
    """CRF 28 for H.264, a look at H.265 (20), back to H.264: it showed 18, and the batch ran at a quality the user
    had not chosen."""
    from PySide6.QtCore import QSettings

    from vsr_app.gui.batch_panel import BatchPanel

    panel = BatchPanel(QSettings())
    qtbot.addWidget(panel)
    panel.form.codec.setCurrentIndex(panel.form.codec.findData("libx264"))
    panel.form.crf.setValue(28)
    for key, shown in (("libx265", "CRF 20"), ("ffv1", "CRF \u2014"), ("libx264", "CRF 28"), ("libx265", "CRF 20")):
        panel.form.codec.setCurrentIndex(panel.form.codec.findData(key))
        assert panel.form.crf.text() == shown, key  # FFV1 has no CRF: a dash, not H.265's greyed 20


def test_the_batch_tab_warns_when_the_outputs_to_come_will_not_fit(window, qtbot, small_video, tmp_path, announced,
                                                                   monkeypatch):
    from collections import namedtuple

    from vsr_app.video import disk_space

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(disk_space.shutil, "disk_usage", lambda path: usage(10**9, 10**9, 1))
    in_dir, out_dir = folders(tmp_path, small_video, 3)
    panel = setup_panel(qtbot, window, in_dir, out_dir, "bicubic")
    run_to_end(qtbot, panel)
    warnings = [text for _, text in announced if text.startswith("Warning: ")]
    assert len(warnings) == 1 and "the batch's remaining outputs need about" in warnings[0]
    assert panel.warning.isHidden() and panel.status.text().startswith("Done: 3 ok")


def test_a_listing_is_said_only_on_the_tab_in_sight(window, qtbot, small_video, tmp_path, announced):
    """Startup lists the saved folders while the Compare tab shows: "3 videos found." was said from a tab no one saw."""
    in_dir, out_dir = folders(tmp_path, small_video, 2)
    panel = window.batch
    window.tabs.setCurrentWidget(window.compare)
    panel.in_dir.setText(str(in_dir))
    panel.out_dir.setText(str(out_dir))
    wait_listed(qtbot, panel, panel.scan)
    assert panel.status.text() == "2 videos found." and announced == []


def test_a_row_says_where_interpolation_found_scene_cuts_as_the_command_line_does(window, qtbot, tmp_path):
    """The command line's line and the report said how many cuts interpolation repeated a frame at; the row did not."""
    import cv2
    import numpy as np

    from videogen import make_video

    rng = np.random.default_rng(3)
    shots = [cv2.resize(rng.integers(0, 256, (6, 8, 3), dtype=np.uint8), (64, 48), interpolation=cv2.INTER_CUBIC)
             for _ in range(2)]
    in_dir, out_dir = tmp_path / "in", tmp_path / "out"
    in_dir.mkdir()
    make_video(in_dir / "cut.mp4", images=[np.roll(shots[i // 6], i % 6, axis=1) for i in range(12)])
    panel = window.batch
    window.tabs.setCurrentWidget(panel)
    panel.form.task.setCurrentIndex(panel.form.task.findData("interpolate"))
    panel = setup_panel(qtbot, window, in_dir, out_dir, "blend")
    run_to_end(qtbot, panel)
    assert panel.table.item(0, 1).text() == "ok"
    assert panel.table.item(0, 3).text().startswith(f"{out_dir / 'cut.mp4'}  (1 scene cut")


def test_a_crf_typed_then_alt_a_starts_the_batch_as_typed_and_a_fraction_starts_nothing(window, qtbot, small_video,
                                                                                         tmp_path, monkeypatch,
                                                                                         boxes_opened, announced):
    """The CRF's text is read where its edit ends (keyboard tracking off): Alt+A (Process all) leaves the focus in the
    field, and the batch ran, and was saved, at the CRF held before "20" was typed. Process all takes the text first,
    and a text the field refuses starts nothing: said on the tab's warning line, as the Export dialog says it, not in
    a box over the field that has just said it; it goes as the field is edited."""
    from PySide6.QtCore import Qt

    from test_gui_keyboard_routes import active
    from vsr_app.errors import VsrAppError

    def recorded_batch(*args, crf, **kwargs):
        crfs.append(crf)
        raise VsrAppError("the disk went away")

    def start_with(text: str) -> None:
        """`text` typed as the CRF and Alt+A pressed."""
        type_into(qtbot, panel.form.crf, text)
        qtbot.keyClick(panel.form.crf, Qt.Key_A, Qt.AltModifier)

    crfs = []
    monkeypatch.setattr("vsr_app.gui.batch_panel.run_batch", recorded_batch)
    panel = setup_panel(qtbot, window, *folders(tmp_path, small_video, 1), "bicubic")
    active(qtbot, window, panel)
    start_with("2.5")
    qtbot.waitUntil(panel.warning.isVisible, timeout=5_000)
    refusal = f"CRF (quality): \u201cCRF 2.5\u201d not taken, 18 kept: {panel.form.crf.objection('2.5')}"
    assert panel.warning.text() == f"Not started: {refusal}" and boxes_opened == []
    assert not [text for _, text in announced if text.startswith("Warning: ")]  # the field has said it: not twice
    assert crfs == [] and panel.job is None and panel.form.crf.value() == 18
    qtbot.waitUntil(panel.form.crf.hasFocus, timeout=2_000)  # there to be typed again
    start_with("20")
    qtbot.waitUntil(lambda: bool(boxes_opened), timeout=30_000)
    assert boxes_opened == [("Batch failed", "the disk went away")] and panel.warning.isHidden()
    assert crfs == [20] and panel.form.settings.value("batch/crf/libx264") == 20
    type_into(qtbot, panel.form.crf, "2.5")
    panel.start_button.click()
    assert panel.warning.isVisible()
    qtbot.keyClicks(panel.form.crf, "1")  # edited: the refusal goes
    assert panel.warning.isHidden()


