"""The CLI contract: subcommands listed, models JSON shape, exit codes, a closed stdout."""

import json
import os
import shutil
import sys
from contextlib import contextmanager

import pytest

from videogen import make_video
from vsr_app.cli import main
from vsr_app.cli_args import SUBCOMMANDS, _with_default_command, build_parser
from vsr_app.errors import VsrAppError
from vsr_app.models import list_models, load_model, resolve
from vsr_app.resources import models_dir, user_models_dir


def test_help_lists_every_subcommand(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for name in SUBCOMMANDS:
        assert name in out
    # a script's author learns the exit codes here, not only from the README
    assert "Exit status: 0 done; 1 an error (said on stderr, one line); 2 a usage error; 130 stopped" in " ".join(
        out.split())


def test_models_json_has_contract_keys(capsys):
    assert main(["models", "--json"]) == 0
    models = json.loads(capsys.readouterr().out)
    names = {m["name"] for m in models}
    assert {"bicubic", "blend"} <= names
    for m in models:
        assert set(m) == {"name", "task", "scale", "params", "path", "card"}


def test_models_table_keeps_its_columns_for_long_names(capsys):
    assert main(["models"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(len(line.split()[0]) > 20 for line in lines[1:])  # the shipped vsr-x4-student-bicubic
    task_column = {line.index(line.split()[1], len(line.split()[0])) for line in lines}
    assert len(task_column) == 1, lines


@pytest.mark.parametrize("argv", [["upscale"], ["train", "vsr", "--data", ".", "--out", "r", "--steps", "0"],
                                  ["prune", "--teacher", "t", "--data", ".", "--out", "r", "--steps", "0"]])
def test_usage_error_exits_2(argv):
    """A 0-step training run wrote a model that had learned nothing and exited 0."""
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2


@pytest.mark.parametrize("argv, message", [
    (["upscale", "in.mp4", "-o", "o.mp4", "--crf", "60"], "--crf 60 is out of range for libx264: use 0"),
    (["interpolate", "in.mp4", "-o", "o.mp4", "--preset", "turbo"], "unknown --preset 'turbo' for libx264"),
    (["batch", "in", "-o", "out", "--crf", "10", "--codec", "ffv1"], "codec ffv1 is lossless or fixed-quality"),
    (["batch", "in", "-o", "out", "--ext", " , "], "argument --ext: --ext lists no extensions"),
    (["bench", "--size", "abc"], "argument --size: size 'abc' should look like HxW"),
    (["bench", "--interpolate-size", "15x16"], "argument --interpolate-size: size '15x16' is too small"),
    (["bench", "--budget", "-1"], "argument --budget: must be more than 0 and finite, not -1"),
    (["bench", "--budget", "nan"], "argument --budget: must be more than 0 and finite, not nan"),
    (["bench", "--budget", "inf"], "argument --budget: must be more than 0 and finite, not inf"),
    (["bench", "--models", ","], "argument --models: names no model: ','"),
    # a script's unset variable: the current folder, "'.' is a folder", or a batch over whatever was there
    (["upscale", "", "-o", "o.mp4"], "argument IN: empty (a script's variable not set?)"),
    (["batch", "", "-o", "out"], "argument IN_DIR: empty"),
    (["interpolate", "in.mp4", "-o", ""], "argument -o/--output: empty"),
    (["train", "vsr", "--data", "d", "--out", ""], "argument --out: empty"),  # a run written in the folder
    (["train", "vsr", "--data", "", "--out", "r"], "argument --data: empty"),
    (["eval", "vsr", "--model", "bicubic", "--data", ""], "argument --data: empty"),
    (["batch", "in", "-o", "out", "--report", ""], "argument --report: empty"),
    (["batch", "in", "-o", "out", "--model", ""], "argument --model: empty"),  # it ran the default model silently
    (["prune", "vfi", "--teacher", "t", "--data", ".", "--out", "r", "--target-params-ratio", "1"],
     "argument --target-params-ratio: must be more than 0 and less than 1, not 1"),
])
def test_option_values_wrong_by_themselves_are_usage_errors(argv, message, capsys, tmp_path, monkeypatch):
    """They exited 1 with no usage line (and `--budget -1` ran "about -1 s per measurement"), where `--frames 0`
    or `--crf abc` exit 2. The files named do not exist: the values are refused before any is looked at."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: vsr-app") and message in err, err


@pytest.mark.parametrize("argv, message", [
    (["batch", "in/a.mp4", "in/b.mp4", "-o", "out"], "vsr-app batch: error: unrecognized arguments: in/b.mp4 (batch "
                                                     "takes one input folder: name the folder the videos are in)"),
    (["upscale", "a.mp4", "b.mp4", "-o", "o.mp4"], "vsr-app upscale: error: unrecognized arguments: b.mp4 (upscale "
                                                   "takes one input video; batch processes a folder of them)"),
    (["interpolate", "a.mp4", "-o", "o.mp4", "--self-ensemble"], "vsr-app interpolate: error: unrecognized "
     "arguments: --self-ensemble (--self-ensemble is an option of upscale, batch and eval, not of interpolate)"),
    (["models", "--quiet"], "vsr-app models: error: unrecognized arguments: --quiet"),
])
def test_arguments_a_command_does_not_take_are_said_with_its_usage_and_what_they_may_mean(argv, message, capsys):
    """They got the app's usage line (`vsr-app [-h] [--version] [--selftest] COMMAND ...`) and a bare
    "unrecognized arguments", also for a shell glob of files given to batch, which takes one folder."""
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"usage: vsr-app {argv[0]} ") and err.endswith(message + "\n"), err


def test_checked_option_values_arrive_parsed():
    args = build_parser().parse_args(["bench", "--size", "24x32", "--interpolate-size", "64x96", "--budget", "0.5"])
    assert (args.size, args.interpolate_size, args.budget) == ((24, 32), (64, 96), 0.5)
    assert build_parser().parse_args(["batch", "in", "-o", "out", "--ext", "MP4, .mkv"]).ext == ("mp4", "mkv")


@contextmanager
def closed_stdout():
    """stdout is a pipe whose reader has gone, as after `vsr-app ... | head -1` (set in the test, not in a
    fixture, since pytest puts its own sys.stdout back after fixtures)."""
    read, write = os.pipe()
    os.close(read)
    saved, sys.stdout = sys.stdout, open(write, "w")
    try:
        yield
    finally:
        stream, sys.stdout = sys.stdout, saved
        stream.close()  # raised BrokenPipeError for the output main had left in the buffer


def test_a_closed_stdout_ends_a_listing_quietly():
    """`vsr-app models | head -1` ended in a BrokenPipeError traceback."""
    with closed_stdout():
        assert main(["models"]) == 1
    with closed_stdout():
        assert main(["models", "--json"]) == 1


def test_a_closed_stdout_does_not_stop_a_batch(tmp_path):
    """`vsr-app batch ... | head -1` died with a traceback at its second status line, the folder half done."""
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    for name in "abc":
        make_video(src / f"{name}.mp4", frames=2)
    with closed_stdout():
        assert main(["batch", str(src), "-o", str(out), "--model", "bicubic",
                     "--report", str(tmp_path / "r.json")]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["a.mp4", "b.mp4", "c.mp4"]
    assert json.loads((tmp_path / "r.json").read_text())["counts"]["ok"] == 3


@pytest.mark.parametrize("word, meant", [("upscal", "upscale"), ("modles", "models"), ("interpolte", "interpolate")])
def test_mistyped_command_is_named_not_opened_as_a_video(word, meant, capsys, tmp_path, monkeypatch):
    """`vsr-app modles` opened the desktop app with a video called 'modles'."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exc:
        main([word, "in.mp4", "-o", "out.mp4"])
    assert exc.value.code == 2
    assert f"did you mean '{meant}'" in capsys.readouterr().err


def _no_app(args):
    raise AssertionError("the desktop app was opened")


@pytest.mark.parametrize("argv, hint", [(["analyse", "v.mp4"], ""), (["evaluate", "vsr", "--model", "m"], "eval"),
                                        (["list-models"], "models")])
def test_an_unknown_command_word_is_named_with_the_commands(argv, hint, capsys, tmp_path, monkeypatch):
    """`list-models` opened the desktop app on a video of that name; `analyse v.mp4` said 'unrecognized arguments:
    v.mp4' about the app's options."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("vsr_app.cli.cmd_gui", _no_app)
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"unknown command '{argv[0]}'" in err and f"the commands are: {', '.join(SUBCOMMANDS)}" in err, err
    assert (f"did you mean '{hint}'" in err) == bool(hint), err


def test_selftest_with_a_command_is_a_usage_error(capsys, monkeypatch):
    """`--selftest models` ran the self-test and dropped `models` without a word."""
    monkeypatch.setattr("vsr_app.selftest.main", lambda: pytest.fail("the self-test ran"))
    with pytest.raises(SystemExit) as exc:
        main(["--selftest", "models"])
    assert exc.value.code == 2 and "--selftest runs on its own: leave out the command 'models'" in \
        capsys.readouterr().err


# Replaces one function (module:name) with one that sends this process SIGTERM, then runs main with the arguments.
SIGTERM_IN = """import importlib, os, signal, sys, time
module, name = sys.argv[1].split(":")
def stopped(*args):
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(30)
setattr(importlib.import_module(module), name, stopped)
from vsr_app.cli import main
sys.exit(main(sys.argv[2:]))
"""


@pytest.mark.parametrize("target, argv", [
    ("vsr_app.cli:cmd_upscale", ["upscale", "in.mp4", "-o", "out.mp4"]),
    ("vsr_app.cli:cmd_interpolate", ["interpolate", "in.mp4", "-o", "out.mp4"]),
    ("vsr_app.cli:cmd_batch", ["batch", "in", "-o", "out"]),
    ("vsr_app.cli:cmd_train", ["train", "vsr", "--data", "d", "--out", "r"]),
    ("vsr_app.cli:cmd_prune", ["prune", "vfi", "--teacher", "t", "--data", "d", "--out", "r"]),
    ("vsr_app.cli:cmd_eval", ["eval", "vsr", "--model", "m", "--data", "d"]),
    ("vsr_app.cli:cmd_bench", ["bench"]),
    ("vsr_app.cli:cmd_models", ["models"]),
    ("vsr_app.selftest:main", ["--selftest"]),
])
def test_sigterm_stops_every_command_like_ctrl_c(target, argv, tmp_path):
    """The handler was set inside some commands only: `eval`, `models` (and `prune` before its loop) were killed
    with 143 where the documentation says every command exits 130."""
    import subprocess

    done = subprocess.run([sys.executable, "-c", SIGTERM_IN, target, *argv], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 130 and done.stderr.endswith("vsr-app: interrupted\n"), done.stderr


def test_ctrl_c_while_the_arguments_are_read_is_a_stop(monkeypatch, capsys):
    """A Ctrl+C in the first moments (reading the arguments, before the stop handlers) gave a Python traceback."""
    import vsr_app.cli as cli

    def interrupted(argv):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "parse_command_line", interrupted)
    assert cli.main(["models"]) == 130
    assert capsys.readouterr().err == "vsr-app: interrupted\n"


def test_main_leaves_sigterm_to_the_desktop_app(tmp_path):
    """In Qt's loop a handler that raises would run only at the next event, inside a slot: main sets none for gui,
    whose app sets its own (replaced here, so SIGTERM keeps its default action)."""
    import signal
    import subprocess

    done = subprocess.run([sys.executable, "-c", SIGTERM_IN, "vsr_app.cli:cmd_gui", "gui"], cwd=tmp_path,
                          capture_output=True, timeout=120)
    assert done.returncode == -signal.SIGTERM


@pytest.mark.parametrize("argv, option", [(["real8.mp4", "-o", "x.mp4"], "-o"), (["-o", "x.mp4", "real8.mp4"], "-o"),
                                          (["real8.mp4", "--output=x.mp4"], "--output"),
                                          (["real8.mp4", "--model", "bicubic"], "--model")])
def test_options_of_a_command_left_out_are_a_usage_error_naming_the_command(argv, option, capsys, tmp_path,
                                                                             monkeypatch):
    """`vsr-app real8.mp4 -o x.mp4` said "unrecognized arguments: -o x.mp4" (a video alone opens the desktop app),
    and `vsr-app -o x.mp4 real8.mp4` took x.mp4 for the video to open."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "real8.mp4").write_bytes(b"")
    monkeypatch.setattr("vsr_app.cli.cmd_gui", _no_app)
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.splitlines()[-1] == (f"vsr-app: error: {option} is not an option of the desktop app (which a video "
                                    "alone opens); to process a video, name the command: vsr-app upscale IN -o OUT "
                                    "(or interpolate)"), err
    assert _with_default_command(build_parser(), ["real8.mp4", "--screenshot", "s.png"]) == ["gui", "real8.mp4", "--screenshot", "s.png"]


def test_a_file_named_like_a_command_still_opens(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "upscal").write_bytes(b"")
    assert _with_default_command(build_parser(), ["upscal"]) == ["gui", "upscal"]
    assert _with_default_command(build_parser(), ["holiday.mp4"]) == ["gui", "holiday.mp4"]


@pytest.mark.parametrize("task, model, frames", [("vsr", "bicubic", (3, 5)), ("vfi", "blend", (1, 2))])
def test_eval_tells_each_sequence_on_stderr_as_it_is_scored(task, model, frames, capsys, tmp_path):
    """It printed nothing until the end: minutes of silence for --self-ensemble on Vid4. Stdout stays the contract's."""
    import cv2
    import numpy as np

    rng = np.random.default_rng(0)
    for name, count in (("a", 3), ("b", 5)):
        (tmp_path / name).mkdir()
        for i in range(count):
            cv2.imwrite(str(tmp_path / name / f"{i}.png"), rng.integers(0, 256, (32, 32, 3), dtype=np.uint8))
    assert main(["eval", task, "--model", model, "--data", str(tmp_path), "--json"]) == 0
    out, err = capsys.readouterr()
    scores = json.loads(out)
    assert {"model", "params", "sequences", "mean"} <= set(scores)
    assert err.splitlines() == [
        f"eval: [{i}/2] {name}: {count} frame{'s' * (count > 1)}, Y-PSNR {scores['sequences'][name]['psnr_y']:.3f} dB, "
        f"Y-SSIM {scores['sequences'][name]['ssim_y']:.4f}" for i, (name, count) in enumerate(zip("ab", frames), 1)]
    assert main(["eval", task, "--model", model, "--data", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    table = [line for line in out.splitlines() if not line.startswith("  note: ")]  # (noise: every vfi frame a cut)
    assert table[0] == f"{model} (0 parameters)" and len(table) == 6 and len(err.splitlines()) == 2


def test_unknown_model_is_a_user_error(capsys, tmp_path):
    assert main(["eval", "vsr", "--model", "no-such-model", "--data", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "error:" in err and "Traceback" not in err
    # the names a user looks among, by what they do
    assert "(upscalers: bicubic, " in err and "; interpolators: blend, " in err and "vfi-x2-student" in err.split(";")[1]


@pytest.fixture
def user_models(tmp_path, monkeypatch):
    """An empty user model folder (HOME in tmp)."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    folder = user_models_dir()
    folder.mkdir(parents=True)
    return folder


def copy_model(folder, stem, card_name=None, source="vsr-x4-student"):
    """What a user does by hand: copy a model's weights and card into the user folder under another name."""
    shutil.copyfile(models_dir() / f"{source}.safetensors", folder / f"{stem}.safetensors")
    card = json.loads((models_dir() / f"{source}.json").read_text())
    if card_name:
        card["name"] = card_name
    (folder / f"{stem}.json").write_text(json.dumps(card))


def table(capsys, *args):
    assert main(["models", *args]) == 0
    return capsys.readouterr()


def test_a_user_model_is_listed_under_the_name_model_takes(user_models, capsys):
    """A run's model.* copied as mine.* (card name 'tr1') was listed as tr1, and --model tr1 failed."""
    copy_model(user_models, "mine", card_name="tr1")
    rows = table(capsys).out.splitlines()[1:]
    assert [r.split()[0] for r in rows if r.endswith("mine.safetensors")] == ["mine"]
    assert not any(r.split()[0] == "tr1" for r in rows)
    assert "mine" in {m["name"] for m in json.loads(table(capsys, "--json").out)}
    for info in list_models():  # every listed name is one --model (and the GUI selectors) can load
        assert (resolve(info.name).name, resolve(info.name).path) == (info.name, info.path)


def test_models_are_listed_by_name_within_built_ins_shipped_and_yours(user_models, capsys):
    """Listed by file name, vsr-x4-student-aligned-bicubic.safetensors came before the default vsr-x4-student's
    ('-' sorts before '.'); so did a user's mine-aligned before mine."""
    copy_model(user_models, "mine-aligned")
    copy_model(user_models, "mine")
    listed = json.loads(table(capsys, "--json").out)
    places = ["built-in" if m["path"] is None else "shipped" if os.path.dirname(m["path"]) == str(models_dir())
              else "user" for m in listed]
    assert places == sorted(places, key=["built-in", "shipped", "user"].index)  # the groups as they were
    shipped = [m["name"] for m, place in zip(listed, places) if place == "shipped"]
    assert shipped == sorted(shipped) and shipped.index("vsr-x4-student") < shipped.index("vsr-x4-student-aligned")
    assert [m["name"] for m, place in zip(listed, places) if place == "user"] == ["mine", "mine-aligned"]
    rows = table(capsys).out.splitlines()[1:]
    assert [row.split()[0] for row in rows] == [m["name"] for m in listed]  # the table in the same order


def test_a_card_with_nan_or_infinity_still_lists_as_valid_json(user_models, capsys):
    """Python's json writes NaN/Infinity (an old eval's PSNR of identical frames did); the strict --json output
    then failed with a traceback."""
    copy_model(user_models, "old")
    card = json.loads((user_models / "old.json").read_text())
    card["metrics"] = {"psnr_y": float("inf"), "ssim_y": float("nan")}
    (user_models / "old.json").write_text(json.dumps(card))
    listed = {m["name"]: m for m in json.loads(table(capsys, "--json").out)}
    assert listed["old"]["params"] == listed["vsr-x4-student"]["params"]


def test_running_the_apps_model_under_a_name_a_model_of_yours_has_says_so(user_models, capsys, caplog, small_video,
                                                                        tmp_path):
    """A model a user installed as vsr-x4-student-fast before that name shipped: after the update `upscale --model
    vsr-x4-student-fast` ran the shipped model without a word (only `models` said so)."""
    import logging

    copy_model(user_models, "vsr-x4-student-fast", source="vsr-x4-student")
    with caplog.at_level(logging.WARNING, logger="vsr_app.models"):
        assert main(["upscale", str(small_video), "-o", str(tmp_path / "o.mp4"), "--model",
                     "vsr-x4-student-fast"]) == 0
    said = (f"'vsr-x4-student-fast' is the app's own model now; yours of that name "
            f"({user_models / 'vsr-x4-student-fast.safetensors'}) is not used: rename it, or give its path as the model")
    assert [r.getMessage() for r in caplog.records] == [f"note: {said}"]  # at once, before the work
    assert capsys.readouterr().out.rstrip().endswith(f"; {said}")  # and in the run's notes, which the GUI shows
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="vsr_app.models"):
        load_model(str(user_models / "vsr-x4-student-fast.safetensors"))  # by its path: the user's, nothing to say
        load_model("bicubic")
    assert caplog.records == []


def test_a_user_model_named_like_a_shipped_one_but_for_case_is_hidden_too(user_models, capsys):
    """On macOS and Windows disks VSR-X4-Student.safetensors opens the shipped file: the user's model would run the
    shipped weights under its own name."""
    copy_model(user_models, "VSR-X4-Student")
    assert "hidden by the shipped model 'vsr-x4-student'" in table(capsys).out
    assert "VSR-X4-Student" not in [m.name for m in list_models()]
    # and --model runs what `models` lists, not the file it calls hidden (eval scored the user's weights under a
    # shipped-looking name); so does a user file hidden by another user file
    with pytest.raises(VsrAppError, match="'VSR-X4-Student' is the model 'vsr-x4-student' .* in another letter case"):
        resolve("VSR-X4-Student")
    copy_model(user_models, "MINE")
    copy_model(user_models, "mine")
    assert "hidden by the user model 'MINE'" in table(capsys).out
    assert resolve("MINE").path == str(user_models / "MINE.safetensors")
    with pytest.raises(VsrAppError, match="'mine' is the model 'MINE'"):
        resolve("mine")
    assert resolve(str(user_models / "mine.safetensors")).path == str(user_models / "mine.safetensors")  # its path


def test_a_user_model_named_like_a_shipped_or_built_in_one_is_reported_as_hidden(user_models, capsys):
    copy_model(user_models, "vsr-x4-student")
    copy_model(user_models, "bicubic")
    out = table(capsys).out.splitlines()
    assert out[-2:] == [
        f"note: {user_models / 'bicubic.safetensors'}: hidden by the built-in model 'bicubic', which comes first; "
        "rename the file (with its .json) to use it, or pass its path to --model",
        f"note: {user_models / 'vsr-x4-student.safetensors'}: hidden by the shipped model 'vsr-x4-student', which "
        "comes first; rename the file (with its .json) to use it, or pass its path to --model"]
    assert resolve("vsr-x4-student").path == str(models_dir() / "vsr-x4-student.safetensors")
    assert [m.name for m in list_models()].count("vsr-x4-student") == 1
    captured = table(capsys, "--json")  # the contract's list on stdout, the notes on stderr
    assert all(m["path"] is None or m["path"].startswith(str(models_dir())) for m in json.loads(captured.out))
    assert len(captured.err.splitlines()) == 2 and "hidden by the shipped model" in captured.err


def test_broken_user_model_files_are_listed_as_unusable_not_offered(user_models, capsys):
    copy_model(user_models, "good")
    copy_model(user_models, "nocard")
    (user_models / "nocard.json").unlink()
    copy_model(user_models, "badcard")
    (user_models / "badcard.json").write_text("{ not json")
    copy_model(user_models, "truncated")
    data = (user_models / "truncated.safetensors").read_bytes()
    (user_models / "truncated.safetensors").write_bytes(data[: len(data) // 2])
    copy_model(user_models, "newer")
    card = json.loads((user_models / "newer.json").read_text())
    (user_models / "newer.json").write_text(json.dumps({**card, "arch": "from_a_later_version"}))
    copy_model(user_models, "oddarch")
    (user_models / "oddarch.json").write_text(json.dumps({**card, "arch": ["not", "a", "name"]}))
    (user_models / "old.pth").write_bytes(b"pickle")
    (user_models / "orphan.json").write_text("{}")
    copy_model(user_models, "shouty")  # --model shouty looks for shouty.safetensors, which this is not
    (user_models / "shouty.safetensors").rename(user_models / "shouty.SAFETENSORS")
    expected = {
        "badcard.safetensors": "is not valid JSON",
        "oddarch.safetensors": "unknown model architecture",
        "newer.safetensors": "unknown model architecture 'from_a_later_version'",
        "nocard.safetensors": "model card nocard.json is missing next to nocard.safetensors",
        "old.pth": "pickle-based weights are refused",
        "orphan.json": "a model card without weights: orphan.safetensors is missing",
        "shouty.SAFETENSORS": "rename it to shouty.safetensors (lower case)",
        "shouty.json": "a model card without weights: shouty.safetensors is missing",
        "truncated.safetensors": "not a readable safetensors file (corrupt or truncated)",
    }
    lines = [line for line in table(capsys).out.splitlines() if line.startswith("unusable: ")]
    assert len(lines) == len(expected), lines
    for line, (name, reason) in zip(lines, sorted(expected.items())):
        assert line.startswith(f"unusable: {user_models / name}: ") and reason in line, line
    names = [m.name for m in list_models()]  # what the GUI selectors offer
    assert "good" in names and not {"nocard", "badcard", "truncated", "newer", "old", "orphan", "shouty"} & set(names)


def test_models_lists_the_parameters_the_tensors_hold_not_the_cards_claim(user_models, capsys):
    """A card without "params" was listed with 0; one saying 5 was listed with 5, and --model then failed."""
    real = json.loads((models_dir() / "vsr-x4-student.json").read_text())["params"]
    copy_model(user_models, "uncounted")
    card = json.loads((user_models / "uncounted.json").read_text())
    del card["params"]
    (user_models / "uncounted.json").write_text(json.dumps(card))
    copy_model(user_models, "claims5")
    (user_models / "claims5.json").write_text(json.dumps({**card, "params": 5}))
    listed = {m["name"]: m["params"] for m in json.loads(table(capsys, "--json").out)}
    assert listed["uncounted"] == real and "claims5" not in listed
    reason = f"claims5.safetensors: card declares 5 parameters but the tensors hold {real}"
    assert f"unusable: {user_models / 'claims5.safetensors'}: {reason}" in table(capsys).out.splitlines()
    assert main(["eval", "vsr", "--model", "claims5", "--data", str(user_models)]) == 1
    assert reason in capsys.readouterr().err  # what --model says is what the listing said


def test_models_name_shows_that_models_card(capsys):
    """What a model is for and how it was trained and measured, without the app's About box or the card file."""
    card = json.loads((models_dir() / "vsr-x4-student.json").read_text())
    assert main(["models", "vsr-x4-student"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "vsr-x4-student (upscale x4, 103,567 parameters)"
    assert lines[1] == str(models_dir() / "vsr-x4-student.safetensors")
    assert " ".join(lines).count(card["description"].split(":")[0]) == 1
    # the top-level options are the last stage's: the heading says so, and that `stages` lists every stage
    assert "training (the last stage's options; stages: every stage):" in lines and "metrics:" in lines
    assert any(line.split()[:2] == ["held_out3_crf26_psnr_y", f"{card['metrics']['held_out3_crf26_psnr_y']:g}"]
               for line in lines)  # 4 decimals shown, as measured: 4 significant digits read 26.0485 as "26.05"
    assert any(line.split()[:1] == ["metrics_notes"] for line in lines)  # a string metric shows as text
    # the net it builds, which only --json showed: the architecture and its config, a number list on one line
    assert lines.index("architecture:") < lines.index("training (the last stage's options; stages: every stage):")
    assert any(line.split() == ["arch", card["arch"]] for line in lines)
    assert any(line.split() == ["blocks", str(card["config"]["blocks"])] for line in lines)
    stages = [line for line in lines if line.lstrip().startswith("stages") or line.lstrip().startswith("- ")]
    assert len(stages) == len(card["training"]["stages"])  # one paragraph a stage, not one run-on line
    assert main(["models", "vsr-x4-student", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["card"] == card
    assert main(["models", "blend"]) == 0
    assert capsys.readouterr().out.splitlines()[:2] == ["blend (interpolate x2)", "built-in"]
    assert main(["models", "no-such-model"]) == 1
    assert "unknown model 'no-such-model'" in capsys.readouterr().err


def test_a_model_file_changed_after_a_listing_is_checked_again(user_models):
    """Listings remember each file's check (the GUI's menus rescan on every reload) only while what it read, the
    card and the weights' header, is unchanged: a card fixed or broken in place, same size, shows at once."""
    copy_model(user_models, "mine")
    card_path = user_models / "mine.json"
    good = card_path.read_text()
    assert "mine" in [m.name for m in list_models()]
    broken = json.loads(good)
    broken["config"]["blocks"] = 9  # one digit for another: the same size, the net no longer fits the weights
    card_path.write_text(json.dumps(broken))
    assert len(card_path.read_text()) == len(good) and "mine" not in [m.name for m in list_models()]
    card_path.write_text(good)
    assert "mine" in [m.name for m in list_models()]
    first, again = list_models(), list_models()
    first[-1].card["config"]["blocks"] = 9  # a caller's change to a listed card does not reach the next listing
    assert again[-1].card == json.loads(good) and list_models()[-1].card == json.loads(good)


def test_weights_that_do_not_fit_their_card_are_unusable_though_their_count_does(user_models, capsys, monkeypatch):
    """Only the parameter count was compared with the header: a file whose tensors had other names or shapes was
    offered by `models` and the GUI menus, then failed to load."""
    from safetensors.torch import load_file, save_file

    copy_model(user_models, "renamed")
    copy_model(user_models, "transposed")
    tensors = load_file(user_models / "renamed.safetensors")
    key = next(k for k, v in tensors.items() if v.ndim == 4 and v.shape[0] != v.shape[1])
    save_file({("old." + k if k == key else k): v for k, v in tensors.items()}, user_models / "renamed.safetensors")
    save_file({**tensors, key: tensors[key].transpose(0, 1).contiguous()}, user_models / "transposed.safetensors")
    with monkeypatch.context() as patched:  # the listing reads the headers, never the weights
        patched.setattr("safetensors.torch.load", lambda *a: pytest.fail("weights were read"))
        lines = [line for line in table(capsys).out.splitlines() if line.startswith("unusable: ")]
        names = [m.name for m in list_models()]
    assert "renamed" not in names and "transposed" not in names
    for stem, detail in (("renamed", f"missing 1 tensors (e.g. {key}); 1 unexpected (e.g. old.{key})"),
                         ("transposed", f"1 with wrong shapes (e.g. {key}: ")):
        reason = f"{stem}.safetensors does not match its card (arch 'vsr_student'): {detail}"
        assert any(line.startswith(f"unusable: {user_models / stem}.safetensors: {reason}") for line in lines), lines
        assert main(["eval", "vsr", "--model", stem, "--data", str(user_models)]) == 1
        assert reason in capsys.readouterr().err  # what --model says is what the listing said


def test_a_file_name_that_is_not_utf8_prints_and_the_batch_goes_on(tmp_path, small_video):
    """A Latin-1 name printed to a strict UTF-8 stdout raised in the middle of a batch; the files after it were
    never processed."""
    import subprocess

    folder = tmp_path / "in"
    folder.mkdir()
    for name in (b"caf\xe9.mp4", b"line\nbreak.mp4", b"zz.mp4"):  # the odd names are listed first
        shutil.copy(small_video, os.path.join(os.fsencode(folder), name))
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}  # strict, as en_US.UTF-8 terminals are
    done = subprocess.run([sys.executable, "-m", "vsr_app", "batch", str(folder), "-o", str(tmp_path / "out"),
                           "--model", "bicubic"], capture_output=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    # the odd byte as the Batch tab shows it, and a newline in a name kept on its line
    lines = [line for line in done.stdout.splitlines() if b"note:" not in line]
    assert lines[:3] == [b"[1/3] ok        caf\\xe9.mp4", b"[2/3] ok        line\\nbreak.mp4", b"[3/3] ok        zz.mp4"]
    assert sorted(os.listdir(os.fsencode(tmp_path / "out"))) == [b"caf\xe9.mp4", b"line\nbreak.mp4", b"zz.mp4"]


def test_a_name_with_a_newline_or_an_odd_byte_stays_on_its_line_in_upscales_summary_and_errors(tmp_path, small_video,
                                                                                                 capsys):
    """`upscale` printed names raw: an output named with a newline split its summary line, an odd byte showed as
    \\udcfe where a batch's lines and the Batch tab show \\xfe."""
    out = tmp_path / os.fsdecode(b"nl\nbad\xfe.mp4")
    assert main(["upscale", str(small_video), "-o", str(out), "--model", "bicubic", "--device", "cpu"]) == 0
    said = capsys.readouterr().out
    assert len(said.splitlines()) == 1 and "nl\\nbad\\xfe.mp4" in said
    assert main(["upscale", str(small_video), "-o", str(out), "--model", "bicubic", "--device", "cpu"]) == 1
    error = capsys.readouterr().err.splitlines()[-1]
    assert error.startswith("vsr-app: error: ") and "nl\\nbad\\xfe.mp4' already exists" in error


def test_a_video_before_an_option_of_vsr_app_itself_or_named_like_an_option_is_told_how(tmp_path, monkeypatch, capsys):
    """`vsr-app v.mp4 --version` was told to name a command (upscale IN -o OUT); an existing file named -x.mp4 too."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "-x.mp4").write_bytes(b"")
    (tmp_path / "-my'clip.mp4").write_bytes(b"")
    for argv, says in ((["v.mp4", "--version"], "--version goes first: vsr-app --version"),
                       (["-x.mp4"], "to open the file '-x.mp4', write vsr-app -- -x.mp4"),
                       (["-my'clip.mp4"], """write vsr-app -- '-my'"'"'clip.mp4'""")):  # pasted as it is written
        with pytest.raises(SystemExit) as stop:
            main(argv)
        assert stop.value.code == 2 and says in capsys.readouterr().err


def test_an_output_that_is_a_folder_says_so(small_video, tmp_path, capsys):
    """Checked with the extension at parse time, a folder was told to use one of the extensions."""
    with pytest.raises(SystemExit) as stop:
        main(["upscale", str(small_video), "-o", str(tmp_path)])
    assert stop.value.code == 2 and f"the output '{tmp_path}' is a folder" in capsys.readouterr().err


def test_the_codecs_and_defaults_the_cli_names_are_the_writers(capsys, monkeypatch):
    """The CLI writes the codec list and the x264/x265 defaults out again so that --help need not import the writer:
    a codec added to the writer, or a default changed there, must not leave the CLI without it or its help wrong."""
    from vsr_app import cli_args
    from vsr_app.video.encoding import CODECS, X26X_CRF_RANGE, X26X_PRESETS

    assert set(cli_args.CODECS) == set(CODECS)
    monkeypatch.setenv("COLUMNS", "1000")  # one line per option: nothing wrapped inside the texts looked for
    with pytest.raises(SystemExit):
        main(["upscale", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    (lo, hi), x264, x265 = X26X_CRF_RANGE, CODECS["libx264"], CODECS["libx265"]
    assert f"{lo}-{hi}, lower is better (default {x264.crf} for libx264, {x265.crf} for libx265)" in out
    assert f"{' '.join(X26X_PRESETS)} (default: {x264.preset} for x264, {x265.preset} for x265)" in out
    assert x264.presets == x265.presets == X26X_PRESETS and x264.crf_range == x265.crf_range == X26X_CRF_RANGE


def test_every_argument_of_every_command_says_what_it_is():
    """The README says `COMMAND --help` lists every option; IN, -o/--output had no words at all."""
    import argparse

    from vsr_app.cli_args import build_parser

    commands = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)).choices
    silent = [f"{name} {action.dest}" for name, parser in commands.items() for action in parser._actions
              if not action.help and not isinstance(action, argparse._HelpAction)]
    assert silent == []
