"""A source cut short while it is read (a download or a copy still going on) is said to have changed, not to be
damaged: the error read "cannot read 'x.mp4' (Invalid data found when processing input)"."""

from __future__ import annotations

import math
import threading

import pytest

from videogen import make_video
from vsr_app.errors import Cancelled, VsrAppError
from vsr_app.files import file_stamp
from vsr_app.video.pipeline import process_video


def test_a_source_cut_short_while_it_is_read_is_said_to_have_changed(tmp_path):
    src = make_video(tmp_path / "x.mp4", frames=400)
    size = src.stat().st_size

    def cut_short(info):  # as the first frames are decoded: the file opened, its index read
        if src.stat().st_size == size:
            with open(src, "r+b") as f:
                f.truncate(size // 3)

    with pytest.raises(VsrAppError) as raised:
        process_video(src, tmp_path / "out.mp4", upscale="bicubic", progress=cut_short)
    kb = [math.ceil(n / 1024) for n in (size, size // 3)]
    assert str(raised.value).startswith(f"'{src}' changed while it was read (it was {kb[0]} KB, now {kb[1]} KB): ")
    assert not (tmp_path / "out.mp4").exists()

    src = make_video(tmp_path / "y.mp4", frames=400)  # a stop asked for as it grew (a download going on): a stop
    cancel = threading.Event()

    def grow_and_cancel(info):
        with open(src, "ab") as f:
            f.write(bytes(10))
        cancel.set()

    with pytest.raises(Cancelled):
        process_video(src, tmp_path / "out.mp4", upscale="bicubic", progress=grow_and_cancel, cancel=cancel)


def test_what_failed_is_still_said_after_the_change(tmp_path):
    """The change replaced every error's words: a finished output kept hidden ('kept as the hidden file ...', the only
    place that names it) read as the source's change alone."""
    from vsr_app.video import pipeline

    src = tmp_path / "x.mp4"
    src.write_bytes(b"a")
    with pytest.raises(VsrAppError, match=r"changed while it was read \(.*\): kept as the hidden file '\.x'$"):
        with pipeline._said_if_changed(src, file_stamp(src)):
            src.write_bytes(b"ab")
            raise VsrAppError("kept as the hidden file '.x'")
