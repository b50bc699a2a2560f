"""A batch's start reads the report it replaces once: its path's check, the check that no running batch writes it,
the warning that it is another folder's and the facts a rerun carries on read the file up to four times (five from
the Batch tab), and a report is a line of JSON for each file of the batch. Read again only where it changed since."""

from __future__ import annotations

import os

import pytest

from gui_support import gui_env, window  # noqa: F401
from test_gui_batch import run_to_end, setup_panel
from videogen import make_video
from vsr_app import batch, batch_report
from vsr_app.batch import claim_output_folder, run_batch
from vsr_app.errors import VsrAppError


def count_reads(monkeypatch, path) -> list:
    """The reads of the report at `path` from now on, one item each."""
    reads, read = [], batch_report._read_report
    monkeypatch.setattr(batch_report, "_read_report",
                        lambda at: (os.path.realpath(at) == os.path.realpath(path) and reads.append(at), read(at))[1])
    return reads


def done_once(tmp_path):
    """An input folder whose batch into `out` has run, its report at `r.json`: b.mkv's output has a note."""
    src = tmp_path / "in"
    src.mkdir()
    make_video(src / "a.mp4", frames=2)
    make_video(src / "b.mkv", frames=2, audio="pcm_s16le")  # its output gets a note on its audio
    report_path = tmp_path / "r.json"
    run_batch(src, tmp_path / "out", model="bicubic", report_path=report_path)
    return src, report_path


def test_a_rerun_reads_the_report_it_replaces_once(tmp_path, monkeypatch):
    src, report_path = done_once(tmp_path)
    reads = count_reads(monkeypatch, report_path)
    again = run_batch(src, tmp_path / "out", model="bicubic", report_path=report_path)
    assert len(reads) == 1
    assert [f.status for f in again.files] == ["skipped", "skipped"]
    assert any("pcm_s16le" in note for note in again.files[1].notes)  # carried on from that one reading


def test_a_report_another_batch_writes_after_the_start_read_it_is_read_again(tmp_path, monkeypatch):
    """Read once, the report must still be the file's now under the output folder's lock: a batch into another
    folder, started at the same time, may write it while this one loads its model."""
    src, report_path = done_once(tmp_path)
    another_s = report_path.read_text()  # the report of the batch into `out`, which runs again
    report_path.unlink()
    load = batch._load_for

    def load_while_the_other_batch_writes_its_report(*args):
        report_path.write_text(another_s)
        return load(*args)

    monkeypatch.setattr(batch, "_load_for", load_while_the_other_batch_writes_its_report)
    with claim_output_folder(tmp_path / "out"), pytest.raises(VsrAppError, match="is the report of a batch into"):
        run_batch(src, tmp_path / "y", model="bicubic", report_path=report_path)
    assert report_path.read_text() == another_s


def test_the_batch_tab_s_start_reads_the_report_once(window, qtbot, tmp_path, monkeypatch):
    src, report_path = done_once(tmp_path)
    panel = setup_panel(qtbot, window, src, tmp_path / "out", "bicubic")
    panel.form.report.setText(str(report_path))
    reads = count_reads(monkeypatch, report_path)
    run_to_end(qtbot, panel)
    assert len(reads) == 1
    assert panel.status.text().endswith(" s. Notes of 1 skipped output carried from 'r.json'.")
