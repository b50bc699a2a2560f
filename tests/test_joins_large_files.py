"""A large recording's joins are read from its video's first jump back, not before its first frame: reading a
broadcast recording through (1.5 s a GB, more from a disk) before the first frame made opening one wait that long."""

from __future__ import annotations

from pathlib import Path

import pytest

from test_joined_recordings import _recording
from vsr_app.video import joins
from vsr_app.video.reader import VideoReader


def _joined(folder: Path) -> Path:
    """Two recordings on their own clocks, each with pictures and sound from 0: the video's times jump back."""
    parts = [_recording(folder / f"part{i}.ts", 12 * i, 12, 0.0, 0.5, []) for i in range(2)]
    joined = folder / "joined.ts"
    joined.write_bytes(b"".join(part.read_bytes() for part in parts))
    return joined


@pytest.mark.parametrize("eager_bytes, read_before", [(1 << 30, 1), (0, 0)])
def test_the_joins_are_read_at_the_first_frame_only_of_a_small_file(tmp_path, monkeypatch, eager_bytes, read_before):
    path = _joined(tmp_path)
    monkeypatch.setattr(joins, "EAGER_BYTES", eager_bytes)
    monkeypatch.setattr(joins, "_cache", {})
    scans = []
    for name in ("_scan", "_sampled"):  # (read through, or sampled where large)
        read = getattr(joins, name)
        monkeypatch.setattr(joins, name, lambda *a, read=read: scans.append(a) or read(*a))
    frames = VideoReader(path).frames()
    first = next(frames)
    assert len(scans) == read_before and first.time == pytest.approx(0.0, abs=0.05)
    rest = list(frames)
    assert len(scans) == 1  # the jump back read them: part 2 goes on after part 1 all the same
    times = [first.time] + [f.time for f in rest]
    assert len(times) == 24 and all(b > a for a, b in zip(times, times[1:])) and times[12] >= 0.48


@pytest.mark.parametrize("eager_bytes, counted", [(1 << 30, True), (0, False)])
def test_the_frames_of_a_large_recording_are_not_counted_at_opening(tmp_path, monkeypatch, eager_bytes, counted):
    """Every MPEG-TS was counted at opening to find joins: a 7.6 GB recording opened in 5 s where it took 0.09."""
    from vsr_app.video import packet_times

    path = _recording(tmp_path / "one.ts", 0, 50, 0.0, 2.0, [])  # at its stated rate: nothing else asks a count
    monkeypatch.setattr(joins, "EAGER_BYTES", eager_bytes)
    calls = []
    monkeypatch.setattr(packet_times, "counted_frames", lambda *a: calls.append(a) or 24)
    info = VideoReader(path).info
    packet_times.with_counted_frames(info)
    assert bool(calls) == counted
