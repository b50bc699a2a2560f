"""A file with no video stream in a batch folder (a song saved as .mp4 among music videos): "no video", nothing to
enhance and nothing wrong. Failed, it made every rerun exit 1, so a script resuming the batch could never tell that
it was done. A damaged video still fails."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import av

from badfiles import audio_only, no_decodable_frames, random_bytes, truncated_in_index
from gui_support import gui_env, window  # noqa: F401
from test_gui_batch import run_to_end, setup_panel
from videogen import _tone_stream, _write_tone, make_video, pattern_frame
from vsr_app.cli import main

SONG_REASON = "no video stream: nothing to enhance (it holds only audio)"


def song_with_cover(path: Path) -> Path:
    """Audio and a cover picture (an attached MJPEG still), as music downloads come: a video stream, not a video."""
    with av.open(str(path), "w") as container:
        tone = _tone_stream(container, "aac")
        cover = container.add_stream("mjpeg", rate=1)
        cover.width, cover.height, cover.pix_fmt = 32, 24, "yuvj420p"
        cover.disposition = av.stream.Disposition.attached_pic
        picture = av.VideoFrame.from_ndarray(pattern_frame(0, 32, 24), format="rgb24").reformat(format="yuvj420p")
        container.mux(cover.encode(picture) + cover.encode(None))
        _write_tone(container, tone, 0.5)
    return path


def cut_inside_its_video_track_header(path: Path) -> Path:
    """An MP4 whose audio track comes first in its index (moov), cut inside the video track's header, as a recording
    stopped while its index was written: FFmpeg lists the audio and a data stream, and no video."""
    made = make_video(path.with_name("made.mp4"), frames=10, audio="aac")
    with av.open(str(made)) as source, av.open(str(path), "w") as target:
        copies = {stream.index: target.add_stream_from_template(stream)
                  for stream in (source.streams.audio[0], source.streams.video[0])}
        for packet in source.demux():
            if packet.dts is not None:  # (the demuxer's flush packets)
                packet.stream = copies[packet.stream.index]
                target.mux(packet)
    made.unlink()
    data = path.read_bytes()
    video_track = data.index(b"trak", data.index(b"trak", data.rindex(b"moov")) + 4)
    path.write_bytes(data[:video_track + 40])
    return path


def audio_and_data(path: Path) -> Path:
    """Audio beside a KLV data stream in MPEG-TS, whole, and nothing else: a data stream is no part of a song."""
    with av.open(str(path), "w") as container:
        tone = _tone_stream(container, "aac")
        packet = av.Packet(b"telemetry")
        packet.stream, packet.pts, packet.dts = container.add_data_stream("klv"), 0, 0
        packet.time_base = Fraction(1, 1000)
        container.mux(packet)
        _write_tone(container, tone, 0.5)
    return path


def music_video_folder(tmp_path: Path) -> tuple[Path, Path, Path]:
    src = tmp_path / "in"
    src.mkdir()
    make_video(src / "clip.mp4", frames=3)
    audio_only(src / "song.mp4")
    song_with_cover(src / "with cover.mp4")
    return src, tmp_path / "out", tmp_path / "report.json"


def test_a_file_with_no_video_is_not_a_failure_and_a_rerun_over_the_done_folder_exits_0(tmp_path, capsys):
    src, out, report_path = music_video_folder(tmp_path)
    batch = ["batch", str(src), "-o", str(out), "--model", "bicubic", "--report", str(report_path)]
    assert main(batch) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == ["[1/3] ok        clip.mp4",
                     f"[2/3] no video  song.mp4: {SONG_REASON}",
                     "[3/3] no video  with cover.mp4: no video stream: nothing to enhance (it holds only audio and a "
                     "cover picture)",
                     lines[-1]]
    assert lines[-1].startswith("batch: 1 ok, 0 skipped, 0 failed, 2 files with no video in ")
    report = json.loads(report_path.read_text())
    assert report["version"] == 7 and report["exit_code"] == 0
    assert report["counts"] == {"ok": 1, "skipped": 0, "exists": 0, "failed": 0, "cancelled": 0, "ignored": 0,
                                "no video": 2}
    song = report["files"][1]
    assert (song["status"], song["reason"], song["output"]) == ("no video", SONG_REASON, None)
    assert sorted(p.name for p in out.iterdir()) == ["clip.mp4"]  # nothing made of them, not even a folder's worth

    assert main(batch) == 0  # the same command again: done, and said to be
    captured = capsys.readouterr()
    assert captured.out.splitlines()[1] == f"[2/3] no video  song.mp4: {SONG_REASON}"
    assert "nothing to do: 1 output already exists, 2 files with no video" in captured.err
    assert json.loads(report_path.read_text())["counts"]["no video"] == 2


def test_a_damaged_video_still_fails_beside_a_file_with_no_video(tmp_path, capsys):
    """Only a file FFmpeg opens, with streams and none of them a video, holds no video: one cut short in its index
    (no streams found), one with a video stream that does not decode, or noise, is a video gone wrong."""
    src, out, report_path = music_video_folder(tmp_path)
    truncated_in_index(src / "closing.mp4")
    no_decodable_frames(src / "scrambled.mp4")
    random_bytes(src / "noise.mp4")
    assert main(["batch", str(src), "-o", str(out), "--model", "bicubic", "--report", str(report_path)]) == 1
    statuses = {f["input"]: f["status"] for f in json.loads(report_path.read_text())["files"]}
    assert statuses == {"clip.mp4": "ok", "closing.mp4": "failed", "noise.mp4": "failed", "scrambled.mp4": "failed",
                        "song.mp4": "no video", "with cover.mp4": "no video"}
    assert "batch: 1 ok, 0 skipped, 3 failed, 2 files with no video in " in capsys.readouterr().out


def test_a_file_with_a_data_stream_fails_as_the_reader_says_not_as_no_video(tmp_path, capsys):
    """An audio-first MP4 cut inside its video track's header lists audio and a data stream: the batch, which opened
    a failed file again to see what it held, called it "no video ... (it holds only audio and data)" and exited 0,
    where `upscale` says its index is cut short and how to repair it. Only audio, subtitles, attachments and cover
    art make a file with no video: a whole file with a data stream beside its audio fails too."""
    src = tmp_path / "in"
    src.mkdir()
    recording = cut_inside_its_video_track_header(src / "recording.mp4")
    telemetry = audio_and_data(src / "telemetry.ts")
    for path in (recording, telemetry):
        with av.open(str(path)) as container:
            assert [s.type for s in container.streams] == ["audio", "data"]
    assert main(["upscale", str(recording), "-o", str(tmp_path / "one.mp4"), "--model", "bicubic"]) == 1
    said = capsys.readouterr().err.strip().removeprefix("vsr-app: error: ")
    assert "untrunc" in said
    report_path = tmp_path / "report.json"
    assert main(["batch", str(src), "-o", str(tmp_path / "out"), "--model", "bicubic", "--report",
                 str(report_path)]) == 1
    entries = {f["input"]: (f["status"], f["reason"]) for f in json.loads(report_path.read_text())["files"]}
    assert entries == {"recording.mp4": ("failed", said),
                       "telemetry.ts": ("failed", f"'{telemetry}' has no video stream (found: audio (aac), data "
                                                  "(unknown))")}


def test_the_batch_tab_s_row_says_no_video_and_why(window, qtbot, tmp_path):
    src, out, _ = music_video_folder(tmp_path)
    panel = setup_panel(qtbot, window, src, out, "bicubic")
    run_to_end(qtbot, panel)
    rows = {panel.table.item(r, 0).text(): (panel.table.item(r, 1).text(), panel.table.item(r, 3).text())
            for r in range(panel.table.rowCount())}
    assert rows["song.mp4"] == ("no video", SONG_REASON)
    assert rows["clip.mp4"] == ("ok", str(out / "clip.mp4"))
    assert panel.status.text().startswith("Done: 1 ok, 0 skipped, 0 failed, 2 files with no video in ")
