"""`vsr-app upscale` / `vsr-app interpolate` from the command line: output, summary line, exit codes."""

from __future__ import annotations

from vsr_app.cli import main
from vsr_app.video.reader import probe


def test_upscale_command_writes_the_file_and_a_summary(small_video, tmp_path, capsys):
    out = tmp_path / "up.mp4"
    assert main(["upscale", str(small_video), "-o", str(out), "--model", "bicubic", "--device", "cpu",
                 "--crf", "23", "--preset", "veryfast"]) == 0
    captured = capsys.readouterr()
    assert "12 -> 12 frames" in captured.out and "64x48 -> 256x192" in captured.out
    assert "12/12" in captured.err  # the progress report (plain lines when stderr is not a terminal)
    assert (probe(out).width, probe(out).height) == (256, 192)


def test_interpolate_command(small_video, tmp_path, capsys):
    out = tmp_path / "x2.mkv"
    assert main(["interpolate", str(small_video), "-o", str(out), "--model", "blend", "--codec", "ffv1"]) == 0
    assert "12 -> 24 frames" in capsys.readouterr().out
    assert probe(out).fps == 20


def test_user_errors_exit_1_without_traceback(small_video, tmp_path, capsys):
    out = tmp_path / "up.mp4"
    out.write_bytes(b"x")
    assert main(["upscale", str(small_video), "-o", str(out), "--model", "bicubic"]) == 1
    err = capsys.readouterr().err
    assert "already exists" in err and "--overwrite" in err and "Traceback" not in err
    assert main(["upscale", str(tmp_path / "missing.mp4"), "-o", str(tmp_path / "o.mp4"), "--model", "bicubic"]) == 1
    assert "does not exist" in capsys.readouterr().err
    assert main(["upscale", str(small_video), "-o", str(tmp_path / "o.mp4"), "--model", "blend"]) == 1
    assert not (tmp_path / "o.mp4").exists()
