"""What the Batch tab shows of a batch that ended is that batch's: Open report and Show output folder stay only while
the form names its folders. After a change of folder, or a start refused, declined or cancelled for other folders,
they opened the report of the batch before, as if it were of the folders shown; a start refused before the folder
was listed left that batch's rows, its "Done: ..." and its full bar under the new folders."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from gui_support import gui_env, window  # noqa: F401
from test_gui_batch import folders, run_to_end, setup_panel, slow_listing, wait_listed  # noqa: F401
from test_gui_batch_rows import opened  # noqa: F401
from vsr_app.batch import NOT_STARTED_REASON
from vsr_app.gui.batch_form import REPORT_NAME
from vsr_app.gui.batch_panel import CANCELLED_BEFORE_START


def offered(panel) -> bool:
    """The last batch's report and output folder are offered (both buttons go together)."""
    assert panel.report_button.isVisible() == panel.folder_button.isVisible()
    return panel.report_button.isVisible()


def open_both(panel) -> None:
    panel.report_button.click()
    panel.folder_button.click()


def test_a_folder_changed_after_a_batch_takes_its_files_and_bar_away_until_its_folders_are_named_again(
        window, qtbot, small_video, tmp_path, opened):
    in_dir, out_dir = folders(tmp_path, small_video, 2)
    panel = setup_panel(qtbot, window, in_dir, out_dir, "bicubic")
    run_to_end(qtbot, panel)
    run_to_end(qtbot, panel)
    assert offered(panel) and panel.progress.text() == "Nothing to do: all 2 outputs already exist"
    panel.out_dir.setText(str(tmp_path / "other"))  # typed: Alt+N from the field opened the old report
    assert not offered(panel)
    wait_listed(qtbot, panel, panel.scan)  # the field left: the other folder listed
    assert panel.status.text() == "2 videos found." and not offered(panel)
    assert (panel.progress.value(), panel.progress.text()) == (0, "0%")  # it read "Nothing to do" of this listing
    panel.out_dir.setText(str(out_dir))
    assert offered(panel) and panel.report_button.toolTip() == str(out_dir / REPORT_NAME)
    open_both(panel)
    assert opened == [out_dir / REPORT_NAME, out_dir]


@pytest.mark.parametrize("field, text, said", [("in_dir", "clips", "the input folder must be a full path, e.g. "),
                                               ("out_dir", "", "choose both an input and an output folder")])
def test_a_start_refused_before_listing_shows_why_and_nothing_of_the_batch_before(window, qtbot, small_video,
                                                                                  tmp_path, field, text, said):
    """Process all with a field still being typed in (Alt+A): the field is not left, so nothing was listed."""
    in_dir, out_dir = folders(tmp_path, small_video, 2)
    panel = setup_panel(qtbot, window, in_dir, out_dir, "bicubic")
    run_to_end(qtbot, panel)
    getattr(panel, field).setText(text)
    with qtbot.waitSignal(panel.errorRaised, timeout=10_000) as refused:
        panel.start()
    assert refused.args[0] == "Cannot start the batch" and refused.args[1].startswith(said)
    assert panel.status.text() == refused.args[1] and panel.table.rowCount() == 0
    assert not offered(panel) and (panel.progress.value(), panel.progress.text()) == (0, "0%")
    assert panel.start_button.isVisible() and panel.in_dir.isEnabled() and not panel.running()


def refused_as_same_as_input(panel, qtbot, tmp_path, monkeypatch, gate) -> None:
    panel.out_dir.setText(str(panel.in_dir.text()))
    wait_listed(qtbot, panel, panel.start)
    assert panel.status.text().startswith("the output folder is the input folder")


def refused_as_gone(panel, qtbot, tmp_path, monkeypatch, gate) -> None:
    panel.in_dir.setText(str(tmp_path / "gone"))
    wait_listed(qtbot, panel, panel.start)
    assert panel.status.text().endswith("does not exist; choose an existing folder of videos.")


def declined(panel, qtbot, tmp_path, monkeypatch, gate) -> None:
    """No to replacing a file of the user's: first in the batch's own output folder, whose report it leaves as it
    was, so the buttons stay and open it; then in another folder."""
    monkeypatch.setattr(QMessageBox, "question", lambda *args, **kwargs: QMessageBox.No)
    panel.form.overwrite.setChecked(True)
    out_dir, other = panel.run_folders[1], tmp_path / "other"
    (out_dir / "clip0.mp4").write_text("mine now")
    wait_listed(qtbot, panel, panel.start)
    assert panel.status.text() == "Nothing was replaced." and offered(panel)
    other.mkdir()
    (other / "clip0.mp4").write_text("mine")
    panel.out_dir.setText(str(other))
    wait_listed(qtbot, panel, panel.start)
    assert panel.status.text() == "Nothing was replaced."


def cancelled_while_listed(panel, qtbot, tmp_path, monkeypatch, gate) -> None:
    panel.out_dir.setText(str(tmp_path / "other"))
    gate.clear()
    with qtbot.waitSignal(panel.listed, timeout=30_000):
        panel.start()
        panel.cancel()
        gate.set()
    assert [panel.table.item(r, 3).text() for r in range(2)] == [NOT_STARTED_REASON] * 2


@pytest.mark.parametrize("no_start", [refused_as_same_as_input, refused_as_gone, declined, cancelled_while_listed])
def test_a_start_that_does_not_happen_for_other_folders_offers_nothing_of_the_batch_before(
        window, qtbot, small_video, tmp_path, monkeypatch, slow_listing, opened, no_start):
    gate, _ = slow_listing
    gate.set()
    in_dir, out_dir = folders(tmp_path, small_video, 2)
    panel = setup_panel(qtbot, window, in_dir, out_dir, "bicubic")
    run_to_end(qtbot, panel)
    errors = []
    panel.errorRaised.connect(lambda *args: errors.append(args))
    no_start(panel, qtbot, tmp_path, monkeypatch, gate)
    assert not panel.running() and panel.start_button.isVisible() and not offered(panel)
    assert all(title == "Cannot start the batch" for title, _ in errors)
    panel.in_dir.setText(str(in_dir))
    panel.out_dir.setText(str(out_dir))  # the batch's folders again: its files with them
    assert offered(panel)
    open_both(panel)
    assert opened == [out_dir / REPORT_NAME, out_dir]


def test_cancel_while_a_start_lists_a_big_folder_says_at_once_that_nothing_will_start(window, qtbot, tmp_path,
                                                                                     slow_listing):
    """A folder of thousands of files (a network share) is listed for minutes: after Cancel the line still read
    "Listing the input folder..." as if the batch were to follow, until the listing ended."""
    gate, threads = slow_listing
    in_dir = tmp_path / "in"
    in_dir.mkdir()
    for i in range(2000):
        (in_dir / f"c{i:04}.mp4").write_bytes(b"\0")
    panel = window.batch
    window.tabs.setCurrentWidget(panel)
    panel.in_dir.setText(str(in_dir))
    panel.out_dir.setText(str(tmp_path / "out"))
    panel.start()
    qtbot.waitUntil(lambda: bool(threads), timeout=10_000)
    panel.cancel()
    assert panel.status.text() == f"Listing the input folder\u2026 {CANCELLED_BEFORE_START}"
    assert panel.start_button.isVisible() and not panel.cancel_button.isVisible() and panel.in_dir.isEnabled()
    with qtbot.waitSignal(panel.listed, timeout=60_000):
        gate.set()
    assert panel.status.text() == f"2000 videos found. {CANCELLED_BEFORE_START}" and panel.job is None
    assert {panel.table.item(r, 1).text() for r in range(panel.table.rowCount())} == {"cancelled"}
