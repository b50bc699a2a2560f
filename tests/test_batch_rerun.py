"""A batch run again over a folder it has been through: what its report keeps of the runs before, what its progress
counts, and what another batch sharing its report may do."""

from __future__ import annotations

import json
import logging
import re
import shutil
import threading

import pytest

from videogen import make_video
from vsr_app.batch import claim_output_folder, run_batch
from vsr_app.batch_report import ReportFile, earlier_facts
from vsr_app.errors import VsrAppError
from vsr_app.progress import ProgressInfo


def test_a_rerun_stopped_before_an_output_it_would_skip_keeps_that_output_s_notes(tmp_path):
    """A rerun stopped (Ctrl-C, kill -9) before it reached a done output wrote that file "cancelled" or "pending" with
    no notes, and the next rerun skipped it with none: "23 of 48 frames could be decoded" was the only record that its
    input was damaged."""
    src, out, report_path = tmp_path / "in", tmp_path / "out", tmp_path / "r.json"
    src.mkdir()
    make_video(src / "a.mp4", frames=2)
    make_video(src / "b.mkv", frames=2, audio="pcm_s16le")  # its output gets a note on its audio
    notes = run_batch(src, out, model="bicubic", report_path=report_path).files[1].notes
    assert any("pcm_s16le" in note for note in notes)
    (out / "a.mp4").unlink()  # one output to make again, before b's
    cancel, as_killed = threading.Event(), []

    def stop_at_a(index, count, result):
        as_killed.append(report_path.read_text())  # what kill -9 would leave now
        cancel.set()

    stopped = run_batch(src, out, model="bicubic", report_path=report_path, cancel=cancel, on_start=stop_at_a)
    assert [(f.input, f.status, f.notes) for f in stopped.files] == [("a.mp4", "cancelled", []),
                                                                     ("b.mkv", "cancelled", [])]  # not this run's
    assert [f["notes"] for f in json.loads(report_path.read_text())["files"]] == [[], notes]  # kept for the rerun
    assert json.loads(as_killed[0])["files"][1]["status"] == "pending"
    for earlier in (report_path.read_text(), as_killed[0]):  # stopped by a cancel, killed
        report_path.write_text(earlier)
        again = run_batch(src, out, model="bicubic", report_path=report_path)
        assert [(f.input, f.status, f.notes) for f in again.files][1] == ("b.mkv", "skipped", notes)
    other_settings = run_batch(src, out, model="bicubic", crf=30, report_path=report_path).files[1]
    assert (other_settings.status, other_settings.notes) == ("exists", [])  # kept, not this run's: no notes of it


def test_a_rerun_stopped_before_an_output_keeps_the_size_its_facts_are_of(tmp_path):
    """A stopped rerun wrote the outputs it had not reached with the facts it carried but a null size, so the next
    rerun gave those facts to whatever complete output was at that path by then: the size check had nothing to
    check."""
    src, out, report_path = tmp_path / "in", tmp_path / "out", tmp_path / "r.json"
    src.mkdir()
    make_video(src / "a.mp4", frames=2)
    make_video(src / "b.mkv", frames=3, audio="pcm_s16le")  # its output gets a note on its audio
    made = run_batch(src, out, model="bicubic", report_path=report_path).files[1]
    assert made.notes and made.frames_out == 3
    (out / "a.mp4").unlink()  # made again; the rerun is stopped as it starts it, before b's output
    cancel = threading.Event()
    run_batch(src, out, model="bicubic", report_path=report_path, cancel=cancel, on_start=lambda *_: cancel.set())
    stopped = json.loads(report_path.read_text())["files"][1]
    assert (stopped["status"], stopped["notes"], stopped["output_bytes"]) == ("cancelled", made.notes,
                                                                              made.output_bytes)
    with open(out / "b.mkv", "ab") as output:  # another file at its output's path now, complete all the same
        output.write(bytes(100))
    again = run_batch(src, out, model="bicubic", report_path=report_path).files[1]
    assert (again.status, again.output_bytes) == ("skipped", made.output_bytes + 100)
    assert again.frames_out == 3 and made.notes[0] not in again.notes  # read from it: the report's were of another


def test_a_killed_first_run_s_unfinished_files_carry_nothing_to_the_rerun(tmp_path):
    """An entry that states nothing of its output (a file a killed first run had not reached) was carried all the
    same: its empty list of notes counted as a fact."""
    src, out, report_path = tmp_path / "in", tmp_path / "out", tmp_path / "r.json"
    src.mkdir()
    make_video(src / "a.mp4", frames=2)
    make_video(src / "b.mp4", frames=2)
    as_killed = []  # what kill -9 would leave as b starts
    run_batch(src, out, model="bicubic", report_path=report_path,
              on_start=lambda index, *_: as_killed.append(report_path.read_text()) if index == 2 else None)
    killed = json.loads(as_killed[0])
    assert [f["status"] for f in killed["files"]] == ["ok", "pending"]
    report_path.write_text(as_killed[0])
    assert list(earlier_facts(ReportFile(report_path), killed["settings"], out)) == [str(out / "a.mp4")]


def test_a_rerun_counts_no_work_for_the_outputs_already_there(tmp_path):
    """The bar and the time left counted every input whose output a rerun then skips: a library done but for one new
    clip showed hours for a minute of work. A file of another's at an output's name is kept: no work either."""
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    for name, frames in (("a", 6), ("b", 4), ("c", 5)):
        make_video(src / f"{name}.mp4", frames=frames)
    run_batch(src, out, model="bicubic")
    (out / "c.mp4").write_text("the user's notes")  # kept as "exists"
    make_video(src / "d.mp4", frames=3)  # the new clip
    seen: list[ProgressInfo] = []
    report = run_batch(src, out, model="bicubic", progress=seen.append)
    assert [f.status for f in report.files] == ["skipped", "skipped", "exists", "ok"]
    assert {info.total for info in seen} == {3}  # d's frames alone, from the first report to the last
    seen.clear()
    run_batch(src, out, model="bicubic", overwrite=True, progress=seen.append)  # every output made again
    assert seen[0].total == 18


def test_a_report_another_running_batch_writes_is_refused(tmp_path):
    """Two batches into different output folders given one --report rewrote it in turn, each leaving an account of
    its own files alone. Refused while the batch the report names runs; a finished one's report is replaced as ever."""
    src, report_path = tmp_path / "in", tmp_path / "r.json"
    src.mkdir()
    make_video(src / "a.mp4", frames=2)
    run_batch(src, tmp_path / "x", model="bicubic", report_path=report_path)
    first = report_path.read_text()
    with claim_output_folder(tmp_path / "x"):  # a batch into x runs (started again, to make what is missing)
        report, into = re.escape(str(report_path)), re.escape(str(tmp_path / "x"))
        with pytest.raises(VsrAppError, match=rf"^the report '{report}' is the report of a batch into '{into}', and a "
                                              "batch is running into that folder now; choose another report file, or "
                                              "wait for that batch to end$"):
            run_batch(src, tmp_path / "y", model="bicubic", report_path=report_path)
    assert report_path.read_text() == first and not (tmp_path / "y").exists()
    for out in ("x", "y"):  # a rerun's own report, then a finished batch's
        assert run_batch(src, tmp_path / out, model="bicubic", report_path=report_path).exit_code == 0
    assert json.loads(report_path.read_text())["output_dir"] == str(tmp_path / "y")
    assert sorted(p.name for p in (tmp_path / "x").iterdir()) == ["a.mp4"]  # looked at for a lock, none made there


def test_the_report_of_a_batch_into_another_folder_is_replaced_saying_so_and_lends_no_notes(tmp_path, caplog):
    """--report naming the report of a batch into another folder that is there replaced it without a word, and gave
    its notes to this batch's outputs of the same size. A report in the output folder is that folder's own whatever
    folder it records (the folder copied here): no word, and its notes kept."""
    src, report_path = tmp_path / "in", tmp_path / "r.json"
    src.mkdir()
    make_video(src / "b.mkv", frames=2, audio="pcm_s16le")  # its output gets a note on its audio
    notes = run_batch(src, tmp_path / "x", model="bicubic", report_path=report_path).files[0].notes
    assert notes
    shutil.copytree(tmp_path / "x", tmp_path / "y")  # outputs of the same size there
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        (b,) = run_batch(src, tmp_path / "y", model="bicubic", report_path=report_path).files
    assert [r.getMessage() for r in caplog.records] == [f"replacing the report of a batch into '{tmp_path / 'x'}'"]
    assert b.status == "skipped" and not set(notes) & set(b.notes)  # its facts read from the file instead
    assert json.loads(report_path.read_text())["output_dir"] == str(tmp_path / "y")

    for mine in ("r.json", "reports/r.json"):  # z's own, in z, or anywhere under it (as the Batch tab takes it)
        shutil.rmtree(tmp_path / "z", ignore_errors=True)
        shutil.rmtree(tmp_path / "w", ignore_errors=True)
        run_batch(src, tmp_path / "z", model="bicubic", report_path=tmp_path / "z" / mine)
        shutil.copytree(tmp_path / "z", tmp_path / "w")
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            (b,) = run_batch(src, tmp_path / "w", model="bicubic", report_path=tmp_path / "w" / mine).files
        assert not caplog.records and (b.status, b.notes) == ("skipped", notes), mine


def test_notes_carried_for_a_file_not_finished_are_not_shown_as_this_runs():
    """Under "cancelled ... no output was written" the earlier output's notes read as if this run had made them."""
    from vsr_app.batch_report import FileResult
    from vsr_app.cli_output import _file_lines

    note = "the header promised 48 frames but 23 could be decoded"
    stopped = FileResult("b.mp4", "/out/b.mp4", status="cancelled", reason="stopped", notes=[note])
    assert note not in _file_lines(2, 3, stopped) and stopped.notes == [note]  # kept in the report for the rerun
    skipped = FileResult("b.mp4", "/out/b.mp4", status="skipped", reason="already done", notes=[note])
    assert _file_lines(2, 3, skipped).endswith(f"note: {note}")


FACTS = ("frames_in", "frames_out", "input_size", "output_size", "input_duration", "output_duration", "scene_cuts",
         "flashes", "pauses")


def facts_of(entries) -> dict[str, dict]:
    """Each file's facts, from FileResults or the report's entries."""
    entries = [e if isinstance(e, dict) else vars(e) for e in entries]
    return {e["input"]: {key: e[key] for key in FACTS} for e in entries}


def test_a_rerun_s_report_says_what_the_report_before_said_of_the_outputs_it_skips(tmp_path):
    """A rerun's report had nulls for the frames, sizes, durations, cuts and flashes of the outputs it skipped, though
    it carried their notes: a report after a rerun said less than the first. Carried as the notes are: from a report of
    the same settings, for an output still of the size it recorded, and through a rerun stopped before them."""
    src, out, report_path = tmp_path / "in", tmp_path / "out", tmp_path / "r.json"
    src.mkdir()
    make_video(src / "a.mp4", frames=3)
    make_video(src / "b.mkv", frames=4, audio="pcm_s16le")
    interpolate = dict(task="interpolate", model="blend", report_path=report_path)
    made = facts_of(run_batch(src, out, **interpolate).files)
    assert all(value is not None for facts in made.values() for value in facts.values())
    again = run_batch(src, out, **interpolate)
    assert [f.status for f in again.files] == ["skipped", "skipped"]
    assert facts_of(again.files) == facts_of(json.loads(report_path.read_text())["files"]) == made

    (out / "a.mp4").unlink()  # made again; the rerun is stopped as it starts it, before b's output
    cancel = threading.Event()
    run_batch(src, out, cancel=cancel, on_start=lambda *_: cancel.set(), **interpolate)
    stopped = json.loads(report_path.read_text())["files"]
    assert [f["status"] for f in stopped] == ["cancelled", "cancelled"]
    assert facts_of(stopped)["b.mkv"] == made["b.mkv"]  # kept for the next rerun
    assert facts_of(run_batch(src, out, **interpolate).files)["b.mkv"] == made["b.mkv"]

    moved = tmp_path / "renamed"  # the output folder renamed since its report was written: its outputs found there
    out.rename(moved)
    assert facts_of(run_batch(src, moved, **interpolate).files)["b.mkv"] == made["b.mkv"]
    moved.rename(out)

    report = json.loads(report_path.read_text())
    report["files"][1]["output_bytes"] += 1  # its output is not the one the report speaks of
    report_path.write_text(json.dumps(report))
    found = facts_of(run_batch(src, out, **interpolate).files)["b.mkv"]
    from_file = {"frames_out", "output_size", "output_duration"}  # what the output itself says, read from it
    assert {key: value for key, value in found.items() if value is not None}.keys() == from_file
    assert (found["frames_out"], found["output_size"]) == (made["b.mkv"]["frames_out"], made["b.mkv"]["output_size"])


def test_a_rerun_reads_the_facts_of_an_output_a_killed_batch_did_not_report_from_the_file(tmp_path):
    """A batch killed right after a file was made, before its report said so: the rerun reported the output "skipped"
    with frames_out, output_size and output_duration null. They are read from the file (as judging it reads it), and
    a note says so."""
    src, out, report_path = tmp_path / "in", tmp_path / "out", tmp_path / "r.json"
    src.mkdir()
    make_video(src / "a.mp4", frames=3)
    as_killed = []  # what kill -9 would leave just after a's output was renamed into place
    made = run_batch(src, out, model="bicubic", report_path=report_path,
                     on_start=lambda *_: as_killed.append(report_path.read_text())).files[0]
    report_path.write_text(as_killed[0])
    assert json.loads(as_killed[0])["files"][0]["status"] == "pending"
    again = run_batch(src, out, model="bicubic", report_path=report_path).files[0]
    assert again.status == "skipped"
    assert (again.frames_out, again.output_size) == (made.frames_out, made.output_size) == (3, [256, 192])
    assert again.output_duration == pytest.approx(made.output_duration, abs=1e-3)
    assert again.notes == ["frame count, size and duration read from the output file itself, as the report before had "
                           "none for it"]
    kept = run_batch(src, out, model="bicubic", report_path=report_path).files[0]  # the next rerun carries them
    assert (kept.frames_out, kept.notes) == (3, again.notes)
