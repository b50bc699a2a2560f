"""What a batch's report says of each file as it goes: saved before a long file starts, so a kill -9 then leaves the
files failed before it as failed, and naming an output only where there is one."""

from __future__ import annotations

import json
import threading

from badfiles import zero_byte
from videogen import make_video
from vsr_app.batch import run_batch
from vsr_app.batch_report import REPORT_VERSION, earlier_facts, ReportFile


def test_files_failed_before_a_long_one_are_saved_as_failed_before_it_starts(tmp_path):
    """After kill -9 the report called "pending" files that had failed: it was saved only after an output was made
    or every 5 s, so failures followed by a long file were never written."""
    src, report_path = tmp_path / "in", tmp_path / "r.json"
    src.mkdir()
    zero_byte(src / "a_empty.mp4")
    make_video(src / "b.mp4", frames=2)
    seen = {}

    def on_start(index, count, result):
        seen[result.input] = {f["input"]: f["status"] for f in json.loads(report_path.read_text())["files"]}

    run_batch(src, tmp_path / "out", model="bicubic", report_path=report_path, on_start=on_start)
    assert seen["b.mp4"] == {"a_empty.mp4": "failed", "b.mp4": "pending"}  # as a kill -9 during b.mp4 leaves it


def test_a_failed_or_cancelled_file_names_no_output_that_was_never_made(tmp_path):
    """Failed and cancelled entries carried an "output" path that was never made; a cancelled one whose output an
    earlier run made keeps naming it, and a rerun still carries that output's facts on."""
    src, out, report_path = tmp_path / "in", tmp_path / "out", tmp_path / "r.json"
    src.mkdir()
    make_video(src / "a.mp4", frames=2)
    zero_byte(src / "empty.mp4")
    report = run_batch(src, out, model="bicubic", report_path=report_path)
    saved = json.loads(report_path.read_text())
    assert saved["version"] == REPORT_VERSION == 7
    assert [(f["input"], f["status"], f["output"]) for f in saved["files"]] == [
        ("a.mp4", "ok", str(out / "a.mp4")), ("empty.mp4", "failed", None)]
    assert report.files[1].output is None  # the Batch tab's row offers no output to open

    (src / "empty.mp4").unlink()
    make_video(src / "b.mp4", frames=2)
    stop = threading.Event()
    stop.set()  # stopped before its first file
    run_batch(src, out, model="bicubic", report_path=report_path, cancel=stop)
    saved = json.loads(report_path.read_text())
    assert [(f["input"], f["status"], f["output"]) for f in saved["files"]] == [
        ("a.mp4", "cancelled", str(out / "a.mp4")), ("b.mp4", "cancelled", None)]
    assert str(out / "a.mp4") in earlier_facts(ReportFile(report_path), saved["settings"], out)
