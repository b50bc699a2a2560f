"""Encoding: codecs, odd sizes, timestamps, audio/subtitle carry-over, atomic output, refusing to clobber."""

from __future__ import annotations

import os
import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest

from conftest import VFR_TIMES
from videogen import make_video, pattern_frame, stream_durations
from vsr_app.errors import VsrAppError
from vsr_app.video.reader import VideoReader, probe
from vsr_app.video.encoding import CODECS, made_by, read_made_by
from vsr_app.video import output_paths
from vsr_app.video.output_paths import remove_stale_partials
from vsr_app.video.writer import VideoWriter, even_size


def write_result(path, frames=6, width=64, height=48, times=None, **options):
    times = times or [i / 10 for i in range(frames)]
    with VideoWriter(path, width=width, height=height, frame_rate=10, **options) as writer:
        for i, t in enumerate(times):
            writer.write(pattern_frame(i, width, height), t)
    return writer.result


def write_clip(path, **options):
    write_result(path, **options)
    return path


def leftovers(folder):
    """Hidden temporary files the writer may have left behind."""
    return [p.name for p in folder.iterdir() if p.name.startswith(".")]


def killed_write(path):
    """The temporary file a write to `path` killed in mid-write leaves: named for a process that has exited."""
    writer = VideoWriter(path, width=64, height=48, frame_rate=10)
    writer.abort()
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    tmp = writer.tmp.with_name(writer.tmp.name.replace(f"-{os.getpid()}-", f"-{ended.stdout.strip()}-"))
    tmp.write_bytes(b"half a video")
    return tmp


@pytest.mark.parametrize("codec, suffix, pix_fmt, max_error", [
    ("libx264", ".mp4", "yuv420p", 4.0),
    ("libx265", ".mp4", "yuv420p", 4.0),
    ("ffv1", ".mkv", "bgr0", 0.0),  # lossless RGB
    ("prores", ".mov", "yuv422p10le", 4.0),
])
def test_codecs_round_trip(tmp_path, codec, suffix, pix_fmt, max_error):
    path = write_clip(tmp_path / f"out{suffix}", codec=codec)
    info = probe(path)
    assert info.pix_fmt == pix_fmt and (info.width, info.height) == (64, 48)
    frames = list(VideoReader(path).frames())
    assert len(frames) == 6
    errors = [np.abs(f.image.astype(int) - pattern_frame(f.index, 64, 48)).mean() for f in frames]
    assert max(errors) <= max_error
    assert leftovers(tmp_path) == []


def test_crf_0_says_that_many_players_cannot_open_what_it_makes(tmp_path):
    """x264 at CRF 0 is lossless, in a profile (High 4:4:4 Predictive) many players and editors refuse: it was written
    without a word."""
    lossless = write_result(tmp_path / "lossless.mp4", crf=0).notes
    assert any("High 4:4:4 Predictive" in note and "CRF 1 or more" in note for note in lossless)
    assert not any("Predictive" in note for note in write_result(tmp_path / "near.mp4", crf=1).notes)


def test_odd_size_is_padded_for_420_and_kept_for_rgb(tmp_path):
    assert even_size(33, 19, "yuv420p") == (34, 20)
    assert even_size(33, 19, "yuv422p10le") == (34, 19)
    assert even_size(33, 19, "bgr0") == (33, 19)
    h264 = write_clip(tmp_path / "odd.mp4", width=33, height=19)
    image = next(VideoReader(h264).frames()).image
    assert image.shape == (20, 34, 3)
    # the added column/row repeat the last real ones
    assert np.abs(image[:, 33].astype(int) - image[:, 32].astype(int)).mean() < 4
    assert np.abs(image[19].astype(int) - image[18].astype(int)).mean() < 4
    lossless = write_clip(tmp_path / "odd.mkv", width=33, height=19, codec="ffv1")
    assert next(VideoReader(lossless).frames()).image.shape == (19, 33, 3)


def test_variable_frame_rate_timestamps_survive(tmp_path):
    path = write_clip(tmp_path / "vfr.mp4", times=VFR_TIMES, time_base=Fraction(1, 1000))
    assert [f.time for f in VideoReader(path).frames()] == pytest.approx(VFR_TIMES, abs=1e-6)


def test_frames_under_a_millisecond_apart_get_their_own_matroska_timestamps(tmp_path):
    """A .mkv counts whole milliseconds: frames closer than that (a burst in a variable-frame-rate source, and the
    midpoints interpolation puts between them) shared a timestamp. Each now gets the next free millisecond, said in
    a note; an .mp4 keeps the exact times."""
    times = [0.0, 0.0005, 0.001, 0.0015, 0.002, 0.1]
    result = write_result(tmp_path / "burst.mkv", times=times)
    written = [round(f.time, 6) for f in VideoReader(tmp_path / "burst.mkv").frames()]
    assert written == [0.0, 0.001, 0.002, 0.003, 0.004, 0.1]
    assert "3 frames shown up to 2.0 ms late: a .mkv file counts whole milliseconds" in " ".join(result.notes)
    assert [f.time for f in VideoReader(write_clip(tmp_path / "burst.mp4", times=times)).frames()] == \
        pytest.approx(times, abs=1e-6)
    assert write_result(tmp_path / "even.mkv").notes == []


def test_audio_is_copied_and_keeps_its_duration(tmp_path, small_video):
    out = write_clip(tmp_path / "out.mp4", frames=12, source=small_video)
    info = probe(out)
    assert [s.codec for s in info.audio] == ["aac"]
    got, want = stream_durations(out), stream_durations(small_video)
    assert got["audio"] == pytest.approx(want["audio"], abs=0.03)


def test_audio_and_subtitles_the_container_refuses_are_reencoded_with_a_note(tmp_path, pcm_subtitled_video):
    out = tmp_path / "out.mp4"
    result = write_result(out, frames=12, source=pcm_subtitled_video)
    info = probe(out)
    assert [s.codec for s in info.audio] == ["aac"] and [s.codec for s in info.subtitles] == ["mov_text"]
    assert any("re-encoded to aac" in n for n in result.notes)
    assert any("subtitle" in n and "converted to mov_text" in n for n in result.notes)
    assert stream_durations(out)["audio"] == pytest.approx(1.2, abs=0.05)


@pytest.mark.parametrize("codec", ["libx264", "prores"])
def test_audio_a_container_refuses_only_at_its_header_is_reencoded(tmp_path, codec):
    """The MOV muxer accepts an Opus stream and refuses it when the header is written, at the first frame."""
    source = make_video(tmp_path / "opus.mkv", audio="libopus")
    out = write_clip(tmp_path / "out.mov", frames=12, source=source, codec=codec)
    assert [s.codec for s in probe(out).audio] == ["aac"]
    assert stream_durations(out)["audio"] == pytest.approx(1.2, abs=0.05)


def test_audio_at_a_rate_aac_cannot_take_is_resampled(tmp_path):
    source = make_video(tmp_path / "hr.mkv", audio="pcm_s24le", audio_rate=192_000)
    out = tmp_path / "out.mp4"
    result = write_result(out, frames=12, source=source)
    assert [(s.codec, s.detail) for s in probe(out).audio] == [("aac", "48000 Hz mono")]
    assert any("resampled from 192000 Hz" in n for n in result.notes)
    assert stream_durations(out)["audio"] == pytest.approx(1.2, abs=0.05)


def test_mp3_is_copied_into_mp4(tmp_path):
    """FFmpeg's mp3 decoder is called 'mp3float': the codec, not the decoder, decides what MP4 takes."""
    out = tmp_path / "out.mp4"
    assert write_result(out, frames=12, source=make_video(tmp_path / "mp3.mkv", audio="libmp3lame")).notes == [
        "audio #1 mp3 copied"]
    assert [s.codec for s in probe(out).audio] == ["mp3"]


def test_subtitles_are_copied_into_matroska(tmp_path, pcm_subtitled_video):
    out = write_clip(tmp_path / "out.mkv", frames=12, source=pcm_subtitled_video)
    info = probe(out)
    assert [s.codec for s in info.subtitles] == ["subrip"] or [s.codec for s in info.subtitles] == ["srt"]
    assert [s.codec for s in info.audio] == ["pcm_s16le"]  # copied as is


# (codec, suffix) for every container each codec may be written to
OUTPUT_KINDS = [(codec, suffix) for codec, spec in CODECS.items() for suffix in sorted(spec.containers)]


@pytest.mark.parametrize("codec, suffix", OUTPUT_KINDS)
def test_the_settings_that_made_a_file_are_recorded_in_it(tmp_path, codec, suffix):
    """mp4/mov keep only standard tags, Matroska renames them: the record must survive every output kind."""
    path = write_clip(tmp_path / f"out{suffix}", codec=codec, task="upscale", models=["vsr-x4-student é"])
    assert read_made_by(path) == made_by("upscale", ["vsr-x4-student é"], codec)


def test_files_without_a_record_read_as_none_and_non_videos_as_errors(tmp_path, small_video):
    assert made_by("upscale", ["m"], "h264", crf=None, preset="slow") == {
        "task": "upscale", "models": ["m"], "weights": [], "codec": "libx264", "crf": 18, "preset": "slow",
        "deinterlace": "auto"}
    assert made_by("upscale", ["m"], "prores", preset="slow") == {
        "task": "upscale", "models": ["m"], "weights": [], "codec": "prores_ks", "crf": None, "preset": None,
        "deinterlace": "auto"}
    assert read_made_by(write_clip(tmp_path / "plain.mp4")) is None  # no task given: nothing recorded
    assert read_made_by(small_video) is None
    (tmp_path / "notes.mp4").write_text("notes")
    with pytest.raises(VsrAppError, match="cannot read"):
        read_made_by(tmp_path / "notes.mp4")


def test_existing_output_is_refused_unless_overwrite(tmp_path):
    path = tmp_path / "out.mp4"
    path.write_bytes(b"precious")
    with pytest.raises(VsrAppError, match="already exists"):
        write_clip(path)
    assert path.read_bytes() == b"precious"
    write_clip(path, overwrite=True)
    assert probe(path).frame_count == 6


def test_the_input_is_never_overwritten(tmp_path, small_video):
    source = tmp_path / "in.mp4"
    source.write_bytes(small_video.read_bytes())
    before = source.read_bytes()
    link = tmp_path / "link.mp4"
    link.symlink_to(source)
    for target in (source, tmp_path / "." / "in.mp4", link):
        with pytest.raises(VsrAppError, match="is the input"):
            write_clip(target, source=source, overwrite=True)
    assert source.read_bytes() == before


def test_error_midway_leaves_nothing_behind(tmp_path):
    path = tmp_path / "out.mp4"
    with pytest.raises(RuntimeError):
        with VideoWriter(path, width=64, height=48, frame_rate=10) as writer:
            writer.write(pattern_frame(0, 64, 48), 0.0)
            raise RuntimeError("boom")
    assert not path.exists() and leftovers(tmp_path) == []


def test_abort_keeps_the_old_file_when_overwriting(tmp_path):
    path = write_clip(tmp_path / "out.mp4", frames=3)
    before = path.read_bytes()
    writer = VideoWriter(path, width=64, height=48, frame_rate=10, overwrite=True, preset="ultrafast")
    for i in range(3):
        writer.write(pattern_frame(i, 64, 48), i / 10)
    assert leftovers(tmp_path)  # work happens in a hidden temporary file beside the target
    writer.abort()
    assert path.read_bytes() == before and leftovers(tmp_path) == []


@pytest.mark.parametrize("name, options, message", [
    ("out.mp4", {"codec": "ffv1"}, "cannot go in a .mp4"),
    ("out.avi", {}, "extensions"),
    ("out.mkv", {"codec": "ffv1", "crf": 10}, "takes no --crf"),
    ("out.mp4", {"crf": 52}, "out of range for libx264: use 0"),
    ("out.mp4", {"codec": "libx265", "crf": -1}, "out of range for libx265"),
    ("out.mp4", {"preset": "bogus"}, "unknown --preset 'bogus' for libx264"),
    ("out.mov", {"codec": "prores", "preset": "slow"}, "takes no --preset"),
    ("out.mp4", {"codec": "vp9000"}, "unknown codec"),
])
def test_bad_settings_are_user_errors(tmp_path, name, options, message):
    with pytest.raises(VsrAppError, match=message):
        VideoWriter(tmp_path / name, width=64, height=48, frame_rate=10, **options)
    assert list(tmp_path.iterdir()) == []


def test_times_must_increase(tmp_path):
    writer = VideoWriter(tmp_path / "out.mp4", width=64, height=48, frame_rate=10)
    writer.write(pattern_frame(0, 64, 48), 0.1)
    with pytest.raises(ValueError, match="does not come after"):
        writer.write(pattern_frame(1, 64, 48), 0.1)
    writer.abort()
    assert os.listdir(tmp_path) == []


def test_disk_full_is_reported_plainly_and_cleaned_up(tmp_path):
    path = tmp_path / "out.mp4"
    writer = VideoWriter(path, width=64, height=48, frame_rate=10, preset="ultrafast")

    class FullDisk:
        def __init__(self, container):
            self.container = container

        def mux(self, packets):
            raise OSError(28, "No space left on device")

        def close(self):
            self.container.close()

    writer.container = FullDisk(writer.container)
    with pytest.raises(VsrAppError, match="no space left"):
        with writer:
            for i in range(3):
                writer.write(pattern_frame(i, 64, 48), i / 10)
    assert not path.exists() and leftovers(tmp_path) == []


def test_a_write_clears_what_killed_writes_left_in_its_folder(tmp_path):
    """kill -9 leaves `.out.partial-*`; the next write into its folder, of out.MP4 or another output, removes those,
    and only those."""
    killed = [tmp_path / ".out.partial-0badc0de.mp4", tmp_path / ".out.partial-12345678.mp4",
              tmp_path / ".other.partial-0badc0de.mp4"]
    others = [tmp_path / ".out.partial-notatoken.mp4", tmp_path / ".out.partial-0badc0de.txt"]
    for p in killed + others:
        p.write_bytes(b"half a video")
    write_clip(tmp_path / "out.MP4")
    assert sorted(leftovers(tmp_path)) == sorted(p.name for p in others)


def test_temporary_files_of_running_writes_are_kept(tmp_path):
    """Another run may be writing the same output: only files whose writer has exited are its leftovers."""
    path = tmp_path / "out.mp4"
    running = VideoWriter(path, width=64, height=48, frame_rate=10, preset="ultrafast")
    killed_write(path)  # after it started, which clears those left before
    for i in range(3):
        running.write(pattern_frame(i, 64, 48), i / 10)
    assert remove_stale_partials(path) == 1  # as batch does before each file
    assert leftovers(tmp_path) == [running.tmp.name]
    assert running.close().frames == 3 and probe(path).frame_count == 3


def test_a_killed_writes_file_with_this_processs_pid_is_still_a_leftover(tmp_path):
    """In a container every run may be pid 1: a file named with our pid that we are not writing is stale."""
    path = tmp_path / "out.mp4"
    running = VideoWriter(path, width=64, height=48, frame_rate=10, preset="ultrafast")
    (tmp_path / f".out.partial-{os.getpid()}-0badc0de.mp4").write_bytes(b"killed")  # after its start, as above
    for i in range(3):
        running.write(pattern_frame(i, 64, 48), i / 10)
    assert remove_stale_partials(path) == 1
    assert leftovers(tmp_path) == [running.tmp.name]
    assert running.close().frames == 3


@pytest.mark.skipif(os.name == "nt", reason="Windows deletes no file its writer has open: no lock is taken there")
def test_a_write_whose_pid_a_cleaner_takes_for_dead_keeps_its_file(tmp_path, monkeypatch):
    """A cleaner in another container or on another host cannot see the writer its pid names: the lock the writer
    holds on its file keeps it, for the next write's start into the folder and for the same output's cleanup."""
    path = tmp_path / "night.mp4"
    running = VideoWriter(path, width=64, height=48, frame_rate=10, preset="ultrafast")
    for i in range(3):  # the encoder's file is made as its first packets come
        running.write(pattern_frame(i, 64, 48), i / 10)
    monkeypatch.setattr(output_paths, "_writer_running", lambda partial, pid: False)
    write_clip(tmp_path / "other.mp4")
    assert remove_stale_partials(path) == 0
    assert leftovers(tmp_path) == [running.tmp.name]
    running.write(pattern_frame(3, 64, 48), 0.3)
    assert running.close().frames == 4 and probe(path).frame_count == 4


def test_an_output_another_run_finished_meanwhile_is_not_replaced(tmp_path):
    """Two runs write out.mp4 at once: the one that finishes second keeps its file beside the first's, and says so."""
    path = tmp_path / "out.mp4"
    slow = VideoWriter(path, width=64, height=48, frame_rate=10)
    slow.write(pattern_frame(0, 64, 48), 0.0)
    write_clip(path, frames=3)  # clears killed writes' files, but not the slow run's
    finished = path.read_bytes()
    with pytest.raises(VsrAppError, match=r"appeared while this run was writing.*kept as '.*out \(2\)\.mp4'"):
        slow.close()
    assert path.read_bytes() == finished and probe(tmp_path / "out (2).mp4").frame_count == 1
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("overwrite", [False, True])
def test_a_finished_video_that_cannot_be_put_in_place_is_kept_and_named(tmp_path, monkeypatch, caplog, overwrite):
    """Its folder made read-only (or moved) while it was written: the rename failed, the finished file was left
    hidden, the error did not say so, the next export removed it, and its deletion was warned of twice."""
    from vsr_app.video import pipeline, writer

    def read_only(*args, **kwargs):
        raise OSError(30, "Read-only file system")

    source = make_video(tmp_path / "in.mp4", frames=6)
    monkeypatch.setattr(writer.os, "replace", read_only)
    monkeypatch.setattr(writer.os, "link", read_only)
    with pytest.raises(VsrAppError, match=r"the video is finished but could not be put at '.*out\.mp4' \(Read-only "
                                          r"file system\); it is kept as the hidden file '.*\.out\.partial-.*\.mp4'"):
        pipeline.process_video(source, tmp_path / "out.mp4", upscale="bicubic", device="cpu", overwrite=overwrite)
    kept = leftovers(tmp_path)
    assert len(kept) == 1 and probe(tmp_path / kept[0]).frame_count == 6
    assert "could not delete" not in caplog.text


@pytest.mark.parametrize("stem", ["b" * 251, "題" * 80])  # 255 and 244 bytes with ".mp4"
def test_a_name_at_the_disks_limit_can_be_written(tmp_path, stem):
    """The temporary name is longer than the target's; it is shortened to fit, and so found again for cleanup."""
    killed_write(tmp_path / f"{stem}.mp4")
    out = write_clip(tmp_path / f"{stem}.mp4")
    assert probe(out).frame_count == 6 and leftovers(tmp_path) == []


def test_a_name_longer_than_the_disk_takes_is_refused_up_front(tmp_path):
    with pytest.raises(VsrAppError, match="too long: 256 bytes"):
        write_clip(tmp_path / ("b" * 252 + ".mp4"))
    assert list(tmp_path.iterdir()) == []


def test_a_temporary_file_that_cannot_be_deleted_does_not_hide_the_error(tmp_path, monkeypatch):
    writer = VideoWriter(tmp_path / "out.mp4", width=64, height=48, frame_rate=10)
    writer.write(pattern_frame(0, 64, 48), 0.0)
    real_unlink = type(writer.tmp).unlink

    def undeletable(self, missing_ok=False):
        if self == writer.tmp:
            raise PermissionError(13, "Permission denied")
        real_unlink(self, missing_ok)

    monkeypatch.setattr(type(writer.tmp), "unlink", undeletable)
    with pytest.raises(VsrAppError, match="the real problem"):
        with writer:
            raise VsrAppError("the real problem")


def test_clearing_old_temporary_files_is_best_effort(tmp_path, monkeypatch):
    """The output is complete once renamed: a folder that cannot be listed afterwards must not fail the write."""
    from pathlib import Path

    real_iterdir = Path.iterdir

    def unlistable(self):
        if self == tmp_path:
            raise PermissionError(13, "Permission denied")
        return real_iterdir(self)

    monkeypatch.setattr(Path, "iterdir", unlistable)
    assert probe(write_clip(tmp_path / "out.mp4")).frame_count == 6


def _first_times(path) -> dict[str, float]:
    """The first packet time (seconds) of each stream type of a file."""
    import av

    firsts: dict[str, float] = {}
    with av.open(str(path)) as container:
        for packet in container.demux():
            if packet.pts is not None and packet.size:
                t = float(packet.pts * packet.time_base)
                firsts[packet.stream.type] = min(firsts.get(packet.stream.type, t), t)
    return firsts


def test_the_output_clock_starts_where_the_sources_does_with_the_streams_offsets_kept(tmp_path):
    """A capture whose clock read 600 s got a 600 s empty edit in mp4 (ten minutes of nothing in players that follow
    edit lists): every stream now shifts by the source's start, as FFmpeg does, and stays in sync."""
    import av

    src = tmp_path / "capture.mkv"
    with av.open(str(src), "w") as container:
        video = container.add_stream("libx264", rate=10)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        video.time_base = video.codec_context.time_base = Fraction(1, 1000)
        audio = container.add_stream("aac", rate=48_000)
        audio.layout = "mono"
        for i in range(6):
            frame = av.VideoFrame.from_ndarray(pattern_frame(i, 64, 48), format="rgb24")
            frame.pts = 600_000 + 100 * i  # 600 s on the capture's clock
            container.mux(video.encode(frame))
        container.mux(video.encode(None))
        for k in range(30):  # from 599.9 s
            frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
            frame.sample_rate, frame.time_base, frame.pts = 48_000, Fraction(1, 48_000), 599.9 * 48_000 // 1 + 1024 * k
            container.mux(audio.encode(frame))
        container.mux(audio.encode(None))
    before = _first_times(src)
    for suffix in (".mp4", ".mkv"):
        out = tmp_path / f"out{suffix}"
        with VideoWriter(out, width=64, height=48, frame_rate=10, time_base=Fraction(1, 1000), source=src) as writer:
            for frame in VideoReader(src).frames():
                writer.write(frame.image, frame.time)
        after = _first_times(out)
        assert -0.03 < min(after.values()) < 0.002  # AAC's priming packet may sit just before 0, as with FFmpeg
        assert after["video"] - after["audio"] == pytest.approx(before["video"] - before["audio"], abs=0.002)
        with av.open(str(out)) as container:
            assert container.duration / av.time_base < 1.0  # not 600 s of nothing before the pictures


def test_a_wide_scope_output_is_tagged_as_players_read_it_untagged():
    """1280x536 (2.39:1 HD): players take it as BT.709 without tags, so it is written (and tagged) BT.709, not
    BT.601 for having fewer than 720 lines."""
    from av.video.reformatter import Colorspace

    from vsr_app.video.encoding import codec_spec
    from vsr_app.video.writer import _color_tags

    assert _color_tags(codec_spec("libx264"), 1280, 536)[-1] == Colorspace.ITU709
    assert _color_tags(codec_spec("libx264"), 1024, 576)[-1] == Colorspace.ITU601


def test_hevc_in_mp4_is_tagged_hvc1_as_apple_players_need(tmp_path):
    """It was tagged hev1 (FFmpeg's default): the "tag" went to x265 as an encoder option, which ignored it, and
    QuickTime, iOS and Final Cut refuse hev1 HEVC in MP4/MOV."""
    import av

    path = write_clip(tmp_path / "hevc.mp4", codec="libx265", preset="ultrafast")
    with av.open(str(path)) as container:
        assert container.streams.video[0].codec_context.codec_tag == "hvc1"


def test_a_two_frame_hevc_clip_is_written_with_decode_times_every_time(tmp_path):
    """x265 flushed after one or two frames stamps them with decode times from uninitialised memory, often what the
    process's previous x265 left there: after a 30-frame clip, most 2-frame MP4s failed to write ("Not yet implemented
    in FFmpeg") or started two frames early. Five rounds: without the repair, all five pass about one time in 400."""
    import av

    for round_ in range(5):
        write_clip(tmp_path / f"long{round_}.mp4", frames=30, codec="libx265", preset="ultrafast")
        path = write_clip(tmp_path / f"short{round_}.mp4", frames=2, codec="libx265", preset="ultrafast")
        with av.open(str(path)) as container:
            times = [(p.pts, p.dts) for p in container.demux(video=0) if p.size]
        assert len(times) == 2 and times[0] == (0, 0) and times[1][0] == times[1][1] > 0


@pytest.mark.parametrize("suffix, size, tag", [(".mov", (1280, 720), "BT709"), (".mkv", (64, 48), "SMPTE170M")])
def test_prores_is_tagged_with_the_primaries_and_transfer_it_is_written_in(tmp_path, suffix, size, tag):
    """ProRes takes the primaries and transfer from each frame, where they were left unspecified: players guessed
    them, the file saying bt709 (or smpte170m) for its matrix alone."""
    import av
    from av.video.reformatter import ColorPrimaries, ColorTrc

    path = write_clip(tmp_path / f"out{suffix}", codec="prores", width=size[0], height=size[1], frames=2)
    with av.open(str(path)) as container:
        ctx = container.streams.video[0].codec_context
        frame = next(container.decode(video=0))
        expected = (ColorPrimaries[tag], ColorTrc[tag])
        assert (ctx.color_primaries, ctx.color_trc) == (frame.color_primaries, frame.color_trc) == expected


@pytest.mark.parametrize("codec, suffix, kept", [("libx264", ".mkv", True), ("ffv1", ".mkv", False),
                                                 ("prores", ".mov", True), ("prores", ".mkv", False)])
def test_a_pixel_aspect_a_file_cannot_keep_is_named(tmp_path, codec, suffix, kept):
    """An anamorphic (16:11 pixel) source exported to FFV1 or ProRes in .mkv played with square pixels, and the
    summary said nothing: Matroska stores it from the stream's own field, which PyAV cannot set."""
    path = tmp_path / f"out{suffix}"
    notes = write_result(path, codec=codec, sample_aspect_ratio=Fraction(16, 11)).notes
    assert probe(path).sample_aspect_ratio == (Fraction(16, 11) if kept else None)
    assert [n for n in notes if n.startswith("pixel aspect")] == ([] if kept else [
        f"pixel aspect 16:11 not kept: a .mkv file of {codec} cannot store it here, so players show square pixels; "
        "prores in .mov, libx264 or libx265 keeps it"])


@pytest.mark.parametrize("name, codec, message", [
    ("x", "ffv1", "codec ffv1 needs the extension .mkv"),
    ("x.avi", "prores", "codec prores needs one of the extensions .mkv, .mov"),
    ("x.mp4", "ffv1", "codec ffv1 needs the extension .mkv"),
    ("x.webm", None, "use one of the extensions .m4v, .mkv, .mov, .mp4"),
])
def test_a_refused_output_name_is_told_only_the_extensions_that_hold_its_codec(tmp_path, name, codec, message):
    """`x --codec ffv1` was told to use one of .m4v, .mkv, .mov, .mp4, and x.mp4 was then refused for FFV1."""
    from vsr_app.video.output_paths import check_output_name

    with pytest.raises(VsrAppError) as exc:
        check_output_name(tmp_path / name, codec)
    assert str(exc.value) == f"cannot write '{tmp_path / name}': {message}"
    check_output_name(tmp_path / "x.MKV", codec)  # one that holds it passes


LEVELS_CONVERTED = ("full-range source written in limited range (16-235), as players expect: levels converted, "
                    "not clipped")


def full_range_mjpeg(path, levels=(0, 128, 255)):
    """An MJPEG clip (yuvj420p, as a phone records) of grey bars 16 pixels wide whose Y samples are `levels` exactly,
    their chroma neutral: a full-range black 0 and white 255."""
    import av

    width = 16 * len(levels)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mjpeg", rate=10)
        stream.width, stream.height, stream.pix_fmt = width, 16, "yuvj420p"
        for i in range(3):
            frame = av.VideoFrame(width, 16, "yuvj420p")
            for index, plane in enumerate(frame.planes):
                rows = np.full((plane.height, plane.line_size), 128, np.uint8)
                if index == 0:
                    rows[:, :width] = np.repeat(np.array(levels, np.uint8), 16)
                plane.update(rows.tobytes())
            frame.pts = i
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def bars(image) -> list[int]:
    """The middle of each 16-pixel bar of the first channel (Y, or R)."""
    return [int(image[8, x, 0] if image.ndim == 3 else image[8, x]) for x in range(8, image.shape[1], 16)]


def test_a_full_range_source_is_written_limited_range_with_its_levels_converted_and_said(tmp_path, small_video):
    """A phone's MJPEG (yuvj420p) holds black and white at 0 and 255; the output's YUV is limited range, as players
    expect: they become 16 and 235 (scaled, not clipped: mid grey moves too) and read back as 0 and 255. The note
    says so, as the file's lifted black is no fault; an RGB output (FFV1) and a limited-range source have none."""
    import av
    from av.video.reformatter import ColorRange

    src = full_range_mjpeg(tmp_path / "phone.avi")
    frames = list(VideoReader(src).frames())
    assert bars(frames[0].image) == [0, 128, 255]  # decoded as full range
    with VideoWriter(tmp_path / "out.mp4", width=48, height=16, frame_rate=10, source=src) as writer:
        for frame in frames:
            writer.write(frame.image, frame.time)
    with av.open(str(tmp_path / "out.mp4")) as container:
        picture = next(container.decode(video=0))
        luma = np.frombuffer(bytes(picture.planes[0]), np.uint8).reshape(16, -1)[:, :48]
    assert picture.color_range == ColorRange.MPEG and bars(luma) == [16, 126, 235]
    assert bars(next(VideoReader(tmp_path / "out.mp4").frames()).image) == [0, 128, 255]
    assert LEVELS_CONVERTED in writer.result.notes
    assert LEVELS_CONVERTED not in write_result(tmp_path / "rgb.mkv", codec="ffv1", source=src).notes
    assert LEVELS_CONVERTED not in write_result(tmp_path / "limited.mp4", source=small_video).notes


def test_a_flush_the_disk_fails_is_a_failed_write_not_a_kept_output(tmp_path, monkeypatch):
    """Every error of the flush before the rename was taken for a read-only folder's: an EIO or a late full disk
    kept a file that may be damaged, said to be finished."""
    import errno

    import vsr_app.video.writer as writer_module

    def failing(fd):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(writer_module.os, "fsync", failing)
    with pytest.raises(VsrAppError, match="writing '.*out.mp4' failed: Input/output error"):
        write_clip(tmp_path / "out.mp4")
    assert leftovers(tmp_path) == [] and not (tmp_path / "out.mp4").exists()


@pytest.mark.skipif(os.name == "nt", reason="POSIX file status flags")
def test_a_share_that_flushes_only_writable_files_gets_its_output_in_place(tmp_path, monkeypatch):
    """An SMB share refuses fsync through a read-only descriptor (the protocol asks for write access): flushed so, every
    finished export there was kept hidden as if its folder had turned read-only."""
    import errno
    import fcntl

    import vsr_app.video.writer as writer_module

    real = os.fsync

    def smb_fsync(fd):
        if fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE == os.O_RDONLY:
            raise OSError(errno.EACCES, "Permission denied")
        real(fd)

    monkeypatch.setattr(writer_module.os, "fsync", smb_fsync)
    assert write_clip(tmp_path / "out.mp4").is_file() and leftovers(tmp_path) == []
