"""Joined recordings timed the same in every process: the joins were read only where the video's own times jumped
back or an earlier reader in the process had read them, so a join that only the sound told (a part's pictures
starting after the part before's sound ended) moved the frames or not by what the process had done before; and FLV,
whose FFmpeg demuxer lacks the ts_discont flag, had its joins not read at all."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from test_joined_recordings import FPS, _recording
from videogen import pattern_frame
from vsr_app.video import joins
from vsr_app.video.pipeline import process_video
from vsr_app.video.reader import VideoReader
from vsr_app.video.packet_times import frame_times

SOUND_END = 3.0  # seconds: where the first part's sound ends, long after its pictures


def _sound_told_join(folder: Path) -> Path:
    """Part 1: pictures 0-0.48 s, sound to 3 s; part 2: pictures from 0.6 s, sound from 0 (its video's own times
    go on without jumping back)."""
    parts = [_recording(folder / "part1.ts", 0, 12, 0.0, SOUND_END, []),
             _recording(folder / "part2.ts", 12, 25, 0.6, 1.6, [])]
    joined = folder / "joined.ts"
    joined.write_bytes(b"".join(part.read_bytes() for part in parts))
    return joined


def test_a_join_only_the_sound_tells_is_read_by_a_reader_in_a_fresh_process(tmp_path):
    """A fresh process timed part 2's first frame at 0.61 s, one that had read the joins at 3.61 s."""
    source = _sound_told_join(tmp_path)
    joins._cache.clear()  # as in a process that has not read this file
    reader = VideoReader(source)
    times = [frame.time for frame in reader.frames()]
    assert times[12] - times[0] > SOUND_END
    assert frame_times(reader.info) == pytest.approx(times)


def test_a_batch_run_again_in_a_new_process_skips_a_joined_recording_it_made(tmp_path):
    """Run again in a separate process, the batch said "exists ... lasts 4.60 s, the input 1.60 s" and exited 1."""
    folder = tmp_path / "in"
    folder.mkdir()
    _sound_told_join(tmp_path).rename(folder / "joined.ts")
    root = Path(__file__).resolve().parents[1]
    report = tmp_path / "report.json"
    cmd = [sys.executable, "-m", "vsr_app", "batch", str(folder), "-o", str(tmp_path / "out"), "--model", "bicubic",
           "--report", str(report)]
    env = {**os.environ, "PYTHONPATH": str(root)}
    statuses = []
    for _ in range(2):
        done = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        statuses += [file["status"] for file in json.loads(report.read_text())["files"]]
    assert statuses == ["ok", "skipped"]


def _flv(path: Path, first: int, frames: int = 50) -> Path:
    """A 64x48 25 fps H.264 + AAC .flv on its own clock, its pictures `pattern_frame(first...)`."""
    with av.open(str(path), "w", format="flv") as container:
        video = container.add_stream("libx264", rate=FPS)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        video.options = {"preset": "ultrafast", "g": "10"}
        audio = container.add_stream("aac", rate=48_000)
        audio.layout = "mono"
        packets = []
        for i in range(frames):
            frame = av.VideoFrame.from_ndarray(pattern_frame(first + i, 64, 48), format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, FPS)
            packets += video.encode(frame)
        packets += video.encode(None)
        for start in range(0, frames * 48_000 // FPS, 1024):
            sound = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
            sound.sample_rate, sound.pts = 48_000, start
            packets += audio.encode(sound)
        packets += audio.encode(None)
        for packet in sorted(packets, key=lambda p: float(p.dts * p.time_base)):
            container.mux(packet)
    return path


def test_flv_recordings_joined_across_a_reconnect_go_on_after_each_other(tmp_path):
    """An RTMP dump across a reconnect: the second file's tags after the first's, its clock from 0 again. 50 frames
    "had no time of their own", the picture ran 1 s behind the sound, and the export failed "Invalid argument"."""
    first, second = _flv(tmp_path / "a.flv", 0), _flv(tmp_path / "b.flv", 50)
    source = tmp_path / "joined.flv"
    source.write_bytes(first.read_bytes() + second.read_bytes()[13:])  # the second's FLV header dropped
    reader = VideoReader(source)
    times = [frame.time for frame in reader.frames()]
    assert len(times) == 100 and reader.placed_frames_note() is None
    assert min(np.diff(times)) > 0.9 / FPS and times[50] > 2.0
    output = tmp_path / "out.mkv"
    process_video(source, output, upscale="bicubic", device="cpu")
    last: dict[str, list[float]] = {}
    with av.open(str(output)) as container:
        for packet in container.demux():
            if packet.pts is not None:
                last.setdefault(packet.stream.type, []).append(float(packet.pts * packet.time_base))
    assert len(last["video"]) == 100
    assert max(last["video"]) > 3.9 and abs(max(last["video"]) - max(last["audio"])) < 0.1
