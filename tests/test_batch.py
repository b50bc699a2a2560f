"""`vsr-app batch` and vsr_app.batch: discovery, mirrored tree, report, exit codes, resume, keeping files that are
not this job's outputs, cancel, state reset."""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import av
import numpy as np
import pytest
import torch

from badfiles import all_files, gradient_frames, tree_snapshot, truncated_readable, zero_byte
from videogen import make_video
from vsr_app.batch import EXISTS_HINT, LOCK_NAME, NOT_STARTED_REASON, STOPPED_REASON, claim_output_folder, run_batch
from vsr_app.batch_plan import (find_videos, list_queue, output_names, parse_extensions, plan_batch, plan_outputs,
                                why_renamed)
from vsr_app.batch_report import BatchReport, FileResult
from vsr_app.batch_progress import Estimate, OverallProgress
from vsr_app.batch_resume import earlier_output, existing_output
from vsr_app import batch
from vsr_app.cli import _cancel_on_interrupt, main
from vsr_app.media import BATCH_EXTENSIONS
from vsr_app.errors import Cancelled, VsrAppError
from vsr_app.models import load_model, save_model
from vsr_app.nets.vsr_student import VSRStudent
from vsr_app.progress import ProgressInfo
from vsr_app.video.pipeline import process_video
from vsr_app.video.reader import VideoReader, probe
from vsr_app.video.packet_times import packet_span
from vsr_app.video.encoding import MADE_BY_PREFIX, input_record, made_by, read_made_by


@pytest.fixture()
def tree(tmp_path):
    """in/a.mp4 (6 frames), in/sub/b.mkv (8), in/sub/deep/c.mov (5), in/zero.mp4 (0 bytes),
    in/notes.txt, in/.hidden.mp4 - and an output folder beside it."""
    src = tmp_path / "in folder é"
    (src / "sub" / "deep").mkdir(parents=True)
    make_video(src / "a.mp4", frames=6)
    make_video(src / "sub" / "b.mkv", frames=8)
    make_video(src / "sub" / "deep" / "c.mov", frames=5)
    zero_byte(src / "zero.mp4")
    (src / "notes.txt").write_text("not a video")
    make_video(src / ".hidden.mp4", frames=3)
    return src, tmp_path / "out"


def frames(path):
    return [f.image for f in VideoReader(path).frames()]


def test_recursive_batch_mirrors_the_tree_and_reports_every_file(tree, tmp_path, capsys, caplog):
    src, out = tree
    before = tree_snapshot(src)
    report_path = tmp_path / "report.json"
    rc = main(["batch", str(src), "-o", str(out), "--model", "bicubic", "--recursive", "--report", str(report_path)])
    assert rc == 1  # one file failed
    assert not [r for r in caplog.records if r.levelname == "WARNING"]  # (a new sub-folder warned "could not clear")
    assert all_files(out) == ["a.mp4", "sub/b.mkv", "sub/deep/c.mov"]  # no temporaries, nothing for the bad file
    assert tree_snapshot(src) == before

    report = json.loads(report_path.read_text())
    assert report["counts"] == {"ok": 3, "skipped": 0, "exists": 0, "failed": 1, "cancelled": 0, "ignored": 0,
                                "no video": 0}
    assert report["exit_code"] == 1 and report["task"] == "upscale" and report["model"] == "bicubic"
    assert report["settings"] == made_by("upscale", ["bicubic"], "libx264", weights=[None])
    by_name = {f["input"]: f for f in report["files"]}
    assert list(by_name) == ["a.mp4", "zero.mp4", "sub/b.mkv", "sub/deep/c.mov"]
    assert by_name["zero.mp4"]["status"] == "failed" and "empty (0 bytes)" in by_name["zero.mp4"]["reason"]
    for name, count in [("a.mp4", 6), ("sub/b.mkv", 8), ("sub/deep/c.mov", 5)]:
        entry = by_name[name]
        assert entry["status"] == "ok" and entry["reason"] is None
        assert entry["frames_in"] == entry["frames_out"] == count
        assert entry["input_size"] == [64, 48] and entry["output_size"] == [256, 192]
        assert entry["input_bytes"] == (src / name).stat().st_size
        assert entry["output_bytes"] == os.path.getsize(entry["output"]) > 0
        assert entry["seconds"] > 0 and abs(entry["output_duration"] - entry["input_duration"]) < 1e-6
        assert packet_span(entry["output"]).frames == count

    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == f"[2/4] failed    zero.mp4: '{src / 'zero.mp4'}' is empty (0 bytes); it is not a video"
    assert lines[0].startswith("[1/4] ok") and lines[-1].startswith("batch: 3 ok, 0 skipped, 1 failed")


def test_all_good_exits_0_and_interpolation_doubles_frames(tree, capsys):
    src, out = tree
    (src / "zero.mp4").unlink()
    assert main(["batch", str(src), "-o", str(out), "--task", "interpolate", "--model", "blend",
                 "--codec", "ffv1"]) == 0  # not recursive: only a.mp4; ffv1 cannot go in .mp4 -> .mkv
    assert all_files(out) == ["a.mkv"]
    assert packet_span(out / "a.mkv").frames == 12


def test_discovery_filters_by_extension_and_skips_hidden_files(tree):
    src, out = tree
    assert [p.name for p in find_videos(src, parse_extensions("MP4, .mov"), recursive=True)] == [
        "a.mp4", "zero.mp4", "c.mov"]
    assert [p.name for p in find_videos(src, ["mkv"], recursive=False)] == []
    with pytest.raises(VsrAppError, match="no extensions"):
        parse_extensions(" , ")
    for typed in ("*.mp4, *.MOV", "mp4 mov", ".MP4;.mov", "mp4;;*.mov"):  # as dialogs and shells write them
        assert parse_extensions(typed) == ("mp4", "mov"), typed


def test_recursive_follows_linked_folders_once(tmp_path):
    """Linked sub-folders were silently left out; following them must not loop or take a folder twice."""
    src, footage = tmp_path / "in", tmp_path / "footage"
    (src / "sub").mkdir(parents=True)
    footage.mkdir()
    for video in (src / "a.mp4", src / "sub" / "b.mp4", footage / "c.mp4"):
        make_video(video, frames=2)
    (src / "linked").symlink_to(footage)
    (src / "sub" / "again").symlink_to(footage)  # the same folder a second time
    (src / "sub" / "up").symlink_to(src)  # a loop
    found = find_videos(src, ["mp4"], recursive=True)
    assert [str(p.relative_to(src)) for p in found] == ["a.mp4", "linked/c.mp4", "sub/b.mp4"]


def test_output_inside_the_input_folder_is_not_scanned(tree):
    src, _ = tree
    report = run_batch(src, src / "enhanced", model="bicubic", recursive=True, extensions="mp4")
    assert [f.input for f in report.files] == ["a.mp4", "zero.mp4"]
    second = run_batch(src, src / "enhanced", model="bicubic", recursive=True, extensions="mp4")
    assert [f.input for f in second.files] == ["a.mp4", "zero.mp4"]  # its own outputs are not inputs


def test_an_output_folder_holding_the_input_folder_is_refused_where_outputs_would_land_in_the_input_folder(tmp_path):
    """`batch T/sub -o T --recursive` put T/sub/sub/v.webm's output at T/sub/v.mkv, in the input folder: the same
    command run again upscaled that output a second time (x16) and failed v.webm as "would overwrite an input"."""
    top = tmp_path / "T"
    (top / "sub" / "sub").mkdir(parents=True)
    make_video(top / "sub" / "sub" / "v.mp4", frames=2)
    make_video(top / "sub" / "a.mp4", frames=2)
    before = tree_snapshot(top)
    output, inputs, landing = (re.escape(str(path)) for path in (top, top / "sub", top / "sub" / "v.mp4"))
    refused = (rf"^the output folder '{output}' holds the input folder '{inputs}', and outputs would land inside "
               rf"the input folder \('{landing}'\), where a later batch would take them for inputs; "
               "choose an output folder beside the input folder, or inside it$")
    with pytest.raises(VsrAppError, match=refused):
        run_batch(top / "sub", top, model="bicubic", recursive=True)
    with pytest.raises(VsrAppError, match=refused):  # the Batch tab's queue says it before a start
        list_queue(top / "sub", top, "mp4", True, "libx264", "upscale", False)
    assert tree_snapshot(top) == before
    assert [f.output for f in run_batch(top / "sub", top, model="bicubic").files] == [str(top / "a.mp4")]
    (top / "sub" / "sub").rename(top / "sub" / "other")  # outputs beside the input folder: nothing lands in it
    report = run_batch(top / "sub", top, model="bicubic", recursive=True)
    assert [(f.output, f.status) for f in report.files] == [(str(top / "a.mp4"), "skipped"),
                                                            (str(top / "other" / "v.mp4"), "ok")]


def test_an_earlier_batch_s_outputs_in_the_input_tree_are_not_processed_again(tree, tmp_path):
    """A batch into src/enhanced, then one into src/other: the second took the first's outputs for inputs and
    upscaled each video a second time. An output of a video that is not in the batch is still an input. Such an
    output is "ignored", with no output: as "skipped" it read as done, at an output name never written."""
    src, _ = tree
    (src / "zero.mp4").unlink()
    run_batch(src, src / "enhanced", model="bicubic", recursive=True, extensions="mp4,mkv")
    shutil.copy(src / "enhanced" / "a.mp4", src / "sub" / "upscaled elsewhere.mp4")  # its source is in the batch too
    shutil.copy(src / "enhanced" / "a.mp4", src / "a copy.mp4")  # put beside the inputs: the user's to process
    (src / "sub" / "b.mkv").unlink()  # its output's source is gone: the output is now just a video
    report_path = tmp_path / "report.json"
    report = run_batch(src, src / "other", model="bicubic", recursive=True, extensions="mp4,mkv",
                       report_path=report_path)
    by_input = {f.input: f for f in report.files}
    for leftover in ("enhanced/a.mp4", "sub/upscaled elsewhere.mp4"):
        assert (by_input[leftover].status, by_input[leftover].output) == ("ignored", None)
        assert by_input[leftover].reason == (
            "this app's upscaled output of a.mp4, which this batch upscales too: not upscaled a second time (move it "
            "out of the input folder, or upscale it on its own with `vsr-app upscale` or the app's Export)")
        assert not (src / "other" / leftover).exists()
    assert by_input["a.mp4"].status == by_input["enhanced/sub/b.mkv"].status == by_input["a copy.mp4"].status == "ok"
    saved = json.loads(report_path.read_text())
    assert saved["counts"]["ignored"] == 2 and saved["counts"]["skipped"] == 0 and saved["exit_code"] == 0
    assert report.summary().startswith("3 ok, 0 skipped, 0 failed, 2 earlier outputs left as they are in ")
    again = run_batch(src, src / "other", model="bicubic", recursive=True, extensions="mp4,mkv")
    assert again.nothing_made() == "nothing to do: 3 outputs already exist, 2 earlier outputs left as they are"


def test_an_earlier_output_is_told_apart_from_another_input_of_the_same_name_and_size(tmp_path):
    """DV clips of one length in two folders have the same name and size: only the last was looked for, so an
    earlier batch's output of the first was upscaled a second time."""
    src = tmp_path / "in"
    pictures = gradient_frames(3)
    for folder, images in (("s1", pictures), ("s2", pictures[::-1])):  # raw frames: the same size, not the content
        (src / folder).mkdir(parents=True)
        make_video(src / folder / "clip.avi", images=images, codec="rawvideo", pix_fmt="bgr24")
    assert (src / "s1" / "clip.avi").stat().st_size == (src / "s2" / "clip.avi").stat().st_size
    assert (src / "s1" / "clip.avi").read_bytes() != (src / "s2" / "clip.avi").read_bytes()
    run_batch(src, src / "enhanced", model="bicubic", recursive=True, extensions="avi")
    report = run_batch(src, src / "other", model="bicubic", recursive=True, extensions="avi,mp4")
    assert [(f.input, f.status, (f.reason or "")[:43]) for f in report.files] == [
        ("enhanced/s1/clip.mp4", "ignored", "this app's upscaled output of s1/clip.avi, "),
        ("enhanced/s2/clip.mp4", "ignored", "this app's upscaled output of s2/clip.avi, "),
        ("s1/clip.avi", "ok", ""), ("s2/clip.avi", "ok", "")]


def test_the_progress_counts_no_work_for_an_earlier_output_left_as_it_is(tmp_path, monkeypatch):
    """The overall bar and its time left counted an earlier batch's outputs among the inputs as work, until the batch
    reached each and left it: the time left was overstated all along, then the bar jumped. Which inputs are such
    outputs is decided before the estimates, and only files in a container this app writes are opened for it."""
    from vsr_app import batch_progress
    from vsr_app.video import encoding

    src = tmp_path / "in"
    src.mkdir()
    make_video(src / "a.mp4", frames=6)
    make_video(src / "b.avi", frames=4, codec="rawvideo", pix_fmt="bgr24")
    run_batch(src, src / "enhanced", model="bicubic")  # enhanced/a.mp4 and enhanced/b.mp4
    estimated, looked_at = [], []
    monkeypatch.setattr(batch_progress, "estimate",
                        lambda path, factor, real=batch_progress.estimate: estimated.append(path) or real(path, factor))
    monkeypatch.setattr(encoding, "read_made_by",
                        lambda path, real=encoding.read_made_by: looked_at.append(path) or real(path))
    seen: list[ProgressInfo] = []
    report = run_batch(src, tmp_path / "out", model="bicubic", recursive=True, progress=seen.append)
    assert [(f.input, f.status) for f in report.files] == [
        ("a.mp4", "ok"), ("b.avi", "ok"), ("enhanced/a.mp4", "ignored"), ("enhanced/b.mp4", "ignored")]
    assert {info.total for info in seen} == {10}  # a.mp4's 6 frames and b.avi's 4, from the first report to the last
    assert sorted(estimated) == [src / "a.mp4", src / "b.avi"]
    assert src / "b.avi" not in looked_at  # no container of this app's: no earlier output of it


def test_an_output_of_another_task_in_the_input_folder_is_processed(tmp_path):
    """A video the user interpolated into the input folder (`vsr-app interpolate a.mp4 -o in/a_fi.mp4`) to upscale
    it was skipped as an earlier output: upscaling an upscale is the mistake, upscaling an interpolation a choice."""
    src = tmp_path / "in"
    src.mkdir()
    make_video(src / "a.mp4", frames=4)
    process_video(src / "a.mp4", src / "a_fi.mp4", interpolate=load_model("blend"))
    report = run_batch(src, tmp_path / "out", model="bicubic")
    assert [(f.input, f.status) for f in report.files] == [("a.mp4", "ok"), ("a_fi.mp4", "ok")]
    assert packet_span(tmp_path / "out" / "a_fi.mp4").frames == 8  # the interpolation, upscaled


def test_an_output_folder_inside_the_input_folder_holding_the_users_own_videos_is_refused(tree, tmp_path, capsys):
    """With sub-folders included, clips of the user's filed in the output folder were left out without a word, and
    one at an output's name was replaced by --overwrite (as another program's file). Met through a link too."""
    src, _ = tree
    done = src / "done"
    done.mkdir()
    make_video(done / "a.mp4", frames=3)  # a clip of the user's, at a.mp4's output name
    (done / "notes.mp4").write_text("not a video")  # no one's footage: no reason to refuse
    kept = (done / "a.mp4").read_bytes()
    for overwrite in (False, True):
        with pytest.raises(VsrAppError, match=r"'.*done' is inside the input folder and holds 1 video with no record "
                                              r"of being made by vsr-app \(another program's, or an older "
                                              r"vsr-app's: done/a\.mp4\).*choose an output folder outside"):
            run_batch(src, done, model="bicubic", recursive=True, extensions="mp4", overwrite=overwrite)
    assert (done / "a.mp4").read_bytes() == kept
    assert main(["batch", str(src), "-o", str(done), "--recursive", "--ext", "mp4", "--model", "bicubic",
                 "--overwrite"]) == 1
    assert "holds 1 video with no record" in capsys.readouterr().err
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (src / "linked").symlink_to(elsewhere)  # reached through a link: the walk leaves it out all the same
    make_video(elsewhere / "mine.mp4", frames=3)
    with pytest.raises(VsrAppError, match=r"holds 1 video .*: linked/mine\.mp4\)"):
        run_batch(src, elsewhere, model="bicubic", recursive=True, extensions="mp4", overwrite=True)
    (src / "linked").unlink()
    (src / "via").symlink_to(src)
    with pytest.raises(VsrAppError, match=r"holds 1 video .*: done/a\.mp4\)"):  # the folders named by another path
        run_batch(src / "via", done, model="bicubic", recursive=True, extensions="mp4")
    (src / "via").unlink()
    run_batch(src, done, model="bicubic", recursive=False, extensions="mp4")  # not an input then: a file in the way
    hidden = src / ".archive"
    hidden.mkdir()
    make_video(hidden / "a.mp4", frames=3)
    run_batch(src, hidden, model="bicubic", recursive=True, extensions="mp4")  # never walked: never an input
    (done / "a.mp4").unlink()
    run_batch(src, done, model="bicubic", recursive=True, extensions="mp4")  # the folder's own outputs are fine
    again = run_batch(src, done, model="bicubic", recursive=True, extensions="mp4")
    assert [(f.input, f.status) for f in again.files][0] == ("a.mp4", "skipped")


def test_containers_that_cannot_hold_the_codec_change_suffix_without_collisions(tmp_path):
    src = tmp_path / "in"
    inputs = [src / "clip.avi", src / "clip.mp4", src / "other.webm", src / "x.mkv"]
    assert [p.name for p in plan_outputs(inputs, src, tmp_path / "o", "libx264")] == [
        "clip.avi.mp4", "clip.mp4", "other.mkv", "x.mkv"]  # WebM's Opus and WebVTT kept: .mkv
    assert [p.name for p in plan_outputs(inputs, src, tmp_path / "o", "prores")] == [
        "clip.mov", "clip.mp4.mov", "other.mkv", "x.mkv"]  # ProRes in .mov, as editors expect; WebM's streams: .mkv
    # a.avi's a.mp4 was the mirrored folder of a.mp4/inner.mp4, whose output then failed at every run
    assert [str(p.relative_to(tmp_path / "o")) for p in plan_outputs([src / "a.avi", src / "a.mp4" / "inner.mp4"],
                                                                      src, tmp_path / "o", "libx264")] == [
        "a.avi.mp4", "a.mp4/inner.mp4"]
    taken_twice = [src / "clip.avi", src / "clip.avi-2.mp4", src / "clip.avi.mp4", src / "clip.mp4"]
    assert [p.name for p in plan_outputs(taken_twice, src, tmp_path / "o", "libx264")] == [
        "clip.avi-3.mp4", "clip.avi-2.mp4", "clip.avi.mp4", "clip.mp4"]


def test_output_names_differ_on_case_insensitive_disks_and_fit_the_name_limit(tmp_path):
    """Clip.avi + clip.mp4 were planned as Clip.mp4 + clip.mp4 (one file on macOS, Windows, exFAT, SMB), and
    N.avi + N.mp4 with a 251-byte N as N.avi.mp4, 4 bytes over the limit."""
    src, out = tmp_path / "in", tmp_path / "o"
    plan = [p.name for p in plan_outputs([src / n for n in ("Clip.avi", "clip.mp4", "Case.MKV", "case.mkv", "Sub/a.mp4",
                                                            "sub/a.mp4")], src, out, "libx264")]
    assert plan == ["Clip.avi.mp4", "clip.mp4", "Case.MKV", "case-2.mkv", "a.mp4", "a-2.mp4"]
    long = "b" * 251
    assert [p.name for p in plan_outputs([src / f"{long}.avi", src / f"{long}.mp4"], src, out, "libx264")] == [
        f"{long[:249]}-2.mp4", f"{long}.mp4"]


def test_a_name_taken_only_where_a_disk_ignores_case_is_said_to_be(tmp_path):
    """x.MP4 beside x.mp4, clip.MP4 beside clip.avi, Sub/a.mp4 beside sub/a.mp4: the reason put the other input's
    stem before this output's own extension, and so called these plain clashes ("x.MP4's output has that name"),
    where a disk that minds case keeps both names apart."""
    src, out = tmp_path / "in", tmp_path / "o"

    def reasons(*names: str) -> list[str | None]:
        inputs = [src / name for name in names]
        outputs = plan_outputs(inputs, src, out, "libx264")
        return [why_renamed(s, d, output_names(inputs, outputs, src)) for s, d in zip(inputs, outputs)]

    ignoring_case = ("output has that name in other letter case, which clashes with it on disks that ignore case "
                     "(Windows, macOS)")
    assert reasons("x.MP4", "x.mp4") == [None, f"written as 'x-2.mp4', not 'x.mp4': x.MP4's {ignoring_case}"]
    assert reasons("clip.MP4", "clip.avi") == [
        None, f"written as 'clip.avi.mp4', not 'clip.mp4': clip.MP4's {ignoring_case}"]
    assert reasons("Sub/a.mp4", "sub/a.mp4") == [
        None, f"written as 'a-2.mp4', not 'a.mp4': Sub/a.mp4's {ignoring_case}"]
    assert reasons("clip.avi", "clip.mp4") == [  # the same name: a clash on every disk
        "written as 'clip.avi.mp4', not 'clip.mp4': clip.mp4's output has that name", None]


def test_a_name_past_more_than_one_taken_name_says_the_last_one_too(tmp_path):
    """clip.avi beside CLIP.mp4 and clip.avi.mp4 was "written as 'clip.avi-2.mp4', not 'clip.mp4': CLIP.mp4's output
    has that name ...", and why it was not clip.avi.mp4 either was left to guess."""
    src, out = tmp_path / "in", tmp_path / "o"

    def reason(*names: str) -> str | None:
        inputs = [src / name for name in names]
        outputs = plan_outputs(inputs, src, out, "libx264")
        return why_renamed(inputs[0], outputs[0], output_names(inputs, outputs, src))

    assert reason("clip.avi", "CLIP.mp4", "clip.avi.mp4") == (
        "written as 'clip.avi-2.mp4', not 'clip.mp4': CLIP.mp4's output has that name in other letter case, which "
        "clashes with it on disks that ignore case (Windows, macOS); "
        "nor 'clip.avi.mp4': clip.avi.mp4's output has that name")
    assert reason("clip.avi", "clip.avi-2.mp4", "clip.avi.mp4", "clip.mp4") == (
        "written as 'clip.avi-3.mp4', not 'clip.mp4': clip.mp4's output has that name; "
        "nor 'clip.avi-2.mp4': clip.avi-2.mp4's output has that name")


def test_a_skipped_output_not_at_its_input_s_own_name_is_named(tmp_path, capsys):
    """A rerun said "skipped  clip.avi: a complete output already exists", leaving the user to guess which of
    clip.mp4 and clip.avi.mp4 it meant."""
    src, out, report_path = tmp_path / "in", tmp_path / "out", tmp_path / "r.json"
    src.mkdir()
    for name in ("clip.avi", "clip.mp4"):
        make_video(src / name, frames=2)
    run_batch(src, out, model="bicubic")
    assert main(["batch", str(src), "-o", str(out), "--model", "bicubic", "--report", str(report_path)]) == 0
    assert capsys.readouterr().out.splitlines()[:-1] == [
        "[1/2] skipped   clip.avi: a complete output already exists as 'clip.avi.mp4'",
        "[2/2] skipped   clip.mp4: a complete output already exists"]
    assert [f["reason"] for f in json.loads(report_path.read_text())["files"]] == [
        "a complete output already exists as 'clip.avi.mp4'", "a complete output already exists"]


def test_an_input_whose_name_is_near_the_limit_is_processed_and_resumed(tmp_path):
    """A 252-255-byte name failed ("unexpected error (OSError: [Errno 36] File name too long: '....mp4.m4v')"): the
    look for an output an earlier version named otherwise tried names past the disk's limit."""
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    name = "日" * 83 + "ab.mp4"  # 255 bytes
    make_video(src / name, frames=2)
    assert [(f.input, f.status) for f in run_batch(src, out, model="bicubic").files] == [(name, "ok")]
    assert [f.status for f in run_batch(src, out, model="bicubic").files] == ["skipped"]


def test_every_input_gets_its_own_output_and_a_rerun_resumes(tmp_path):
    """clip.avi's output took the name clip.avi.mp4, and the input clip.avi.mp4 was then skipped as done."""
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    for name, count in (("clip.avi", 3), ("clip.mp4", 4), ("clip.avi.mp4", 5)):
        make_video(src / name, frames=count)
    first = run_batch(src, out, model="bicubic")
    assert [(f.input, f.status, f.frames_out) for f in first.files] == [
        ("clip.avi", "ok", 3), ("clip.avi.mp4", "ok", 5), ("clip.mp4", "ok", 4)]
    assert len({f.output for f in first.files}) == 3
    assert [packet_span(f.output).frames for f in first.files] == [3, 5, 4]
    again = run_batch(src, out, model="bicubic")
    assert [(f.output, f.status) for f in again.files] == [(f.output, "skipped") for f in first.files]


def test_an_ok_line_names_an_output_not_at_its_input_s_own_name_and_why(tmp_path, capsys):
    """clip.avi beside clip.mp4: its line said "ok  clip.avi", and which of clip.mp4 and clip.avi.mp4 was its output
    was left to guess (the Batch tab's row names every output)."""
    src, out = tmp_path / "in", tmp_path / "out"
    (src / "a.mp4").mkdir(parents=True)
    long = "b" * 252  # its .ts goes to .mkv, a byte over the disk's limit
    for name in ("Clip.mp4", "clip.avi", "clip.mp4", "a.avi", "a.mp4/x.mp4", f"{long}.ts"):
        make_video(src / name, frames=2)
    assert main(["batch", str(src), "-o", str(out), "--model", "bicubic", "--recursive"]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if "note:" not in line]
    assert lines[:-1] == [
        "[1/6] ok        Clip.mp4",
        "[2/6] ok        a.avi: written as 'a.avi.mp4', not 'a.mp4': a folder of outputs has that name",
        f"[3/6] ok        {long}.ts: written as '{long[:251]}.mkv', not '{long}.mkv': that name is longer than the "
        "disk takes",
        "[4/6] ok        clip.avi: written as 'clip.avi.mp4', not 'clip.mp4': Clip.mp4's output has that name in "
        "other letter case, which clashes with it on disks that ignore case (Windows, macOS)",
        "[5/6] ok        clip.mp4: written as 'clip-2.mp4', not 'clip.mp4': Clip.mp4's output has that name in other "
        "letter case, which clashes with it on disks that ignore case (Windows, macOS)",
        "[6/6] ok        a.mp4/x.mp4"]
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["Clip.mp4", "a.avi.mp4", f"{long[:251]}.mkv", "clip.avi.mp4", "clip-2.mp4", "a.mp4"])


def stamps(folder, names):
    return {name: ((folder / name).stat().st_mtime_ns, (folder / name).read_bytes()) for name in names}


def test_rerun_skips_complete_outputs_and_keeps_other_files(tree, tmp_path):
    src, out = tree
    first = run_batch(src, out, model="bicubic", recursive=True)
    assert first.exit_code == 1
    # b.mkv: replaced by a shorter video of the right size with no record of its settings (an older
    # vsr-app's output, another tool's) ...
    make_video(out / "sub" / "b.mkv", frames=3, width=256, height=192)
    before = stamps(out, ["a.mp4", "sub/b.mkv", "sub/deep/c.mov"])
    # ... and a temporary file a killed run left behind
    stale = out / "sub" / ".b.partial-0badc0de.mkv"
    stale.write_bytes(b"half a video")

    second = run_batch(src, out, model="bicubic", recursive=True, report_path=tmp_path / "r.json")
    status = {f.input: (f.status, f.reason) for f in second.files}
    assert status["a.mp4"] == ("skipped", "a complete output already exists")
    assert status["sub/deep/c.mov"][0] == "skipped"
    assert status["sub/b.mkv"] == ("exists", "kept an existing video with no record of the settings that made it "
                                             f"(another program's or an older vsr-app's); {EXISTS_HINT}")
    assert status["zero.mp4"][0] == "failed"
    assert stamps(out, before) == before  # really not rewritten
    assert not stale.exists() and all_files(out) == ["a.mp4", "sub/b.mkv", "sub/deep/c.mov"]
    saved = json.loads((tmp_path / "r.json").read_text())
    assert saved["counts"]["skipped"] == 2 and saved["counts"]["exists"] == 1 and saved["exit_code"] == 1


def test_files_that_are_not_outputs_are_kept_and_reported_until_overwrite(tmp_path, capsys):
    """The user's own files at the output names - another video, a text file - are never replaced silently."""
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    out.mkdir()
    make_video(src / "plain.mkv", frames=6)
    make_video(src / "vfr.mp4", frames=5, times=[0, 0.1, 0.25, 0.3, 0.5])
    make_video(out / "plain.mkv", frames=4, width=96, height=64)  # another video
    (out / "vfr.mp4").write_text("notes\n")
    before = stamps(out, ["plain.mkv", "vfr.mp4"])
    report_path = tmp_path / "r.json"

    assert main(["batch", str(src), "-o", str(out), "--model", "bicubic", "--report", str(report_path)]) == 1
    assert stamps(out, before) == before
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "[1/2] exists    plain.mkv: kept an existing video with no record of the settings that made it "
        f"(another program's or an older vsr-app's); {EXISTS_HINT}",
        f"[2/2] exists    vfr.mp4: kept an existing file that is not a readable video; {EXISTS_HINT}",
        "batch: 0 ok, 0 skipped, 0 failed, 2 existing files kept in " + lines[-1].rsplit(" in ", 1)[1]]
    saved = json.loads(report_path.read_text())
    assert [f["status"] for f in saved["files"]] == ["exists", "exists"] and saved["exit_code"] == 1
    assert saved["files"][0]["output_bytes"] == len(before["plain.mkv"][1])

    assert main(["batch", str(src), "-o", str(out), "--model", "bicubic", "--overwrite"]) == 0
    assert capsys.readouterr().out.splitlines()[:2] == [
        "[1/2] ok        plain.mkv: replaced an existing video with no record of the settings that made it "
        "(another program's or an older vsr-app's)",
        "[2/2] ok        vfr.mp4: replaced an existing file that is not a readable video"]
    for name in ("plain.mkv", "vfr.mp4"):
        assert read_made_by(out / name) == {**made_by("upscale", ["bicubic"], "libx264", weights=[None]),
                                            "input": input_record(src / name)}
        assert probe(out / name).width == 256


def test_an_output_made_with_other_settings_is_kept_and_the_difference_named(tree, tmp_path):
    """A rerun with another model of the same scale (or another task, CRF, preset, codec) must not take the old
    outputs for its own."""
    torch.manual_seed(0)
    config = {"channels": 8, "blocks": 1, "hr_channels": 4}
    student = save_model(VSRStudent(**config), tmp_path / "student", {"task": "upscale", "scale": 4,
                                                                       "arch": "vsr_student", "config": config})
    src, out = tree
    (src / "zero.mp4").unlink()
    run_batch(src, out, model="bicubic")
    before = stamps(out, ["a.mp4"])

    def rerun(**options):
        (a,) = run_batch(src, out, **{"model": "bicubic", **options}).files
        return a.status, a.reason

    digest = load_model(str(student)).weights_digest
    other_model = rerun(model=str(student), device="cpu")
    assert other_model == ("exists", "kept an existing output made with other settings: models bicubic "
                                     f"(this run: student), weights none (this run: {digest}); {EXISTS_HINT}")
    assert rerun(crf=23)[1].startswith("kept an existing output made with other settings: crf 18 (this run: 23);")
    assert "preset veryfast (this run: medium)" in rerun(preset="medium")[1]
    assert "codec libx264 (this run: libx265), crf 18 (this run: 20), preset veryfast (this run: medium)" in \
        rerun(codec="libx265")[1]
    assert "task upscale (this run: interpolate), models bicubic (this run: blend)" in \
        rerun(task="interpolate", model="blend")[1]
    assert stamps(out, before) == before
    assert rerun(crf=18, preset="veryfast") == ("skipped", "a complete output already exists")  # the defaults

    assert rerun(model=str(student), device="cpu", overwrite=True) == (
        "ok", f"replaced an existing output made with other settings: models bicubic (this run: student), weights "
              f"none (this run: {digest})")
    assert read_made_by(out / "a.mp4")["models"] == ["student"]
    assert rerun(model=str(student), device="cpu") == ("skipped", "a complete output already exists")

    torch.manual_seed(1)  # retrained: the same name and file, other weights
    save_model(VSRStudent(**config), tmp_path / "student", {"task": "upscale", "scale": 4, "arch": "vsr_student",
                                                            "config": config})
    retrained = load_model(str(student)).weights_digest
    assert retrained != digest
    assert rerun(model=str(student), device="cpu") == (
        "exists", f"kept an existing output made with other settings: weights {digest} (this run: {retrained}); "
                  f"{EXISTS_HINT}")


def without_input_record(path):
    """`path` as versions before the input record wrote it: the same packets, the settings alone in `comment`."""
    rewrite_record(path, lambda record: record.pop("input"))


def rewrite_record(path, change):
    """`path` with the same packets and its record, alone in `comment`, as `change` edits it."""
    record = read_made_by(path)
    change(record)
    old = path.with_name("old" + path.suffix)
    with av.open(str(path)) as src, av.open(str(old), "w") as dst:
        dst.metadata["comment"] = MADE_BY_PREFIX + json.dumps(record)
        stream = dst.add_stream_from_template(src.streams.video[0])
        for packet in src.demux(src.streams.video[0]):
            if packet.dts is not None:
                packet.stream = stream
                dst.mux(packet)
    old.replace(path)


def test_an_output_of_another_version_of_the_input_is_kept(tree):
    """The input was replaced by another video of the same size and length: its old output was skipped as done."""
    src, out = tree
    (src / "zero.mp4").unlink()
    run_batch(src, out, model="bicubic")
    make_video(src / "a.mp4", images=[np.full((48, 64, 3), 255, np.uint8)] * 6)
    (a,) = run_batch(src, out, model="bicubic").files
    assert (a.status, a.reason) == ("exists", "kept an existing output made from another version of this input; "
                                              + EXISTS_HINT)
    (a,) = run_batch(src, out, model="bicubic", overwrite=True).files
    assert (a.status, a.reason) == ("ok", "replaced an existing output made from another version of this input")


def test_an_output_of_another_input_is_kept_and_that_input_named(tmp_path):
    """The inputs of a folder changed between runs: clip.mp4, added beside clip.avi, takes the name clip.mp4 that
    clip.avi's output had, and that output was said to be made "from another version of the input"."""
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    make_video(src / "clip.avi", frames=3)
    run_batch(src, out, model="bicubic")
    make_video(src / "clip.mp4", frames=4)
    avi, mp4 = run_batch(src, out, model="bicubic").files
    assert (mp4.status, mp4.reason) == ("exists", f"kept an existing output made from another input, 'clip.avi'; "
                                                  f"{EXISTS_HINT}")
    assert (avi.status, Path(avi.output).name) == ("ok", "clip.avi.mp4")

    # as versions before the input's name was recorded wrote them: the same input still matches by its content
    for name in ("clip.mp4", "clip.avi.mp4"):
        rewrite_record(out / name, lambda record: record["input"].pop("name"))
    avi, mp4 = run_batch(src, out, model="bicubic").files
    assert (avi.status, mp4.status) == ("skipped", "exists")
    assert mp4.reason == ("kept an existing output made from another input, or another version of this one; "
                          + EXISTS_HINT)


def test_outputs_made_before_the_input_was_recorded_are_checked_as_before(tree):
    """Upgrading must not flag every old output: one without an input record is skipped when it matches its
    input, and kept when it does not (here it is shorter)."""
    src, out = tree
    (src / "zero.mp4").unlink()
    run_batch(src, out, model="bicubic")
    without_input_record(out / "a.mp4")
    (a,) = run_batch(src, out, model="bicubic").files
    assert (a.status, a.reason) == ("skipped", "a complete output already exists")
    make_video(src / "a.mp4", frames=9)
    (a,) = run_batch(src, out, model="bicubic").files
    assert (a.status, a.reason) == ("exists", "kept an existing output made with these settings that does not match "
                                              "the input (the existing output has 6 frames, expected 9); "
                                              + EXISTS_HINT)


def test_overwrite_redoes_everything(tree):
    src, out = tree
    run_batch(src, out, model="bicubic")
    again = run_batch(src, out, model="bicubic", overwrite=True)
    assert [(f.status, f.reason) for f in again.files] == [
        ("ok", "replaced a complete output made with the same settings"), ("failed", again.files[1].reason)]


def test_batch_wide_problems_are_one_line_errors(tree, tmp_path, capsys):
    src, _ = tree
    cases = [
        (["batch", str(src), "-o", str(src)], "the output folder is the input folder"),
        (["batch", str(tmp_path / "missing"), "-o", str(tmp_path / "o")], "does not exist"),
        (["batch", str(src / "a.mp4"), "-o", str(tmp_path / "o")], "is not a folder: batch takes a folder of videos "
                                                                   "(one video: vsr-app upscale IN -o OUT)"),
        (["batch", str(src), "-o", str(src / "a.mp4")], "is a file, not a folder"),
        (["batch", str(src), "-o", str(src / "a.mp4" / "x")], "is a file, not a folder"),
        (["batch", str(src), "-o", str(tmp_path / "o"), "--model", "blend"], "is for interpolate, not upscale; add --task interpolate"),
        (["batch", str(src), "-o", str(tmp_path / "o"), "--model", "nope"], "unknown model 'nope'"),
        (["batch", str(src), "-o", str(tmp_path / "o"), "--report", str(src / "a.mp4" / "r.json")],
         f"cannot write to the report's folder '{src / 'a.mp4'}': '{src / 'a.mp4'}' is a file, not a folder"),
        (["batch", str(src / "sub"), "-o", str(tmp_path / "o"), "--ext", "mov"],
         f"no videos found in '{src / 'sub'}' (looked for .mov; sub-folders hold 1 video: add --recursive to include "
         "them)"),
        # no sub-folder holds one either: ticking them finds none
        (["batch", str(src / "sub"), "-o", str(tmp_path / "o"), "--ext", "mp4"],
         f"no videos found in '{src / 'sub'}' (looked for .mp4)"),
    ]
    before = tree_snapshot(src)
    for argv, message in cases:
        assert main(argv + (["--model", "bicubic"] if "--model" not in argv else [])) == 1, argv
        err = capsys.readouterr().err.strip()
        assert err.startswith("vsr-app: error:") and message in err and len(err.splitlines()) == 1, err
    assert tree_snapshot(src) == before
    assert not (tmp_path / "o").exists() or all_files(tmp_path / "o") == []


def test_the_report_never_replaces_an_input_an_output_or_another_file(tmp_path, capsys):
    """--report at an input video replaced it with JSON; at a planned output it made that output "exists"."""
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    make_video(src / "a.mp4", frames=3)
    notes = tmp_path / "notes.json"
    notes.write_text('{"mine": true}\n')
    before = tree_snapshot(tmp_path)
    batch = ["batch", str(src), "-o", str(out), "--model", "bicubic", "--report"]
    for report, message in [
            (src / "a.mp4", f"the report '{src / 'a.mp4'}' would overwrite the input video '{src / 'a.mp4'}'"),
            (out / "a.mp4", f"the report '{out / 'a.mp4'}' is where the output of '{src / 'a.mp4'}' goes"),
            (notes, f"the report '{notes}' would replace an existing file that is not a batch report; "
                    "pass --overwrite to replace it or choose another report file")]:
        assert main([*batch, str(report)]) == 1
        err = capsys.readouterr().err.strip()
        assert err.startswith(f"vsr-app: error: {message}") and len(err.splitlines()) == 1, err
        assert tree_snapshot(tmp_path) == before and not out.exists()  # refused before any work

    assert main([*batch, str(tmp_path / "r.json")]) == 0
    assert main([*batch, str(tmp_path / "r.json")]) == 0  # an earlier report is replaced
    assert _statuses(tmp_path / "r.json") == ["skipped"]
    assert main([*batch, str(notes), "--overwrite"]) == 0
    assert _statuses(notes) == ["ok"]


def test_the_report_never_replaces_a_video_even_with_overwrite(tmp_path, capsys):
    """`batch in -o outB --report outA/a.mp4 --overwrite` replaced a finished output of an earlier batch with the
    JSON report: --overwrite is given to replace outputs, not for that."""
    src = tmp_path / "in"
    src.mkdir()
    make_video(src / "a.mp4", frames=3)
    batch = ["batch", str(src), "--model", "bicubic"]
    assert main([*batch, "-o", str(tmp_path / "outA")]) == 0
    earlier = tmp_path / "outA" / "a.mp4"
    before = earlier.read_bytes()
    assert main([*batch, "-o", str(tmp_path / "outB"), "--report", str(earlier), "--overwrite"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.endswith(f"vsr-app: error: the report '{earlier}' would replace a video (an earlier batch's output, "
                        "perhaps); a report is JSON: give a file name such as report.json"), err
    assert earlier.read_bytes() == before and not (tmp_path / "outB").exists()


def test_a_name_that_is_not_utf8_is_kept_in_the_report(tmp_path):
    """A Latin-1 name (caf\\xe9.mp4 from an old USB drive) made writing the report raise UnicodeEncodeError."""
    src, report_path = tmp_path / "in", tmp_path / "r.json"
    src.mkdir()
    make_video(src / os.fsdecode(b"caf\xe9.mp4"), frames=2)
    assert run_batch(src, tmp_path / "out", model="bicubic", report_path=report_path).exit_code == 0
    (entry,) = json.loads(report_path.read_bytes().decode("utf-8"))["files"]  # strict UTF-8, valid JSON
    assert os.fsencode(entry["input"]) == b"caf\xe9.mp4" and entry["status"] == "ok"
    assert os.fsencode(entry["output"]) == os.fsencode(tmp_path / "out") + b"/caf\xe9.mp4"


def test_the_report_holds_absolute_paths(tmp_path, monkeypatch):
    """Relative folders were stored as typed, meaningless to a reader of the report elsewhere."""
    (tmp_path / "in").mkdir()
    make_video(tmp_path / "in" / "a.mp4", frames=2)
    monkeypatch.chdir(tmp_path)
    run_batch("in", "out", model="bicubic", report_path="reports/r.json")
    saved = json.loads((tmp_path / "reports" / "r.json").read_text())
    assert (saved["input_dir"], saved["output_dir"]) == (str(tmp_path / "in"), str(tmp_path / "out"))
    assert saved["files"][0]["input"] == "a.mp4" and saved["files"][0]["output"] == str(tmp_path / "out" / "a.mp4")


def test_a_rerun_keeps_the_notes_of_the_outputs_it_skips(tmp_path):
    """A rerun replaced the report, and the outputs it skipped came back with no notes: the only record of what
    they lost (audio re-encoded, frames lost to damage) was gone."""
    (tmp_path / "in").mkdir()
    make_video(tmp_path / "in" / "a.mkv", frames=2, audio="pcm_s16le")
    make_video(tmp_path / "in" / "b.mp4", frames=2)
    first = run_batch(tmp_path / "in", tmp_path / "out", model="bicubic", report_path=tmp_path / "r.json")
    notes = {f.input: f.notes for f in first.files}
    assert any("pcm_s16le" in n for n in notes["a.mkv"])
    again = run_batch(tmp_path / "in", tmp_path / "out", model="bicubic", report_path=tmp_path / "r.json")
    assert [(f.input, f.status, f.notes) for f in again.files] == [("a.mkv", "skipped", notes["a.mkv"]),
                                                                   ("b.mp4", "skipped", notes["b.mp4"])]
    saved = json.loads((tmp_path / "r.json").read_text())
    assert saved["files"][0]["notes"] == notes["a.mkv"]
    (tmp_path / "r.json").write_text("{damaged")  # not a report: nothing to keep, and no failure
    third = run_batch(tmp_path / "in", tmp_path / "out", model="bicubic", report_path=tmp_path / "r.json",
                      overwrite=True)
    assert third.files[0].status == "ok"


def counting_writes(monkeypatch, fail=lambda call: False):
    """Count the report's writes (1-based), making those `fail` picks raise as a full disk would."""
    calls = []
    original = BatchReport.write

    def write(self, path):
        calls.append(json.loads(json.dumps(self.as_dict())))
        if fail(len(calls)):
            raise VsrAppError(f"cannot write the report '{path}': No space left on device")
        original(self, path)

    monkeypatch.setattr(BatchReport, "write", write)
    return calls


def test_the_report_is_not_rewritten_after_every_skipped_or_failed_file(tmp_path, monkeypatch):
    """1500 files took 109 s with --report and 4 s without: the report was rewritten and fsync'd after each."""
    src = tmp_path / "in"
    src.mkdir()
    make_video(src / "a.mp4", frames=2)
    for n in range(20):
        zero_byte(src / f"z{n:02}.mp4")
    writes = counting_writes(monkeypatch)
    report = run_batch(src, tmp_path / "out", model="bicubic", report_path=tmp_path / "r.json")
    assert report.counts()["failed"] == 20
    assert [w["counts"]["ok"] for w in writes] == [0, 1, 1]  # before the first file, after a, at the end
    assert json.loads((tmp_path / "r.json").read_text())["counts"]["failed"] == 20


def test_an_unfinished_report_does_not_read_as_a_success(tmp_path):
    """Read while the batch ran, or after kill -9, the report said "exit_code": 0 and "cancelled": false."""
    src, report_path = tmp_path / "in", tmp_path / "r.json"
    src.mkdir()
    for name in "ab":
        make_video(src / f"{name}.mp4", frames=2)
    seen = []
    run_batch(src, tmp_path / "out", model="bicubic", report_path=report_path,
              on_file=lambda index, count, result: seen.append(json.loads(report_path.read_text())))
    assert [(r["finished"], r["exit_code"], [f["status"] for f in r["files"]]) for r in seen] == [
        (False, None, ["ok", "pending"]), (False, None, ["ok", "ok"])]
    saved = json.loads(report_path.read_text())
    assert saved["finished"] and saved["exit_code"] == 0


def test_a_report_that_cannot_be_written_midway_does_not_stop_the_batch(tmp_path, monkeypatch, caplog, capsys):
    """A full disk under the report stopped the batch after its first file, leaving "pending" and exit code 0."""
    src, report_path = tmp_path / "in", tmp_path / "r.json"
    src.mkdir()
    for name in "abc":
        make_video(src / f"{name}.mp4", frames=2)
    writes = counting_writes(monkeypatch, fail=lambda call: call in (2, 3))  # after a and b
    with caplog.at_level(logging.WARNING, logger="vsr_app.batch"):
        report = run_batch(src, tmp_path / "out", model="bicubic", report_path=report_path)
    assert [f.status for f in report.files] == ["ok", "ok", "ok"] and len(writes) == 5
    assert [r.getMessage() for r in caplog.records] == [
        f"cannot write the report '{report_path}': No space left on device; the batch goes on and tries again later"]
    assert json.loads(report_path.read_text())["counts"]["ok"] == 3

    counting_writes(monkeypatch, fail=lambda call: call > 1)  # the last write fails too: the batch fails
    assert main(["batch", str(src), "-o", str(tmp_path / "out2"), "--model", "bicubic", "--report",
                 str(report_path)]) == 1
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith(f"vsr-app: error: cannot write the report '{report_path}': No space left on device; "
                          "the batch itself ran: 3 ok, 0 skipped, 0 failed in ")
    assert all_files(tmp_path / "out2") == ["a.mp4", "b.mp4", "c.mp4"]


def test_a_linked_folder_whose_target_is_gone_is_reported_not_skipped(tmp_path):
    """Footage linked in from a drive that is not connected was left out without a word (exit 0): os.walk lists a
    dangling link with the files. Whether it was a folder cannot be told (Trip.2023 may be one): every such link is
    named, but for one named like a video, which is listed and fails as an input."""
    src = tmp_path / "in"
    src.mkdir()
    make_video(src / "ok.mp4", frames=2)
    (src / "Trip.2023").symlink_to(tmp_path / "unplugged" / "Trip.2023")
    (src / "usb-footage").symlink_to(tmp_path / "unplugged" / "footage")
    (src / "gone.mp4").symlink_to(tmp_path / "unplugged" / "gone.mp4")
    report = run_batch(src, tmp_path / "out", model="bicubic", recursive=True)
    assert [(f.input, f.status) for f in report.files] == [("gone.mp4", "failed"), ("ok.mp4", "ok")]
    reason = "it links to something that is not there (a drive not connected, a share not mounted?)"
    assert report.unreadable == [{"folder": str(src / name), "reason": reason} for name in ("Trip.2023", "usb-footage")]
    assert report.exit_code == 1
    assert run_batch(src, tmp_path / "flat", model="bicubic").unreadable == []  # not looked into without sub-folders


def test_unreadable_folders_are_reported_not_taken_for_empty(tmp_path, monkeypatch, caplog, capsys):
    """A sub-folder that could not be read was skipped without a word (exit 0), and an unreadable input folder
    said "no videos found ... add --recursive". Tests run as root, which chmod does not stop: simulated."""
    src = tmp_path / "in"
    (src / "locked").mkdir(parents=True)
    make_video(src / "ok.mp4", frames=2)
    locked = set()
    scandir = os.scandir

    def refuse(path="."):
        if os.fspath(path) in locked:
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", refuse)
    locked.add(str(src / "locked"))
    with caplog.at_level(logging.WARNING, logger="vsr_app.batch"):
        report = run_batch(src, tmp_path / "out", model="bicubic", recursive=True, report_path=tmp_path / "r.json")
    assert [f.status for f in report.files] == ["ok"] and report.exit_code == 1
    assert report.unreadable == [{"folder": str(src / "locked"), "reason": "Permission denied"}]
    assert re.fullmatch(r"1 ok, 0 skipped, 0 failed in [0-9.]+ s; 1 unreadable folder left out", report.summary())
    assert json.loads((tmp_path / "r.json").read_text())["unreadable"] == report.unreadable
    assert [r.getMessage() for r in caplog.records] == [
        f"cannot read '{src / 'locked'}' (Permission denied): any videos in it are left out"]

    locked.add(str(src))
    assert main(["batch", str(src), "-o", str(tmp_path / "out2"), "--model", "bicubic"]) == 1
    assert capsys.readouterr().err.strip() == f"vsr-app: error: cannot read the folder '{src}': Permission denied"


def test_unwritable_output_folder_fails_the_batch_up_front(tree, monkeypatch, capsys):
    """Tests run as root, which chmod does not stop: the refusal a normal user would get is simulated."""
    import tempfile

    src, out = tree

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    assert main(["batch", str(src), "-o", str(out), "--model", "bicubic"]) == 1
    err = capsys.readouterr().err.strip()
    assert err == (f"vsr-app: error: cannot write to the output folder '{out}': Permission denied; choose a folder "
                   "you can write to")


def test_ctrl_c_cancels_cleanly_and_a_rerun_finishes_the_job(tmp_path):
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    # b is longer than x264's look-ahead, so its progress reports arrive while it is still being encoded
    for name, frames in (("a", 20), ("b", 90), ("c", 20)):
        make_video(src / f"{name}.mp4", frames=frames)
    cancel = threading.Event()

    seen = []

    def press_ctrl_c_during_b(info):
        seen.append(info)
        if info.stage.endswith("b.mp4") and 0 < info.done < 90:
            cancel.set()

    report = run_batch(src, out, model="bicubic", progress=press_ctrl_c_during_b, cancel=cancel,
                       report_path=tmp_path / "r.json")
    assert report.cancelled and report.exit_code == 130  # was 0, while the CLI exited 130
    assert [(f.status, f.reason) for f in report.files] == [
        ("ok", None), ("cancelled", "stopped before it ended (Cancel, Ctrl-C or a stop signal); no output was written"),
        ("cancelled", "not started: the batch was cancelled")]
    assert all_files(out) == ["a.mp4"]  # no partial b
    saved = json.loads((tmp_path / "r.json").read_text())
    assert saved["cancelled"] and saved["counts"]["cancelled"] == 2 and saved["exit_code"] == 130
    assert all(i.done < i.total for i in seen)  # the bar ended at 100% as if all were done

    resumed = run_batch(src, out, model="bicubic")
    assert [f.status for f in resumed.files] == ["skipped", "ok", "ok"]
    assert all_files(out) == ["a.mp4", "b.mp4", "c.mp4"]


def test_a_stop_at_once_still_leaves_a_true_report(tmp_path):
    """A second Ctrl-C or SIGTERM stops the batch with KeyboardInterrupt mid-file: the report said "pending",
    "cancelled": false, exit code 0, and the CLI printed "[2/3] pending b.mp4" as if that file were done."""
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    for name, frames in (("a", 6), ("b", 30), ("c", 6)):
        make_video(src / f"{name}.mp4", frames=frames)

    class SignalDuringB:
        """Raises KeyboardInterrupt on the main thread, as a signal handler would, once b is being written."""

        def is_set(self):
            if threading.current_thread() is threading.main_thread() and \
                    any(p.name.startswith(".b.partial-") for p in out.iterdir()):
                raise KeyboardInterrupt
            return False

    started, finished = [], []
    with pytest.raises(KeyboardInterrupt):
        run_batch(src, out, model="bicubic", cancel=SignalDuringB(), report_path=tmp_path / "r.json",
                  on_start=lambda index, count, result: started.append((index, count, result.input)),
                  on_file=lambda index, count, result: finished.append((index, result.status)))
    assert started == [(1, 3, "a.mp4"), (2, 3, "b.mp4")] and finished == [(1, "ok")]
    assert all_files(out) == ["a.mp4"]  # b's partial file removed
    saved = json.loads((tmp_path / "r.json").read_text())
    assert saved["cancelled"] and saved["exit_code"] == 130
    assert [(f["status"], f["reason"]) for f in saved["files"]] == [
        ("ok", None), ("cancelled", STOPPED_REASON), ("cancelled", NOT_STARTED_REASON)]


def test_a_cancel_while_the_inputs_are_measured_stops_the_batch(tmp_path, monkeypatch):
    """Every input was opened for the overall progress before the first file, without a look at the cancel: with
    thousands of files, Cancel and Ctrl-C did nothing for minutes, and a second Ctrl-C left no report."""
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    for i in range(40):
        zero_byte(src / f"{i:02}.mp4")
    cancel, measured = threading.Event(), []

    def cancel_while_measuring(path):
        measured.append(path)
        cancel.set()
        return probe(path)

    monkeypatch.setattr("vsr_app.video.reader.probe", cancel_while_measuring)
    report = run_batch(src, out, model="bicubic", cancel=cancel, report_path=tmp_path / "r.json")
    assert len(measured) == 1 and report.cancelled and report.exit_code == 130
    assert {(f.status, f.reason) for f in report.files} == {("cancelled", NOT_STARTED_REASON)}
    saved = json.loads((tmp_path / "r.json").read_text())
    assert saved["finished"] and saved["counts"]["cancelled"] == 40 and saved["exit_code"] == 130
    assert not out.exists()  # the output folder it made, left empty, goes again (it was left behind)

    def stop_at_once(path):
        raise KeyboardInterrupt

    monkeypatch.setattr("vsr_app.video.reader.probe", stop_at_once)
    with pytest.raises(KeyboardInterrupt):
        run_batch(src, out, model="bicubic", report_path=tmp_path / "stopped.json")
    saved = json.loads((tmp_path / "stopped.json").read_text())
    assert saved["finished"] and saved["cancelled"] and saved["counts"]["cancelled"] == 40


def _sigterm_to_self() -> KeyboardInterrupt | None:
    """Send SIGTERM to this process (its handler runs as `kill` returns) and return what the handler raised: a
    KeyboardInterrupt left to propagate would end the whole test session."""
    try:
        os.kill(os.getpid(), signal.SIGTERM)
    except KeyboardInterrupt as exc:
        return exc
    return None


def test_a_stop_with_stderr_closed_still_stops_the_batch_cleanly(monkeypatch):
    """Started with `2>&-` (no sys.stderr), the stop message raised inside the signal handler: the file in work was
    reported failed ("'NoneType' object has no attribute 'isatty'") and a second stop did not end it at once."""
    monkeypatch.setattr(sys, "stderr", None)
    cancel = threading.Event()
    with _cancel_on_interrupt(cancel, in_flight=lambda: True):
        assert _sigterm_to_self() is None and cancel.is_set()
        assert isinstance(_sigterm_to_self(), KeyboardInterrupt)


def test_sigterm_stops_a_batch_like_a_first_ctrl_c_and_a_second_one_at_once(capsys):
    """SIGTERM raised KeyboardInterrupt at once, so the CLI printed neither the cancelled file nor the summary."""
    cancel = threading.Event()
    previous = signal.getsignal(signal.SIGTERM)
    with _cancel_on_interrupt(cancel, in_flight=lambda: True):
        assert _sigterm_to_self() is None
        assert cancel.is_set()  # the batch ends its current file as cancelled, then reports
        assert isinstance(_sigterm_to_self(), KeyboardInterrupt)
    assert signal.getsignal(signal.SIGTERM) is previous
    # the second stop is named as the first came (it said "Ctrl-C again" to a `kill`), on its own line in a log
    assert capsys.readouterr().err.startswith(
        "vsr-app: stopping: removing the unfinished output (another SIGTERM to quit at once)\n")


def _ctrl_c() -> None:
    os.kill(os.getpid(), signal.SIGINT)  # the handler runs as `kill` returns


def _ctrl_c_while_processing(*args, **kwargs):
    _ctrl_c()
    raise Cancelled()  # as the pipeline does on the cancel the handler set


@pytest.mark.parametrize("when, during, said", [
    ("vsr_app.batch_progress.estimate", lambda src, factor: _ctrl_c() or Estimate(2, 1),
     "vsr-app: stopping (Ctrl-C again to quit at once)"),
    ("vsr_app.video.pipeline.process_video", _ctrl_c_while_processing,
     "vsr-app: stopping: removing the unfinished output (Ctrl-C again to quit at once)")])
def test_ctrl_c_says_it_removes_an_unfinished_output_only_while_there_is_one(tmp_path, capsys, monkeypatch, when,
                                                                           during, said):
    """A Ctrl-C in the batch's first second, while it looked at its inputs, said "removing the unfinished output"
    though no file had been started."""
    src = tmp_path / "in"
    src.mkdir()
    make_video(src / "a.mp4", frames=2)
    monkeypatch.setattr(when, during)
    assert main(["batch", str(src), "-o", str(tmp_path / "out"), "--model", "bicubic"]) == 130
    assert said in capsys.readouterr().err.splitlines()


def test_a_report_path_that_is_a_folder_is_refused_before_the_output_folder_is_made(tree, tmp_path, capsys):
    """It failed at the report's first write ("cannot write the report 'ev': Is a directory"), leaving an empty
    output folder behind."""
    src, out = tree
    (tmp_path / "ev").mkdir()
    assert main(["batch", str(src), "-o", str(out), "--model", "bicubic", "--report", str(tmp_path / "ev")]) == 1
    assert capsys.readouterr().err == (f"vsr-app: error: the report '{tmp_path / 'ev'}' is a folder; give a file name "
                                       "such as report.json\n")
    assert not out.exists()


def test_a_batch_that_skips_every_file_ends_its_bar_at_100_percent_saying_there_was_nothing_to_do(tree, capsys):
    """The bar stayed at "0.0% 0/28 frames" once every file was found done; then it ended at "100.0% 0/0 frames
    -- fps", which told a user nothing."""
    src, out = tree
    (src / "zero.mp4").unlink()
    batch = ["batch", str(src), "-o", str(out), "--model", "bicubic", "--recursive"]
    assert main(batch) == 0
    capsys.readouterr()
    assert main(batch) == 0
    out_lines, err = capsys.readouterr()
    assert out_lines.startswith("[1/3] skipped ")
    assert err.splitlines()[-1].endswith("] 100.0% nothing to do: all 3 outputs already exist"), err
    assert "0/0" not in err and "fps" not in err.splitlines()[-1]


def test_a_batch_that_made_nothing_says_why_only_where_it_ran_to_its_end():
    report = BatchReport("in", "out", "upscale", "bicubic", "now", files=[FileResult("a.mp4", "a", status="skipped")])
    assert report.nothing_made() == "nothing to do: its output already exists"
    report.files.append(FileResult("b.mp4", "b", status="failed"))
    assert report.nothing_made() == "nothing to do: 1 output already exists, 1 failed"  # each file's line says why
    report.cancelled = True
    assert report.nothing_made() is None  # a stop is said as a stop
    report.cancelled, report.files[1].status = False, "ok"
    assert report.nothing_made() is None


def test_a_batch_that_made_nothing_counts_earlier_outputs_it_left_apart_from_those_already_made():
    """An earlier output left as it is was counted as an output that already exists: "all 4 outputs already exist"
    where 3 did; a report of no files said "all 0 outputs already exist"."""
    files = [FileResult(f"{i}.mp4", f"o{i}", status="skipped") for i in range(3)]
    report = BatchReport("in", "out", "upscale", "bicubic", "now", files=[*files, FileResult("o0.mp4", None,
                                                                                            status="ignored")])
    assert report.nothing_made() == "nothing to do: 3 outputs already exist, 1 earlier output left as it is"
    assert report.summary() == "0 ok, 3 skipped, 0 failed, 1 earlier output left as it is in 0.0 s"
    assert report.exit_code == 0 and report.counts()["ignored"] == 1
    del report.files[1:3]
    assert report.nothing_made() == "nothing to do: 1 output already exists, 1 earlier output left as it is"
    del report.files[0]
    assert report.nothing_made() == "nothing to do: 1 earlier output left as it is"
    report.files.clear()
    assert report.nothing_made() == "nothing to do: no videos"


def test_a_batch_that_made_nothing_counts_every_file_not_only_those_done_before():
    """A rerun that found 8 outputs made and failed on 1 file again ended its bar with "no output made", as if the
    batch had done nothing."""
    files = [FileResult(f"{i}.mp4", f"o{i}", status="skipped") for i in range(8)]
    report = BatchReport("in", "out", "upscale", "bicubic", "now", files=[*files, FileResult("9.mp4", "o9",
                                                                                            status="failed")])
    assert report.nothing_made() == "nothing to do: 8 outputs already exist, 1 failed"
    report.files[:8] = [FileResult("e.mp4", None, status="ignored"), FileResult("k.mp4", "k", status="exists")]
    assert report.nothing_made() == "nothing to do: 1 earlier output left as it is, 1 existing file kept, 1 failed"
    del report.files[0]
    assert report.nothing_made() == "no output made: 1 existing file kept, 1 failed"
    report.files.append(FileResult("10.mp4", "o10", status="failed"))
    assert report.nothing_made() == "no output made: 1 existing file kept, 2 failed"


def test_batch_help_tells_what_overwrite_replaces_and_the_default_extensions(capsys):
    with pytest.raises(SystemExit):
        main(["batch", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "replace OUT" not in text
    assert "--overwrite replace any file at an output's planned name (never an input), and a --report file" in text
    assert ("(default mp4, mkv, mov, avi, webm, m4v, mts, m2ts, m2t, ts, vob, mpg, mpeg, mod, tod, dv, mxf, 3gp, ogv, "
            "wmv, flv, gif)") in text


def test_camcorder_dvd_and_phone_videos_are_picked_up_by_default(tmp_path):
    """A folder of AVCHD (.MTS), DVD (.VOB) and phone (.3gp) videos was "no videos found ... add --recursive"."""
    folder = tmp_path / "camera"
    folder.mkdir()
    for name in ("00001.MTS", "VTS_01_1.VOB", "VID_1.3gp", "notes.txt"):
        (folder / name).write_bytes(b"")
    inputs, outputs, _ = plan_batch(folder, tmp_path / "out", BATCH_EXTENSIONS, False, "libx264", [])
    assert sorted(p.name for p in inputs) == ["00001.MTS", "VID_1.3gp", "VTS_01_1.VOB"]
    # a DVD's or camcorder's audio and subtitles (AC-3, LPCM, DVD subtitles) go in .mkv; a phone's in .mp4
    assert sorted(p.name for p in outputs) == ["00001.mkv", "VID_1.mp4", "VTS_01_1.mkv"]


def test_dv_hdv_mod_and_mxf_tapes_are_picked_up_and_processed(tmp_path):
    """An archive's DV and HDV captures, a JVC camcorder's .MOD and broadcast MXF were left out without a word."""
    import av

    src = tmp_path / "tapes"
    src.mkdir()
    make_video(src / "hdv.m2t", frames=4)
    make_video(tmp_path / "mpeg2.mpg", frames=4, codec="mpeg2video")
    (tmp_path / "mpeg2.mpg").rename(src / "MOV001.MOD")
    with av.open(str(src / "tape.dv"), "w") as container:  # PAL DV: its one frame size and rate
        stream = container.add_stream("dvvideo", rate=25)
        stream.width, stream.height, stream.pix_fmt = 720, 576, "yuv420p"
        for i in range(3):
            frame = av.VideoFrame.from_ndarray(np.full((576, 720, 3), 40 * i, np.uint8), format="rgb24")
            frame.pts = i
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    make_video(src / "news.mxf", frames=4, codec="mpeg2video", fps=25)  # MXF takes broadcast rates only
    report = run_batch(src, tmp_path / "out", task="interpolate", model="blend", extensions=BATCH_EXTENSIONS)
    assert [(f.input, f.status, Path(f.output).name) for f in report.files] == [
        ("MOV001.MOD", "ok", "MOV001.mkv"), ("hdv.m2t", "ok", "hdv.mkv"), ("news.mxf", "ok", "news.mkv"),
        ("tape.dv", "ok", "tape.mkv")]


@pytest.mark.parametrize("codec, suffix", [("libx264", ".mp4"), ("ffv1", ".mkv")])
def test_a_gif_is_picked_up_by_default_and_made_into_a_video_a_rerun_skips(tmp_path, codec, suffix):
    """`upscale` and `interpolate` took a GIF, but a batch of the same folder left it out without a word. A GIF cannot
    hold the codec: its output goes to the codec's own container."""
    src = tmp_path / "in"
    src.mkdir()
    make_video(src / "anim.gif", frames=4, codec="gif", pix_fmt="rgb8")
    make_video(src / "still.GIF", frames=1, codec="gif", pix_fmt="rgb8")
    report = run_batch(src, tmp_path / "out", task="interpolate", model="blend", codec=codec)
    assert [(f.input, f.status, Path(f.output).name, f.frames_out) for f in report.files] == [
        ("anim.gif", "ok", f"anim{suffix}", 8), ("still.GIF", "ok", f"still{suffix}", 2)]
    assert packet_span(tmp_path / "out" / f"anim{suffix}").frames == 8
    again = run_batch(src, tmp_path / "out", task="interpolate", model="blend", codec=codec)
    assert [f.status for f in again.files] == ["skipped", "skipped"]


def test_a_files_notes_are_printed_under_its_line(tmp_path, capsys):
    """A damaged input whose output lasts half as long printed "[2/2] ok trunc4.mkv" and exited 0: its note was in the
    report only."""
    src = tmp_path / "in"
    src.mkdir()
    make_video(src / "good.mp4", frames=4)
    truncated_readable(src / "trunc.mkv")
    assert main(["batch", str(src), "-o", str(tmp_path / "out"), "--model", "bicubic"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == ["[1/2] ok        good.mp4", "[2/2] ok        trunc.mkv"]
    assert lines[2].startswith("      note: output lasts ") and lines[2].endswith(
        " s, input 3.000 s: the video stops before the end its header states (a cut or damaged file)"), lines
    assert lines[3].startswith("batch: 2 ok")


def test_a_batch_started_twice_into_one_folder_is_refused_the_second_time(tmp_path):
    """Both batches did every file: the slower copy of each failed, was kept as 'a (2).mp4', and the second
    batch's report replaced the first one's."""
    src, out, report_path = tmp_path / "in", tmp_path / "out", tmp_path / "r.json"
    src.mkdir()
    for name, frames in (("a", 30), ("b", 6)):
        make_video(src / f"{name}.mp4", frames=frames)
    second = []

    class StartAgainDuringA:
        """Starts the same batch once, from the first one's main thread, while a is being written."""

        def is_set(self):
            if not second and threading.current_thread() is threading.main_thread() and \
                    any(p.name.startswith(".a.partial-") for p in out.iterdir()):
                first_report = report_path.read_text()
                try:
                    run_batch(src, out, model="bicubic", report_path=report_path)
                except VsrAppError as exc:
                    second.append(str(exc))
                second.append(report_path.read_text() == first_report)  # not replaced by the second one's
            return False

    first = run_batch(src, out, model="bicubic", report_path=report_path, cancel=StartAgainDuringA())
    assert second == [f"another batch is already writing into the output folder '{out}'; wait for it to end "
                      "(running this one again then skips what it made) or choose another output folder", True]
    assert [f.status for f in first.files] == ["ok", "ok"] and first.exit_code == 0
    assert json.loads(report_path.read_text())["exit_code"] == 0
    assert all_files(out) == ["a.mp4", "b.mp4"]  # no second copy, and the lock file is gone


def test_a_killed_batch_leaves_no_lock_on_its_output_folder(tmp_path):
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    out.mkdir()
    make_video(src / "a.mp4", frames=4)
    root = Path(__file__).resolve().parents[1]
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path; from vsr_app.batch import "
         "claim_output_folder\nwith claim_output_folder(Path(sys.argv[1])):\n    print('held', flush=True); "
         "time.sleep(600)", str(out)],
        cwd=root, env={**os.environ, "PYTHONPATH": str(root)}, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        with pytest.raises(VsrAppError, match="another batch is already writing"):
            run_batch(src, out, model="bicubic")
    finally:
        holder.kill()
        holder.wait(timeout=10)
    assert (out / LOCK_NAME).exists()  # the killed holder's file stays, but not its lock
    assert run_batch(src, out, model="bicubic").exit_code == 0
    assert all_files(out) == ["a.mp4"]


def test_a_second_claim_in_the_same_process_is_refused_too(tmp_path):
    """The GUI runs batches in its own process: a second one into the same folder must be refused as well."""
    with claim_output_folder(tmp_path):
        with pytest.raises(VsrAppError, match="another batch is already writing"):
            with claim_output_folder(tmp_path):
                pass
    with claim_output_folder(tmp_path):  # released at the end
        pass
    assert all_files(tmp_path) == []


@pytest.mark.skipif(os.name == "nt", reason="Windows deletes no open file")
def test_a_lock_file_deleted_as_it_is_locked_is_not_taken_for_the_lock(tmp_path, monkeypatch):
    """The batch before deletes its lock file as it ends: one that opened the file just before then holds a lock on
    no file, and a third batch would lock a new file beside it. The file now there must be locked instead."""
    import fcntl

    flock = fcntl.flock

    def flock_just_after_the_batch_before_ended(fd, operation):
        monkeypatch.setattr(fcntl, "flock", flock)
        (tmp_path / LOCK_NAME).unlink()
        flock(fd, operation)

    monkeypatch.setattr(fcntl, "flock", flock_just_after_the_batch_before_ended)
    with claim_output_folder(tmp_path):
        with pytest.raises(VsrAppError, match="another batch is already writing"):
            with claim_output_folder(tmp_path):
                pass


def test_the_time_left_counts_pixels_not_frames():
    """A batch's ETA from a small file's frame rate promised seconds where a large file after it took minutes."""
    now = [0.0]
    seen = []
    small, large = Estimate(10, 100), Estimate(10, 1600)
    overall = OverallProgress([small, large], seen.append, Path("."), clock=lambda: now[0])
    overall.start_file("[1/2] small.mp4", small)
    for frame in range(1, 6):  # 1,000 pixels a second
        now[0] += 0.1
        overall.on_progress(ProgressInfo(frame, 10, 10.0, now[0], None))
    overall.meter.report()
    # 500 of the small file's pixels left, then 16,000 of the large file's: 16.5 s, not 15 frames at 10 a second
    assert seen[-1].done == 5 and seen[-1].total == 20 and seen[-1].eta == pytest.approx(16.5, rel=0.1)
    for frame in range(6, 11):
        now[0] += 0.1
        overall.on_progress(ProgressInfo(frame, 10, 10.0, now[0], None))
    overall.end_file(small, 1000)
    overall.start_file("[2/2] large.mp4", large)
    now[0] += 1.6
    overall.on_progress(ProgressInfo(1, 10, 1.0, now[0], None))
    overall.meter.report()
    assert seen[-1].eta == pytest.approx(9 * 1.6, rel=0.1)


def test_a_file_longer_than_its_header_said_does_not_end_the_bar_early():
    """Its pixels outran the batch's pixel total before it ended: the time left read 0, and the bar 100%."""
    now = [0.0]
    seen = []
    big, small = Estimate(10, 1600), Estimate(100, 1)  # the header says 10 frames; it has 30
    overall = OverallProgress([big, small], seen.append, Path("."), clock=lambda: now[0])
    overall.start_file("[1/2] big.mp4", big)
    for frame in range(1, 31):
        now[0] += 0.25
        overall.on_progress(ProgressInfo(frame, 10, 4.0, now[0], None))
    overall.meter.report()
    assert seen[-1].done == 30 and seen[-1].eta > 0 and seen[-1].fraction < 0.5


def test_overall_progress_counts_every_file_and_ends_at_the_total(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    make_video(src / "a.mp4", frames=6)
    make_video(src / "b.mp4", frames=10)
    seen = []
    run_batch(src, tmp_path / "out", model="bicubic", progress=seen.append)
    done = [i.done for i in seen]
    assert done == sorted(done) and seen[-1].done == seen[-1].total == 16 and seen[-1].eta == 0.0
    assert all(i.total == 16 for i in seen)
    # each file is announced as it starts, before its first frame leaves the encoder's look-ahead
    first = {stage: next(i.done for i in seen if i.stage == stage) for stage in ("[1/2] a.mp4", "[2/2] b.mp4")}
    assert first == {"[1/2] a.mp4": 0, "[2/2] b.mp4": 6}


def test_each_file_starts_from_fresh_state(tmp_path):
    """A recurrent model's memory must not carry from one video into the next: the batch output of the second
    file equals processing that file alone."""
    torch.manual_seed(0)
    config = {"channels": 8, "blocks": 1, "hr_channels": 4}
    model = save_model(VSRStudent(**config), tmp_path / "student", {"task": "upscale", "scale": 4,
                                                                     "arch": "vsr_student", "config": config})
    src = tmp_path / "in"
    src.mkdir()
    make_video(src / "1.mkv", images=gradient_frames(4)[::-1], codec="ffv1")
    make_video(src / "2.mkv", images=gradient_frames(4), codec="ffv1")
    report = run_batch(src, tmp_path / "out", model=str(model), codec="ffv1", device="cpu")
    assert [f.status for f in report.files] == ["ok", "ok"]
    process_video(src / "2.mkv", tmp_path / "alone.mkv", upscale=str(model), codec="ffv1", device="cpu")
    for a, b in zip(frames(tmp_path / "out" / "2.mkv"), frames(tmp_path / "alone.mkv"), strict=True):
        np.testing.assert_array_equal(a, b)


def _wait_for(predicate, proc, timeout=120.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def _writing(out):
    """Whether a file is being written into `out` now (its hidden temporary file is there)."""
    return out.is_dir() and any(".partial-" in p.name for p in out.iterdir())


def _statuses(report_path):
    try:
        return [f["status"] for f in json.loads(report_path.read_text())["files"]]
    except (OSError, ValueError):
        return []


@pytest.mark.slow  # three interpreter start-ups and real signals: ~20 s
def test_real_ctrl_c_and_kill_9_then_a_rerun_completes(tmp_path):
    src, out, report = tmp_path / "in", tmp_path / "out", tmp_path / "report.json"
    src.mkdir()
    for name in "abcd":
        make_video(src / f"{name}.mp4", frames=120, width=96, height=64)
    root = Path(__file__).resolve().parents[1]
    cmd = [sys.executable, "-m", "vsr_app", "batch", str(src), "-o", str(out), "--model", "bicubic",
           "--report", str(report)]
    env = {**os.environ, "PYTHONPATH": str(root)}

    # Ctrl+C as at a terminal, even when the tests run in the background (which starts children ignoring SIGINT)
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert _wait_for(lambda: "ok" in _statuses(report), proc)
    proc.send_signal(signal.SIGINT)
    stdout, _ = proc.communicate(timeout=30)
    assert proc.returncode == 130
    saved = json.loads(report.read_text())
    assert saved["cancelled"] and "cancelled" in _statuses(report)
    assert not [p for p in all_files(out) if Path(p).name.startswith(".")]  # no partial file

    proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert _wait_for(lambda: _writing(out), proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert (out / LOCK_NAME).exists()  # the killed batch's lock file stays, without its lock

    done = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert set(_statuses(report)) <= {"ok", "skipped"} and "skipped" in _statuses(report)
    assert all_files(out) == ["a.mp4", "b.mp4", "c.mp4", "d.mp4"]  # the killed run's temporary file is gone
    assert all(packet_span(out / f"{n}.mp4").frames == 120 for n in "abcd")


def _batch_sent(tmp_path, signum, ignoring_hangups: bool = False):
    """A batch of three clips sent `signum` while it writes the first output, its output piped (as into a log):
    the process, once ended, with its stdout and stderr, the report and the output folder."""
    src, out, report = tmp_path / "in", tmp_path / "out", tmp_path / "report.json"
    src.mkdir()
    for name in "abc":
        make_video(src / f"{name}.mp4", frames=60, width=96, height=64)
    root = Path(__file__).resolve().parents[1]
    proc = subprocess.Popen([sys.executable, "-m", "vsr_app", "batch", str(src), "-o", str(out), "--model",
                             "bicubic", "--report", str(report)], cwd=root, env={**os.environ, "PYTHONPATH": str(root)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=(lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN)) if ignoring_hangups
                            else None)  # as `nohup` starts it
    assert _wait_for(lambda: _writing(out), proc)
    proc.send_signal(signum)
    stdout, stderr = proc.communicate(timeout=60)
    return proc, stdout, stderr, report, out


@pytest.mark.parametrize("signum", [signal.SIGTERM, *([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])])
def test_sigterm_and_a_closed_terminal_stop_the_batch_like_ctrl_c(tmp_path, signum):
    """`kill`, `timeout` or a scheduler: the process died at once, leaving a hidden partial file and a report of
    "pending" files with "cancelled": false and "exit_code": 0. Later it stopped at once with "interrupted", where
    Ctrl-C printed the cancelled file and the batch's summary. SIGHUP (the terminal closed, an SSH session dropped)
    still killed it as `kill -9` does; output going to a log keeps every line."""
    proc, stdout, stderr, report, out = _batch_sent(tmp_path, signum)
    assert proc.returncode == 130 and "Traceback" not in stderr, stderr
    saved = json.loads(report.read_text())
    assert saved["cancelled"] and saved["exit_code"] == 130
    assert "cancelled" in _statuses(report) and "pending" not in _statuses(report)
    assert not [p for p in all_files(out) if Path(p).name.startswith(".")]  # no partial file, no lock
    stopped = next(f["input"] for f in saved["files"] if f["reason"] == STOPPED_REASON)
    *_, cancelled_line, summary = stdout.splitlines()
    assert cancelled_line.endswith(f"] cancelled {stopped}: {STOPPED_REASON}")
    assert summary.startswith("batch: ") and " cancelled in " in summary and "interrupted" not in stderr
    assert summary.endswith("; the same command again does the rest (what is done is skipped)")


@pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="no hang-up signal on this system")
def test_a_batch_started_with_nohup_outlives_its_terminal(tmp_path):
    """`nohup vsr-app batch ...` over SSH: a hang-up the process was started ignoring must not stop it."""
    proc, stdout, stderr, report, out = _batch_sent(tmp_path, signal.SIGHUP, ignoring_hangups=True)
    assert proc.returncode == 0, stderr
    assert set(_statuses(report)) == {"ok"} and all_files(out) == ["a.mp4", "b.mp4", "c.mp4"]


def test_only_a_terminal_is_silenced_after_a_hang_up(tmp_path):
    """A hung-up terminal fails every write (EIO); a log file or pipe keeps what the stop says."""
    import pty

    from vsr_app.stop_signals import is_terminal_device

    controller, terminal = pty.openpty()
    read_end, write_end = os.pipe()
    with open(tmp_path / "log", "w") as log, open(os.devnull, "w") as null:
        assert is_terminal_device(terminal)
        assert not any(is_terminal_device(fd) for fd in (write_end, log.fileno(), null.fileno()))
    for fd in (controller, terminal, read_end, write_end):
        os.close(fd)


def test_no_temporary_frame_folders_or_files_anywhere(tree, tmp_path, monkeypatch):
    """Frames stream from decoder to encoder: the system temp folder stays empty, the output folder holds
    only finished videos."""
    import tempfile

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    src, out = tree
    run_batch(src, out, model="bicubic", recursive=True, task="upscale")
    run_batch(src, tmp_path / "x2", model="blend", recursive=True, task="interpolate")
    assert all_files(scratch) == []
    assert all_files(out) == ["a.mp4", "sub/b.mkv", "sub/deep/c.mov"]


def test_a_folder_at_an_output_s_name_fails_that_file_saying_to_move_it(small_video, tmp_path):
    """It said "give a file name such as out.mp4", advice for a single output the user names, not a batch's."""
    in_dir, out_dir = tmp_path / "in", tmp_path / "out"
    in_dir.mkdir()
    shutil.copy(small_video, in_dir / "clip.mp4")
    (out_dir / "clip.mp4").mkdir(parents=True)
    (result,) = run_batch(in_dir, out_dir, model="bicubic").files
    assert result.status == "failed"
    assert result.reason == (f"a folder is in the way at its output's name '{out_dir / 'clip.mp4'}'; move or rename "
                             f"it, or choose another output folder")


def test_a_cancelled_walk_of_the_input_folder_stops():
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        find_videos(Path(__file__).parent, ["mp4"], recursive=True, cancel=cancel)


def test_an_unwritable_output_folder_is_refused_before_the_model_loads(small_video, tmp_path, monkeypatch):
    import vsr_app.models

    (tmp_path / "in").mkdir()
    shutil.copy(small_video, tmp_path / "in" / "clip.mp4")
    (tmp_path / "file").write_text("in the way")
    monkeypatch.setattr(vsr_app.models, "load_model", lambda *a: pytest.fail("the model loaded first"))
    with pytest.raises(VsrAppError, match="is a file, not a folder"):
        run_batch(tmp_path / "in", tmp_path / "file" / "out", model="bicubic")


def test_an_unwritable_output_folder_holding_the_report_is_named_as_the_output_folder(tree, capsys):
    """The report (the GUI's is always inside the output folder) was checked first: "cannot write to the report's
    folder" named the output folder, for a report the user never chose."""
    src, _ = tree
    out = src / "a.mp4" / "x"
    assert main(["batch", str(src), "-o", str(out), "--model", "bicubic", "--report", str(out / "r.json")]) == 1
    assert capsys.readouterr().err.startswith(f"vsr-app: error: cannot write to the output folder '{out}': ")


def test_the_batch_bar_shows_the_frames_an_encoder_holds_and_its_clock_goes_on():
    """A file's frames made but not yet finished by its encoder were not passed on: the batch stood at 0 frames,
    its clock stopped, for minutes on large frames."""
    from vsr_app.progress import ProgressInfo

    now = [0.0]
    seen = []
    overall = OverallProgress([Estimate(10, 100)], seen.append, Path("."), clock=lambda: now[0])
    overall.start_file("big.mp4", Estimate(10, 100))
    now[0] = 5.0
    overall.on_progress(ProgressInfo(0, 10, 0.0, 5.0, None, "", waiting=4))
    assert (seen[-1].done, seen[-1].waiting, seen[-1].elapsed) == (0, 4, 5.0)


def test_an_output_an_earlier_version_named_otherwise_is_not_made_again(tmp_path, monkeypatch):
    """ProRes from an .mp4 went to .mkv before it went to .mov (and a WebM's H.264 to .mp4 before .mkv): after the
    update a resumed batch made every such file again, hours of ProRes, and left both."""
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    make_video(src / "clip.mp4", frames=3)
    run_batch(src, out, model="bicubic", codec="prores")
    (out / "clip.mov").rename(out / "clip.mkv")  # where the earlier version put it
    again = run_batch(src, out, model="bicubic", codec="prores")
    assert [(f.status, f.output) for f in again.files] == [("skipped", str(out / "clip.mkv"))]
    assert again.files[0].reason == ("a complete output already exists as clip.mkv, the name an earlier version gave "
                                     "it (clip.mov now)")
    assert sorted(p.name for p in out.iterdir()) == ["clip.mkv"]
    elsewhere = tmp_path / "other"  # another video of that name, same size and length: not taken for it
    elsewhere.mkdir()
    make_video(elsewhere / "clip.mp4", frames=3, images=[np.zeros((48, 64, 3), np.uint8)] * 3)
    assert run_batch(elsewhere, out, model="bicubic", codec="prores").files[0].status == "ok"
    (out / "clip.mov").unlink()
    from vsr_app.video import encoding

    real = encoding.read_made_by  # an output that records no input: size, frames and length alone are no proof
    with monkeypatch.context() as patched:
        patched.setattr(encoding, "read_made_by", lambda path: {k: v for k, v in real(path).items() if k != "input"})
        assert earlier_output(src / "clip.mp4", out / "clip.mov", again.settings, 4, 1, set(), "prores") is None
    other = run_batch(src, out, model="bicubic", codec="prores", crf=None, preset=None, overwrite=True)
    assert other.files[0].status == "ok" and (out / "clip.mov").is_file()  # --overwrite makes it at today's name
    assert other.files[0].notes[-1] == "clip.mkv, this input's output as an earlier version named it, is still there"


def test_a_rerun_drops_the_note_of_an_earlier_output_removed_since(tmp_path):
    """A rerun carried an earlier report's "clip.mkv ... is still there" after the user had removed clip.mkv."""
    src, out, report = tmp_path / "in", tmp_path / "out", tmp_path / "report.json"
    src.mkdir()
    make_video(src / "clip.mp4", frames=3)
    run_batch(src, out, model="bicubic", codec="prores")
    (out / "clip.mov").rename(out / "clip.mkv")  # the name an earlier version gave it
    first = run_batch(src, out, model="bicubic", codec="prores", overwrite=True, report_path=report)
    assert first.files[0].notes[-1].startswith("clip.mkv, this input's output as an earlier version")
    kept = run_batch(src, out, model="bicubic", codec="prores", report_path=report)
    assert kept.files[0].status == "skipped" and kept.files[0].notes == first.files[0].notes  # still true
    (out / "clip.mkv").unlink()
    again = run_batch(src, out, model="bicubic", codec="prores", report_path=report)
    assert again.files[0].status == "skipped" and again.files[0].notes == first.files[0].notes[:-1]


def test_an_output_from_before_weights_were_recorded_says_so(tmp_path, monkeypatch):
    """It read "made with other settings: weights none (this run: 1c2f...)", as if another model had made it."""
    from vsr_app.video import encoding

    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    make_video(src / "clip.mp4", frames=3)
    first = run_batch(src, out, model="bicubic")
    record = encoding.read_made_by(out / "clip.mp4")
    del record["weights"]  # as versions before the digests wrote it
    monkeypatch.setattr(encoding, "read_made_by", lambda path: dict(record))
    this_run = {**first.settings, "weights": ["1c2f9a"]}  # a trained model's digest
    said = existing_output(src / "clip.mp4", out / "clip.mp4", this_run, 4, 1)
    assert said == ("an existing output of these settings from an earlier vsr-app, which did not record the model's "
                    "weights, so whether they were these cannot be told")
    # a built-in model has no weights: such an output is its complete output (it was kept as "exists", exit 1)
    assert existing_output(src / "clip.mp4", out / "clip.mp4", first.settings, 4, 1) is None


@pytest.mark.parametrize("how", ["moved", "replaced"])
def test_an_output_folder_gone_mid_batch_is_not_made_again(tmp_path, how):
    """A drive unplugged (or the folder moved) mid-batch: the writer made the folder again, and the rest went to the
    system disk under the mount point (hidden once the drive is back), reported "ok", with the folder's lock gone. The
    report kept inside it (as the Batch tab keeps it) made it again too."""
    from videogen import make_video

    (tmp_path / "in").mkdir()
    for name in ("a", "b", "c"):
        make_video(tmp_path / "in" / f"{name}.mp4", frames=4)

    def unplugging(out, moved):
        def unplug(index, count, result):
            if index == 1:
                out.rename(moved)
                if how == "replaced":
                    out.mkdir()  # another folder at the same place: a mount point with the drive gone
        return unplug

    out, moved = tmp_path / "out", tmp_path / "moved"
    report = batch.run_batch(tmp_path / "in", out, model="bicubic", device="cpu", on_file=unplugging(out, moved),
                             report_path=tmp_path / "report.json")
    assert [f.status for f in report.files] == ["ok", "failed", "failed"]
    assert all(f.reason.startswith(f"the output folder '{out}' is gone or was replaced while the batch ran")
               for f in report.files[1:])
    assert out.is_dir() == (how == "replaced") and (not out.exists() or list(out.iterdir()) == [])
    assert [p.name for p in moved.iterdir() if not p.name.startswith(".")] == ["a.mp4"]
    out, moved = tmp_path / "out2", tmp_path / "moved2"
    with pytest.raises(VsrAppError, match=r"the report '.*out2/vsr-app-report\.json' was not written: the output "
                                          r"folder is gone; the batch itself ran: 1 ok, 0 skipped, 2 failed"):
        batch.run_batch(tmp_path / "in", out, model="bicubic", device="cpu", on_file=unplugging(out, moved),
                        report_path=out / "vsr-app-report.json")
    assert not out.exists() or list(out.iterdir()) == []
    assert sorted(p.name for p in moved.iterdir() if not p.name.startswith(".")) == ["a.mp4", "vsr-app-report.json"]


def test_an_interpolating_batch_reports_its_scene_cuts(tmp_path, capsys, scene_cuts_path):
    """`interpolate` said "5 scene cuts" of a file; the batch said nothing of them, on its lines or in its report."""
    (tmp_path / "in").mkdir()
    shutil.copy(scene_cuts_path, tmp_path / "in" / "cuts.mp4")
    assert main(["batch", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--task", "interpolate", "--model",
                 "blend", "--report", str(tmp_path / "report.json")]) == 0
    entry = json.loads((tmp_path / "report.json").read_text())["files"][0]
    assert entry["scene_cuts"] == 5 and "cuts.mp4 (5 scene cuts)" in capsys.readouterr().out


def test_a_failed_files_reason_names_it_as_it_is_escaped_not_squeezed(tmp_path, capsys):
    """The reason squeezed every run of whitespace: a file "two  spaces<newline>nl.mp4" was said to be
    'two spaces nl.mp4', a name that is not there."""
    from badfiles import zero_byte

    src = tmp_path / "in"
    src.mkdir()
    zero_byte(src / "two  spaces\nnl.mp4")
    report_path = tmp_path / "report.json"
    assert main(["batch", str(src), "-o", str(tmp_path / "out"), "--model", "bicubic", "--report",
                 str(report_path)]) == 1
    reason = json.loads(report_path.read_text())["files"][0]["reason"]
    assert f"'{src}/two  spaces\\nnl.mp4' is empty (0 bytes)" in reason
    line = capsys.readouterr().out.splitlines()[0]
    assert line.startswith("[1/1] failed") and "spaces\\nnl.mp4' is empty (0 bytes)" in line


def test_notes_are_carried_only_from_a_report_of_the_same_settings_for_an_output_still_as_recorded(tmp_path):
    """An interpolation's report, then an upscale over its outputs (--overwrite, no report), then a rerun of the
    upscale with the report: the skipped upscale of a one-frame clip was given the interpolation's "a single frame
    has nothing to interpolate between" note."""
    src, out, report = tmp_path / "in", tmp_path / "out", tmp_path / "out" / "report.json"
    src.mkdir()
    make_video(src / "one.mp4", frames=1)
    interpolate = ["batch", str(src), "-o", str(out), "--task", "interpolate", "--model", "blend"]
    upscale = ["batch", str(src), "-o", str(out), "--model", "bicubic"]
    assert main([*interpolate, "--report", str(report)]) == 0
    assert json.loads(report.read_text())["files"][0]["notes"]  # the interpolation's note, in its report
    assert main([*upscale, "--overwrite"]) == 0
    assert main([*upscale, "--report", str(report)]) == 0
    [entry] = json.loads(report.read_text())["files"]
    assert entry["status"] == "skipped" and entry["notes"] == [  # its facts read from it, not the interpolation's
        "frame count, size and duration read from the output file itself, as the report before had none for it"]


def test_a_folder_whose_inode_numbers_change_under_it_is_not_taken_for_gone(tmp_path, monkeypatch):
    """On sshfs without use_ino or CIFS with noserverino a folder's inode number may change while it stays: every file
    after the first failed as "gone or replaced". Its lock file, still there, says it is the batch's folder."""
    from videogen import make_video

    (tmp_path / "in").mkdir()
    for name in ("a", "b"):
        make_video(tmp_path / "in" / f"{name}.mp4", frames=4)
    numbers = iter(range(10**6))
    monkeypatch.setattr(batch, "folder_identity", lambda folder: (0, next(numbers)))
    report = batch.run_batch(tmp_path / "in", tmp_path / "out", model="bicubic", device="cpu")
    assert [f.status for f in report.files] == ["ok", "ok"]
