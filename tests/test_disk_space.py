"""A running job warns when its output, projected from its growth, will not fit on the disk (video.disk_space)."""

from __future__ import annotations

import io
import itertools
import shutil
from collections import namedtuple

import pytest

from gui_support import slow_model  # noqa: F401
from vsr_app.errors import VsrAppError
from vsr_app.progress import ProgressInfo, TerminalProgress
from vsr_app.video import disk_space
from vsr_app.video.disk_space import FEWEST_FRAMES, GrowthWatch, shortfall_warning, size_text, size_texts

Usage = namedtuple("Usage", "total used free")


@pytest.fixture
def free_space(monkeypatch):
    """The free space every disk reports, settable: {"bytes": n}."""
    free = {"bytes": 10**12}
    monkeypatch.setattr(disk_space.shutil, "disk_usage", lambda path: Usage(2 * 10**12, 0, free["bytes"]))
    return free


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        self.now += disk_space.LOOK_EVERY_S  # every look is due
        return self.now


def test_sizes_read_as_a_file_manager_shows_them():
    """Below 1 KB in bytes: a 48-byte leftover read "1 KB", and nothing "0 KB"."""
    assert [size_text(n) for n in (0, 1, 48, 1023, 1024, 2048, 5 * 2**20, 12.4 * 2**20, 1.25 * 2**30, 40 * 2**30)] == [
        "0 bytes", "1 byte", "48 bytes", "1023 bytes", "1 KB", "2 KB", "5.0 MB", "12 MB", "1.2 GB", "40 GB"]


def test_two_sizes_one_message_compares_read_apart(tmp_path, free_space):
    """Whole units from 10 GB read "needs about 12 GB ..., but only 12 GB is free" for 12.4 and 12.1 GB, and
    1.04 and 1.01 GB read "1.0 GB" twice; one size alone still reads as above."""
    gb = 2**30
    assert size_texts(12.4 * gb, 12.1 * gb) == ("12.4 GB", "12.1 GB")
    assert size_texts(1.04 * gb, 1.01 * gb) == ("1.04 GB", "1.01 GB")
    assert size_texts(10.04 * gb, 9.96 * gb) == ("10.04 GB", "9.96 GB")  # not "10 GB" and "10.0 GB"
    assert size_texts(1.0001 * gb, 1023.9 * 2**20) == ("1.0001 GB", "0.9999 GB")  # not "1.0 GB" and "1024 MB"
    assert size_texts(12.1 * gb, 12.4 * gb) == ("12.1 GB", "12.4 GB")
    assert size_texts(3 * gb, 340 * 2**20) == ("3.0 GB", "340 MB")  # apart already: as size_text says them
    assert size_texts(2 * gb, 2 * gb - 1) == ("2.0 GB", "2.0 GB")  # a byte apart: no run of decimals
    assert size_texts(1, 48) == ("1 byte", "48 bytes")
    free_space["bytes"] = int(12.1 * gb)
    assert shortfall_warning(tmp_path, 12.4 * gb, "the output needs").startswith(
        f"at this rate the output needs about 12.4 GB more, and the disk of {tmp_path} has 12.1 GB free;")


def test_a_shortfall_names_both_sizes_and_the_disk(tmp_path, free_space):
    free_space["bytes"] = 2**30
    assert shortfall_warning(tmp_path, 2**30, "the output needs") == ""
    warning = shortfall_warning(tmp_path, 3 * 2**30, "the output needs")
    assert warning == (f"at this rate the output needs about 3.0 GB more, and the disk of {tmp_path} has 1.0 GB free; "
                       "free some space or cancel")


def test_the_growth_is_projected_past_the_first_keyframe(tmp_path, free_space):
    """The first look's bytes (headers, the first keyframe: many frames' worth) are left out of the rate: counted,
    a short clip's first frames projected ten times the real size."""
    made = {"bytes": 100_000}  # the first keyframe
    watch = GrowthWatch(lambda: made["bytes"], total=1000, folder=tmp_path, clock=FakeClock())
    free_space["bytes"] = 1_000_000  # what 976 more frames of 1 KB fit in, not of 100 KB
    assert watch.look(1) == ""
    made["bytes"] += 1000 * FEWEST_FRAMES
    assert watch.look(1 + FEWEST_FRAMES) == ""  # 1000 B a frame: 975 frames fit in the free space
    made["bytes"] += 3000 * FEWEST_FRAMES  # the content got busy: 2000 B a frame since the first look
    warning = watch.look(1 + 2 * FEWEST_FRAMES)
    assert "about 1.8 MB more" in warning and "977 KB free" in warning
    free_space["bytes"] = 10**9  # space freed: the warning goes
    made["bytes"] += 2000 * FEWEST_FRAMES
    assert watch.look(1 + 3 * FEWEST_FRAMES) == ""


def test_no_projection_from_too_few_frames_or_an_unknown_length(tmp_path, free_space):
    made = {"bytes": 0}
    free_space["bytes"] = 0
    unknown = GrowthWatch(lambda: made["bytes"], total=None, folder=tmp_path, clock=FakeClock())
    known = GrowthWatch(lambda: made["bytes"], total=1000, folder=tmp_path, clock=FakeClock())
    for frames in (0, FEWEST_FRAMES - 1):
        made["bytes"] = 1000 * (frames + 1)
        assert unknown.look(frames) == known.look(frames) == ""
    made["bytes"] = 1000 * (FEWEST_FRAMES + 1)
    assert unknown.look(FEWEST_FRAMES) == "" and known.look(FEWEST_FRAMES) != ""


def test_the_disk_is_looked_at_every_few_seconds_not_every_frame(tmp_path, monkeypatch):
    looks = []
    monkeypatch.setattr(disk_space.shutil, "disk_usage", lambda path: looks.append(path) or Usage(1, 1, 0))
    now = [0.0]
    watch = GrowthWatch(lambda: 1000 * (len(looks) + 1) * now[0], total=10_000, folder=tmp_path,
                        clock=lambda: now[0])
    for frames in range(500):
        now[0] += 0.04  # 25 frames a second for 20 s
        watch.look(frames)
    assert 8 <= len(looks) <= 10


def test_the_terminal_prints_a_warning_once_on_its_own_line():
    """Its figures change at every look: printed each time, it would fill the terminal every two seconds."""
    stream = io.StringIO()
    stream.isatty = lambda: True
    bar = TerminalProgress(stream)
    bar(ProgressInfo(5, 100, 2.5, 2.0, 38.0))
    bar(ProgressInfo(30, 100, 2.5, 12.0, 28.0, warning="at this rate the output needs about 3.0 GB more"))
    bar(ProgressInfo(40, 100, 2.5, 16.0, 24.0, warning="at this rate the output needs about 2.8 GB more"))
    bar(ProgressInfo(50, 100, 2.5, 20.0, 20.0))
    bar(ProgressInfo(60, 100, 2.5, 24.0, 16.0, warning="at this rate the output needs about 1.1 GB more"))
    bar(ProgressInfo(100, 100, 2.5, 40.0, 0.0, ended=True))  # the end: its summary says how it went
    text = stream.getvalue()
    assert text.count("warning: ") == 2 and text.count("the warning above no longer holds\n") == 1
    assert "\r\x1b[2Kwarning: at this rate the output needs about 3.0 GB more\n" in text
    assert "2.8 GB" not in text


@pytest.mark.parametrize("suffix", [".mp4", ".mkv"])  # the file grows in 256 KB steps, or in 5 s clusters
def test_an_export_warns_while_it_runs_when_its_output_will_not_fit(tmp_path, free_space, monkeypatch, suffix,
                                                                    slow_model):
    from videogen import make_video
    from vsr_app.video.pipeline import process_video

    monkeypatch.setattr(disk_space, "LOOK_EVERY_S", 0.0)
    monkeypatch.setattr(disk_space, "FEWEST_FRAMES", 4)
    video = make_video(tmp_path / "in.mp4", frames=12, audio="aac")  # a small output: all of it in write buffers
    seen = []
    free_space["bytes"] = 10  # bytes
    # a frame a progress report (the meter reports at most every 0.1 s): a model slower than that, an encoder that
    # holds no frames back
    summary = process_video(video, tmp_path / f"out{suffix}", upscale=slow_model, device="cpu", preset="ultrafast",
                            progress=seen.append)
    warned = [info for info in seen if info.warning]
    assert warned and all(f"the disk of {tmp_path} has 10 bytes free" in info.warning for info in warned)
    assert seen[-1].warning == ""  # the end says the job's result, not a warning about it
    assert summary.frames_out == 12  # a warning, not a stop: freeing space is the user's to do
    free_space["bytes"] = 10**12
    seen.clear()
    process_video(video, tmp_path / f"roomy{suffix}", upscale="bicubic", device="cpu", progress=seen.append)
    assert seen and not any(info.warning for info in seen)


def test_a_batch_warns_when_the_outputs_still_to_come_will_not_fit(tmp_path, free_space):
    """Each output may fit on its own; the batch's later files are what fill the disk, hours in. The outputs made
    so far tell what the rest need."""
    from videogen import make_video
    from vsr_app.batch import run_batch

    (tmp_path / "in").mkdir()
    for name in ("a", "b", "c"):
        make_video(tmp_path / "in" / f"{name}.mp4", frames=6, width=48, height=32)
    free_space["bytes"] = 1
    seen = []
    report = run_batch(tmp_path / "in", tmp_path / "out", model="bicubic", device="cpu", progress=seen.append)
    assert report.exit_code == 0
    first = [info for info in seen if info.stage.startswith("[1/3]")]
    later = [info for info in seen[:-1] if info.stage.startswith(("[2/3]", "[3/3]"))]
    assert first and not any(info.warning for info in first)  # nothing made yet to project from
    assert later and all(info.warning.startswith("at this rate the batch's remaining outputs need about")
                         for info in later)
    assert seen[-1].warning == ""  # none remain


def _watched_write(folder):
    """A watch over a write into `folder`, and the temporary file it writes (made, as the writer makes it)."""
    partial = folder / ".up.partial-4321-0badc0de.mp4"
    partial.write_bytes(b"")
    return GrowthWatch(lambda: 0, total=1000, folder=folder, clock=FakeClock(), partial=partial)


def test_a_folder_whose_identity_changes_while_its_file_is_there_is_written_on(tmp_path, monkeypatch, free_space):
    """sshfs without use_ino and CIFS with noserverino report new inode numbers for one folder: the inode alone
    stopped a live export."""
    numbers = itertools.count()
    monkeypatch.setattr(disk_space, "folder_identity", lambda folder: (1, next(numbers)))
    watch = _watched_write(tmp_path)
    assert [watch.look(frames) for frames in range(3)] == ["", "", ""]


@pytest.mark.parametrize("how", ["deleted", "renamed", "replaced"])
def test_a_folder_gone_with_the_file_being_written_stops_the_write(tmp_path, free_space, how):
    folder = tmp_path / "out"
    folder.mkdir()
    watch = _watched_write(folder)
    assert watch.look(0) == ""
    if how == "deleted":
        shutil.rmtree(folder)
    else:
        folder.rename(tmp_path / "moved")
        if how == "replaced":
            folder.mkdir()
    with pytest.raises(VsrAppError) as caught:
        watch.look(1)
    assert str(caught.value) == (f"the output folder '{folder}' is gone or was replaced while the video was written "
                                 "(a drive unplugged, the folder moved or deleted); nothing more is written")
