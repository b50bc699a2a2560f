"""A finished output the writer kept under its hidden temporary name (its folder made read-only as it was put in place,
tester's report M2) is no killed write's leftover: any later write into the folder deleted it as "unfinished", hours
of work. It stays, said, while what killed writes left goes, said even where that later write fails or is stopped."""

from __future__ import annotations

import errno
import logging
import os
import subprocess
import sys

import av
import pytest

from videogen import make_video, pattern_frame
from vsr_app.errors import VsrAppError
from vsr_app.video import writer as writer_module
from vsr_app.video.packet_times import packet_span
from vsr_app.video.writer import VideoWriter

# A write killed (kill -9) half-way, as a crash or power cut leaves it: ffv1 in Matroska, whose file opens then, with
# the source's PCM track, from whose bit rate FFmpeg makes up a duration for it.
KILLED_MATROSKA = """
import os, signal, sys
import numpy as np
from vsr_app.video.writer import VideoWriter
writer = VideoWriter(sys.argv[1], width=128, height=96, frame_rate=10, codec="ffv1", source=sys.argv[2])
noise = np.random.default_rng(0)
for i in range(30):
    writer.write(noise.integers(0, 255, (96, 128, 3), dtype=np.uint8), i / 10)
os.kill(os.getpid(), signal.SIGKILL)
"""


def read_only(*args, **kwargs):
    """What renaming or opening for writing on a folder remounted read-only does."""
    raise OSError(errno.EROFS, "Read-only file system")


def hidden(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def write(path, frames: int = 6, **options):
    with VideoWriter(path, width=64, height=48, frame_rate=10, **options) as writer:
        for i in range(frames):
            writer.write(pattern_frame(i, 64, 48), i / 10)
    return writer.result


def killed_matroska(path, source) -> str:
    """The hidden file a write to `path` killed half-way left: one that opens, unlike a killed MP4 (no index yet)."""
    before = hidden(path.parent)
    subprocess.run([sys.executable, "-c", KILLED_MATROSKA, str(path), str(source)], check=False)
    (left,) = set(hidden(path.parent)) - set(before)
    with av.open(str(path.parent / left)) as container:
        assert container.streams.video and container.duration  # the duration made up: no sign of a finished file
    return left


def keep_unplaced(path, monkeypatch, codec: str) -> str:
    """Write `path` as a run whose folder turned read-only as it finished: its finished file kept hidden."""
    with monkeypatch.context() as patched:
        patched.setattr(writer_module.os, "replace", read_only)
        patched.setattr(writer_module.os, "link", read_only)
        with pytest.raises(VsrAppError, match=r"the video is finished but could not be put at .*: rename it to "
                                              r"'.*' once the folder can be written \(a batch run again puts it "
                                              r"there itself; a new export to that name replaces it\)"):
            write(path, codec=codec)
    (kept,) = hidden(path.parent)
    return kept


@pytest.mark.parametrize("suffix, codec", [(".mp4", "libx264"), (".mkv", "libx264"), (".mov", "prores")])
def test_a_finished_hidden_output_outlives_other_writes_into_its_folder(tmp_path, monkeypatch, suffix, codec):
    source = make_video(tmp_path / "source.mkv", frames=40, width=128, height=96, audio="pcm_s16le")
    out = tmp_path / "out"
    out.mkdir()
    kept = keep_unplaced(out / f"long{suffix}", monkeypatch, codec)
    killed = killed_matroska(out / "crashed.mkv", source)
    result = write(out / f"other{suffix}", codec=codec)
    assert hidden(out) == [kept] and packet_span(out / kept).frames == 6
    assert (f"kept {kept}: a finished output an earlier run could not put in place; rename it yourself (a batch run "
            "again puts it there)") in result.notes
    assert any(note.startswith("removed ") and note.endswith("left by an interrupted run: crashed.mkv")
               for note in result.notes), (killed, result.notes)
    write(out / f"long{suffix}", codec=codec)  # the same name's write replaces it
    assert hidden(out) == []


def test_a_finished_video_whose_folder_turned_read_only_is_kept_not_failed(tmp_path, monkeypatch):
    """Remounted read-only as it finished: opening the file for writing to flush it failed, and a finished, checked
    output was reported as a failed write, and deleted where it could be."""
    def open_read_only(file, mode="r", *args, **kwargs):
        if set(mode) & set("wa+"):
            read_only()
        return open(file, mode, *args, **kwargs)

    writer = VideoWriter(tmp_path / "out.mp4", width=64, height=48, frame_rate=10)
    for i in range(6):
        writer.write(pattern_frame(i, 64, 48), i / 10)
    real_os_open = os.open
    monkeypatch.setattr(writer_module, "open", open_read_only, raising=False)
    monkeypatch.setattr(os, "open", lambda path, flags, *args: read_only() if flags & (os.O_WRONLY | os.O_RDWR)
                        else real_os_open(path, flags, *args))
    monkeypatch.setattr(os, "replace", read_only)
    monkeypatch.setattr(os, "link", read_only)
    with pytest.raises(VsrAppError, match=r"the video is finished but could not be put at '.*out\.mp4' \(Read-only "
                                          r"file system\); it is kept as the hidden file"):
        writer.close()
    monkeypatch.undo()
    assert hidden(tmp_path) == [writer.tmp.name] and packet_span(writer.tmp).frames == 6


@pytest.mark.parametrize("ending", ["stopped", "failed"])
def test_what_a_write_cleared_is_said_when_it_then_stops_or_fails(tmp_path, caplog, ending):
    """The line was one of the notes, shown only with a finished output; and a 48-byte leftover read "1 KB"."""
    (tmp_path / ".first.partial-9999999-0badc0de.mp4").write_bytes(b"x" * 48)  # pid past pid_max: its writer is gone
    writer = VideoWriter(tmp_path / "second.mp4", width=64, height=48, frame_rate=10)
    with caplog.at_level(logging.WARNING), pytest.raises(KeyboardInterrupt if ending == "stopped" else VsrAppError):
        with writer:
            if ending == "stopped":
                writer.write(pattern_frame(0, 64, 48), 0.0)
                raise KeyboardInterrupt
        # else its close fails: no frames were written
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING] == [
        "removed 48 bytes of unfinished output left by an interrupted run: first.mp4"]
    assert hidden(tmp_path) == []
