"""Interrupted and out-of-room writes (tester's report R2): a killed export's hidden file is cleared by the next
write into its folder, whichever output that is, and said; a batch whose disk filled fails the files that cannot fit
at once instead of each after hours; an output folder deleted mid-write stops the write."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections import namedtuple

import pytest

from badfiles import all_files
from videogen import make_video
from vsr_app import batch_room
from vsr_app.batch import run_batch
from vsr_app.cli import main
from vsr_app.disk_full import OutOfRoom
from vsr_app.errors import VsrAppError
from vsr_app.progress import ProgressInfo
from vsr_app.video import disk_space, file_systems, pipeline
from vsr_app.video.disk_space import FEWEST_FRAMES, GrowthWatch
from vsr_app.video.output_paths import remove_left_partials, remove_stale_partials

Usage = namedtuple("Usage", "total used free")
MB = 2**20


def dead_pid() -> int:
    """The id of a process that has ended."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_write_clears_what_killed_writes_of_any_output_left_in_its_folder_and_says_so(tmp_path, capsys):
    src = make_video(tmp_path / "clip.mp4", frames=6)
    out = tmp_path / "out"
    out.mkdir()
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (out / f".killed.partial-{dead_pid()}-0badc0de.mp4").write_bytes(b"x" * 3 * 1024)
        (out / ".old version.partial-0badc0de.mkv").write_bytes(b"x" * 1024)  # a writer that recorded no pid
        running = out / f".running.partial-{live.pid}-0badc0de.mp4"
        running.write_bytes(b"another run writes this now")
        (out / ".notes.partial-0badc0de.txt").write_text("no video's")
        assert main(["upscale", str(src), "-o", str(out / "up.mp4"), "--model", "bicubic"]) == 0
    finally:
        live.kill()
        live.wait()
    said = capsys.readouterr().out
    assert "; removed 4 KB of unfinished output left by interrupted runs: killed.mp4, old version.mkv" in said
    assert all_files(out) == [".notes.partial-0badc0de.txt", running.name, "up.mp4"]


# A writer elsewhere: holds `sys.argv[1]` locked as the writer does (`output_paths.hold_partial`) until its input ends.
HOLD_LOCK = ("import fcntl, os, sys; fd = os.open(sys.argv[1], os.O_RDWR); fcntl.flock(fd, fcntl.LOCK_EX); "
             "print('locked', flush=True); sys.stdin.read()")


@pytest.mark.skipif(os.name == "nt", reason="Windows deletes no file its writer has open: no lock is taken there")
@pytest.mark.parametrize("clear", [remove_left_partials, lambda folder: remove_stale_partials(folder / "night.mp4")],
                         ids=["any output's", "the same output's"])
def test_a_left_file_is_removed_only_where_no_writer_holds_its_lock(tmp_path, clear):
    """A pid means nothing across containers (each app pid 1) or hosts sharing a folder: a cleaner took a live
    write's file for dead (ours is the reviewer's case: our pid, not our write) and it failed at its rename, hours in.
    The lock its writer holds keeps it; a dead write's unlocked file goes."""
    live = tmp_path / f".night.partial-{os.getpid()}-deadbeef.mp4"
    dead = tmp_path / f".night.partial-{dead_pid()}-0badc0de.mp4"
    for partial in (live, dead):
        partial.write_bytes(b"x" * 1024)
    writer = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(live)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline() == "locked\n"
        clear(tmp_path)
        assert all_files(tmp_path) == [live.name]
    finally:
        writer.stdin.close()
        writer.wait()
    clear(tmp_path)  # its writer gone, its lock went with it
    assert all_files(tmp_path) == []


def test_on_a_disk_without_locks_a_dead_pid_still_clears_a_left_file(tmp_path, monkeypatch):
    """Every lock refused (a disk that takes none) counted as held: a killed write's file, its pid dead here, was
    never removed again."""
    import errno

    from vsr_app.video import output_paths

    def no_locks(fd):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(output_paths, "lock_now", no_locks)
    (tmp_path / f".night.partial-{dead_pid()}-0badc0de.mp4").write_bytes(b"x" * 1024)
    assert remove_left_partials(tmp_path)[0].startswith("removed 1 KB") and all_files(tmp_path) == []


def test_a_write_on_a_network_disk_takes_no_lock_on_its_file(tmp_path, monkeypatch):
    """The Linux SMB client makes a lock mandatory, on the encoder's own writes through its other handle too."""
    from vsr_app.video import output_paths

    monkeypatch.setattr(output_paths, "file_system_type", lambda folder: "cifs")
    partial = output_paths.new_partial(tmp_path / "out.mp4")
    output_paths.hold_partial(partial)
    try:
        assert partial.exists() and output_paths._OWN_TEMPS[partial.name] is None
    finally:
        output_paths.release_partial(partial)


def test_nothing_is_said_where_nothing_was_left(tmp_path, capsys):
    src = make_video(tmp_path / "clip.mp4", frames=6)
    assert main(["upscale", str(src), "-o", str(tmp_path / "up.mp4"), "--model", "bicubic"]) == 0
    assert "removed" not in capsys.readouterr().out


def _fail_first_for_want_of_room(monkeypatch, too_large: bool) -> list[str]:
    """process_video, where a.mp4 runs out of room after 10 MB and 10 of its 12 frames; returns the inputs it is
    called for."""
    real = pipeline.process_video
    called = []

    def process_video(src, dst, progress=None, **kwargs):
        called.append(src.name)
        if src.name != "a.mp4":
            return real(src, dst, progress=progress, **kwargs)
        progress(ProgressInfo(10, 12, 1.0, 10.0, 2.0))
        raise OutOfRoom(f"no space left on the disk while writing '{dst}'", 10 * MB, too_large)

    monkeypatch.setattr(pipeline, "process_video", process_video)
    return called


@pytest.mark.parametrize("free_mb, too_large, reason", [
    (1, False, "not started: the disk holding '{out}' is full (1.0 MB free, about 12 MB needed)"),
    (10**6, True, "not started: its output, about 12 MB, would pass the largest file the disk holding '{out}' takes "
                  "(an earlier output stopped at 10 MB)"),
    (10**6, False, None)])
def test_after_a_file_ran_out_of_room_the_files_that_cannot_fit_fail_at_once(free_mb, too_large, reason, tmp_path,
                                                                              monkeypatch):
    """Each later file's output is projected from the bytes the failed one made for its frames: 12 frames of the same
    size at 1 MB a frame. Where it fits (space freed, or only the first file was large) it is made."""
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    for name in ("a", "b", "c"):
        make_video(src / f"{name}.mp4", frames=12)
    called = _fail_first_for_want_of_room(monkeypatch, too_large)
    monkeypatch.setattr(batch_room.shutil, "disk_usage", lambda path: Usage(10**12, 0, free_mb * MB))
    report = run_batch(src, out, model="bicubic")
    assert report.files[0].status == "failed"
    if reason is None:
        assert called == ["a.mp4", "b.mp4", "c.mp4"]
        assert [f.status for f in report.files[1:]] == ["ok", "ok"]
    else:
        assert called == ["a.mp4"]
        assert [(f.status, f.reason) for f in report.files[1:]] == [("failed", reason.format(out=out))] * 2


def test_files_before_any_ran_out_of_room_are_all_started(tmp_path, monkeypatch):
    """A projection alone refuses nothing: outputs differ tenfold in size with their content."""
    src = tmp_path / "in"
    src.mkdir()
    for name in ("b", "c"):
        make_video(src / f"{name}.mp4", frames=6)
    monkeypatch.setattr(batch_room.shutil, "disk_usage", lambda path: Usage(10**12, 0, 0))
    assert [f.status for f in run_batch(src, tmp_path / "out", model="bicubic").files] == ["ok", "ok"]


def test_an_output_folder_deleted_mid_write_stops_the_write(tmp_path, monkeypatch):
    """The encoder wrote on into the deleted folder until the video ended, then failed to put it in place."""
    monkeypatch.setattr(disk_space, "LOOK_EVERY_S", 0.0)
    src = make_video(tmp_path / "clip.mp4", frames=40)
    folder = tmp_path / "out" / "sub"
    frames_seen = []

    def progress(info: ProgressInfo) -> None:  # first called as the encoding starts, the output's file open
        frames_seen.append(info.done)
        if folder.exists():
            shutil.rmtree(folder)

    with pytest.raises(VsrAppError) as caught:
        pipeline.process_video(src, folder / "up.mp4", upscale="bicubic", progress=progress)
    assert str(caught.value) == (f"the output folder '{folder}' is gone or was replaced while the video was written "
                                 "(a drive unplugged, the folder moved or deleted); nothing more is written")
    assert max(frames_seen) < 40


def test_a_fat_disk_s_4_gb_file_limit_is_warned_of_while_there_is_time(tmp_path, monkeypatch):
    """FAT32 holds at most 4 GB in a file (exFAT, NTFS and Linux's disks far more): a projected 5 GB output on a FAT
    stick is said early; the same on ext4 is not."""
    mounts = tmp_path / "mounts"
    monkeypatch.setattr(file_systems, "MOUNTS", mounts)
    monkeypatch.setattr(disk_space.shutil, "disk_usage", lambda path: Usage(10**13, 0, 10**13))
    stick = tmp_path / "my stick"
    stick.mkdir()
    fat_warning = (f"at this rate the output will be about 6.1 GB, and the disk of {stick} is FAT32, which holds at "
                   "most 4 GB in one file; write it to another disk or cancel")
    for kind, warned in (("vfat", fat_warning), ("ext4", ""), ("exfat", "")):
        point = str(stick).replace(" ", "\\040")  # as the mount table writes a space
        mounts.write_text(f"/dev/vda / ext4 rw 0 0\n/dev/sdb1 {point} {kind} rw 0 0\n")
        made = {"bytes": 0}
        clock = iter(range(0, 1000, 3))
        watch = GrowthWatch(lambda: made["bytes"], total=100 + FEWEST_FRAMES, folder=stick, clock=lambda: next(clock))
        assert watch.look(0) == ""
        made["bytes"] = FEWEST_FRAMES * 50 * MB  # 50 MB a frame: about 6 GB in all
        assert watch.look(FEWEST_FRAMES) == warned


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_FSIZE as Linux applies it")
def test_a_file_size_limit_is_said_at_the_size_the_file_reached(tmp_path):
    """The bytes handed to the muxer were taken for the file's size: under a 100 KiB `ulimit -f` a batch said an
    earlier output "stopped at 259 KB", and outputs a little smaller were started to fail the same way."""
    limit = 100 * 1024
    script = (
        "import resource, sys, numpy as np\n"
        f"resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit}))\n"
        "from vsr_app.disk_full import OutOfRoom\n"
        "from vsr_app.video.writer import VideoWriter\n"
        "rng = np.random.default_rng(0)\n"
        "try:\n"
        "    with VideoWriter(sys.argv[1], width=256, height=192, frame_rate=25, crf=0) as writer:\n"
        "        for i in range(500):\n"
        "            writer.write(rng.integers(0, 256, (192, 256, 3), dtype=np.uint8), i / 25)\n"
        "except OutOfRoom as exc:\n"
        "    print(exc.too_large, exc.written)\n")
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "out.mp4")], capture_output=True, text=True,
                          timeout=120)
    too_large, written = done.stdout.split()
    assert too_large == "True" and 0 < int(written) <= limit, done.stdout + done.stderr


def test_on_a_network_disk_no_other_output_s_file_is_cleared(tmp_path, monkeypatch):
    """Another host's live write cannot be told from a killed one there (its pid means nothing here, and it takes no
    lock: `hold_partial`): a write on one machine deleted another's output in progress."""
    from vsr_app.video import output_paths

    monkeypatch.setattr(output_paths, "file_system_type", lambda folder: "nfs4")
    (tmp_path / f".night.partial-{dead_pid()}-0badc0de.mp4").write_bytes(b"x" * 1024)
    assert remove_left_partials(tmp_path) == [] and len(all_files(tmp_path)) == 1
