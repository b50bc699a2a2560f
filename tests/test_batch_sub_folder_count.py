"""A batch without sub-folders says how many videos it leaves in them (`batch_plan.count_in_sub_folders`): it said
nothing where some videos were at the top, so a user processed 3 files and missed 300."""

from __future__ import annotations

import json
import logging
import os
import re
from pathlib import Path

from videogen import make_video
from vsr_app.batch import run_batch
from vsr_app.batch_plan import SubFolderVideos, count_in_sub_folders, find_videos, list_queue, plan_batch
from vsr_app.batch_report import BatchReport
from vsr_app.cli import main

MP4 = ("mp4",)


def touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")
    return path


def counted(root: Path, exclude: Path | None = None, **budget) -> SubFolderVideos:
    """The count as a listing without sub-folders has it made: going on from the sub-folders that listing met."""
    met: list[Path] = []
    find_videos(root, MP4, recursive=False, exclude=exclude, not_entered=met)
    return count_in_sub_folders(root, met, MP4, exclude, **budget)


def test_the_count_finds_what_ticking_sub_folders_would(tmp_path):
    """Hidden folders, hidden files, other extensions and the output folder are left out, as the listing with
    sub-folders leaves them out; the videos at the top are not counted."""
    root = tmp_path / "in"
    for name in ("top.mp4", "sub/a.mp4", "sub/B.MP4", "sub/deep/c.mp4", "sub/.partial.mp4", "sub/notes.txt",
                 ".cache/d.mp4", "enhanced/e.mp4"):
        touch(root / name)
    found = counted(root, exclude=root / "enhanced")
    assert found == SubFolderVideos(3, whole=True)
    listed = find_videos(root, MP4, recursive=True, exclude=root / "enhanced")
    assert found.count == len([p for p in listed if p.parent != root])
    assert found.hint(more=True) == "sub-folders hold 3 more videos: add --recursive to include them"
    assert found.hint(more=False) == "sub-folders hold 3 videos: add --recursive to include them"


def test_one_video_in_sub_folders_is_said_in_the_singular():
    """"1 video is in sub-folders: add --recursive to include them" (and the Batch tab's "... to add them") took one
    video for many; "them" is now the sub-folders."""
    one = SubFolderVideos(1, whole=True)
    assert one.hint(more=False) == "sub-folders hold 1 video: add --recursive to include them"
    assert one.hint(more=True) == "sub-folders hold 1 more video: add --recursive to include them"


def test_a_link_loop_ends_the_walk_and_a_folder_linked_twice_counts_once(tmp_path):
    root, footage = tmp_path / "in", tmp_path / "footage"
    touch(root / "sub" / "a.mp4")
    touch(footage / "b.mp4")
    (root / "sub" / "up").symlink_to(root, target_is_directory=True)
    (root / "sub" / "here").symlink_to(root / "sub", target_is_directory=True)
    (root / "linked").symlink_to(footage, target_is_directory=True)
    (root / "again").symlink_to(footage, target_is_directory=True)
    assert counted(root) == SubFolderVideos(2, whole=True)


def test_a_budget_run_out_says_at_least(tmp_path):
    """The walk stops once it has read `entries` names (or after `seconds`): a tree on a network share takes minutes,
    and the listing waits for it."""
    root = tmp_path / "in"
    for folder in ("a", "b", "c"):
        touch(root / folder / "v.mp4")
    found = counted(root, entries=1)  # a/'s one name (the top's are not in the budget)
    assert found == SubFolderVideos(1, whole=False)
    assert found.hint(more=True) == "sub-folders hold at least 1 more video: add --recursive to include them"
    assert counted(root, seconds=0) == SubFolderVideos(0, whole=False)
    # none counted before the budget ran out: the rest may hold some, so where to look is still said, also after
    # videos found at the top
    for more in (False, True):
        assert SubFolderVideos(0, whole=False).hint(more) == "add --recursive to look in sub-folders"
        assert SubFolderVideos(0, whole=True).hint(more) == ""


def test_a_top_folder_of_many_names_leaves_the_budget_to_its_sub_folders(tmp_path):
    """The listing reads the top's names anyway: counted in the budget, a top of 20,000 files left none for its
    sub-folders, and 300 videos there were not said."""
    root = tmp_path / "in"
    for i in range(5):
        touch(root / f"top{i}.mp4")
    touch(root / "sub" / "a.mp4")
    assert counted(root, entries=5) == SubFolderVideos(1, whole=True)


def test_an_unreadable_sub_folder_is_skipped_and_makes_it_at_least(tmp_path, monkeypatch):
    """Tests run as root, which chmod does not stop: the refusal is simulated."""
    root = tmp_path / "in"
    touch(root / "open" / "a.mp4")
    touch(root / "locked" / "b.mp4")
    scandir = os.scandir

    def refuse(path="."):
        if os.fspath(path) == str(root / "locked"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", refuse)
    assert counted(root) == SubFolderVideos(1, whole=False)


def test_a_link_at_the_top_to_something_gone_makes_it_at_least(tmp_path):
    """It may be a folder of videos on a drive not connected: the listing without sub-folders hands it on with the
    sub-folders it met, and the count cannot read it."""
    root = tmp_path / "in"
    touch(root / "sub" / "a.mp4")
    (root / "usb-footage").symlink_to(tmp_path / "unplugged")
    assert counted(root) == SubFolderVideos(1, whole=False)


def test_a_listing_without_sub_folders_reads_the_top_folder_once(tmp_path, monkeypatch):
    """The count read the top folder a second time after the listing had: a top of 20,000 files on a network share
    was walked twice."""
    root = tmp_path / "in"
    for name in ("top.mp4", "sub/a.mp4", "sub/deep/b.mp4"):
        touch(root / name)
    reads, scandir = [], os.scandir

    def recorded(path="."):
        reads.append(os.fspath(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", recorded)
    inputs, outputs, left = plan_batch(root, None, "mp4", False, "libx264")
    assert (inputs, outputs, left) == ([root / "top.mp4"], [None], SubFolderVideos(2, whole=True))
    assert sorted(reads) == [str(root), str(root / "sub"), str(root / "sub" / "deep")]


def test_the_closing_line_words_the_count_as_the_hint_does():
    """From the count itself, as the hint is: the report kept a copy of it to word a second time."""
    left = SubFolderVideos(3, whole=False)
    report = BatchReport("in", "out", "upscale", "bicubic", "now", left_in_sub_folders=left)
    assert report.summary() == "0 ok, 0 skipped, 0 failed in 0.0 s; at least 3 videos in sub-folders left out"
    assert report.as_dict()["left_in_sub_folders"] == {"videos": 3, "whole": False}  # as version 6 writes it


def test_the_command_line_says_how_many_videos_it_leaves_in_sub_folders(tmp_path, caplog, capsys):
    src = tmp_path / "in"
    make_video(touch(src / "top.mp4"), frames=2)
    for name in ("sub/a.mp4", "sub/deep/b.mp4"):
        touch(src / name)
    with caplog.at_level(logging.WARNING, logger="vsr_app.batch"):
        assert main(["batch", str(src), "-o", str(tmp_path / "out"), "--model", "bicubic", "--report",
                     str(tmp_path / "out" / "report.json")]) == 0
    assert [r.getMessage() for r in caplog.records] == [
        "sub-folders hold 2 more videos: add --recursive to include them"]
    assert (tmp_path / "out" / "top.mp4").is_file() and not (tmp_path / "out" / "sub").exists()
    # said again in the closing line, the last the user reads, and in the report
    # the time with the counts: after "left out", it read as the time leaving them out took
    assert re.search(r"batch: 1 ok, 0 skipped, 0 failed in [0-9.]+ s; 2 videos in sub-folders left out; report: ",
                     capsys.readouterr().out)
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["left_in_sub_folders"] == {"videos": 2, "whole": True}

    (src / "top.mp4").unlink()
    assert main(["batch", str(src), "-o", str(tmp_path / "out2"), "--model", "bicubic", "--ext", "mp4"]) == 1
    assert capsys.readouterr().err.strip().endswith(
        f"no videos found in '{src}' (looked for .mp4; sub-folders hold 2 videos: add --recursive to include "
        "them)")


def test_a_batch_run_from_its_listing_logs_no_command_line_hint(tmp_path, caplog):
    """The Batch tab, whose listing said the videos in sub-folders beside its "Include sub-folders", logged "add
    --recursive to include them" on stderr as its batch started."""
    src = tmp_path / "in"
    make_video(touch(src / "top.mp4"), frames=2)
    touch(src / "sub" / "a.mp4")
    queue = list_queue(src, tmp_path / "out", "mp4", False, "libx264", "upscale", find_foreign=False)
    assert queue.in_sub_folders == SubFolderVideos(1, whole=True)  # the tab says it, in its own words
    with caplog.at_level(logging.WARNING, logger="vsr_app.batch"):
        report = run_batch(src, tmp_path / "out", model="bicubic", extensions="mp4", listed=queue)
    assert [f.status for f in report.files] == ["ok"] and report.left_in_sub_folders == queue.in_sub_folders
    assert not [r.getMessage() for r in caplog.records]
