"""A finished output a batch kept under its hidden temporary name (its folder made read-only as it finished): the rerun
deleted it without a word and made it again. It is put in place where it is this job's complete output, and
removed, saying why, where it is not; a file a live process is writing is left alone."""

from __future__ import annotations

import os

from videogen import make_video
from vsr_app.batch import run_batch

DEAD = 9_999_999  # a pid past Linux's pid_max: no process has it


def hide(output, pid: int):
    """`output` as a run `pid` that could not rename it into place kept it (`output_paths.new_partial`'s name)."""
    hidden = output.with_name(f".{output.stem}.partial-{pid}-0123abcd{output.suffix}")
    output.rename(hidden)
    return hidden


def test_a_finished_hidden_output_of_these_settings_is_put_in_place(tmp_path):
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    make_video(src / "a.mp4", frames=3)
    run_batch(src, out, model="bicubic")
    hidden = hide(out / "a.mp4", DEAD)
    made = hidden.stat().st_ino
    again = run_batch(src, out, model="bicubic", report_path=tmp_path / "r.json").files[0]
    assert (again.status, again.reason) == ("skipped", f"its output, finished by an earlier run that could not put it "
                                                       f"in place, was kept as the hidden file '{hidden.name}': put in "
                                                       "place now")
    assert (out / "a.mp4").stat().st_ino == made and not hidden.exists()  # moved, not made again
    assert (again.frames_out, again.output_size) == (3, [256, 192])
    (out / "a.mp4").unlink()
    run_batch(src, out, model="bicubic")
    hidden = hide(out / "a.mp4", os.getppid())  # another run's, still writing it: never taken, nor removed
    again = run_batch(src, out, model="bicubic").files[0]
    assert (again.status, again.notes) == ("ok", []) and hidden.exists()


def test_a_hidden_output_of_other_settings_is_removed_saying_so(tmp_path):
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    make_video(src / "a.mp4", frames=3)
    run_batch(src, out, model="bicubic", crf=30)
    hidden = hide(out / "a.mp4", DEAD)
    again = run_batch(src, out, model="bicubic").files[0]
    assert again.status == "ok" and not hidden.exists()
    assert again.notes == [f"removed what earlier runs left hidden for this output: '{hidden.name}' (an existing "
                           "output made with other settings: crf 30 (this run: 18))"]



def test_an_unfinished_hidden_output_of_a_killed_run_is_called_so(tmp_path):
    """After a `kill -9` the note called the killed run's half-written file "an existing file that is not a readable
    video", which read as the user's own file removed."""
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    make_video(src / "a.mp4", frames=3)
    out.mkdir()
    half_written = out / f".a.partial-{DEAD}-0123abcd.mp4"
    half_written.write_bytes(b"\0\0\0\x20ftypisom" + bytes(200))  # the start of an MP4 whose writer died
    again = run_batch(src, out, model="bicubic").files[0]
    assert again.status == "ok" and not half_written.exists()
    assert again.notes == [f"removed what earlier runs left hidden for this output: '{half_written.name}' (an "
                           "unfinished output, left by a run that was killed, crashed or lost power)"]
