"""`upscale --interpolate [MODEL]` and `interpolate --upscale [MODEL]`: both steps in one job, as the desktop app's
Export runs them (two commands in a row went through an encoded in-between file, 36.9 dB away); and what a stopped
`upscale` or `interpolate` says is left at its output, where it said only "interrupted"."""

from __future__ import annotations

import av
import numpy as np
import pytest

from vsr_app.cli import main
from vsr_app.cli_args import parse_command_line
from vsr_app.shipped import PREFERRED
from vsr_app.video.pipeline import process_video


def frames(path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]


@pytest.mark.parametrize("argv", [["upscale", "--model", "bicubic", "--interpolate", "blend"],
                                  ["interpolate", "--model", "blend", "--upscale", "bicubic"]])
def test_one_command_does_both_steps_as_the_export_does(argv, small_video, tmp_path, capsys):
    exported = tmp_path / "export.mp4"
    process_video(small_video, exported, upscale="bicubic", interpolate="blend", device="cpu")
    out = tmp_path / "both.mp4"
    assert main([argv[0], str(small_video), "-o", str(out), *argv[1:], "--device", "cpu"]) == 0
    said = capsys.readouterr().out
    assert "12 -> 24 frames, 64x48 -> 256x192" in said and said.endswith(
        "; interpolated with blend, then upscaled with bicubic\n")
    made, expected = frames(out), frames(exported)
    assert len(made) == len(expected) == 24 and all(np.array_equal(a, b) for a, b in zip(made, expected))


@pytest.mark.parametrize("command, option, task", [("upscale", "--interpolate", "interpolate"),
                                                   ("interpolate", "--upscale", "upscale")])
def test_the_other_step_alone_takes_its_tasks_default_model(command, option, task):
    argv = [command, "in.mp4", "-o", "out.mp4"]
    assert getattr(parse_command_line([*argv, option]), task) == PREFERRED[task].student
    assert getattr(parse_command_line(argv), task) is None
    assert getattr(parse_command_line([*argv, f"{option}=mine.safetensors"]), task) == "mine.safetensors"


def test_self_ensemble_applies_to_the_upscale_of_both_steps(small_video, tmp_path, capsys):
    assert main(["upscale", str(small_video), "-o", str(tmp_path / "o.mp4"), "--model", "bicubic", "--interpolate",
                 "blend", "--self-ensemble", "--device", "cpu"]) == 0
    assert capsys.readouterr().out.endswith("; interpolated with blend, then upscaled with bicubic+self-ensemble\n")


def test_a_video_after_the_bare_option_is_told_where_it_goes(capsys):
    """`upscale --interpolate in.mp4 -o out.mp4` took the video for the model, then said only that IN was missing."""
    with pytest.raises(SystemExit) as exc:
        parse_command_line(["upscale", "--interpolate", "in.mp4", "-o", "out.mp4"])
    assert exc.value.code == 2 and ("argument --interpolate: 'in.mp4' is a video, not a model: put --interpolate "
                                    "after IN, or name its model (--interpolate vfi-x2-student)") in \
        capsys.readouterr().err


@pytest.mark.parametrize("argv, says", [
    (["--interpolate", "bicubic"], "model 'bicubic' upscales; it cannot interpolate frames"),
    (["--interpolate", "no-such-model"], "unknown model 'no-such-model' (upscalers: bicubic, "),
])
def test_a_model_that_cannot_do_its_step_is_refused_in_the_usual_words(argv, says, small_video, tmp_path, capsys):
    out = tmp_path / "o.mp4"
    assert main(["upscale", str(small_video), "-o", str(out), "--model", "bicubic", *argv, "--device", "cpu"]) == 1
    assert says in capsys.readouterr().err and not out.exists()


def test_help_says_each_command_does_the_other_step_too(capsys):
    for command, option, default in (("upscale", "--interpolate", "vfi-x2-student"),
                                     ("interpolate", "--upscale", "vsr-x4-student")):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        said = " ".join(capsys.readouterr().out.split())
        assert f"{option} [MODEL]" in said and f"in the same job, with MODEL: a model name or a .safetensors " \
            f"file or a training run's folder (default {default})" in said
    # interpolate's (argparse breaks "--self-ensemble" at its hyphen)
    assert "(`upscaleIN-oOUT--interpolate`doesthesame,andtakes--self-ensemble)" in "".join(said.split())


class StoppedAtFirstReport:
    """A progress bar that a Ctrl-C stops at its first report, which comes once the output is being written."""

    def __call__(self, info) -> None:
        raise KeyboardInterrupt

    def close(self) -> None:
        pass


def stopped_upscale(video, out, capsys, *options) -> str:
    """The last line on stderr (below the progress bar's) of an upscale that is stopped."""
    assert main(["upscale", str(video), "-o", str(out), "--model", "bicubic", "--device", "cpu", *options]) == 130
    return capsys.readouterr().err.splitlines()[-1]


def test_a_stop_while_writing_says_no_output_was_written(monkeypatch, small_video, tmp_path, capsys):
    monkeypatch.setattr("vsr_app.progress.TerminalProgress", StoppedAtFirstReport)
    assert stopped_upscale(small_video, tmp_path / "o.mp4", capsys) == (
        "vsr-app: interrupted: no output written (the unfinished file was removed)")
    assert list(tmp_path.iterdir()) == []


def test_a_stop_of_an_overwrite_says_the_file_there_is_as_it_was(monkeypatch, small_video, tmp_path, capsys):
    out = tmp_path / "o.mp4"
    out.write_bytes(b"earlier")
    monkeypatch.setattr("vsr_app.progress.TerminalProgress", StoppedAtFirstReport)
    assert stopped_upscale(small_video, out, capsys, "--overwrite") == (
        f"vsr-app: interrupted: no output written (the unfinished file was removed); '{out}' is as it was")
    assert list(tmp_path.iterdir()) == [out] and out.read_bytes() == b"earlier"


def test_a_stop_before_any_writing_speaks_of_no_unfinished_file(monkeypatch, small_video, tmp_path, capsys):
    def stopped(path):
        raise KeyboardInterrupt

    monkeypatch.setattr("vsr_app.video.opening.check_video_path", stopped)
    assert stopped_upscale(small_video, tmp_path / "o.mp4", capsys) == "vsr-app: interrupted: no output written"


def test_an_unfinished_file_that_could_not_be_removed_is_named(monkeypatch, small_video, tmp_path, capsys):
    monkeypatch.setattr("vsr_app.progress.TerminalProgress", StoppedAtFirstReport)
    monkeypatch.setattr("vsr_app.video.writer.delete_partial", lambda tmp: None)
    said = stopped_upscale(small_video, tmp_path / "o.mp4", capsys)
    left = list(tmp_path.iterdir())
    assert len(left) == 1 and left[0].name.startswith(".o.partial-")
    assert said == (f"vsr-app: interrupted: no output written (the unfinished file could not be removed: it is left "
                    f"as '{left[0]}')")


def test_a_stop_after_the_output_was_finished_says_it_is_complete(monkeypatch, small_video, tmp_path, capsys):
    def stopped(text, end="\n"):
        raise KeyboardInterrupt

    out = tmp_path / "o.mp4"
    monkeypatch.setattr("vsr_app.cli.say", stopped)
    assert stopped_upscale(small_video, out, capsys) == (
        f"vsr-app: interrupted: the output was finished first: '{out}' is complete")
    assert len(frames(out)) == 12
