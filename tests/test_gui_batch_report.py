"""The Batch tab's report file: chosen as the command line's --report is, replacing a file that is not a batch report
only once the user says so, and the report a rerun carried its skipped outputs' notes from said at the end."""

from __future__ import annotations

import json
import re
import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from gui_support import gui_env, window  # noqa: F401
from test_gui_batch import run_to_end, setup_panel, wait_listed
from videogen import make_video
from vsr_app.batch import claim_output_folder
from vsr_app.cli import main
from vsr_app.gui import batch_panel
from vsr_app.gui.batch_form import REPORT_NAME

NOT_A_REPORT = "would replace an existing file that is not a batch report"


def row_texts(panel) -> dict[str, tuple[str, str]]:
    """Each row's file: its status and its output or reason (with the notes shown)."""
    table = panel.table
    return {table.item(r, 0).text(): (table.item(r, 1).text(), table.item(r, 3).text())
            for r in range(table.rowCount())}


def test_a_rerun_here_carries_the_notes_a_command_line_batch_left_in_its_report_elsewhere(window, qtbot, tmp_path,
                                                                                          capsys):
    """A batch run as `batch IN -o OUT --report ELSEWHERE` noted that b.mkv's audio was re-encoded; run again in the
    tab, which read only OUT/vsr-app-report.json, b's skipped output showed no note, and nothing said why."""
    src, out, cli_report = tmp_path / "in", tmp_path / "out", tmp_path / "reports" / "cli.json"
    src.mkdir()
    make_video(src / "a.mp4", frames=2)
    make_video(src / "b.mkv", frames=2, audio="pcm_s16le")  # its output gets a note on its audio
    assert main(["batch", str(src), "-o", str(out), "--model", "bicubic", "--report", str(cli_report)]) == 0
    capsys.readouterr()
    panel = setup_panel(qtbot, window, src, out, "bicubic")
    field = panel.form.report
    assert (field.text(), field.placeholderText()) == ("", f"{REPORT_NAME} in the output folder")
    run_to_end(qtbot, panel)  # the usual report, in the output folder: none there
    assert {status for status, _ in row_texts(panel).values()} == {"skipped"}
    assert "pcm_s16le" not in row_texts(panel)["b.mkv"][1]
    assert panel.status.text().endswith(f" s. No earlier report '{REPORT_NAME}' to carry notes from.")

    panel.form.report.setText(str(cli_report))  # the command line's report: its notes go on
    run_to_end(qtbot, panel)
    assert "pcm_s16le" in row_texts(panel)["b.mkv"][1]
    assert panel.status.text().endswith(" s. Notes of 1 skipped output carried from 'cli.json'.")
    rewritten = json.loads(cli_report.read_text())  # replaced, as the command line's rerun replaces it
    assert rewritten["counts"]["skipped"] == 2 and any("pcm_s16le" in n for n in rewritten["files"][1]["notes"])
    assert panel.report_path == str(cli_report)

    panel.form.report.setText("")  # back to the tab's own report, which the first rerun wrote without notes
    run_to_end(qtbot, panel)
    # nothing to carry, nothing said: "No notes carried from 'vsr-app-report.json'." told a user nothing
    assert re.fullmatch(r"Done: 0 ok, 2 skipped, 0 failed in \d+\.\d s", panel.status.text())


@pytest.mark.parametrize("field, mine", [("", REPORT_NAME), ("mine.json", "mine.json")])
def test_a_report_file_that_is_not_a_batch_report_is_replaced_only_once_the_user_says_so(window, qtbot, tmp_path,
                                                                                         monkeypatch, field, mine):
    """A file of the user's at the report's name (the usual one, or one the field names, here relative: inside the
    output folder) was replaced by Replace without a word; then refused without Replace, whose tick also made every
    finished output again. The question naming it is consent enough; with Replace ticked it counts what is made
    again. A batch refused as it starts puts the file back."""
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    make_video(src / "a.mp4", frames=2)
    panel = setup_panel(qtbot, window, src, out, "bicubic")
    panel.form.report.setText("first.json")
    run_to_end(qtbot, panel)  # out/a.mp4, finished
    made = (out / "a.mp4").stat().st_mtime_ns
    own = out / mine
    own.write_text('{"my": "own data"}')  # JSON, not a batch report
    panel.form.report.setText(field)
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[1:3]) or QMessageBox.No)
    wait_listed(qtbot, panel, panel.start)
    assert asked == [("Replace files with no record of this app?", f"The report '{own}' {NOT_A_REPORT}.")]
    assert panel.status.text() == "Nothing was replaced." and own.read_text() == '{"my": "own data"}'
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Yes)
    with claim_output_folder(out):  # another batch's: refused, the file left as it was
        run_to_end(qtbot, panel)
    assert panel.status.text().startswith("The batch could not run: another batch is already writing")
    assert own.read_text() == '{"my": "own data"}' and sorted(p.name for p in out.iterdir()) == sorted(
        {"a.mp4", "first.json", mine})
    run_to_end(qtbot, panel)
    assert json.loads(own.read_text())["output_dir"] == str(out) and panel.report_path == str(own)
    assert row_texts(panel)["a.mp4"][0] == "skipped" and (out / "a.mp4").stat().st_mtime_ns == made
    assert not panel.form.overwrite.isChecked()

    own.write_text('{"my": "own data"}')
    panel.form.overwrite.setChecked(True)  # Yes makes a.mp4 again too: the question says so
    asked.clear()
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.No)
    wait_listed(qtbot, panel, panel.start)
    assert asked == [f"The report '{own}' {NOT_A_REPORT}.\n\nWith \"Replace existing outputs\" ticked, 1 existing "
                     "output will be made again too (untick it to keep it)."]


def test_one_question_names_the_outputs_and_the_report_it_would_replace(window, qtbot, tmp_path, monkeypatch):
    """Replace asked about the outputs with no record of this app, and said nothing of the report file."""
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    out.mkdir()
    make_video(src / "a.mp4", frames=2)
    (out / "a.mp4").write_text("notes")
    (tmp_path / "log.json").write_text("not JSON at all")
    panel = setup_panel(qtbot, window, src, out, "bicubic")
    panel.form.report.setText(str(tmp_path / "log.json"))
    panel.form.overwrite.setChecked(True)
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.No)
    wait_listed(qtbot, panel, panel.start)
    [question] = asked
    assert question.startswith("1 file at the outputs' names has no record")  # it said "1 file(s) ... have"
    assert question.endswith(f"\n\na.mp4\n\nThe report '{tmp_path / 'log.json'}' {NOT_A_REPORT}.")


def test_the_report_file_is_reached_with_alt_l_browsed_for_and_remembered(window, qtbot, tmp_path, monkeypatch):
    """Chosen like the folders (Alt+letter, Browse), kept for the next start like the other fields; the file dialog
    does not ask about replacing an earlier report: that is the batch's to decide, as on the command line."""
    from vsr_app.gui.batch_panel import BatchPanel

    out = tmp_path / "out"
    out.mkdir()
    panel = setup_panel(qtbot, window, tmp_path, out, "bicubic")
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5_000)
    panel.table.setFocus()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key_L, Qt.AltModifier)
    assert panel.form.report.hasFocus() and panel.form.report.accessibleName() == "Report file"
    opened = []

    def save_dialog(parent, title, start, kinds, options):
        opened.append((start, options))
        return str(tmp_path / "kept" / "r.json"), kinds

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_dialog)
    panel.form.browse_buttons[2].click()
    assert opened == [(str(out), QFileDialog.DontConfirmOverwrite)]  # the usual report is not there yet: its folder
    assert panel.form.report.text() == str(tmp_path / "kept" / "r.json")
    window.close()
    again = BatchPanel(panel.form.settings)
    qtbot.addWidget(again)
    assert again.form.report.text() == str(tmp_path / "kept" / "r.json")


def test_the_queue_keeps_two_rows_in_sight_at_720x540_after_a_long_status(window, qtbot, tmp_path):
    """The window on an 800x600 screen: the Report file row, and a rerun's status naming the report it carried notes
    from, took their height from the queue, which showed a row and a half; the form's rows stand closer now."""
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    for name in "abc":
        make_video(src / f"{name}.mp4", frames=2)
    window.resize(720, 540)
    panel = setup_panel(qtbot, window, src, out, "bicubic")
    run_to_end(qtbot, panel)
    run_to_end(qtbot, panel)  # a rerun: its status names the report too, on two lines here
    qtbot.waitUntil(lambda: window.height() == 540)
    QApplication.processEvents()
    assert panel.status.height() > 1.5 * panel.status.fontMetrics().lineSpacing()
    assert window.minimumSizeHint().height() <= 540
    assert panel.table.viewport().height() >= 2 * panel.table.rowHeight(0)


def test_a_remembered_report_file_of_another_output_folder_is_replaced_only_once_the_user_says_so(
        window, qtbot, tmp_path, monkeypatch):
    """A full path in the Report file field is remembered: each later batch into another output folder replaced the
    report of the batch before without a word. Asked first, naming the file and the folder whose report it is, with
    Replace unticked: the refusal said to tick it, which would have made every existing output again. A name inside
    the output folder is never shared."""
    src, first, second, report = tmp_path / "in", tmp_path / "first", tmp_path / "second", tmp_path / "r" / "b.json"
    src.mkdir()
    make_video(src / "a.mp4", frames=2)
    panel = setup_panel(qtbot, window, src, first, "bicubic")
    panel.form.report.setText(str(report))
    run_to_end(qtbot, panel)
    assert json.loads(report.read_text())["output_dir"] == str(first)
    panel.out_dir.setText(str(second))
    panel.form.report.setText("")
    run_to_end(qtbot, panel)  # second/a.mp4, with second's own report
    made = (second / "a.mp4").stat().st_mtime_ns
    panel.form.report.setText(str(report))
    errors, asked = [], []
    panel.errorRaised.connect(lambda *args: errors.append(args))
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[1:3]) or QMessageBox.No)
    wait_listed(qtbot, panel, panel.start)
    replaces = f"would replace the report of a batch into '{first}'"
    choice = ("Replace it? With No, nothing starts: choose another Report file, or empty the field for the report "
              "in the output folder.")
    assert asked == [("Replace another batch's report?", f"The report '{report}' {replaces}.\n\n{choice}")]
    assert panel.status.text() == "Nothing was replaced." and not panel.running() and errors == []
    assert json.loads(report.read_text())["output_dir"] == str(first)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Yes)
    run_to_end(qtbot, panel)
    assert json.loads(report.read_text())["output_dir"] == str(second) and not panel.form.overwrite.isChecked()
    assert row_texts(panel)["a.mp4"][0] == "skipped" and (second / "a.mp4").stat().st_mtime_ns == made

    panel.form.report.setText("mine.json")  # inside each output folder: a report of its own
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: pytest.fail("asked about a folder's own report"))
    for folder in (first, second):
        panel.out_dir.setText(str(folder))
        run_to_end(qtbot, panel)
        assert json.loads((folder / "mine.json").read_text())["output_dir"] == str(folder)
    assert errors == []


def test_the_report_in_a_renamed_output_folder_is_its_own(window, qtbot, tmp_path, monkeypatch, capsys):
    """A command-line batch into out1, the folder then renamed out2: its report there still names out1, and the tab
    refused it as another folder's report, though the same rerun works on the command line (as it would on one
    network share reached by two mount paths). A report in the output folder is that folder's own, whatever it says."""
    src, out1, out2 = tmp_path / "in", tmp_path / "out1", tmp_path / "out2"
    src.mkdir()
    make_video(src / "a.mp4", frames=2)
    assert main(["batch", str(src), "-o", str(out1), "--model", "bicubic", "--report", str(out1 / REPORT_NAME)]) == 0
    capsys.readouterr()
    out1.rename(out2)
    assert json.loads((out2 / REPORT_NAME).read_text())["output_dir"] == str(out1)
    panel = setup_panel(qtbot, window, src, out2, "bicubic")
    errors = []
    panel.errorRaised.connect(lambda *args: errors.append(args))
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: pytest.fail("asked about the folder's own report"))
    wait_listed(qtbot, panel, panel.start)
    qtbot.waitUntil(lambda: not panel.running(), timeout=120_000)
    assert errors == [] and row_texts(panel)["a.mp4"][0] == "skipped"
    assert json.loads((out2 / REPORT_NAME).read_text())["output_dir"] == str(out2)


def test_a_report_in_a_sub_folder_of_a_renamed_output_folder_is_its_own(window, qtbot, tmp_path, monkeypatch):
    """Report file `reports/r.json` (inside the output folder), the folder then renamed: the report was asked about
    as another folder's, since only a report right in the output folder counted as its own."""
    src, out1, out2 = tmp_path / "in", tmp_path / "out1", tmp_path / "out2"
    src.mkdir()
    make_video(src / "a.mp4", frames=2)
    panel = setup_panel(qtbot, window, src, out1, "bicubic")
    panel.form.report.setText("reports/r.json")
    run_to_end(qtbot, panel)
    out1.rename(out2)
    panel.out_dir.setText(str(out2))
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: pytest.fail("asked about the folder's own report"))
    run_to_end(qtbot, panel)
    assert row_texts(panel)["a.mp4"][0] == "skipped"
    assert json.loads((out2 / "reports" / "r.json").read_text())["output_dir"] == str(out2)


def test_a_report_elsewhere_of_a_renamed_output_folder_is_asked_about_as_this_folder_s(window, qtbot, tmp_path,
                                                                                       monkeypatch):
    """The output folder renamed, its report kept elsewhere: asked about as another batch's report, with advice to
    empty the field, which would have dropped the notes the rerun carries from it."""
    src, out1, out2, report = tmp_path / "in", tmp_path / "out1", tmp_path / "out2", tmp_path / "r" / "b.json"
    src.mkdir()
    make_video(src / "b.mkv", frames=2, audio="pcm_s16le")  # its output gets a note on its audio
    panel = setup_panel(qtbot, window, src, out1, "bicubic")
    panel.form.report.setText(str(report))
    run_to_end(qtbot, panel)
    out1.rename(out2)
    panel.out_dir.setText(str(out2))
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[1:3]) or QMessageBox.Yes)
    run_to_end(qtbot, panel)
    assert asked == [("Go on from this folder's report?",
                      f"The report '{report}' is the report of a batch into '{out1}', which is no longer there: this "
                      "folder's before a rename, it seems.\n\nReplace it? With Yes, the batch carries its notes of the "
                      "outputs it skips; with No, nothing starts.")]
    assert row_texts(panel)["b.mkv"][0] == "skipped" and "pcm_s16le" in row_texts(panel)["b.mkv"][1]
    assert panel.status.text().endswith(" s. Notes of 1 skipped output carried from 'b.json'.")


def test_the_report_file_is_checked_off_the_gui_thread_and_asked_about_on_it(window, qtbot, tmp_path, monkeypatch):
    """Start checked the report file against every input and output on the GUI thread: 0.68 s with 5,000 files on a
    local disk, far longer on a network share, the window frozen. Checked as the folder is listed, Cancel shown; the
    question is still asked once it ends, and Cancel meanwhile starts nothing and asks nothing."""
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    out.mkdir()
    make_video(src / "a.mp4", frames=2)
    (out / "mine.json").write_text('{"my": "own data"}')  # JSON, not a batch report: asked about
    panel = setup_panel(qtbot, window, src, out, "bicubic")
    panel.form.report.setText("mine.json")
    gate, threads, check = threading.Event(), [], batch_panel.check_report_path

    def slow_check(*args, **kwargs):  # a network share's, waiting at `gate`; on the GUI thread it would hang the test
        threads.append(threading.current_thread())
        assert threads[-1] is threading.main_thread() or gate.wait(30)
        return check(*args, **kwargs)

    monkeypatch.setattr(batch_panel, "check_report_path", slow_check)
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[1:3]) or QMessageBox.No)
    panel.start()
    qtbot.waitUntil(lambda: bool(threads), timeout=30_000)
    assert threads[-1] is not threading.main_thread() and asked == []
    assert panel.cancel_button.isVisible() and not panel.start_button.isVisible() and not panel.form.report.isEnabled()
    with qtbot.waitSignal(panel.listed, timeout=30_000):
        gate.set()
    assert asked == [("Replace files with no record of this app?", f"The report '{out / 'mine.json'}' {NOT_A_REPORT}.")]
    assert panel.status.text() == "Nothing was replaced." and panel.start_button.isVisible() and not panel.running()

    gate.clear()
    threads.clear()
    panel.start()
    qtbot.waitUntil(lambda: bool(threads), timeout=30_000)
    panel.cancel()  # while the report is checked
    assert panel.start_button.isVisible() and panel.form.report.isEnabled()
    with qtbot.waitSignal(panel.listed, timeout=30_000):
        gate.set()
    assert asked == [asked[0]] and panel.job is None and not panel.running()
    assert panel.status.text().endswith(batch_panel.CANCELLED_BEFORE_START)
    assert (out / "mine.json").read_text() == '{"my": "own data"}'
