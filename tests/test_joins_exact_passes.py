"""A large joined recording's joins are sampled for a fast first seek, and sampling misses a part shorter than the
samples' spacing: a pass over the file (a run, a verification) then timed every frame after it wrong (504 of 1050 of
a 20 s, 2 s, 20 s recording). A pass whose video jumps back where the sampled joins have no join reads them through.
A seek keeps the joins it found (the cache of 8 files may let them go before its pass), and falls back to reading
from the start where a byte position cannot be demuxed. Small files take the large-file path here (EAGER_BYTES)."""

from __future__ import annotations

import math
import shutil

import av
import numpy as np
import pytest

from test_joins_sampled import _Counted, _large, _recording
from test_joins_sampled import joined  # noqa: F401 (a fixture)
from vsr_app.video import joins
from vsr_app.video import reader as reader_module
from vsr_app.video.reader import VideoReader

SHORT_PART = (20, 2, 20)  # seconds of each part, each from time 0


@pytest.fixture(scope="module")
def short_part(tmp_path_factory):
    """Recordings of SHORT_PART joined byte for byte, and every frame decoded from the start with the joins read
    through: (the file, its frames)."""
    folder = tmp_path_factory.mktemp("short_part")
    parts = [_recording(folder / f"part{i}.ts", 1000 * i, seconds) for i, seconds in enumerate(SHORT_PART)]
    path = folder / "joined.ts"
    path.write_bytes(b"".join(part.read_bytes() for part in parts))
    return path, list(VideoReader(path).frames())


def _sampled_at(monkeypatch, probes: int) -> None:
    """`_large`, the file's times sampled at `probes` byte positions."""
    _large(monkeypatch)
    monkeypatch.setattr(joins, "PROBES", probes)


def test_a_pass_over_a_large_file_whose_sampling_missed_a_short_part_times_its_frames_as_reading_through(
        short_part, monkeypatch):
    path, read_through = short_part
    exact = joins._scan(path)
    _sampled_at(monkeypatch, 8)
    sampled = joins.file_joins(path, sampled=True)
    assert len(exact.starts) == 2 and len(sampled.starts) == 1 and not sampled.exact  # the part after the 2 s missed
    times = [frame.time for frame in VideoReader(path).frames()]
    assert times == pytest.approx([frame.time for frame in read_through], abs=1e-6)
    assert joins.known_joins(path) == exact and joins.known_joins(path).exact  # (read through in their place)


def test_the_joins_asked_for_unsampled_are_read_through_in_place_of_sampled_ones(short_part, monkeypatch):
    """As the carried sound of a run asks for them: moved by other joins than its frames, it went out of step."""
    path = short_part[0]
    exact = joins._scan(path)
    _sampled_at(monkeypatch, 8)
    assert joins.file_joins(path, sampled=True) != exact
    assert joins.file_joins(path) == exact and joins.known_joins(path).exact
    assert joins.file_joins(path, sampled=True).exact


def test_halving_finds_both_joins_of_a_stretch_where_one_half_goes_on(short_part, monkeypatch):
    """7 samples: one before the 2 s part, the next after it; its middle falls in the 2 s part, whose half to the
    next sample goes on in time (the last part's clock is ahead there) though a join lies in it."""
    path = short_part[0]
    exact = joins._scan(path)
    _sampled_at(monkeypatch, 7)
    assert joins.file_joins(path, sampled=True) == exact


def test_a_demux_error_at_a_byte_position_makes_a_seek_read_from_the_start(short_part, monkeypatch):
    path, read_through = short_part
    want = read_through[40 * 25 + 10]
    _sampled_at(monkeypatch, 7)
    failures, open_file = [1], av.open

    class FailingOnce(_Counted):
        """An open container whose first demux of a stream after a byte seek fails (a damaged stretch there)."""

        byte_seek = False

        def seek(self, *args, **kwargs):
            self.byte_seek = bool(kwargs.get("unsupported_byte_offset"))
            return self._container.seek(*args, **kwargs)

        def demux(self, *streams):
            if streams and self.byte_seek and failures[0]:
                failures[0] -= 1
                raise av.error.InvalidDataError(-1094995529, "Invalid data found when processing input")
            return super().demux(*streams)

    monkeypatch.setattr(av, "open", lambda *a, **k: FailingOnce(open_file(*a, **k), [0]))
    frames = VideoReader(path).frames(start=want.time - 0.001)
    got = next(frames)
    frames.close()
    assert failures == [0] and got.time == pytest.approx(want.time)
    np.testing.assert_array_equal(got.image, want.image)


def test_joins_read_through_after_sampling_failed_keep_what_was_read_before_an_index_error(short_part, monkeypatch):
    """PyAV raises IndexError where the demuxer finds a stream it had not (FLV's, after a seek into a tag)."""
    path = short_part[0]
    exact = joins._scan(path)
    _sampled_at(monkeypatch, 8)
    read = joins._read

    def new_stream_at_the_end(container, packets, until=math.inf):
        read(container, packets, until)
        raise IndexError("list index out of range")

    monkeypatch.setattr(joins, "_read", new_stream_at_the_end)
    found = joins.file_joins(path, sampled=True)
    assert found == exact and found.exact


def test_a_seek_keeps_the_joins_it_found_while_other_files_fill_their_cache(joined, tmp_path, monkeypatch):
    """A batch reads CACHED_FILES other files between the seek's joins and its pass: the pass from a keyframe in the
    later part had no jump back to tell it that part's shift."""
    path, in_order = joined
    want = in_order[-30]
    _large(monkeypatch)
    one = _recording(tmp_path / "one.ts", 0, 1)
    others = [shutil.copy(one, tmp_path / f"other{i}.ts") for i in range(joins.CACHED_FILES)]
    file_joins = reader_module.file_joins

    def then_other_files(*args, **kwargs):
        found = file_joins(*args, **kwargs)
        for other in others:
            joins.file_joins(other, sampled=True)
        return found

    monkeypatch.setattr(reader_module, "file_joins", then_other_files)
    frames = VideoReader(path).frames(start=want.time - 0.001)
    got = next(frames, None)
    frames.close()
    assert joins.known_joins(path) is None  # (let go)
    assert got is not None and got.time == pytest.approx(want.time)
    np.testing.assert_array_equal(got.image, want.image)
