"""The Batch tab's listing shows what the batch will do with each file, judged as the batch judges it: an output
folder of 6 finished outputs, a foreign video and a text file at output names was listed "11 videos found." with
every row "queued", and only Process all told "6 skipped, 2 existing files kept". No to replacing files then reset
the last run's rows to "queued", and the status bar still said "Batch done: ..." beside "Nothing was replaced."."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from gui_support import gui_env, window  # noqa: F401
from test_gui_batch import folders, run_to_end, setup_panel, wait_listed
from test_gui_batch_rows import enabled, row_menu, row_of
from videogen import make_video
from vsr_app.gui.batch_form import REPLACE_LABEL


def statuses(panel) -> dict[str, str]:
    table = panel.table
    return {table.item(r, 0).text(): table.item(r, 1).text() for r in range(table.rowCount())}


@pytest.fixture
def done_and_kept(window, qtbot, small_video, tmp_path):
    """A panel over 4 inputs whose outputs were made, then: one deleted, one replaced by another program's video,
    one by a text file."""
    in_dir, out_dir = folders(tmp_path, small_video, 5)
    panel = setup_panel(qtbot, window, in_dir, out_dir, "bicubic")
    run_to_end(qtbot, panel)
    (out_dir / "clip1.mp4").unlink()
    make_video(out_dir / "clip2.mp4", frames=2)
    (out_dir / "clip3.mp4").write_text("notes")
    return panel, out_dir


def test_the_listing_says_which_outputs_are_done_and_which_files_are_kept(done_and_kept, qtbot):
    panel, out_dir = done_and_kept
    wait_listed(qtbot, panel, panel.scan)
    assert statuses(panel) == {"clip0.mp4": "done", "clip1.mp4": "queued", "clip2.mp4": "exists",
                               "clip3.mp4": "exists", "clip4.mp4": "done"}
    assert panel.status.text() == "5 videos found: 2 done, 2 with a file kept at the output's name, 1 to do."
    reason = panel.table.item(row_of(panel, "clip3.mp4"), 3).text()
    assert reason.startswith("kept an existing file that is not a readable video") and REPLACE_LABEL in reason
    assert panel.table.item(row_of(panel, "clip0.mp4"), 3).text() == str(out_dir / "clip0.mp4")
    assert enabled(row_menu(panel, "clip0.mp4"))["Play output"]  # a done row's output is there to play
    wait_listed(qtbot, panel, lambda: panel.form.crf.setValue(30))  # the settings judged by changed: judged again
    assert set(statuses(panel).values()) == {"queued", "exists"}
    assert "made with other settings: crf" in panel.table.item(row_of(panel, "clip0.mp4"), 3).text()


def test_no_to_replacing_leaves_the_rows_as_listed_and_the_status_bar_agrees(done_and_kept, qtbot, window,
                                                                            monkeypatch):
    panel, _ = done_and_kept
    assert window.statusBar().currentMessage().startswith("Batch done: ")
    monkeypatch.setattr(QMessageBox, "question", lambda *args, **kwargs: QMessageBox.No)
    wait_listed(qtbot, panel, lambda: panel.form.overwrite.setChecked(True))
    wait_listed(qtbot, panel, panel.start)
    assert panel.status.text() == "Nothing was replaced." and not panel.running()
    assert statuses(panel) == {"clip0.mp4": "queued", "clip1.mp4": "queued", "clip2.mp4": "queued",
                               "clip3.mp4": "queued", "clip4.mp4": "queued"}  # as Replace ticked has them listed
    assert window.statusBar().currentMessage() == ""  # it said "Batch done: ..." of the run before


def test_with_replace_ticked_the_files_there_are_listed_as_made_again(done_and_kept, qtbot):
    """Ticked, the listing still said "2 done, 2 with a file kept" and rows told to tick Replace, though the batch
    then made all five again; ticking it did not list the folder again."""
    panel, out_dir = done_and_kept
    wait_listed(qtbot, panel, panel.scan)
    wait_listed(qtbot, panel, lambda: panel.form.overwrite.setChecked(True))
    assert set(statuses(panel).values()) == {"queued"}
    assert panel.status.text() == "5 videos found: 4 will replace the file at the output's name."
    for name in ("clip0.mp4", "clip3.mp4"):
        assert panel.table.item(row_of(panel, name), 3).text() == f"{out_dir / name}  (replaces the file there)"
    assert panel.table.item(row_of(panel, "clip1.mp4"), 3).text() == str(out_dir / "clip1.mp4")
    wait_listed(qtbot, panel, lambda: panel.form.overwrite.setChecked(False))
    assert statuses(panel)["clip0.mp4"] == "done" and statuses(panel)["clip3.mp4"] == "exists"
