"""A large recording's first seek far into it: its joins are found by sampling its times at byte positions and its
keyframe from a byte position near the time asked, not by demuxing it up to there (7.4 s near the end of a 7.6 GB
MPEG-TS). A seek past a join of a large file gave no frame at all: a pass from a keyframe in the later part saw no
jump back to tell it the part's shift. Small files take the large-file path here (EAGER_BYTES)."""

from __future__ import annotations

import av
import numpy as np
import pytest

from test_joined_recordings import FPS
from test_joined_recordings import _recording as recording
from vsr_app.video import joins
from vsr_app.video.reader import VideoReader

SECONDS = 20  # of each part


def _recording(path, first: int, seconds: int):
    """A 64x48 H.264 (10 frames a GOP) + MP2 .ts of `seconds` from 0, its pictures `pattern_frame(first...)`, its
    streams interleaved as a broadcast's are (`test_joined_recordings` writes one stream's packets after the other's,
    its sound past FFmpeg's probe; the MP2 encoder's first packet, before 0 and written wrapped, is left out)."""
    made = recording(path.with_suffix(".made.ts"), first, seconds * FPS, 0.0, seconds, [])
    with (av.open(str(made), options={"probesize": str(1 << 26), "analyzeduration": str(10 ** 8)}) as source,
          av.open(str(path), "w") as interleaved):
        streams = {s.index: interleaved.add_stream_from_template(s) for s in source.streams if s.type != "subtitle"}
        packets = [packet for packet in source.demux()
                   if packet.size and packet.stream.index in streams and packet.dts < 2 ** 32]
        for packet in sorted(packets, key=lambda packet: packet.dts * packet.time_base):
            packet.stream = streams[packet.stream.index]
            interleaved.mux(packet)
    return path


class _Counted:
    """An open container counting the packets demuxed from it into `counted`, of every stream (FFmpeg reads them
    all: a demux of one stream passes the others over)."""

    def __init__(self, container, counted: list[int]):
        self._container, self._counted = container, counted

    def __getattr__(self, name):
        return getattr(self._container, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._container.close()

    def demux(self, *streams):
        wanted = {stream.index for stream in streams} or {stream.index for stream in self._container.streams}
        for packet in self._container.demux():
            self._counted[0] += 1
            if packet.stream_index in wanted:
                yield packet


def _packets_demuxed(monkeypatch) -> list[int]:
    """A counter of the packets demuxed from every file opened from now on."""
    counted, open_file = [0], av.open
    monkeypatch.setattr(av, "open", lambda *a, **k: _Counted(open_file(*a, **k), counted))
    return counted


def _large(monkeypatch) -> None:
    """Files of every size are read as large ones, sampled at a few positions as a 7.6 GB file is at 256."""
    monkeypatch.setattr(joins, "_cache", {})
    monkeypatch.setattr(joins, "EAGER_BYTES", 0)
    monkeypatch.setattr(joins, "PROBES", 16)
    monkeypatch.setattr(joins, "WINDOW_SECONDS", 1.0)
    monkeypatch.setattr(joins, "HALVED_BYTES", 4096)


@pytest.fixture(scope="module")
def joined(tmp_path_factory):
    """Two recordings on their own clocks, joined byte for byte, and every frame decoded from the start with the
    joins read through: (the file, its frames)."""
    folder = tmp_path_factory.mktemp("sampled")
    parts = [_recording(folder / f"part{i}.ts", i * SECONDS * FPS, SECONDS) for i in (0, 1)]
    path = folder / "joined.ts"
    path.write_bytes(b"".join(part.read_bytes() for part in parts))
    return path, list(VideoReader(path).frames())


def _frames_at(path, times: list[float]) -> list:
    """The first frame of a seek to each of `times`, each the first seek of a new reader."""
    found = []
    for time in times:
        frames = VideoReader(path).frames(start=time)
        found.append(next(frames, None))
        frames.close()
    return found


def test_a_far_seek_in_a_large_joined_file_gives_the_frame_decoding_from_the_start_gives(joined, monkeypatch):
    path, in_order = joined
    read_through = joins._scan(path)
    _large(monkeypatch)
    assert joins.file_joins(path, sampled=True) == read_through and len(read_through.starts) == 1
    monkeypatch.setattr(joins, "_cache", {})
    wanted = [in_order[k] for k in (13, 2 * SECONDS * FPS - 7, SECONDS * FPS + 3, SECONDS * FPS - 2)]
    for want, got in zip(wanted, _frames_at(path, [frame.time - 0.001 for frame in wanted])):
        assert got is not None and got.time == pytest.approx(want.time), want.time
        np.testing.assert_array_equal(got.image, want.image)


@pytest.mark.parametrize("parts", [2, 1])
def test_a_far_seek_in_a_large_file_reads_few_packets(joined, tmp_path, monkeypatch, parts):
    """Near the end of the file, joined or not: the samples, the packets about the join and about the time asked."""
    path = joined[0] if parts == 2 else _recording(tmp_path / "one.ts", 0, 2 * SECONDS)
    with av.open(str(path)) as container:
        every = sum(1 for _ in container.demux())
    _large(monkeypatch)
    demuxed = _packets_demuxed(monkeypatch)
    (frame,) = _frames_at(path, [2 * SECONDS - 1.0])
    assert frame is not None and frame.time == pytest.approx(2 * SECONDS - 1.0, abs=0.05)
    assert demuxed[0] < every / 4, (demuxed[0], every)
