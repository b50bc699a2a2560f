"""A write whose output folder a user renames while it runs (tidying their disk during a long export or batch) stops,
and its temporary file goes from the folder where it is now: deleted by its old path, it stayed hidden there."""

from __future__ import annotations

import os

import av
import pytest

from videogen import make_video, pattern_frame
from vsr_app.errors import VsrAppError
from vsr_app.video import disk_space, pipeline
from vsr_app.video.writer import VideoWriter

pytestmark = pytest.mark.skipif(os.name == "nt", reason="Windows renames no folder holding an open file")


@pytest.fixture
def folders(tmp_path):
    """The user's output folder, holding a file of theirs, and where they move it."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    return out, tmp_path / "moved"


def open_descriptors() -> int:
    """How many files this process has open: a folder held for a write among them."""
    return len(os.listdir("/proc/self/fd" if os.path.isdir("/proc/self/fd") else "/dev/fd"))


def started_write(path):
    writer = VideoWriter(path, width=64, height=48, frame_rate=10, preset="ultrafast")
    for i in range(3):
        writer.write(pattern_frame(i, 64, 48), i / 10)
    return writer


def test_an_aborted_write_leaves_no_temporary_file_in_its_renamed_folder(folders):
    out, moved = folders
    before = open_descriptors()
    writer = started_write(out / "clip.mp4")
    out.rename(moved)
    writer.abort()
    assert sorted(os.listdir(moved)) == ["notes.txt"] and not out.exists()
    assert open_descriptors() == before  # the folder let go with the file


def test_a_write_finished_after_its_folder_was_renamed_is_put_nowhere_and_leaves_nothing(folders):
    """The finished file goes to the path asked for or nowhere: not into the moved folder, nor a new one made at the
    old place."""
    out, moved = folders
    before = open_descriptors()
    writer = started_write(out / "clip.mp4")
    out.rename(moved)
    with pytest.raises(VsrAppError):
        writer.close()
    assert sorted(os.listdir(moved)) == ["notes.txt"] and not out.exists()
    assert open_descriptors() == before


def test_the_app_s_stop_for_a_renamed_folder_leaves_no_temporary_file_in_it(folders, monkeypatch):
    """As an export and each file of a batch run: the stop `folder_gone` says, and the writer's abort."""
    monkeypatch.setattr(disk_space, "LOOK_EVERY_S", 0.0)
    out, moved = folders
    src = make_video(out.parent / "clip.mp4", frames=40)

    def progress(info) -> None:  # first called as the encoding starts, the output's file open
        if out.exists():
            out.rename(moved)

    with pytest.raises(VsrAppError, match=f"the output folder '{out}' is gone or was replaced"):
        pipeline.process_video(src, out / "up.mp4", upscale="bicubic", progress=progress)
    assert sorted(os.listdir(moved)) == ["notes.txt"] and not out.exists()


def test_a_finished_or_failed_write_lets_go_of_its_folder(folders):
    out, _ = folders
    before = open_descriptors()
    started_write(out / "clip.mp4").close()
    (out / "not-a-video.mp4").write_text("text")
    with pytest.raises(av.InvalidDataError):  # failing as it starts, its temporary file made
        VideoWriter(out / "up.mp4", width=64, height=48, frame_rate=10, source=out / "not-a-video.mp4")
    assert sorted(os.listdir(out)) == ["clip.mp4", "not-a-video.mp4", "notes.txt"]
    assert open_descriptors() == before
