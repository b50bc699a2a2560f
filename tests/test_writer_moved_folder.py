"""A write whose output folder a user renames while it runs (tidying their disk during a long export or batch) stops,
and its temporary file goes from the folder where it is now: deleted by its old path, it stayed hidden there. The
folders it made go only where they are still the ones it made, and a finished file kept in a folder moved as it
finished is said to be where it is now."""

from __future__ import annotations

import errno
import logging
import os
import re

import av
import pytest

from videogen import make_video, pattern_frame
from vsr_app.errors import VsrAppError
from vsr_app.video import disk_space, output_paths, pipeline, writer as writer_module
from vsr_app.video.packet_times import packet_span
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


@pytest.mark.parametrize("name", ["clip.mp4", "clip.mkv"])
def test_a_write_finished_after_its_folder_was_renamed_is_put_nowhere_and_leaves_nothing(folders, name):
    """The finished file goes to the path asked for or nowhere: not into the moved folder, nor a new one made at the
    old place. The error says why: the muxer's last pass (MP4's) and the frame count open the file by its path, and
    the error said "No such file or directory"."""
    out, moved = folders
    before = open_descriptors()
    writer = started_write(out / name)
    out.rename(moved)
    with pytest.raises(VsrAppError, match=f"the output folder '{re.escape(str(out))}' is gone or was replaced "
                                          "while the video was finished"):
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

    with pytest.raises(VsrAppError, match=f"the output folder '{re.escape(str(out))}' is gone or was replaced"):
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


@pytest.mark.parametrize("renamed", ["new/place", "new"])
def test_an_aborted_write_removes_no_folder_a_user_made_at_the_path_of_one_it_made(tmp_path, renamed):
    """The user renamed a folder the write made and made the same path again for the next job: the write's end
    removed their new, empty folders and left the renamed one, theirs now, alone."""
    writer = started_write(tmp_path / "new" / "place" / "clip.mp4")
    (tmp_path / renamed).rename((tmp_path / renamed).with_name("mine"))
    (tmp_path / "new" / "place").mkdir(parents=True, exist_ok=True)
    writer.abort()
    left = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*"))
    assert left == (["new", "new/mine", "new/place"] if renamed == "new/place" else
                    ["mine", "mine/place", "new", "new/place"])  # folders only: the temporary file went


def finished_as_its_folder_moves(out, moved, monkeypatch, step: str) -> VsrAppError:
    """The error of a write into `out` whose folder is moved to `moved` in the moment between its frame count's check
    and its rename into place: just before the step `step` of the writer's."""
    writer = started_write(out / "clip.mp4")
    original = getattr(VideoWriter, step)

    def moved_first(self) -> None:
        out.rename(moved)
        original(self)

    monkeypatch.setattr(VideoWriter, step, moved_first)
    with pytest.raises(VsrAppError) as failed:
        writer.close()
    return failed.value


def kept_file(moved):
    """The one file in `moved` besides the user's, checked to be the finished output."""
    kept, = (p for p in moved.iterdir() if p.name != "notes.txt")
    assert packet_span(kept).frames == 3
    return kept


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="only Linux says where a folder held open is now")
@pytest.mark.parametrize("step", ["_sync", "_move_into_place"])
def test_a_finished_file_whose_folder_moved_as_it_finished_is_said_to_be_where_it_now_is(folders, monkeypatch, step):
    """It was kept, finished, but the error gave its old path, where it no longer was."""
    out, moved = folders
    failed = finished_as_its_folder_moves(out, moved, monkeypatch, step)
    kept = kept_file(moved)
    moved_to = os.path.realpath(moved)
    assert str(failed) == (f"the video is finished but could not be put at '{out / 'clip.mp4'}': its folder was moved "
                           f"to '{moved_to}' as it finished; it is kept there as the hidden file "
                           f"'{os.path.join(moved_to, kept.name)}': rename it to 'clip.mp4' yourself")
    assert not out.exists()


def test_where_a_moved_folder_went_cannot_be_told_its_file_is_named_in_it(folders, monkeypatch):
    """A system without /proc (macOS, the BSDs) says where no folder held open is now."""
    def no_proc(path, *args, **kwargs):
        raise FileNotFoundError(path)

    out, moved = folders
    monkeypatch.setattr(output_paths.os, "readlink", no_proc)
    failed = finished_as_its_folder_moves(out, moved, monkeypatch, "_move_into_place")
    assert str(failed) == (f"the video is finished but could not be put at '{out / 'clip.mp4'}': its folder was moved "
                           f"or renamed as it finished; it is kept in it as the hidden file '{kept_file(moved).name}': "
                           "rename it to 'clip.mp4' yourself")


def test_a_folder_replaced_before_the_encoder_opened_its_file_fails_the_write_and_leaves_nothing(folders, monkeypatch):
    """The writer makes its file through the folder held, the encoder opens it by its path: a folder moved and
    replaced between had the encoder write into the new one, the lock guarding the empty file in the old."""
    out, moved = folders
    made = writer_module.hold_partial

    def made_then_replaced(tmp) -> None:
        made(tmp)
        out.rename(moved)
        out.mkdir()

    monkeypatch.setattr(writer_module, "hold_partial", made_then_replaced)
    before = open_descriptors()
    with pytest.raises(VsrAppError, match=f"the output folder '{re.escape(str(out))}' is gone or was replaced "
                                          "while the output was opened"):
        VideoWriter(out / "clip.mp4", width=64, height=48, frame_rate=10, preset="ultrafast")
    assert (os.listdir(out), os.listdir(moved)) == ([], ["notes.txt"])  # the encoder's file and the writer's gone
    assert open_descriptors() == before


def test_a_stale_folder_as_the_file_is_kept_is_no_raw_error_and_lets_go_of_it(folders, monkeypatch):
    """An NFS folder deleted on the server: asking the folder held where it is fails (ESTALE). That error escaped
    close(), before the folder and the lock were let go, and abort let go of nothing once the file was kept."""
    out, _ = folders
    before = open_descriptors()
    writer = started_write(out / "clip.mp4")
    stat = os.fstat

    def stale(fd):
        if fd in output_paths._FOLDERS.values():
            raise OSError(errno.ESTALE, "Stale file handle")
        return stat(fd)

    def read_only(self) -> None:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(output_paths.os, "fstat", stale)
    monkeypatch.setattr(VideoWriter, "_move_into_place", read_only)
    with pytest.raises(VsrAppError, match="it is kept in it as the hidden file"):
        writer.close()
    monkeypatch.undo()
    assert open_descriptors() == before


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="F_GETPATH's answer is read from Linux's /proc here")
def test_on_macos_a_moved_folder_is_said_where_it_is_by_f_getpath(folders, monkeypatch):
    """macOS has no /proc, but fcntl's F_GETPATH: without it the kept file's message named no folder there."""
    import fcntl  # (POSIX's)

    get_path, real_fcntl, readlink = 50, fcntl.fcntl, os.readlink

    def mac_fcntl(fd, command, arg=0):
        if command != get_path:
            return real_fcntl(fd, command, arg)
        return (os.fsencode(readlink(f"/proc/self/fd/{fd}")) + bytes(len(arg)))[:len(arg)]  # as macOS fills it

    def no_proc(path, *args, **kwargs):
        if str(path).startswith("/proc/"):
            raise FileNotFoundError(path)
        return readlink(path, *args, **kwargs)

    out, moved = folders
    monkeypatch.setattr(fcntl, "F_GETPATH", get_path, raising=False)
    monkeypatch.setattr(fcntl, "fcntl", mac_fcntl)
    monkeypatch.setattr(output_paths.os, "readlink", no_proc)
    failed = finished_as_its_folder_moves(out, moved, monkeypatch, "_move_into_place")
    moved_to = os.path.realpath(moved)
    assert f"its folder was moved to '{moved_to}' as it finished; it is kept there as the hidden file " \
           f"'{os.path.join(moved_to, kept_file(moved).name)}'" in str(failed)


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="only Linux says where a folder held open is now")
def test_a_temporary_file_a_network_disk_cannot_find_in_its_renamed_folder_is_said_to_be_left(folders, monkeypatch,
                                                                                               caplog):
    """SMB resolves the folder held by its path: renamed from another computer, the deletion through it finds nothing
    (ENOENT), and the file stayed there, hidden, unsaid."""
    out, moved = folders
    writer = started_write(out / "clip.mp4")
    unlink = os.unlink

    def by_old_path(path, *, dir_fd=None):
        if dir_fd is not None:
            raise FileNotFoundError(errno.ENOENT, "No such file or directory", path)
        unlink(path)

    out.rename(moved)
    monkeypatch.setattr(output_paths.os, "unlink", by_old_path)
    with caplog.at_level(logging.WARNING, logger=output_paths.__name__):
        writer.abort()
    left = os.path.join(os.path.realpath(moved), writer.tmp.name)
    assert os.path.exists(left)
    assert [record.getMessage() for record in caplog.records if record.name == output_paths.__name__] == [
        f"the temporary file {writer.tmp.name} was not found to delete: it may be left, hidden, as '{left}'"]
