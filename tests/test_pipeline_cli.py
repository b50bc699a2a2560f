"""`vsr-app upscale` / `vsr-app interpolate` from the command line: output, summary line, exit codes."""

from __future__ import annotations

import json

import pytest

from videogen import make_video
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


def test_a_one_frame_video_says_why_interpolation_made_no_frame(tmp_path, capsys):
    """Its frame is repeated at the doubled rate: "1 -> 2 frames" read as if a frame had been interpolated (and an
    upscale's "1 -> 1 frames" was no English)."""
    src = make_video(tmp_path / "still.mp4", frames=1)
    assert main(["interpolate", str(src), "-o", str(tmp_path / "x2.mp4"), "--model", "blend"]) == 0
    said = capsys.readouterr().out
    assert ": 1 -> 2 frames, 64x48 -> 64x48, " in said
    assert said.rstrip().endswith("; a single frame has nothing to interpolate between: it is repeated")
    assert main(["upscale", str(src), "-o", str(tmp_path / "x4.mp4"), "--model", "bicubic"]) == 0
    assert ": 1 -> 1 frame, 64x48 -> 256x192, " in capsys.readouterr().out
    # a note, so a batch's report and line say it too (they said "ok" alone)
    (tmp_path / "stills").mkdir()
    src.rename(tmp_path / "stills" / src.name)
    assert main(["batch", str(tmp_path / "stills"), "-o", str(tmp_path / "batch"), "--task", "interpolate",
                 "--model", "blend", "--report", str(tmp_path / "report.json")]) == 0
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["files"][0]["notes"] == ["a single frame has nothing to interpolate between: it is repeated"]


@pytest.mark.parametrize("model", ["vfi-x2-student", "opencv-flow"])
def test_interpolating_frames_smaller_than_dis_takes(model, tmp_path, capsys):
    """OpenCV's DIS flow asserts 12 px a side; an 8x8 video failed with an OpenCV error worded as a bug."""
    src = make_video(tmp_path / "tiny.mkv", frames=4, width=8, height=8, codec="ffv1", pix_fmt="yuv444p")
    assert main(["interpolate", str(src), "-o", str(tmp_path / "x2.mkv"), "--model", model, "--codec", "ffv1",
                 "--device", "cpu"]) == 0
    assert "4 -> 8 frames" in capsys.readouterr().out


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


def test_a_link_to_nothing_at_the_output_name_is_refused_before_any_work(small_video, tmp_path, capsys):
    """exists() follows links: the whole job ran, then failed saying the output "appeared while this run was
    writing", and left its result under another name."""
    out = tmp_path / "up.mp4"
    out.symlink_to(tmp_path / "gone.mp4")
    assert main(["upscale", str(small_video), "-o", str(out), "--model", "bicubic"]) == 1
    err = capsys.readouterr().err
    assert f"'{out}' already exists; pass --overwrite to replace it" in err, err
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".mp4") == ["up.mp4"] and out.is_symlink()
    assert main(["upscale", str(small_video), "-o", str(out), "--model", "bicubic", "--overwrite"]) == 0
    assert not out.is_symlink() and probe(out).width == 256


@pytest.mark.parametrize("command, codec, name", [("upscale", "ffv1", "out.mp4"), ("interpolate", "prores", "out.MP4"),
                                                  ("upscale", "prores", "out.m4v")])
def test_a_codec_the_outputs_container_cannot_hold_is_a_usage_error(tmp_path, capsys, command, codec, name):
    """The writer refused it (exit 1) once the model had loaded; the input here does not exist, so nothing is
    looked at before the refusal."""
    with pytest.raises(SystemExit) as exc:
        main([command, str(tmp_path / "missing.mp4"), "-o", str(tmp_path / name), "--codec", codec])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    extensions = "the extension .mkv" if codec == "ffv1" else "one of the extensions .mkv, .mov"
    assert err.startswith("usage: vsr-app") and \
        f"error: cannot write '{tmp_path / name}': codec {codec} needs {extensions}" in err, err


@pytest.mark.parametrize("settings, message", [
    (["--crf", "99"], "--crf 99 is out of range for libx264: use 0 (best quality) to 51"),  # x264 clamped it
    (["--crf", "-5"], "--crf -5 is out of range for libx264"),  # was "Numerical result out of range", late
    (["--crf", "99", "--codec", "libx265"], "--crf 99 is out of range for libx265"),  # was "Invalid data found"
    (["--preset", "bogus"], "unknown --preset 'bogus' for libx264 (use one of: ultrafast, superfast,"),
    (["--preset", "bogus", "--codec", "libx265"], "unknown --preset 'bogus' for libx265"),
    (["--preset", "slow", "--codec", "ffv1"], "codec ffv1 has no speed presets and takes no --preset"),
    (["--crf", "20", "--codec", "prores"], "codec prores is lossless or fixed-quality and takes no --crf"),
])
@pytest.mark.parametrize("command", ["upscale", "interpolate", "batch"])
def test_bad_encoder_settings_are_refused_before_any_work(small_video, tmp_path, capsys, command, settings, message):
    out = tmp_path / "out"
    if command == "batch":
        (tmp_path / "in").mkdir()
        (tmp_path / "in" / small_video.name).symlink_to(small_video)
        argv = ["batch", str(tmp_path / "in"), "-o", str(out), "--report", str(tmp_path / "report.json")]
    else:
        out.mkdir()
        argv = [command, str(small_video), "-o", str(out / ("x.mkv" if "ffv1" in settings else "x.mp4"))]
    model = "bicubic" if command != "interpolate" else "blend"
    with pytest.raises(SystemExit) as exc:  # a usage error (exit 2): the arguments alone are wrong
        main([*argv, "--model", model, "--device", "cpu", *settings])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: vsr-app") and f" error: {message}" in err, err
    assert not (tmp_path / "report.json").exists()
    assert not out.exists() or list(out.iterdir()) == []


@pytest.mark.parametrize("command, settings, name, needs", [
    ("upscale", ["--codec", "ffv1"], "x.avi", "codec ffv1 needs the extension .mkv"),
    ("upscale", ["--codec", "ffv1"], "x", "codec ffv1 needs the extension .mkv"),  # was offered .mp4 too
    ("upscale", [], "x.avi", "codec libx264 needs one of the extensions .m4v, .mkv, .mov, .mp4"),
    ("interpolate", ["--codec", "prores"], "x.avi", "codec prores needs one of the extensions .mkv, .mov")])
def test_an_output_extension_without_a_container_is_a_usage_error(tmp_path, capsys, command, settings, name, needs):
    """`-o x.avi --codec ffv1` exited 1 once the input was opened, where `-o x.mp4 --codec ffv1` is a usage error.
    The output is named as given: `-o t1/out` was said to be 'out'. Only the extensions that hold the codec are
    offered, and a bare name is refused, not completed: a script looks for the file it named."""
    with pytest.raises(SystemExit) as exc:
        main([command, str(tmp_path / "missing.mp4"), "-o", str(tmp_path / name), *settings])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: vsr-app") and f"error: cannot write '{tmp_path / name}': {needs}" in err, err


def _no_model(*args, **kwargs):
    raise AssertionError("a model was loaded")


@pytest.mark.parametrize("command", ["upscale", "interpolate"])
def test_an_output_folder_that_cannot_be_written_is_refused_before_any_work(small_video, tmp_path, capsys,
                                                                           monkeypatch, command):
    """It failed only once the model had loaded and the progress bar had started ("writing 'ro2/x.mp4' failed:
    Permission denied"), with no hint. Tests run as root, which chmod does not stop: /proc takes no files even from
    root, and the refusal a normal user would get is simulated."""
    import tempfile

    monkeypatch.setattr("vsr_app.models.load_model", _no_model)
    assert main([command, str(small_video), "-o", "/proc/x.mp4"]) == 1
    assert capsys.readouterr().err == ("vsr-app: error: cannot write to the output's folder '/proc': No such file or "
                                       "directory; choose a folder you can write to\n")

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    assert main([command, str(small_video), "-o", str(tmp_path / "x.mp4")]) == 1
    assert capsys.readouterr().err == (f"vsr-app: error: cannot write to the output's folder '{tmp_path}': Permission "
                                       "denied; choose a folder you can write to\n")
    assert main([command, str(small_video), "-o", str(tmp_path / "new" / "x.mp4")]) == 1
    assert capsys.readouterr().err == (f"vsr-app: error: cannot write to the output's folder '{tmp_path / 'new'}': "
                                       "Permission denied; choose a folder you can write to\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # nothing made


def test_a_missing_output_folder_is_made_as_before(small_video, tmp_path, capsys):
    out = tmp_path / "new" / "sub" / "up.mp4"
    assert main(["upscale", str(small_video), "-o", str(out), "--model", "bicubic"]) == 0
    assert probe(out).width == 256
