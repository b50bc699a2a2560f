"""Recordings joined end to end (`cat part1.ts part2.ts`), cut where recorders cut them: the first part's sound runs
on past its pictures, the second's pictures start after its sound. Each stream went on after its own last packet,
so the second part's pictures came 0.9 s ahead of their sound and its subtitles were not moved at all; the whole
file's streams now move by one shift a part (`joins.py`). A batch run again over such a file found its output twice
the input's raw span and kept it as "exists" instead of skipping it."""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
import pytest

from videogen import pattern_frame
from vsr_app.batch import run_batch
from vsr_app.video.pipeline import process_video
from vsr_app.video.reader import VideoReader

FPS = 25
RATE = 48_000
AUDIO_FRAME = 1152 / RATE  # seconds of MP2 in a packet
# a DVB subtitle display set: a page composition segment, then the end of the display set
DISPLAY_SET = bytes([0x0F, 0x10, 0, 1, 0, 2, 10, 0x0B, 0x0F, 0x80, 0, 1, 0, 0])


def _recording(path, first: int, frames: int, video_start: float, audio_seconds: float, subtitles: list[float]):
    """A 64x48 25 fps H.264 + MP2 + DVB subtitle .ts on its own clock: pictures from `video_start` (s), sound from 0
    for `audio_seconds`, a subtitle at each of `subtitles` (s); its pictures `pattern_frame(first...)`."""
    with av.open(str(path), "w") as container:
        video = container.add_stream("libx264", rate=FPS)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        video.time_base = Fraction(1, FPS)
        video.options = {"preset": "ultrafast", "g": "10"}
        audio = container.add_stream("mp2", rate=RATE)
        audio.layout = "mono"
        subtitle = container.add_mux_stream("dvb_subtitle")
        subtitle.time_base = Fraction(1, 90_000)
        for i in range(frames):
            frame = av.VideoFrame.from_ndarray(pattern_frame(first + i, 64, 48), format="rgb24")
            frame.pts = round(video_start * FPS) + i
            container.mux(video.encode(frame))
        container.mux(video.encode(None))
        for at in subtitles:
            packet = av.Packet(DISPLAY_SET)
            packet.stream, packet.time_base = subtitle, Fraction(1, 90_000)
            packet.pts = packet.dts = round(at * 90_000)
            container.mux(packet)
        samples = round(audio_seconds * RATE)
        for start in range(0, samples, 1152):
            sound = av.AudioFrame.from_ndarray(np.zeros((1, 1152), np.int16), format="s16", layout="mono")
            sound.sample_rate, sound.pts, sound.time_base = RATE, start, Fraction(1, RATE)
            container.mux(audio.encode(sound))
        container.mux(audio.encode(None))
    return path


def _starts(path) -> dict[str, list[float]]:
    """Each stream type's packet times (seconds), in order."""
    with av.open(str(path)) as container:
        times: dict[str, list[float]] = {}
        for packet in container.demux():
            if packet.size and packet.pts is not None:
                times.setdefault(packet.stream.type, []).append(float(packet.pts * packet.time_base))
    return {kind: sorted(found) for kind, found in times.items()}


@pytest.fixture(scope="module")
def joined(tmp_path_factory):
    """Two 1 s recordings cut at odd points, joined, and upscaled (.mkv keeps the subtitles): (the second part on its
    own, the joined file, the output)."""
    folder = tmp_path_factory.mktemp("joined")
    parts = [_recording(folder / "part1.ts", 0, FPS, 0.0, 1.5, [0.1]),  # its sound runs 0.5 s past its pictures
             _recording(folder / "part2.ts", FPS, FPS, 0.4, 1.4, [0.6, 1.1])]  # its pictures start 0.4 s late
    source = folder / "joined.ts"
    source.write_bytes(b"".join(part.read_bytes() for part in parts))
    output = folder / "out.mkv"
    process_video(source, output, upscale="bicubic", device="cpu")
    return parts[1], source, output


def test_the_second_part_s_pictures_end_as_far_from_its_sound_as_they_do_on_their_own(joined):
    second, _, output = joined
    own, out = _starts(second), _starts(output)
    assert len(out["video"]) == 2 * FPS
    apart = out["video"][-1] - out["audio"][-1]
    assert apart == pytest.approx(own["video"][-1] - own["audio"][-1], abs=AUDIO_FRAME)  # it was 0.9 s off


def test_the_second_part_s_subtitles_keep_their_place_among_its_pictures(joined):
    second, _, output = joined
    own, out = _starts(second), _starts(output)
    first_picture = out["video"][FPS]  # the second part's first
    assert out["subtitle"][1:] == pytest.approx([t - own["video"][0] + first_picture for t in own["subtitle"]],
                                                abs=1e-3)  # they stayed at 0.6 and 1.1 s, under the first part


def test_the_reader_times_each_part_after_the_one_before(joined):
    """Its pictures hold at the join while the first part's sound plays out, in order, none of them placed."""
    _, source, _ = joined
    reader = VideoReader(source)
    times = [frame.time for frame in reader.frames()]
    assert len(times) == 2 * FPS and np.all(np.diff(times) > 0) and reader.placed_frames_note() is None
    assert times[FPS] - times[FPS - 1] > 0.5  # 0.5 s of the first part's sound, and 0.4 s of the second's before
    assert reader.time_jumps.note().startswith("2 recordings joined end to end")  # not "a file is damaged"


def test_a_batch_run_again_skips_the_joined_recording_it_made(tmp_path):
    """The rerun said "exists ... the existing output lasts 2.00 s, the input 1.00 s" and exited 1."""
    folder = tmp_path / "in"
    folder.mkdir()
    parts = [_recording(tmp_path / f"part{i}.ts", i * FPS, FPS, 0.0, 1.0, []) for i in (0, 1)]
    (folder / "joined.ts").write_bytes(b"".join(part.read_bytes() for part in parts))
    assert [f.status for f in run_batch(folder, tmp_path / "out", model="bicubic").files] == ["ok"]
    again = run_batch(folder, tmp_path / "out", model="bicubic")
    assert [(f.status, again.exit_code) for f in again.files] == [("skipped", 0)]


def test_a_short_first_recording_is_timed_before_the_second(tmp_path):
    """The first part 8 frames long: its join was judged against frames the clock still held and went unseen, and the
    two timelines mixed ([0, 10, 20, 30, 35, 37, 38, 39, 40...] at 10 ticks a frame)."""
    parts = [_recording(tmp_path / "part1.ts", 0, 8, 0.0, 0.3, []),
             _recording(tmp_path / "part2.ts", 8, 20, 0.0, 0.8, [])]
    source = tmp_path / "joined.ts"
    source.write_bytes(b"".join(part.read_bytes() for part in parts))
    reader = VideoReader(source)
    frames = list(reader.frames())
    assert len(frames) == 28 and reader.placed_frames_note() is None
    steps = np.diff([frame.time for frame in frames])
    assert steps[:7] == pytest.approx([1 / FPS] * 7) and steps[8:] == pytest.approx([1 / FPS] * 19)
    assert steps[7] > 1 / FPS  # the second part after the first's sound
