"""Carried audio and other streams: what real sources hold that the generated ones of test_video_writer do not.

A DVB capture whose MP2 audio changes its channel layout mid-stream, a cut MP4 whose edit lists trim the start of its
tracks, a Matroska file with fonts attached for its subtitles, a camera's timecode track, a drone's telemetry, a
recorder's 16 channels.
"""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
import pytest

from videogen import pattern_frame
from vsr_app.video.reader import VideoReader
from vsr_app.video.writer import VideoWriter

RATE = 48_000
TONE_START = 0.3  # when the tone of the sources starts, seconds on their video's clock


def rewrite(source, out, **options):
    """Write every frame of `source` to `out` with its streams carried, as the pipeline does."""
    reader = VideoReader(source)
    with VideoWriter(out, width=64, height=48, frame_rate=reader.info.frame_rate, time_base=Fraction(1, 1000),
                     source=source, **options) as writer:
        for frame in reader.frames():
            writer.write(frame.image, frame.time)
    return writer.result


def add_video(container, rate=10):
    video = container.add_stream("libx264", rate=rate)
    video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
    video.time_base = video.codec_context.time_base = Fraction(1, 1000)
    video.options = {"preset": "ultrafast"}
    return video


def mux_frames(container, video, times):
    packets = []
    for i, t in enumerate(times):
        frame = av.VideoFrame.from_ndarray(pattern_frame(i, 64, 48), format="rgb24")
        frame.pts = round(t * 1000)
        packets += video.encode(frame)
    container.mux(packets + video.encode(None))


def tone(start: float, seconds: float, channels: int = 1) -> np.ndarray:
    """Silence until TONE_START, then a 440 Hz tone: samples from `start` (seconds on the video's clock) on."""
    t = start + np.arange(round(seconds * RATE)) / RATE
    wave = np.where(t >= TONE_START, 0.3 * np.sin(2 * np.pi * 440 * t), 0.0).astype(np.float32)
    return np.repeat(wave[None], channels, axis=0)


def encoded(codec: str, layout: str, start: float, seconds: float) -> list:
    """Packets of a tone encoded on its own (time base 1/RATE), from `start` seconds."""
    encoder = av.CodecContext.create(codec, "w")
    encoder.sample_rate, encoder.layout, encoder.format = RATE, layout, encoder.codec.audio_formats[0].name
    encoder.time_base = Fraction(1, RATE)
    size = encoder.frame_size or 1024
    samples = tone(start, seconds, av.AudioLayout(layout).nb_channels)
    packets = []
    for at in range(0, samples.shape[1] - size + 1, size):
        part = samples[:, at:at + size]
        data = part if encoder.format.is_planar else part.T.reshape(1, -1)
        if encoder.format.name.startswith("s16"):
            data = (data * 32767).astype(np.int16)
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(data), format=encoder.format.name, layout=layout)
        frame.sample_rate, frame.time_base, frame.pts = RATE, Fraction(1, RATE), round(start * RATE) + at
        packets += encoder.encode(frame)
    return packets + encoder.encode(None)


def tone_onset(path) -> float:
    """When the tone starts, seconds after the first frame, as a player decodes the file."""
    with av.open(str(path)) as container:
        first = next(frame.time for frame in container.decode(video=0))
    with av.open(str(path)) as container:
        for frame in container.decode(audio=0):
            samples = frame.to_ndarray()
            if not frame.format.is_planar:  # channels interleaved in one row
                samples = samples.reshape(-1, len(frame.layout.channels)).T
            if samples.dtype.kind == "i":  # PCM and MP2 decode to integers
                samples = samples / np.iinfo(samples.dtype).max
            loud = np.nonzero(np.abs(samples).max(axis=0) > 0.05)[0]
            if len(loud):
                return frame.time + loud[0] / frame.sample_rate - first
    raise AssertionError(f"{path} has no tone")


def decoded_audio_seconds(path) -> float:
    with av.open(str(path)) as container:
        return sum(frame.samples for frame in container.decode(audio=0)) / container.streams.audio[0].sample_rate


def test_audio_whose_channel_layout_changes_midstream_is_reencoded_in_sync(tmp_path):
    """A DVB capture's MP2 goes from stereo to mono between programmes; MP4 takes no MP2, so it is re-encoded, and
    the encoder's resampler refused the first mono frame ("Frame does not match AudioResampler setup"), which failed
    the whole job with a traceback."""
    source = tmp_path / "dvb.ts"
    with av.open(str(source), "w") as container:
        video = add_video(container)
        audio = container.add_stream("mp2", rate=RATE)
        audio.layout = "stereo"
        mux_frames(container, video, [i / 10 for i in range(12)])
        for packet in encoded("mp2", "stereo", 0.0, 0.6) + encoded("mp2", "mono", 0.6, 0.6):
            packet.stream = audio
            container.mux(packet)
    out = tmp_path / "out.mp4"
    result = rewrite(source, out)
    assert "audio #1 mp2 re-encoded to aac (MP4 players rarely play mp2; use .mov or .mkv to keep it)" in result.notes
    assert decoded_audio_seconds(out) == pytest.approx(decoded_audio_seconds(source), abs=0.05)
    assert tone_onset(out) == pytest.approx(tone_onset(source), abs=0.002)


def cut_mp4(path, trimmed: float = 0.5):
    """What a stream-copy cutter writes: both tracks start `trimmed` seconds before the cut, at a keyframe, and edit
    lists hide that part."""
    with av.open(str(path), "w") as container:
        video = add_video(container)
        audio = container.add_stream("aac", rate=RATE)
        audio.layout = "mono"
        mux_frames(container, video, [i / 10 - trimmed for i in range(17)])
        packets = encoded("aac", "mono", -trimmed, 1.2 + trimmed)
        for packet in packets:
            packet.stream = audio
        container.mux(packets)
    return path


@pytest.mark.parametrize("suffix", [".mkv", ".mp4"])
def test_audio_a_cut_mp4_hides_before_its_start_stays_hidden(tmp_path, suffix):
    """Matroska has no edit lists: the half second of audio the source hides before its first picture was copied
    into the .mkv, where it played over nothing and made the file 0.5 s longer than its video."""
    source = cut_mp4(tmp_path / "cut.mp4")
    out = tmp_path / f"out{suffix}"
    rewrite(source, out)
    with av.open(str(source)) as before, av.open(str(out)) as after:
        assert after.duration / av.time_base == pytest.approx(before.duration / av.time_base, abs=0.04)
    assert decoded_audio_seconds(out) == pytest.approx(decoded_audio_seconds(source), abs=0.05)
    assert tone_onset(out) == pytest.approx(tone_onset(source), abs=0.002)


def styled_subtitles_mkv(path):
    """Matroska with ASS subtitles and the font they are styled with attached, as fansubs come."""
    with av.open(str(path), "w") as container:
        video = add_video(container)
        subtitles = container.add_mux_stream("ass")
        subtitles.time_base = Fraction(1, 1000)
        container.add_attachment("Styled.ttf", "font/ttf", b"not really a font")
        mux_frames(container, video, [i / 10 for i in range(6)])
    return path


def test_attached_fonts_are_copied_into_matroska_and_named_where_dropped(tmp_path):
    """They were dropped without a word: the subtitles came along but showed in a fallback font."""
    source = styled_subtitles_mkv(tmp_path / "styled.mkv")
    result = rewrite(source, tmp_path / "out.mkv")
    assert "attachment #2 Styled.ttf copied" in result.notes
    with av.open(str(tmp_path / "out.mkv")) as container:
        assert [(a.name, a.mimetype, bytes(a.data)) for a in container.streams.attachments] == [
            ("Styled.ttf", "font/ttf", b"not really a font")]
    result = rewrite(source, tmp_path / "out.mp4")
    assert "attachment #2 Styled.ttf dropped: the mp4 container cannot hold attachments; use .mkv to keep it" \
        in result.notes


def timecoded_mov(path, timecode="01:00:00:05"):
    """A camera's .mov: a timecode track (a data stream) saying which frame of the day the first one is."""
    with av.open(str(path), "w") as container:
        container.metadata["timecode"] = timecode  # makes the mov muxer write a tmcd track
        mux_frames(container, add_video(container, rate=25), [i / 25 for i in range(6)])
    return path


@pytest.mark.parametrize("suffix", [".mov", ".mp4", ".mkv"])
def test_the_timecode_is_kept(tmp_path, suffix):
    source = timecoded_mov(tmp_path / "camera.mov")
    result = rewrite(source, tmp_path / f"out{suffix}")
    assert "data #1 timecode kept (01:00:00:05)" in result.notes
    with av.open(str(tmp_path / f"out{suffix}")) as container:
        tags = {key.lower(): value for key, value in container.metadata.items()}
        tags.update(container.streams.video[0].metadata)  # where the mov demuxer puts a tmcd track's
        assert tags["timecode"] == "01:00:00:05"


def test_a_matroska_tracks_timecode_is_kept(tmp_path):
    """`ffmpeg -i camera.mov -c copy camera.mkv` puts the timecode on the video track, read back as TIMECODE."""
    source = tmp_path / "camera.mkv"
    with av.open(str(source), "w") as container:
        video = add_video(container, rate=25)
        video.metadata["timecode"] = "10:00:00:12"
        mux_frames(container, video, [i / 25 for i in range(6)])
    rewrite(source, tmp_path / "out.mov")
    with av.open(str(tmp_path / "out.mov")) as container:
        assert container.streams.video[0].metadata["timecode"] == "10:00:00:12"


@pytest.mark.parametrize("suffix", [".mkv", ".mp4"])
def test_chapters_are_kept(tmp_path, suffix):
    """A film's or a DVD rip's chapters, the typical upscaling input's, were dropped without a word."""
    from fractions import Fraction

    source = tmp_path / f"film{suffix}"
    with av.open(str(source), "w") as container:
        container.set_chapters([{"id": k + 1, "start": 3 * k, "end": 3 * k + 3, "time_base": Fraction(1, 10),
                                 "metadata": {"title": title}} for k, title in enumerate(("Intro", "Main"))])
        mux_frames(container, add_video(container, rate=10), [i / 10 for i in range(6)])
    result = rewrite(source, tmp_path / f"out{suffix}")
    assert "2 chapters kept" in result.notes
    with av.open(str(tmp_path / f"out{suffix}")) as container:
        chapters = container.chapters()
    assert [c["metadata"]["title"] for c in chapters] == ["Intro", "Main"]
    assert [float(c["start"] * c["time_base"]) for c in chapters] == pytest.approx([0.0, 0.3], abs=0.002)


def test_the_timecode_counts_frames_at_the_outputs_rate(tmp_path):
    """Interpolation doubles the frame rate: frame 5 of a second at 25 fps is frame 10 at 50 fps."""
    source = timecoded_mov(tmp_path / "camera.mov")
    with VideoWriter(tmp_path / "out.mov", width=64, height=48, frame_rate=50, source=source) as writer:
        for i in range(12):
            writer.write(pattern_frame(i, 64, 48), i / 50)
    assert "data #1 timecode kept (01:00:00:10)" in writer.result.notes
    with av.open(str(tmp_path / "out.mov")) as container:
        assert container.streams.video[0].metadata["timecode"] == "01:00:00:10"


def test_other_data_streams_are_named_as_dropped(tmp_path):
    """A drone's KLV telemetry (MISB) in MPEG-TS: no output kind carries it; it went without a word."""
    source = tmp_path / "drone.ts"
    with av.open(str(source), "w") as container:
        video = add_video(container)
        klv = container.add_data_stream("klv")
        mux_frames(container, video, [i / 10 for i in range(6)])
        packet = av.Packet(b"\x06\x0e\x2b\x34" + bytes(12))
        packet.stream, packet.time_base, packet.pts, packet.dts = klv, Fraction(1, 90_000), 0, 0
        container.mux(packet)
    result = rewrite(source, tmp_path / "out.mp4")
    assert "data #1 klv dropped: only audio, subtitles, attachments, chapters and a timecode are carried" \
        in result.notes


def test_audio_downmixed_to_fit_aac_says_so(tmp_path):
    """A recorder's 16 separate microphone channels, re-encoded for MP4, came out as a stereo mix, and the note said
    only 're-encoded to aac'."""
    source = tmp_path / "recorder.mov"
    with av.open(str(source), "w") as container:
        video = add_video(container)
        audio = container.add_stream("pcm_s16le", rate=RATE)
        audio.layout = "16 channels"
        mux_frames(container, video, [i / 10 for i in range(6)])
        for packet in encoded("pcm_s16le", "16 channels", 0.0, 0.6):
            packet.stream = audio
            container.mux(packet)
    result = rewrite(source, tmp_path / "out.mp4")
    assert ("audio #1 pcm_s16le re-encoded to aac (MP4 players rarely play pcm_s16le; its 16 channels mixed down "
            "to stereo; use .mov or .mkv to keep it)") in result.notes
    with av.open(str(tmp_path / "out.mp4")) as container:
        assert container.streams.audio[0].layout.name == "stereo"


def test_a_failure_while_carrying_streams_closes_the_source(tmp_path, monkeypatch):
    """Else the input stays open until garbage collection: on Windows it then cannot be moved or deleted."""
    from vsr_app.video import carried

    class Spy:
        def __init__(self, container):
            self.container, self.closed = container, False

        def close(self):
            self.closed = True
            self.container.close()

        def __getattr__(self, name):
            return getattr(self.container, name)

    opened = []
    real_open = av.open
    monkeypatch.setattr(carried.av, "open", lambda *a, **k: opened.append(Spy(real_open(*a, **k))) or opened[-1])

    def unreadable(*_):
        raise RuntimeError("a stream this version cannot read")

    monkeypatch.setattr(carried, "_video_notes", unreadable)
    source = tmp_path / "in.mp4"
    with real_open(str(source), "w") as out:
        stream = out.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        out.mux(stream.encode(av.VideoFrame.from_ndarray(pattern_frame(0, 64, 48), format="rgb24")))
        out.mux(stream.encode(None))
    with real_open(str(tmp_path / "out.mp4"), "w") as output, pytest.raises(RuntimeError):
        carried.CarriedStreams(source, output, [])
    assert len(opened) == 1 and opened[0].closed


def test_flac_from_nut_re_encoded_for_mov_keeps_the_finished_output(tmp_path):
    """NUT keeps FLAC's last, side-data-only packet as an empty one; fed to the decoder it flushed it, and the job
    failed at its very end ("writing 'x.mov' failed: Invalid argument"), its output thrown away."""
    from videogen import make_video

    source = make_video(tmp_path / "camera.nut", frames=10, audio="flac")
    result = rewrite(source, tmp_path / "out.mov")
    assert ("audio #1 flac re-encoded to aac (the mov container cannot hold flac; use .mp4 or .mkv to keep it)"
            in result.notes)
    with av.open(str(tmp_path / "out.mov")) as container:
        audio = container.streams.audio[0]
        assert audio.codec_context.name == "aac" and float(audio.duration * audio.time_base) > 0.9


def test_re_encoded_audio_from_a_decoder_that_holds_frames_back_keeps_its_end(tmp_path):
    """WMA's decoder gives its last frame only when flushed by the stream's end marker; skipping every empty packet
    cut ~46 ms off a .wmv's sound in .mp4."""
    source = tmp_path / "camera.wmv"
    with av.open(str(source), "w", format="asf") as container:
        video = container.add_stream("wmv2", rate=10)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        audio = container.add_stream("wmav2", rate=44_100)
        audio.layout, audio.format, audio.bit_rate = "mono", "fltp", 64000
        for i in range(10):
            container.mux(video.encode(av.VideoFrame.from_ndarray(pattern_frame(i, 64, 48), format="rgb24")))
        container.mux(video.encode(None))
        tone = (0.3 * np.sin(np.arange(44_100) * 0.05)).astype(np.float32)  # a second
        for start in range(0, 44_100, 2048):
            frame = av.AudioFrame.from_ndarray(tone[None, start:start + 2048], format="fltp", layout="mono")
            frame.sample_rate, frame.pts = 44_100, start
            container.mux(audio.encode(frame))
        container.mux(audio.encode(None))
    rewrite(source, tmp_path / "out.mp4")
    with av.open(str(source)) as container:
        samples_in = sum(frame.samples for frame in container.decode(audio=0))
    with av.open(str(tmp_path / "out.mp4")) as container:
        samples_out = sum(frame.samples for frame in container.decode(audio=0))
    assert samples_out >= samples_in  # (it lost 1,024: WMA's last frame)


@pytest.mark.parametrize("codec, suffix", [("aac", ".mkv"), ("aac", ".mp4"), ("mp2", ".mp4")])
def test_the_sound_of_files_joined_end_to_end_goes_on_with_their_video(tmp_path, codec, suffix):
    """Two camcorder .ts files joined with `cat`: the sound's times start again at the join, and every command failed
    at the end with "writing ... failed: Invalid argument" (copied, mp4's and mkv's muxers; re-encoded alike)."""
    from videogen import make_video, stream_durations
    from vsr_app.video.pipeline import process_video

    parts = [make_video(tmp_path / f"part{i}.ts", frames=20, fps=10, audio=codec) for i in (1, 2)]
    joined = tmp_path / "joined.ts"
    joined.write_bytes(b"".join(p.read_bytes() for p in parts))
    summary = process_video(joined, tmp_path / f"out{suffix}", upscale="bicubic", device="cpu")
    durations = stream_durations(tmp_path / f"out{suffix}")
    assert summary.frames_out == 40 and durations["video"] == pytest.approx(4.0, abs=0.05)
    assert durations["audio"] == pytest.approx(durations["video"], abs=0.15)  # both parts' sound, in step
