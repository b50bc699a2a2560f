"""The rules `joins.py` finds joined recordings by: how long a part's last packets last (a sparse subtitle's, or a
frame's after a pause, was the gap before it), a jump back of more than 13.25 h (taken for the clock's wrap), a file
gone before its joins are read, and formats whose clock cannot restart (not opened to find that out)."""

from __future__ import annotations

from array import array
from fractions import Fraction

import av
import numpy as np
import pytest

from test_joined_recordings import FPS, _recording
from videogen import pattern_frame
from vsr_app.video import joins
from vsr_app.video.joins import NO_JOINS, file_joins, known_joins
from vsr_app.video import reader as reader_module
from vsr_app.video.reader import VideoReader

HOURS_14 = 14 * 3600.0


def _pictures(path, first: int, times: list[float]):
    """A 64x48 H.264 .ts of pictures only, `pattern_frame(first...)`, shown at `times` (seconds)."""
    with av.open(str(path), "w") as container:
        video = container.add_stream("libx264", rate=FPS)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        video.time_base = Fraction(1, FPS)
        video.options = {"preset": "ultrafast", "g": "10"}
        for i, time in enumerate(times):
            frame = av.VideoFrame.from_ndarray(pattern_frame(first + i, 64, 48), format="rgb24")
            frame.pts = round(time * FPS)
            container.mux(video.encode(frame))
        container.mux(video.encode(None))
    return path


def _joined(folder, *parts):
    source = folder / "joined.ts"
    source.write_bytes(b"".join(part.read_bytes() for part in parts))
    return source


def _second(n: int, start: float = 0.0) -> list[float]:
    return [start + i / FPS for i in range(n)]


def test_a_part_s_last_subtitle_ends_where_it_starts(tmp_path):
    """DVB subtitles have no duration: part 1's last, 1.8 s after the one before, 'lasted' 1.8 s and pushed part 2
    1.7 s later (a 60 s part with subtitles at 1 s and 59 s: 57 s of frozen silence)."""
    source = _joined(tmp_path, _recording(tmp_path / "a.ts", 0, 2 * FPS, 0.0, 2.0, [0.1, 1.9]),
                     _recording(tmp_path / "b.ts", 2 * FPS, FPS, 0.0, 1.0, []))
    (shift,) = file_joins(source).shifts
    assert shift == pytest.approx(2.0, abs=0.05)  # where part 1's pictures and sound end


def test_a_frame_without_a_duration_after_a_pause_lasts_its_stream_s_usual_step():
    """Not the pause before it (FFmpeg's parsers give most audio and video packets a duration: this is the rest)."""
    steps = joins._Steps()
    assert [steps.of(0, time) for time in (0.0, None, 0.04, 0.08, 30.0)] == pytest.approx([0, 0, 0.04, 0.04, 0.04])
    assert steps.of(1, 5.0) == 0.0  # another stream's own


def test_a_part_longer_than_half_the_clock_is_followed_by_the_next(tmp_path):
    """A jump back of 14 hours (a 24-hour recorder's part) was taken for the 33-bit clock's wrap: the second part's
    frames were squeezed into the first's."""
    source = _joined(tmp_path, _pictures(tmp_path / "a.ts", 0, _second(FPS) + _second(FPS, HOURS_14)),
                     _pictures(tmp_path / "b.ts", 2 * FPS, _second(FPS)))
    assert file_joins(source).shifts == pytest.approx((HOURS_14 + 1,), abs=0.01)
    times = [frame.time for frame in VideoReader(source).frames()]
    assert np.diff(times[2 * FPS:]) == pytest.approx(1 / FPS)
    assert times[2 * FPS] == pytest.approx(HOURS_14 + 1, abs=0.01)


def _packets(times: list[float]) -> joins._Packets:
    """One video stream's packets, 188 bytes apart, decoded and shown at `times` for 0.04 s each."""
    packets, n = joins._Packets(), len(times)
    packets.pos, packets.stream = array("q", range(0, 188 * n, 188)), array("q", [0] * n)
    packets.time, packets.start, packets.end = array("d", times), array("d", times), array("d", np.add(times, 0.04))
    packets.continuous = {0}
    return packets


def test_a_jump_back_by_the_whole_clock_is_its_wrap_not_a_join():
    """An encoder's negative start written wrapped (2**33 - 1902 ticks) is the clock's wrap; 14 hours back is not."""
    wrapped = (2 ** 33 - 1902) / 90_000
    assert joins._parts(_packets([wrapped] + _second(10))) == NO_JOINS
    assert joins._parts(_packets(_second(10, HOURS_14) + _second(10))).starts == (1880,)


def test_a_file_gone_has_no_joins_and_none_known(tmp_path):
    """A file removed under a reader raised FileNotFoundError here, not the reader's 'cannot read'."""
    gone = tmp_path / "gone.ts"
    assert file_joins(gone) == NO_JOINS
    assert known_joins(gone) is None


def test_a_format_whose_clock_cannot_restart_is_not_opened(tmp_path, monkeypatch):
    def scan(path):
        raise AssertionError(f"{path} opened")

    monkeypatch.setattr(joins, "_scan", scan)
    movie = tmp_path / "a.mp4"
    movie.write_bytes(b"")
    assert file_joins(movie, "mov,mp4,m4a,3gp,3g2,mj2") == NO_JOINS


def test_a_raw_mpeg4_stream_is_not_read_through_for_keyframes_at_a_seek(tmp_path, monkeypatch):
    """FFmpeg flags its raw `m4v` as a format whose clock may restart, but its packets have no times: a seek read the
    whole file for keyframes it could not place."""
    path = tmp_path / "raw.m4v"
    with av.open(str(path), "w", format="m4v") as container:
        video = container.add_stream("mpeg4", rate=FPS)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        for i in range(2 * FPS):
            container.mux(video.encode(av.VideoFrame.from_ndarray(pattern_frame(i, 64, 48), format="rgb24")))
        container.mux(video.encode(None))
    reader = VideoReader(path)

    def read_through(*args):
        raise AssertionError("keyframes read")

    monkeypatch.setattr(reader_module, "continued_keyframes", read_through)
    assert next(reader.frames(start=1.0)).time == pytest.approx(1.0, abs=0.05)
