"""Streams FFmpeg's opening does not describe: a DVB audio-description track whose first packet comes after the 7 s
FFmpeg reads of an MPEG-TS, a second channel's recording joined on with other stream IDs, a DVB radio capture's MP2
taken for MP3."""

from __future__ import annotations

import av
import pytest

from test_audio_carry import RATE, add_video, encoded, mux_frames, rewrite
from vsr_app.errors import NoVideoStream
from vsr_app.video import late_streams
from vsr_app.video.opening import video_stream
from vsr_app.video.reader import VideoReader

LATE = 9.0  # when the late track's sound starts, seconds: after the 7 s FFmpeg reads to describe an MPEG-TS's streams


def late_track_ts(path, seconds: float = 10.0):
    """A .ts whose 5.1 AC-3 track starts at `LATE` (4 fps of video from 0 s)."""
    with av.open(str(path), "w") as container:
        video = add_video(container, rate=4)
        audio = container.add_stream("ac3", rate=RATE)
        audio.layout = "5.1"
        mux_frames(container, video, [i / 4 for i in range(round(seconds * 4))])
        for packet in encoded("ac3", "5.1", LATE, seconds - LATE):
            packet.stream = audio
            container.mux(packet)
    with av.open(str(path)) as container:  # as the tester's capture opens: no rate, no channels
        assert container.streams.audio[0].sample_rate == 0
    return path


@pytest.mark.parametrize("suffix", [".mkv", ".mp4"])
def test_audio_starting_after_ffmpegs_probe_is_copied_with_its_channels(tmp_path, suffix):
    """It was re-encoded to stereo AAC, "the matroska container cannot hold ac3; resampled from 0 Hz": only its
    unknown rate and channels failed the container's trial, and a 5.1 track was mixed down unsaid."""
    out = tmp_path / f"out{suffix}"
    result = rewrite(late_track_ts(tmp_path / "dvb.ts"), out)
    assert "audio #1 ac3 copied" in result.notes
    with av.open(str(out)) as container:
        audio = container.streams.audio[0]
        assert (audio.codec_context.name, audio.sample_rate, audio.channels) == ("ac3", RATE, 6)


def test_audio_not_found_by_reading_further_says_why_it_is_re_encoded(tmp_path, monkeypatch):
    """A track with no sound in the file's first minute (here: one that reading further does not reach) is
    re-encoded on assumed parameters, and the note says so rather than blaming the container."""
    monkeypatch.setattr(late_streams, "DEEP_PROBE", {"analyzeduration": str(5 * 1_000_000)})
    result = rewrite(late_track_ts(tmp_path / "dvb.ts"), tmp_path / "out.mkv")
    assert ("audio #1 ac3 re-encoded to aac (its sample rate and channels are not found in the file's first minute: "
            "taken as 48000 Hz stereo, more channels mixed down)") in result.notes


def recording(path, start_pid: int, seconds: float = 1.5):
    """A channel's .ts recording, 10 fps of video and MP2, its streams numbered from `start_pid`."""
    with av.open(str(path), "w", options={"mpegts_start_pid": str(start_pid)}) as container:
        video = add_video(container)
        audio = container.add_stream("mp2", rate=RATE)
        audio.layout = "mono"
        mux_frames(container, video, [i / 10 for i in range(round(seconds * 10))])
        for packet in encoded("mp2", "mono", 0.0, seconds):
            packet.stream = audio
            container.mux(packet)
    return path


def test_a_second_recording_joined_on_with_other_stream_ids_is_named_and_its_sound_not_carried(tmp_path):
    """Two channels' recordings cut together: the note said only "video #2 h264 dropped: only one video stream ... is
    processed", and the second's sound became a second track under the first's pictures."""
    joined = tmp_path / "joined.ts"
    # the first as long as the 7 s FFmpeg reads at opening: the second's MP2 is not seen then, and named MP3
    joined.write_bytes(recording(tmp_path / "one.ts", 0x100, seconds=LATE).read_bytes()
                       + recording(tmp_path / "two.ts", 0x200).read_bytes())
    out = tmp_path / "out.mkv"
    result = rewrite(joined, out)
    assert ("video #2 h264 dropped: a second recording, joined on where video #0 ends with other stream IDs, is not "
            "processed (split the file to process it)") in result.notes
    # named by its frames' layer, as a file with no video is (the note said "audio #3 mp3")
    assert ("audio #3 mp2 dropped: it belongs to the second recording, joined on where video #0 ends, which is not "
            "processed") in result.notes
    with av.open(str(out)) as container:
        assert len(container.streams.audio) == 1


def test_video_streams_side_by_side_are_no_second_recording(tmp_path):
    """Two video streams that run together (a second angle) are not taken for recordings one after the other."""
    source = tmp_path / "angles.mkv"
    with av.open(str(source), "w") as container:
        streams = [add_video(container), add_video(container)]
        for stream in streams:
            mux_frames(container, stream, [i / 10 for i in range(15)])
    with av.open(str(source)) as container:
        assert late_streams.later_recording(source, container, video_stream(container, source)) == {}


def test_a_radio_captures_mp2_is_named_mp2_where_there_is_no_video(tmp_path):
    """FFmpeg names an MPEG-TS's MPEG audio MP3 until its parser has seen a few frames: "found: audio (mp3)"."""
    source = tmp_path / "radio.ts"
    with av.open(str(source), "w") as container:
        audio = container.add_stream("mp2", rate=RATE)
        audio.layout = "mono"
        for packet in encoded("mp2", "mono", 0.0, 1.0):
            packet.stream = audio
            container.mux(packet)
    with pytest.raises(NoVideoStream, match=r"\(found: audio \(mp2\)\)"):
        VideoReader(source)
