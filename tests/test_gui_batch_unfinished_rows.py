"""No Batch row reads as if the batch might still reach it once that batch is over: rows never started stayed
"queued" (and the file in work "processing") after a start cancelled while the folder was listed, while a cancel
waited for the current frame to end, and after a batch that failed as a whole."""

from __future__ import annotations

import threading

from gui_support import SlowBicubic, gui_env, slow_model, window  # noqa: F401
from test_gui_batch import folders, run_to_end, setup_panel, slow_listing  # noqa: F401
from vsr_app.batch import NOT_STARTED_REASON, claim_output_folder


def rows(panel) -> list[tuple[str, str]]:
    """Each row's status and output or reason, in the table's order."""
    table = panel.table
    return [(table.item(r, 1).text(), table.item(r, 3).text()) for r in range(table.rowCount())]


def test_a_start_cancelled_while_the_folder_is_listed_leaves_its_rows_not_started(window, qtbot, small_video,
                                                                                tmp_path, slow_listing):
    gate, threads = slow_listing
    gate.set()
    in_dir, out_dir = folders(tmp_path, small_video, 2)
    panel = setup_panel(qtbot, window, in_dir, out_dir, "bicubic")
    gate.clear()
    panel.start()  # Process all lists the folder again, held at the gate
    qtbot.waitUntil(lambda: len(threads) == 2, timeout=10_000)
    with qtbot.waitSignal(panel.listed, timeout=30_000):
        panel.cancel()
        gate.set()
    assert rows(panel) == [("cancelled", NOT_STARTED_REASON)] * 2 and panel.job is None
    assert panel.status.text() == "2 videos found. The batch was cancelled before it started."
    with qtbot.waitSignal(panel.listed, timeout=30_000):
        panel.scan()  # a listing of its own, with no start to cancel: the files wait for the next batch
    assert rows(panel) == [("queued", str(out_dir / f"clip{i}.mp4")) for i in range(2)]
    assert panel.status.text() == "2 videos found."


def test_a_start_after_a_start_cancelled_while_listing_shows_no_cancelled_row_as_it_lists(window, qtbot, small_video,
                                                                                          tmp_path, slow_listing):
    """Start, Cancel while the folder was listed, Start again: the rows went on saying "cancelled" while the new start
    listed the folder."""
    gate, threads = slow_listing
    gate.set()
    in_dir, out_dir = folders(tmp_path, small_video, 2)
    panel = setup_panel(qtbot, window, in_dir, out_dir, "bicubic")
    gate.clear()
    panel.start()
    qtbot.waitUntil(lambda: len(threads) == 2, timeout=10_000)
    with qtbot.waitSignal(panel.listed, timeout=30_000):
        panel.cancel()
        gate.set()
    assert rows(panel) == [("cancelled", NOT_STARTED_REASON)] * 2
    gate.clear()
    panel.start()  # held at the gate
    listing = rows(panel), panel.status.text()
    with qtbot.waitSignal(panel.listed, timeout=30_000):
        panel.cancel()  # (not run: the rows are what is looked at)
        gate.set()
    assert listing == ([], "Listing the input folder\u2026")


def test_a_cancel_says_at_once_which_files_will_not_start_and_the_end_says_the_rest(window, qtbot, small_video,
                                                                                   tmp_path, slow_model, monkeypatch):
    """The frame in work can take long (the teacher's, on a CPU): until it ended, every file left read "queued"."""
    gate = threading.Event()  # every frame waits for it: the cancel comes while the first one is in work
    monkeypatch.setattr(SlowBicubic, "gate", gate)
    in_dir, out_dir = folders(tmp_path, small_video, 3)
    panel = setup_panel(qtbot, window, in_dir, out_dir, slow_model)
    with qtbot.waitSignal(panel.fileStarted, timeout=60_000):
        panel.start()
    panel.cancel()
    at_cancel, running = rows(panel), panel.job.running
    with qtbot.waitSignal(panel.batchFinished, timeout=60_000):
        gate.set()
    assert running and at_cancel == [("processing", str(out_dir / "clip0.mp4"))] + [
        ("cancelled", NOT_STARTED_REASON)] * 2
    assert rows(panel) == [("cancelled", "stopped by Cancel before it ended; no output was written")] + [
        ("cancelled", NOT_STARTED_REASON)] * 2


def test_a_batch_that_cannot_start_leaves_no_row_queued_nor_the_last_run_s_buttons_and_words(window, qtbot,
                                                                                             small_video, tmp_path):
    """Its rows said "the batch failed before reaching this file" of a batch that never began one."""
    in_dir, out_dir = folders(tmp_path, small_video, 2)
    panel = setup_panel(qtbot, window, in_dir, out_dir, "bicubic")
    run_to_end(qtbot, panel)
    assert panel.report_button.isVisible() and window.statusBar().currentMessage().startswith("Batch done: ")
    (out_dir / "clip1.mp4").unlink()  # to be made again; clip0.mp4's output is done, and listed so
    with claim_output_folder(out_dir), qtbot.waitSignal(panel.batchFinished, timeout=30_000):  # another batch's
        panel.start()
    assert panel.status.text().startswith("The batch could not run: another batch is already writing")
    assert rows(panel) == [("done", str(out_dir / "clip0.mp4")), ("not started", "the batch could not start")]
    assert not panel.report_button.isVisible() and not panel.folder_button.isVisible()
    assert window.statusBar().currentMessage() == panel.status.text()


def test_cancelling_stays_said_until_the_batch_ends(window, qtbot, small_video, tmp_path, slow_model):
    """A progress update queued before the Cancel replaced "Cancelling after the current frame..." within 20 ms."""
    in_dir, out_dir = folders(tmp_path, small_video, 2)
    panel = setup_panel(qtbot, window, in_dir, out_dir, slow_model)
    with qtbot.waitSignal(panel.fileStarted, timeout=60_000):
        panel.start()
    updates = []
    panel.job.progressed.connect(updates.append)
    qtbot.waitUntil(lambda: bool(updates), timeout=30_000)
    panel.cancel()
    panel.job.progressed.emit(updates[-1])  # one queued before the cancel, delivered after it
    assert panel.status.text() == "Cancelling after the current frame\u2026"
    with qtbot.waitSignal(panel.batchFinished, timeout=60_000):
        pass
    assert panel.status.text().startswith("Cancelled: ")


def test_a_batch_that_fails_in_a_file_s_midst_says_so_of_that_file_and_those_after(window, qtbot, small_video,
                                                                                  tmp_path, monkeypatch):
    import vsr_app.batch as batch

    def fail(*args, **kwargs):
        raise RuntimeError("a bug")  # outside a file's own failures, which never stop the batch

    monkeypatch.setattr(batch, "_process_one", fail)
    in_dir, out_dir = folders(tmp_path, small_video, 2)
    panel = setup_panel(qtbot, window, in_dir, out_dir, "bicubic")
    with qtbot.waitSignal(panel.batchFinished, timeout=30_000):
        panel.start()
    assert panel.status.text() == "The batch could not run: Unexpected error (RuntimeError): a bug"
    assert rows(panel) == [("stopped", "the batch failed before this file ended"),
                           ("not started", "the batch failed before reaching this file")]
    assert panel.start_button.isVisible()
