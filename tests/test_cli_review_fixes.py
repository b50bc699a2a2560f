"""CLI review s33: a stdout that cannot be written (not only a closed pipe), what `eval` records, the bench table,
options before a command, and wording."""

import json
import os
import shlex
import shutil
import sys
from contextlib import contextmanager

import cv2
import numpy as np
import pytest

from videogen import make_video, write_pan_frames
from vsr_app.bench import format_table
from vsr_app.cli import main
from vsr_app.resources import models_dir

FULL_DISK = "vsr-app: stdout cannot be written (No space left on device); nothing more is printed to it"
needs_dev_full = pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (Linux)")


@contextmanager
def stdout_on(kind: str):
    """stdout as `> /dev/full` leaves it (every write: ENOSPC), or as `| head -0` does (a pipe with no reader)."""
    # line-buffered, as a real `> /dev/full` fails at the first line: a block buffer would hide short outputs
    if kind == "full":
        stream = open("/dev/full", "w", buffering=1)
    else:
        read, write = os.pipe()
        os.close(read)
        stream = open(write, "w", buffering=1)
    saved, sys.stdout = sys.stdout, stream
    try:
        yield
    finally:
        sys.stdout = saved
        stream.close()


def _stderr_lines(capsys) -> list[str]:
    return capsys.readouterr().err.replace("\r", "\n").splitlines()


@needs_dev_full
@pytest.mark.parametrize("kind", ["full", "closed"])
def test_an_upscale_whose_file_is_written_succeeds_without_stdout(kind, small_video, tmp_path, capsys):
    """`upscale ... > /dev/full` ended in a traceback, and `| head -0` exited 1, after the output was written."""
    with stdout_on(kind):
        assert main(["upscale", str(small_video), "-o", str(tmp_path / "out.mp4"), "--model", "bicubic"]) == 0
    assert (tmp_path / "out.mp4").stat().st_size > 0
    assert _stderr_lines(capsys).count(FULL_DISK) == (kind == "full")  # a reader gone away (`| head`) is quiet


@needs_dev_full
@pytest.mark.parametrize("kind", ["full", "closed"])
def test_training_goes_on_without_stdout(kind, tmp_path, capsys):
    """`train ... > /dev/full` ended in a traceback before its first step, and `| head` stopped the run (exit 1)."""
    write_pan_frames(tmp_path / "data" / "pan", 8, np.random.default_rng(0))
    cfg = tmp_path / "cfg.json"
    cfg.write_text(json.dumps({"net_config": {"channels": 8, "blocks": 1, "hr_channels": 4}, "batch": 1, "frames": 3,
                               "patch": 8, "warmup": 1, "log_every": 1, "val_every": 0, "threads": 1}))
    with stdout_on(kind):
        assert main(["train", "vsr", "--data", str(tmp_path / "data"), "--out", str(tmp_path / "run"),
                     "--config", str(cfg), "--steps", "2"]) == 0
    assert (tmp_path / "run" / "model.safetensors").is_file()
    assert _stderr_lines(capsys).count(FULL_DISK) == (kind == "full")


@needs_dev_full
def test_a_batch_onto_a_full_disk_finishes_the_folder_and_its_report(tmp_path, capsys):
    """`batch ... > /dev/full` stopped after the first file with a traceback, its report left `finished: false`."""
    src, out, report = tmp_path / "in", tmp_path / "out", tmp_path / "r.json"
    src.mkdir()
    for name in "abc":
        make_video(src / f"{name}.mp4", frames=2)
    with stdout_on("full"):
        assert main(["batch", str(src), "-o", str(out), "--model", "bicubic", "--report", str(report)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["a.mp4", "b.mp4", "c.mp4"]
    written = json.loads(report.read_text())
    assert written["finished"] and written["exit_code"] == 0 and written["counts"]["ok"] == 3
    assert _stderr_lines(capsys).count(FULL_DISK) == 1  # told once, not per file


def _frames(root, sequences=(("a", 3), ("b", 3)), size=(32, 32)):
    rng = np.random.default_rng(0)
    for name, count in sequences:
        (root / name).mkdir(parents=True)
        for i in range(count):
            cv2.imwrite(str(root / name / f"{i}.png"), rng.integers(0, 256, (*size, 3), dtype=np.uint8))
    return root


@needs_dev_full
@pytest.mark.parametrize("argv", [["models"], ["models", "--json"], ["eval", "vfi", "--model", "blend", "--json"]])
def test_a_command_whose_work_is_its_output_fails_when_it_cannot_be_written(argv, tmp_path, capsys):
    """`models > /dev/full` and `eval ... --json > /dev/full` ended in a traceback; the result is lost, so exit 1."""
    data = ["--data", str(_frames(tmp_path / "data"))] if argv[0] == "eval" else []
    with stdout_on("full"):
        assert main(argv + data) == 1
    assert FULL_DISK in _stderr_lines(capsys)


@pytest.mark.parametrize("argv", [["models", "--json"], ["eval", "vfi", "--model", "blend", "--json"]])
def test_a_command_whose_work_is_its_output_fails_when_stdout_was_closed_at_start(argv, tmp_path, monkeypatch,
                                                                                   capsys):
    """`models --json >&-` and `eval ... --json >&-` exited 0 with the result lost: Python has no stdout then, and
    print drops the text without a word."""
    data = ["--data", str(_frames(tmp_path / "data"))] if argv[0] == "eval" else []
    monkeypatch.setattr(sys, "stdout", None)
    assert main(argv + data) == 1
    assert "vsr-app: stdout cannot be written (it is closed); nothing more is printed to it" in _stderr_lines(capsys)


def test_the_command_training_prints_for_its_model_can_be_pasted(tmp_path, capsys):
    """`use it with: ... --model runs/t 2/model.safetensors` split at the space when pasted into a shell."""
    import shlex

    write_pan_frames(tmp_path / "data" / "pan", 8, np.random.default_rng(0))
    cfg = tmp_path / "cfg.json"
    cfg.write_text(json.dumps({"net_config": {"channels": 8, "blocks": 1, "hr_channels": 4}, "batch": 1, "frames": 3,
                               "patch": 8, "warmup": 1, "log_every": 1, "val_every": 0, "threads": 1}))
    out = tmp_path / "runs" / "t 2"
    assert main(["train", "vsr", "--data", str(tmp_path / "data"), "--out", str(out), "--config", str(cfg),
                 "--steps", "1"]) == 0
    hint = capsys.readouterr().out.splitlines()[-1]
    assert shlex.split(hint.removeprefix("use it with: "))[-2:] == ["--model", str(out / "model.safetensors")]


def test_commands_to_paste_name_the_packaged_apps_executable(tmp_path, monkeypatch):
    """In the packaged app no PATH holds a `vsr-app`: its "use it with: vsr-app upscale ..." and resume commands
    ran nothing when pasted."""
    from vsr_app.distill.runs import resume_command
    from vsr_app.shell import app_command

    assert app_command(["models"]) == "vsr-app models"  # a checkout or an install: the console script
    bundle = tmp_path / "My Apps" / "vsr-app"
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(bundle))
    assert app_command(["models"]) == f"'{bundle}' models"
    run = shlex.quote(str(tmp_path / "run"))
    assert resume_command("vsr", tmp_path / "run") == f"'{bundle}' train vsr --out {run} --resume"


def test_weights_a_run_starts_from_are_on_its_card_and_an_upscalers_do_not_start_an_interpolator(tmp_path, capsys):
    """A VSR run from other weights had a card that said only its own steps (210 read as 10); and an upscaler's
    weights as a VFI run's "Start from" ended in a traceback ('VSRStudent' object has no attribute 'num_inputs')."""
    write_pan_frames(tmp_path / "data" / "pan", 8, np.random.default_rng(0))
    options = {"net_config": {"channels": 8, "blocks": 1, "hr_channels": 4}, "batch": 1, "frames": 3, "patch": 8,
               "warmup": 1, "log_every": 1, "val_every": 0, "threads": 1}
    first, cfg = tmp_path / "first", tmp_path / "cfg.json"
    cfg.write_text(json.dumps(options))
    train = ["train", "vsr", "--data", str(tmp_path / "data"), "--config", str(cfg), "--steps", "1"]
    assert main([*train, "--out", str(first)]) == 0
    weights = str(first / "model.safetensors")
    cfg.write_text(json.dumps({**options, "init_from": weights}))
    assert main([*train, "--out", str(tmp_path / "second")]) == 0
    card = json.loads((tmp_path / "second" / "model.json").read_text())
    assert card["training"]["init_from"] == weights and card["training"]["steps"] == 1
    capsys.readouterr()
    cfg.write_text(json.dumps({"crop": 32, "batch": 1, "threads": 1, "init_from": weights}))
    assert main(["train", "vfi", "--data", str(tmp_path / "data"), "--out", str(tmp_path / "vfi"), "--config",
                 str(cfg), "--steps", "1"]) == 1
    err = capsys.readouterr().err
    assert err == (f"vsr-app: error: init_from {weights} holds a vsr_student net, which does not interpolate frames: "
                   "start from a frame interpolation model (a pruned net, vfi-x2-student or a vfi run's model)\n")
    from vsr_app.errors import VsrAppError
    from vsr_app.gui.train_form import net_size

    with pytest.raises(VsrAppError, match="does not interpolate frames"):  # the Train tab's Parameters say it too
        net_size("vfi", {"init_from": weights})  # (they showed the upscaler's 104 K)


def test_a_resume_refused_for_its_steps_says_nothing_of_saving_its_new_data(tmp_path, capsys):
    """`--resume --data NEW --steps 1` printed "it trains on NEW from now on (saved in config.json)", then refused
    the steps, leaving config.json as it was."""
    write_pan_frames(tmp_path / "data" / "pan", 8, np.random.default_rng(0))
    cfg = tmp_path / "cfg.json"
    cfg.write_text(json.dumps({"net_config": {"channels": 8, "blocks": 1, "hr_channels": 4}, "batch": 1, "frames": 3,
                               "patch": 8, "warmup": 1, "log_every": 1, "val_every": 0, "threads": 1}))
    run = str(tmp_path / "run")
    assert main(["train", "vsr", "--data", str(tmp_path / "data"), "--out", run, "--config", str(cfg),
                 "--steps", "2"]) == 0
    capsys.readouterr()
    (tmp_path / "data").rename(tmp_path / "moved")  # the data moved: a resume names its new place
    assert main(["train", "vsr", "--out", run, "--resume", "--data", str(tmp_path / "moved"), "--steps", "1"]) == 1
    out, err = capsys.readouterr()
    assert "saved" not in out and "is at step 2" in err
    cfg.write_text(json.dumps({"steps": 1}))  # the length from a --config file, too
    assert main(["train", "vsr", "--out", run, "--resume", "--data", str(tmp_path / "moved"), "--config",
                 str(cfg)]) == 1
    out, err = capsys.readouterr()
    assert "saved" not in out and "is at step 2" in err


def test_an_oserror_that_is_not_from_stdout_is_not_taken_for_one(monkeypatch):
    def fails(args):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("vsr_app.cli.cmd_models", fails)
    with pytest.raises(PermissionError):
        main(["models"])


def test_eval_records_what_it_scored(tmp_path, capsys):
    """The JSON and the table said nothing of --frames, the frames scored or the data; a run's model was known only
    by its card name (`r1` for runs/r1/model.safetensors), like any other run folder of that name."""
    run = tmp_path / "runs" / "r1"
    run.mkdir(parents=True)
    for suffix in (".safetensors", ".json"):
        shutil.copyfile(models_dir() / f"vsr-x4-student-fast{suffix}", run / f"model{suffix}")
    data = _frames(tmp_path / "data")
    argv = ["eval", "vsr", "--model", str(run), "--data", str(data), "--frames", "2", "--device", "cpu"]
    assert main(argv + ["--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert {"model", "params", "sequences", "mean"} <= set(result)  # DESIGN.md's contract
    assert result["data"] == str(data.resolve()) and result["frames_limit"] == 2
    assert result["model_path"] == str((run / "model.safetensors").resolve())
    import torch

    from vsr_app.devices import autocast_dtype

    bf16 = autocast_dtype(torch.device("cpu")) is not None
    assert (result["device"], result["precision"]) == ("cpu", "bf16" if bf16 else "fp32")  # they move the 4th decimal
    assert {name: sc["frames"] for name, sc in result["sequences"].items()} == {"a": 2, "b": 2}
    assert main(argv) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[1:3] == [f"  model file: {(run / 'model.safetensors').resolve()}",
                          f"  data: {data.resolve()}, the first 2 frames of each sequence"]
    assert table[3] == f"  ran on: cpu, {'bf16' if bf16 else 'fp32'}"  # as the JSON says, and the README promised
    assert [row.split()[:2] for row in table[4:]] == [["a", "2"], ["b", "2"], ["mean", "of"]]
    assert table[6].startswith("  mean of sequences     4 frames scored")  # not "mean 4": not a mean of all frames
    assert main(argv + ["--json", "--precision", "fp32"]) == 0  # as bench's model-alone timing takes it
    assert json.loads(capsys.readouterr().out)["precision"] == "fp32"


def test_eval_vfi_runs_in_the_precision_asked(tmp_path, capsys):
    from vsr_app.evaluate import eval_vfi

    data = _frames(tmp_path / "data")
    scored = {precision: eval_vfi("vfi-x2-student", data, frames=3, device="cpu",
                                  engine_options={"precision": precision}) for precision in ("fp32", "bf16")}
    assert [result["precision"] for result in scored.values()] == ["fp32", "bf16"]


def test_the_eval_table_keeps_its_columns_for_long_names_and_says_1_frame(tmp_path, capsys):
    data = _frames(tmp_path / "data")
    (data / "a").rename(data / "realshort_with_audio_clip_42")
    assert main(["eval", "vsr", "--model", "bicubic", "--data", str(data), "--frames", "1"]) == 0
    rows = capsys.readouterr().out.splitlines()[3:]
    assert len({row.index(" scored") for row in rows}) == 1, rows  # a long name shifted its row
    for name in ("1.png", "2.png"):
        (data / "b" / name).unlink()
    assert main(["eval", "vfi", "--model", "blend", "--data", str(data)]) == 1
    assert "has 1 frame; scoring it needs at least 3" in capsys.readouterr().err


def test_eval_of_a_model_by_name_records_no_path(tmp_path, capsys):
    assert main(["eval", "vfi", "--model", "blend", "--data", str(_frames(tmp_path)), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert "model_path" not in result and "frames_limit" not in result


def _measured(task: str) -> dict:
    return {"task": task, "input": [180, 320], "params": 66575, "precision": "bf16", "pipeline_precision": "bf16",
            "fps_model": 50.0, "fps_pipeline": 25.0, "cpu_ms_model": 20.0, "peak_rss_mb": 300.0, "threads": 1}


def test_the_bench_table_sizes_its_model_column_to_the_longest_name():
    """A fixed 18-character column shifted the rows of longer names (vsr-x4-student-aligned-bicubic: 12 columns)."""
    models = {name: _measured("upscale") for name in ("bicubic", "vsr-x4-student-aligned-bicubic")}
    models["blend"] = {"task": "interpolate", "error": "benchmarking blend crashed"}
    table = format_table({"device": "cpu", "machine": "test", "frames": 8, "warmup": 2, "budget_s": 3.0, "notes": [],
                          "models": models}).splitlines()
    column = table[1].index("task")
    assert [row[:column].split() + row[column:].split()[:1] for row in table[2:]] == \
        [["bicubic", "upscale"], ["vsr-x4-student-aligned-bicubic", "upscale"], ["blend", "interpolate"]]
    threads = table[1].index("threads") + len("threads")
    assert table[2][threads - 1] == "1"  # the threads it ran on (--threads 1 was said nowhere in the table)


@pytest.mark.parametrize("argv, says", [
    (["--model", "x", "upscale", "in.mp4", "-o", "out.mp4"],
     "--model comes before the command 'upscale': put a command's options after it: "
     "vsr-app upscale --model x in.mp4 -o out.mp4"),
    (["in.mp4", "--device", "cpu", "interpolate", "-o", "my out.mp4"],
     "--device comes before the command 'interpolate': put a command's options after it: "
     "vsr-app interpolate in.mp4 --device cpu -o 'my out.mp4'")])
def test_an_option_before_its_command_is_told_to_go_after_it(argv, says, capsys):
    """It was told to name the command (`vsr-app upscale IN -o OUT`), which it had."""
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2 and capsys.readouterr().err.splitlines()[-1] == f"vsr-app: error: {says}"


@pytest.mark.parametrize("command, model, says", [
    ("vsr", "blend", "model 'blend' interpolates frames: `vsr-app eval vfi` scores it; eval vsr scores x4 upscalers"),
    ("vfi", "bicubic", "model 'bicubic' upscales x4: `vsr-app eval vsr` scores it; eval vfi scores interpolators")])
def test_eval_of_a_model_for_the_other_task_names_the_eval_and_the_models_that_fit(command, model, says, tmp_path,
                                                                                   capsys):
    """It said only what the model is not ("is not an x4 upscaler", "does not interpolate frames"), where a misspelt
    name lists the models of each task."""
    assert main(["eval", command, "--model", model, "--data", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert f"error: {says} (upscalers: bicubic, " in err and "; interpolators: blend, " in err


def test_pruning_a_net_that_cannot_be_a_teacher_speaks_of_no_student(small_video, tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(small_video, data)
    assert main(["prune", "vfi", "--teacher", "blend", "--data", str(data), "--out", str(tmp_path / "run")]) == 1
    err = capsys.readouterr().err
    assert "'blend' is not a 4-frame interpolation net" in err and "student" not in err


def test_the_eval_table_says_at_most_where_a_sequence_is_shorter_than_frames(tmp_path, capsys):
    """"the first 100 frames of each sequence" stood above a note that a sequence had only 41."""
    data = _frames(tmp_path / "data", sequences=(("a", 3), ("b", 6)))
    assert main(["eval", "vsr", "--model", "bicubic", "--data", str(data), "--frames", "5"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[1] == f"  data: {data.resolve()}, at most the first 5 frames of each sequence (the notes say which " \
                       "were shorter)"
    assert table[-1] == "  note: --frames 5 is longer than a (3 frames): it was used whole"


@pytest.mark.parametrize("command", ["upscale", "upscale into a folder", "eval", "batch"])
def test_a_name_longer_than_the_disk_allows_is_an_error_not_a_traceback(tmp_path, capsys, command):
    """`upscale -o <300 a's>.mp4` raised OSError (File name too long) out of the option check (is_dir on it), and
    eval's --csv and batch's output folder out of their first use of the name. A folder's name too long in `-o` is
    said of that folder: it was said of the whole path."""
    from videogen import make_video

    video = tmp_path / "in" / "clip.mp4"
    video.parent.mkdir()
    make_video(video, frames=2)
    long_name = "n" * 300
    argv = {"upscale": ["upscale", str(video), "-o", str(tmp_path / f"{long_name}.mp4"), "--model", "bicubic"],
            "eval": ["eval", "vsr", "--model", "bicubic", "--data", str(video), "--csv",
                     str(tmp_path / f"{long_name}.csv")],
            "upscale into a folder": ["upscale", str(video), "-o", str(tmp_path / long_name / "x.mp4"), "--model",
                                      "bicubic"],
            "batch": ["batch", str(video.parent), "-o", str(tmp_path / long_name), "--model", "bicubic"]}[command]
    try:
        code = main(argv)
    except SystemExit as usage_error:  # the option check's (argparse's exit 2)
        code = usage_error.code
    upscale = command.startswith("upscale")
    assert code == (2 if upscale else 1)
    err = capsys.readouterr().err
    assert "is too long: " in err if upscale else "is longer than the disk allows" in err, err
    if command == "upscale into a folder":
        assert f"the folder name '{long_name}' is too long: 300 bytes, where the disk allows 255" in err, err
