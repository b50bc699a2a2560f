"""Starting, refusing and resuming training runs as users do: a refused start or resume leaves the run as it was,
options of the wrong kind are one-line errors, paths are stored so a run resumes from any folder, one trainer
per run folder, and bad validation clips stop a run before it trains."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from videogen import make_video, write_pan_frames
from vsr_app.distill import sources as sources_mod
from vsr_app.distill.options import LoopConfig
from vsr_app.distill.prune_run import prune_vfi
from vsr_app.distill.runs import claim_run_dir, release_run_dir, run_begins
from vsr_app.distill.train import lr_factor
from vsr_app.distill.train_cli import run_from_cli
from vsr_app.distill.vfi_task import VFIConfig, VFITask, train_vfi
from vsr_app.errors import VsrAppError
from vsr_app.models import load_model

ROOT = Path(__file__).resolve().parents[1]
TINY_VSR = {"net_config": {"channels": 8, "blocks": 1, "hr_channels": 4}, "batch": 1, "frames": 3, "patch": 8,
            "warmup": 1, "log_every": 1, "val_every": 0, "threads": 1}
TINY_VFI = {"base": 8, "crop": 32, "batch": 1, "warmup": 1, "log_every": 1, "val_every": 0, "threads": 1,
            "val_crop": 64, "val_triplets": 1}
quiet = {"log": lambda *_: None}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("train_data")
    write_pan_frames(root / "pan", 8, np.random.default_rng(0))
    return root


def config(tmp_path, name="cfg.json", **options) -> str:
    path = tmp_path / name
    path.write_text(json.dumps({**TINY_VSR, **options}))
    return str(path)


def vsr(data_dir, run, **kwargs):
    return run_from_cli("vsr", [str(data_dir)], str(run), **{**quiet, **kwargs})


def pasted(path) -> str:
    """`path` as a command the app prints quotes it (POSIX), escaped to match: a tester's TMPDIR may hold a space
    or brackets."""
    return re.escape(shlex.quote(str(path)))


def test_a_run_folder_inside_the_training_data_is_refused_before_anything_is_written(tmp_path):
    """`--out footage` and `--out footage/clip_frames` wrote checkpoints and models among the footage, which later
    runs on that folder then read past file by file."""
    data = tmp_path / "footage"
    write_pan_frames(data / "pan", 8, np.random.default_rng(0))
    before = sorted(data.rglob("*"))
    for out in (data, data / "pan", data / "runs" / "r1"):
        with pytest.raises(VsrAppError, match=f"the run folder {re.escape(str(out))} is inside the training data "
                                              f"{re.escape(str(data))}: "):
            vsr(data, out, config=config(tmp_path), steps=1)
        with pytest.raises(VsrAppError, match="is inside the training data"):
            train_vfi([str(data)], out, options={**TINY_VFI, "steps": 1}, **quiet)
    assert sorted(data.rglob("*")) == before
    vsr(data, tmp_path / "beside", config=config(tmp_path), steps=1)  # beside the data: trains


def test_a_refused_start_leaves_the_run_and_its_config_as_they_were(data_dir, tmp_path):
    run = tmp_path / "run"
    vsr(data_dir, run, steps=2, config=config(tmp_path))
    before = (run / "config.json").read_bytes()
    with pytest.raises(VsrAppError, match="already holds a run"):
        vsr(data_dir, run, steps=2, teacher="vsr-x4-teacher", distill="space",
            config=config(tmp_path, "other.json", lr=0.05))
    assert (run / "config.json").read_bytes() == before
    vsr(data_dir, run, steps=3, resume=True)  # and the run continues as it began
    assert json.loads((run / "model.json").read_text())["training"]["distill"] == "none"


def test_a_vsr_resume_says_another_tasks_options_apart_from_those_it_ignores(data_dir, tmp_path):
    """A resume given a pruning's --config said "ignoring batch, crop, log_every, tap_batches, val_every", as if crop
    and tap_batches were VSR options it set aside: a new VSR run refuses them as misspelt."""
    run, lines = tmp_path / "run", []
    vsr(data_dir, run, steps=1, config=config(tmp_path))
    pruning = config(tmp_path, "prune.json", batch=2, crop=64, tap_batches=2, log_every=3)
    vsr(data_dir, run, steps=2, resume=True, config=pruning, log=lines.append)
    assert (f"--resume continues with the run's own options ({run / 'config.json'}); ignoring batch, log_every; not "
            "options of train vsr: crop, tap_batches") in lines


def test_a_refused_start_leaves_the_runs_lock_as_it_was_and_a_real_start_takes_a_stale_one_over(data_dir, tmp_path):
    """A new run refused in a folder that holds a run wrote its own PID into that run's .lock, where a refused start
    changes nothing; a lock a trainer left (killed) must still name the next trainer that takes it."""
    run = tmp_path / "run"
    vsr(data_dir, run, steps=2, config=config(tmp_path))
    lock = run / ".lock"
    lock.write_bytes(b'\n{"pid": 999999, "host": "gone", "app": false}\n')  # a killed trainer's
    os.utime(lock, ns=(10**18, 10**18))
    starts = (lambda: vsr(data_dir, run, steps=2, config=config(tmp_path)),
              lambda: train_vfi([str(data_dir)], run, steps=1, options=TINY_VFI, **quiet),
              lambda: prune_vfi("vfi-x2-teacher", [str(data_dir)], run, options={"steps": 1}, **quiet))

    def refused_starts_change_nothing() -> None:
        before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in run.iterdir()}
        for start in starts:
            with pytest.raises(VsrAppError, match="already holds a run"):
                start()
        assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in run.iterdir()} == before

    refused_starts_change_nothing()
    vsr(data_dir, run, steps=3, resume=True)
    assert json.loads(lock.read_bytes())["pid"] == os.getpid()  # the stale record taken over
    lock.unlink()  # a run copied without its lock: a refused start leaves none
    refused_starts_change_nothing()


def test_the_loop_alone_sets_eval_mode_and_no_grad_around_a_vfi_validation(tmp_path):
    """VFITask.validate repeated the eval()/train() and no_grad that the loop's `_validate` puts around every task's
    validation (and the loop called the hooks every task has through hasattr): the loop's, once, for both tasks."""
    from vsr_app.distill.train import Task, _validate

    class Net(torch.nn.Module):
        size_multiple = 8

        def __init__(self):
            super().__init__()
            self.gain = torch.nn.Parameter(torch.ones(()))
            self.seen = []

        def forward(self, frames):
            self.seen.append((self.training, torch.is_grad_enabled()))
            return frames[:, 1] * self.gain

    make_video(tmp_path / "val.mp4", frames=10)
    net = Net()
    task = VFITask(net, [], {}, val_videos=[str(tmp_path / "val.mp4")], cfg=VFIConfig(val_triplets=1), **quiet)
    assert set(_validate(task, {"model": net}, torch.device("cpu"), None)) == {"val_psnr", "val_psnr_blend"}
    assert net.seen == [(False, False)] and net.training
    net.seen.clear()
    with torch.no_grad():
        task.validate()  # outside the loop: the net as its caller left it
    assert net.seen == [(True, False)]
    assert all(callable(getattr(Task, hook, None)) for hook in ("extra_state", "load_extra_state"))


def test_resume_cannot_change_the_network_and_a_checkpoint_that_does_not_fit_is_one_line(data_dir, tmp_path):
    run = tmp_path / "run"
    vsr(data_dir, run, steps=2, config=config(tmp_path))
    before = (run / "config.json").read_bytes()
    wider = config(tmp_path, "wide.json", net_config={"channels": 16, "blocks": 1, "hr_channels": 4})
    with pytest.raises(VsrAppError, match="--resume cannot change the network"):
        vsr(data_dir, run, steps=3, resume=True, config=wider)
    assert (run / "config.json").read_bytes() == before
    vsr(data_dir, run, steps=3, resume=True)
    saved = json.loads(before)
    saved["net_config"]["channels"] = 16  # a config.json edited by hand
    (run / "config.json").write_text(json.dumps(saved))
    with pytest.raises(VsrAppError, match="checkpoint does not fit the model .*size mismatch"):
        vsr(data_dir, run, steps=4, resume=True)


def test_an_aligned_student_trains_and_its_model_loads_aligned(data_dir, tmp_path):
    """The align option survives training, export and loading: the app runs the net it was trained as."""
    run = tmp_path / "run"
    vsr(data_dir, run, steps=2, config=config(tmp_path, net_config={**TINY_VSR["net_config"], "align": "dis"}))
    assert json.loads((run / "model.json").read_text())["config"]["align"] == "dis"
    assert load_model(str(run / "model.safetensors")).net.align == "dis"

@pytest.mark.parametrize("options, message", [
    ({"batch": "2"}, "'batch' must be int"),
    ({"lr": True}, "'lr' must be float"),
    ({"net_config": {"chanels": 8}}, "net_config for the student: .*chanels"),
    ({"net_config": {"align": "spynet"}}, "net_config for the student: align must be none, dis or dis_half"),
    ({"val": "clip.mp4"}, "'val' must be list"),
    ({"net_config": {"channels": 8, "scale": 2}}, "VSR training is x4"),
])
def test_options_of_the_wrong_kind_are_one_line_errors_before_anything_is_written(data_dir, tmp_path, options,
                                                                                 message):
    with pytest.raises(VsrAppError, match=message):
        vsr(data_dir, tmp_path / "run", steps=2, config=config(tmp_path, **options))
    assert not (tmp_path / "run" / "config.json").exists()


def test_a_config_that_is_not_an_object_is_refused(data_dir, tmp_path):
    (tmp_path / "list.json").write_text("[1, 2]")
    with pytest.raises(VsrAppError, match="must be a JSON object"):
        vsr(data_dir, tmp_path / "run", config=str(tmp_path / "list.json"))


def test_an_out_folder_that_cannot_be_made_is_one_line(data_dir, tmp_path):
    (tmp_path / "afile").write_text("x")
    for task in ("vsr", "vfi"):
        with pytest.raises(VsrAppError, match="cannot create the run folder"):
            run_from_cli(task, [str(data_dir)], str(tmp_path / "afile" / "run"), steps=1, **quiet)


def test_runs_store_absolute_paths_and_resume_from_another_folder(data_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(data_dir.parent)
    run = tmp_path / "run"
    vsr(Path(data_dir.name), run, steps=2, config=config(tmp_path))
    saved = json.loads((run / "config.json").read_text())
    assert saved["data"] == [str(data_dir)]
    monkeypatch.chdir(tmp_path)
    vsr(data_dir, run, steps=3, resume=True)
    assert json.loads((run / "checkpoint.json").read_text())["step"] == 3


def test_a_teacher_given_as_a_run_folder_is_stored_absolute_and_resumes_from_another_folder(data_dir, tmp_path,
                                                                                             monkeypatch):
    """`--teacher runs/scratch` (a run's folder: resolve takes it) was stored relative, so a resume from anywhere
    else failed with "unknown model", and --teacher with the full path was refused as another teacher."""
    vsr(data_dir, tmp_path / "runs" / "scratch", steps=1, config=config(tmp_path))
    monkeypatch.chdir(tmp_path)
    run = tmp_path / "student"
    vsr(data_dir, run, steps=1, config=config(tmp_path), teacher="runs/scratch", distill="output")
    assert json.loads((run / "config.json").read_text())["teacher"] == str(tmp_path / "runs" / "scratch")
    monkeypatch.chdir(data_dir)
    vsr(data_dir, run, steps=2, resume=True)
    assert json.loads((run / "checkpoint.json").read_text())["step"] == 2


def test_resuming_with_the_other_task_names_the_right_command(data_dir, tmp_path):
    run = tmp_path / "run"
    vsr(data_dir, run, steps=1, config=config(tmp_path))
    # the whole command, --out too: without it the paste failed ("--out is required")
    with pytest.raises(VsrAppError, match=f"video super-resolution run: continue it with `vsr-app train vsr --out "
                                          f"{pasted(run)} --resume`"):
        train_vfi([str(data_dir)], run, resume=True, **quiet)
    (run / "config.json").write_text(json.dumps({"data": [], "teacher": None, "distill": "none", "options": {}}))
    with pytest.raises(VsrAppError, match=f"frame-interpolation run: continue it with `vsr-app train vfi --out "
                                          f"{pasted(run)} --resume`"):
        vsr(data_dir, run, resume=True)
    # a pruning's: `train vfi --resume` refuses it too, so its own command is named
    (run / "config.json").write_text(json.dumps({"task": "prune", "data": [], "teacher": None, "options": {}}))
    with pytest.raises(VsrAppError, match=f"holds a `vsr-app prune vfi` run: continue it with `vsr-app prune vfi --out "
                                          f"{pasted(run)} --resume`"):
        vsr(data_dir, run, resume=True)


def test_frame_interpolation_refuses_vsr_distillation_in_one_line(data_dir, tmp_path):
    with pytest.raises(VsrAppError, match="distills with --distill laplacian"):
        run_from_cli("vfi", [str(data_dir)], str(tmp_path / "run"), teacher="vfi-x2-teacher",
                     distill="std", **quiet)
    assert not (tmp_path / "run").exists()


def test_a_vfi_config_file_may_name_the_teacher_and_the_distillation(data_dir, tmp_path):
    """As a VSR one may: they were refused as unknown options."""
    teacher = train_vfi([str(data_dir)], tmp_path / "teacher", steps=1, options=TINY_VFI, **quiet)
    path = tmp_path / "student.json"
    path.write_text(json.dumps({**TINY_VFI, "teacher": str(teacher), "distill": "laplacian"}))
    run_from_cli("vfi", [str(data_dir)], str(tmp_path / "run"), steps=1, config=str(path), **quiet)
    training = json.loads((tmp_path / "run" / "model.json").read_text())["training"]
    assert training["distill"] == "laplacian" and training["teacher"] == str(teacher)
    path.write_text(json.dumps({**TINY_VFI, "teacher": 5, "distill": "laplacian"}))
    with pytest.raises(VsrAppError, match="training option 'teacher' must be str"):
        run_from_cli("vfi", [str(data_dir)], str(tmp_path / "other"), steps=1, config=str(path), **quiet)


def test_a_vfi_student_resumes_after_the_net_it_began_from_is_gone(data_dir, tmp_path):
    """Its architecture was read again from init_from's card (a prune folder, deleted since) on every resume."""
    import shutil

    start = train_vfi([str(data_dir)], tmp_path / "pruned", steps=1, options=TINY_VFI, **quiet)
    run = tmp_path / "student"
    train_vfi([str(data_dir)], run, steps=1, options={**TINY_VFI, "init_from": str(start)}, **quiet)
    shutil.rmtree(tmp_path / "pruned")
    train_vfi(None, run, steps=2, resume=True, **quiet)
    assert json.loads((run / "model.json").read_text())["training"]["steps"] == 2


@pytest.mark.parametrize("clip, message", [("missing.mp4", "validation clip not found: "),
                                           ("five.mp4", "has 5 frame\\(s\\); it needs at least 7"),
                                           ("stills", "is not one video or frame sequence")])
def test_a_bad_validation_clip_stops_a_vfi_run_before_it_trains(data_dir, tmp_path, clip, message):
    import cv2

    make_video(tmp_path / "five.mp4", frames=5)
    (tmp_path / "stills").mkdir()
    for i in range(8):  # unrelated photos, not a sequence
        cv2.imwrite(str(tmp_path / "stills" / f"{i}.png"), np.random.default_rng(i).integers(0, 255, (48, 64, 3),
                                                                                            dtype=np.uint8))
    run = tmp_path / "run"
    with pytest.raises(VsrAppError, match=message):
        train_vfi([str(data_dir)], run, steps=2, options={**TINY_VFI, "val_videos": [str(tmp_path / clip)]}, **quiet)
    assert not run.exists()


@pytest.mark.parametrize("options, message", [({"base": 1}, "does not make a net that runs"),
                                             ({"base": 0}, "does not fit architecture 'vfi_stmfnet'")])
def test_a_vfi_net_that_cannot_run_is_refused_in_one_line_before_it_trains(data_dir, tmp_path, options, message):
    run = tmp_path / "run"
    with pytest.raises(VsrAppError, match=message):
        train_vfi([str(data_dir)], run, steps=2, options={**TINY_VFI, **options}, **quiet)
    assert not run.exists()


def test_a_second_trainer_on_the_same_folder_is_refused_while_the_first_holds_it(data_dir, tmp_path):
    run = tmp_path / "run"
    holder = subprocess.Popen([sys.executable, "-c", "import sys; from pathlib import Path; "
                               "from vsr_app.distill.runs import claim_run_dir; claim_run_dir(Path(sys.argv[1])); "
                               "print('held', flush=True); sys.stdin.read()", str(run)],
                              cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        for task in ("vsr", "vfi"):
            with pytest.raises(VsrAppError, match=rf"another training \(process {holder.pid}\) is running in"):
                run_from_cli(task, [str(data_dir)], str(run), steps=1, config=config(tmp_path), **quiet)
        assert not (run / "config.json").exists()
    finally:
        holder.communicate("", timeout=30)
    vsr(data_dir, run, steps=1, config=config(tmp_path))  # free again once the first trainer has gone
    assert (run / "model.safetensors").exists()


def _locked_elsewhere(run: Path) -> bool:
    """Whether another trainer would find the run folder taken (a lock from a separate open, as another process's)."""
    import fcntl

    fd = os.open(run / ".lock", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)
    return False


@pytest.mark.skipif(os.name == "nt", reason="flock")
def test_a_command_that_trains_inside_its_own_claim_keeps_the_folder_until_it_releases_it(tmp_path):
    """prune claims its folder, trains in it (train claims and releases too), then writes its plan and pruned net:
    the inner release must not drop the lock that still covers those writes."""
    run = tmp_path / "run"
    claim_run_dir(run)
    claim_run_dir(run)  # train's own claim
    run_begins(run)  # its first batch in: the run writes its files
    release_run_dir(run)  # train returns
    assert _locked_elsewhere(run)
    (run / "plan.json").write_text("{}")  # what prune writes after training
    release_run_dir(run)
    assert not _locked_elsewhere(run)


@pytest.mark.skipif(os.name == "nt", reason="flock")
@pytest.mark.parametrize("start", [
    lambda data, run: train_vfi(data, run, steps=1, options=TINY_VFI, **quiet),
    lambda data, run: prune_vfi("vfi-x2-teacher", data, run, options={"steps": 1}, **quiet),
    lambda data, run: run_from_cli("vsr", data, str(run), steps=1, **quiet),
], ids=["train vfi", "prune vfi", "train vsr"])
def test_a_start_refused_before_its_claim_leaves_the_callers_claim_on_the_folder(tmp_path, start):
    """train vfi claimed its folder only after checking the data, but released a claim whatever happened: data
    refused before the claim released the caller's instead, unlocking (and removing) the folder under it."""
    run = tmp_path / "run"
    claim_run_dir(run)
    try:
        with pytest.raises(VsrAppError, match="training data not found"):
            start([str(tmp_path / "no such folder")], run)
        assert run.is_dir() and _locked_elsewhere(run)
    finally:
        release_run_dir(run)
    assert not run.exists()  # the caller's claim made it, and its release removes it


def test_a_short_new_run_reaches_its_learning_rate_and_keeps_its_schedule_when_extended(data_dir, tmp_path):
    run = tmp_path / "run"
    vsr(data_dir, run, steps=20, config=config(tmp_path, warmup=200))
    assert json.loads((run / "config.json").read_text())["warmup"] == 2  # capped at a tenth of the run
    vsr(data_dir, run, steps=40, resume=True)  # extended: the schedule it began with, no second warm-up
    assert json.loads((run / "config.json").read_text())["warmup"] == 2
    long = LoopConfig(steps=3000, warmup=50)  # lr_factor itself is unchanged
    assert lr_factor(49, long) == 1.0 and lr_factor(48, long) < 1.0


@pytest.mark.parametrize("options, message", [
    ({"batch": 0}, "'batch' must be at least 1"), ({"patch": 0}, "'patch' must be at least 8"),
    ({"log_every": 0}, "'log_every' must be at least 1"), ({"lr": -1}, "'lr' must be more than 0"),
    ({"steps": -3}, "'steps' must be at least 1"),
    ({"seed": -3}, "'seed' must be at least 0"),  # a traceback from numpy's generator
    ({"seed": 2**64}, "'seed' must be at most 9223372036854775807"),
    ({"weight_decay": float("nan")}, "'weight_decay' must be a finite number, not NaN"),
    ({"min_lr_ratio": -1}, "'min_lr_ratio' must be from 0 to 1"),  # trained on with negative learning rates
    ({"still_fraction": 1.5}, "'still_fraction' must be from 0 to 1"),
    ({"amp": "fp32"}, "'amp' must be one of auto, bf16, fp16, none, not \"fp32\""),  # ran as auto: bf16 here
    ({"net_config": {"channels": 0}}, r'net_config \{"channels": 0\} does not make a net that runs: .*weight'),
])
def test_numbers_out_of_range_are_refused_in_one_line_and_leave_nothing(data_dir, tmp_path, options, message):
    with pytest.raises(VsrAppError, match=message):
        vsr(data_dir, tmp_path / "run", config=config(tmp_path, **options))
    assert not (tmp_path / "run").exists()  # the folder the refused start made is gone again


def test_resume_takes_a_net_config_that_spells_out_a_default(data_dir, tmp_path):
    run = tmp_path / "run"
    vsr(data_dir, run, steps=1, config=config(tmp_path))
    same = config(tmp_path, "same.json", net_config={**TINY_VSR["net_config"], "scale": 4})
    vsr(data_dir, run, steps=2, resume=True, config=same)
    assert json.loads((run / "checkpoint.json").read_text())["step"] == 2


def test_hidden_files_are_skipped_and_a_bad_video_in_a_folder_says_what_to_do(tmp_path):
    from vsr_app.distill.sources import load_sources

    folder = tmp_path / "footage"
    folder.mkdir()
    make_video(folder / "clip.mp4", frames=8)
    (folder / "._clip.mp4").write_bytes(b"\x00\x05\x16\x07 AppleDouble sidecar")
    assert [s.name for s in load_sources([folder], log=lambda *_: None)] == ["clip.mp4"]
    (folder / "broken.mp4").write_bytes(b"not a video")
    with pytest.raises(VsrAppError, match="broken.mp4.*; remove it from the training folder"):
        load_sources([folder], log=lambda *_: None)


def test_val_on_the_command_line_scores_a_held_out_clip_and_says_how_to_use_the_model(data_dir, tmp_path, capsys):
    from vsr_app.cli import main

    clip = make_video(tmp_path / "held out.mp4", frames=6)
    run = tmp_path / "run"
    assert main(["train", "vsr", "--data", str(data_dir), "--out", str(run), "--steps", "2", "--val", str(clip),
                 "--config", config(tmp_path, val_every=2)]) == 0
    records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert any("val_psnr" in r for r in records)
    assert "val_psnr" in json.loads((run / "model.json").read_text())["metrics"]
    model = shlex.quote(str(run / "model.safetensors"))
    assert f"use it with: vsr-app upscale IN -o OUT --model {model}" in capsys.readouterr().out
    assert main(["upscale", str(clip), "-o", str(tmp_path / "out.mp4"), "--model",
                 str(run / "checkpoint.safetensors")]) == 1  # the checkpoint next to it is no model, and says so
    assert "a training run's checkpoint is not a model: use model.safetensors beside it" in capsys.readouterr().err


def test_a_missing_validation_clip_is_called_the_validation_clip(data_dir, tmp_path):
    with pytest.raises(VsrAppError, match="validation clip not found: .*nowhere.mp4"):
        vsr(data_dir, tmp_path / "run", steps=2, val=[str(tmp_path / "nowhere.mp4")], config=config(tmp_path))
    assert not (tmp_path / "run").exists()


def test_a_one_frame_validation_clip_is_refused_as_what_it_is(data_dir, tmp_path):
    clip = make_video(tmp_path / "one.mp4", frames=1)
    with pytest.raises(VsrAppError, match="one.mp4 holds a single frame; validation needs a video or frame sequence of "
                                          "2 frames or more"):
        vsr(data_dir, tmp_path / "run", steps=2, val=[str(clip)], config=config(tmp_path))
    assert not (tmp_path / "run").exists()


def test_a_run_in_the_current_folder_names_its_model_after_the_folder(data_dir, tmp_path, monkeypatch):
    run = tmp_path / "holiday"
    run.mkdir()
    monkeypatch.chdir(run)
    vsr(data_dir, ".", steps=1, config=config(tmp_path))
    assert json.loads((run / "model.json").read_text())["name"] == "holiday"


def test_a_run_folder_names_the_model_it_trained(data_dir, tmp_path):
    from vsr_app.models import resolve

    run = tmp_path / "run"
    vsr(data_dir, run, steps=1, config=config(tmp_path))
    assert resolve(str(run)).path == str(run / "model.safetensors")
    with pytest.raises(VsrAppError, match="model file not found"):
        resolve(str(tmp_path))  # a folder without a model is still not one


def test_a_vfi_resume_says_which_new_options_and_data_it_ignores(data_dir, tmp_path):
    run, lines = tmp_path / "run", []
    train_vfi([str(data_dir)], run, steps=1, options=TINY_VFI, **quiet)
    other = tmp_path / "other"
    other.mkdir()
    train_vfi([str(other)], run, steps=2, resume=True, options={**TINY_VFI, "lr": 0.05, "patch": 16},
              log=lines.append)
    assert (f"--resume continues with the run's own options ({run / 'config.json'}); ignoring lr; not options of "
            "train vfi: patch") in lines  # VSR's patch: a new VFI run refuses it as misspelt
    assert f"--resume trains on the run's own data: {data_dir}" in lines
    assert json.loads((run / "checkpoint.json").read_text())["step"] == 2


def test_data_with_nothing_to_train_on_leaves_no_run_folder_behind(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("no videos here")
    for task in ("vsr", "vfi"):
        with pytest.raises(VsrAppError, match="no videos or images found"):
            run_from_cli(task, [str(tmp_path / "empty")], str(tmp_path / task), steps=1, **quiet)
        assert not (tmp_path / task).exists()


def test_footage_larger_than_the_memory_budget_is_sampled_in_whole_segments(tmp_path, monkeypatch):
    from vsr_app.distill import sources

    clip = make_video(tmp_path / "long.mp4", frames=100, width=64, height=48)
    whole = sources.load_sources([clip], log=lambda *_: None)
    assert [len(s.frames) for s in whole] == [100]
    frame_bytes = whole[0].frames[0].nbytes
    monkeypatch.setattr(sources, "DATA_BUDGET_BYTES", 50 * frame_bytes)  # room for half of it
    lines = []
    sampled = sources.load_sources([clip], log=lines.append)
    assert [(s.name, len(s.frames)) for s in sampled] == [("long.mp4#0", 32), ("long.mp4#2", 32)]
    np.testing.assert_array_equal(sampled[1].frames[0], whole[0].frames[64])  # segments are consecutive frames
    assert any("one run of 32 frames in every 2 is used" in line for line in lines)
    assert [len(s.frames) for s in sources.load_sources([clip], max_frames_per_video=10, log=lines.append)] == [10]
    longer = sources.load_sources([clip], log=lambda *_: None, segment_frames=40)  # a clip with a burn-in
    assert [(s.name, len(s.frames)) for s in longer] == [("long.mp4#0", 40), ("long.mp4#2", 20)]


@pytest.mark.parametrize("degrade, message", [({"crf": 99}, "crf must be a range"),
                                              ({"crf": [40, 20]}, "crf must be a range"),
                                              ({"noise_p": 2}, "noise_p must be a probability")])
def test_a_degradation_mix_that_cannot_work_is_refused_before_training(data_dir, tmp_path, degrade, message):
    with pytest.raises(VsrAppError, match=f"degrade: {message}"):
        vsr(data_dir, tmp_path / "run", config=config(tmp_path, degrade=degrade))
    assert not (tmp_path / "run").exists()


def test_a_vsr_resume_continues_with_its_own_options_and_data_and_says_what_it_ignores(data_dir, tmp_path):
    run, lines = tmp_path / "run", []
    vsr(data_dir, run, steps=1, config=config(tmp_path))
    before = json.loads((run / "config.json").read_text())
    other = tmp_path / "other"
    write_pan_frames(other / "pan", 8, np.random.default_rng(1))
    run_from_cli("vsr", [str(other)], str(run), steps=2, resume=True,
                 config=config(tmp_path, "changed.json", lr=0.05, batch=2), log=lines.append)
    assert any("ignoring batch, lr" in line for line in lines)
    assert f"--resume trains on the run's own data: {data_dir}" in lines
    assert json.loads((run / "config.json").read_text()) == {**before, "steps": 2}  # only the length changed
    run_from_cli("vsr", None, str(run), steps=3, resume=True, **quiet)  # --data may be left out
    assert json.loads((run / "checkpoint.json").read_text())["step"] == 3


@pytest.mark.parametrize("task", ["vsr", "vfi"])
def test_a_video_whose_header_does_not_read_stops_a_start_before_anything_is_written(tmp_path, task):
    folder = tmp_path / "footage"
    folder.mkdir()
    make_video(folder / "clip.mp4", frames=8)
    (folder / "broken.mp4").write_bytes(b"not a video")
    with pytest.raises(VsrAppError, match="broken.mp4.*; remove it from the training folder"):
        run_from_cli(task, [str(folder)], str(tmp_path / "run"), steps=1, **quiet)
    assert not (tmp_path / "run").exists()


def test_init_from_and_cache_are_stored_absolute(data_dir, tmp_path, monkeypatch):
    first = tmp_path / "first"
    vsr(data_dir, first, steps=1, config=config(tmp_path))
    monkeypatch.chdir(tmp_path)
    vsr(data_dir, tmp_path / "second", steps=1,
        config=config(tmp_path, "more.json", init_from="first/model.safetensors", cache="cache", cache_batches=2))
    saved = json.loads((tmp_path / "second" / "config.json").read_text())
    assert saved["init_from"] == str(first / "model.safetensors") and saved["cache"] == str(tmp_path / "cache")
    run = tmp_path / "vfi"
    train_vfi([str(data_dir)], run, steps=1, options=TINY_VFI, **quiet)
    train_vfi([str(data_dir)], tmp_path / "vfi2", steps=1, options={**TINY_VFI, "init_from": "vfi/model.safetensors"},
              **quiet)
    assert json.loads((tmp_path / "vfi2" / "config.json").read_text())["options"]["init_from"] == \
        str(run / "model.safetensors")


def test_an_init_from_of_another_net_is_said_in_one_line(data_dir, tmp_path):
    """Torch's message listed every missing and unexpected key: 3 KB for a vfi net given to a vsr run."""
    train_vfi([str(data_dir)], tmp_path / "vfi", steps=1, options=TINY_VFI, **quiet)
    with pytest.raises(VsrAppError) as refused:
        vsr(data_dir, tmp_path / "run", steps=1,
            config=config(tmp_path, init_from=str(tmp_path / "vfi" / "model.safetensors")))
    message = str(refused.value)
    assert message.startswith("model.safetensors does not fit this model: ") and "missing (such as " in message
    assert "not in this model (such as " in message and "init_partial" in message and len(message) < 400


@pytest.mark.parametrize("argv, message", [
    (["train", "vsr", "--distill", "laplacian"], "laplacian is not for train vsr"),
    (["train", "vfi", "--distill", "std"], "std is not for train vfi"),
    (["train", "vsr", "--distill", "std"], "--distill std needs --teacher"),
    (["train", "vsr", "--teacher", "vsr-x4-teacher", "--distill", "none"], "--teacher is used only for distillation"),
    # exited 1 after the parse, where the same teacher with --distill none is a usage error
    (["train", "vsr", "--teacher", "vsr-x4-teacher"],
     "--teacher is used only for distillation: add --distill (std, space, time, output), or leave out --teacher"),
    (["train", "vfi", "--teacher", "vfi-x2-teacher"], "add --distill (laplacian), or leave out --teacher"),
])
def test_train_flags_that_cannot_go_together_are_usage_errors(data_dir, tmp_path, capsys, argv, message):
    from vsr_app.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(argv + ["--data", str(data_dir), "--out", str(tmp_path / "run")])
    assert exit_.value.code == 2 and message in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


def test_a_teacher_whose_distillation_a_config_file_leaves_out_is_a_user_error_not_a_usage_error(data_dir, tmp_path,
                                                                                                  capsys):
    """The --config file may name the distillation: only the file, read later, tells that it does not (exit 1)."""
    from vsr_app.cli import main

    assert main(["train", "vsr", "--teacher", "vsr-x4-teacher", "--config", config(tmp_path), "--data", str(data_dir),
                 "--out", str(tmp_path / "run")]) == 1
    assert "--teacher is used only for distillation: add --distill" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


def test_train_without_data_is_a_usage_error_unless_resuming(tmp_path, capsys):
    from vsr_app.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(["train", "vsr", "--out", str(tmp_path / "run")])
    assert exit_.value.code == 2 and "--data" in capsys.readouterr().err


def test_a_refused_prune_leaves_nothing_and_its_config_is_read_like_trains(data_dir, tmp_path, capsys):
    from vsr_app.cli import main
    from vsr_app.distill.prune_run import prune_vfi

    with pytest.raises(VsrAppError, match="unknown training option"):
        prune_vfi("vfi-x2-teacher", [str(data_dir)], tmp_path / "run", options={"bogus": 1}, **quiet)
    assert not (tmp_path / "run").exists()
    listed = tmp_path / "list.json"
    listed.write_text("[1]")
    assert main(["prune", "vfi", "--teacher", "vfi-x2-teacher", "--data", str(data_dir), "--out",
                 str(tmp_path / "run"), "--config", str(listed)]) == 1
    assert "must be a JSON object" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


def test_the_run_folder_helpers_and_the_options_load_without_torch():
    """The Train tab and the run set-up read these without the training loop's torch, OpenCV or PyAV, and the tab's
    run-folder rules without Qt: the prune command line was built in vfi_task, which loaded torch and the nets."""
    probe = ("import sys, vsr_app.distill.options; "
             "from vsr_app.distill.runs import prune_arguments, prune_command; "
             "from vsr_app.gui.run_files import run_val_clips, write_options; "
             "print([m for m in ('torch', 'cv2', 'av', 'PySide6') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("card", ["{not json", "[1]", '{"arch": "vfi_stmfnet"}'])
def test_a_bad_card_beside_init_from_is_one_line_and_leaves_nothing(data_dir, tmp_path, card):
    (tmp_path / "w.safetensors").write_bytes(b"")
    (tmp_path / "w.json").write_text(card)
    run = tmp_path / "run"
    with pytest.raises(VsrAppError, match="the model card of init_from") as err:
        train_vfi([str(data_dir)], run, steps=1, options={**TINY_VFI, "init_from": str(tmp_path / "w.safetensors")},
                  **quiet)
    assert "\n" not in str(err.value) and not run.exists()


@pytest.mark.parametrize("task", ["vsr", "vfi"])
def test_a_validation_clip_inside_the_training_data_is_refused(tmp_path, task):
    """It would be trained on and then score itself (a number that only looks held out)."""
    folder = tmp_path / "footage"
    folder.mkdir()
    clip = make_video(folder / "clip.mp4", frames=8)
    with pytest.raises(VsrAppError, match="part of the training data"):
        run_from_cli(task, [str(folder)], str(tmp_path / "run"), steps=1, val=[str(clip)], **quiet)
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("task", ["vsr", "vfi"])
def test_a_validation_folder_around_the_training_data_is_refused(tmp_path, task):
    """--data project/train --val project: validation scored the footage it was trained on."""
    train = tmp_path / "project" / "train"
    train.mkdir(parents=True)
    make_video(train / "clip.mp4", frames=8)
    with pytest.raises(VsrAppError, match="validation folder .*project holds the training data"):
        run_from_cli(task, [str(train)], str(tmp_path / "run"), steps=1, val=[str(tmp_path / "project")],
                     **quiet)
    assert not (tmp_path / "run").exists()


def test_a_vsr_validation_folder_of_several_videos_is_refused_not_scored_by_its_first(tmp_path):
    """Only the first was scored, and the card named the folder as if all of it had been."""
    data, val = tmp_path / "footage", tmp_path / "held"
    data.mkdir()
    val.mkdir()
    make_video(data / "clip.mp4", frames=8)
    for name in ("a.mp4", "b.mp4"):
        make_video(val / name, frames=9)  # (8 frames would be clip.mp4's very bytes: a copy of training data)
    with pytest.raises(VsrAppError, match="holds 2 videos, sequences or stills; give one video or frame sequence"):
        run_from_cli("vsr", [str(data)], str(tmp_path / "run"), steps=1, val=[str(val)], **quiet)


def test_a_validation_clip_reached_through_a_link_in_the_data_is_refused(tmp_path):
    outside = make_video(tmp_path / "held out.mp4", frames=8)
    folder = tmp_path / "footage"
    folder.mkdir()
    make_video(folder / "clip.mp4", frames=8)
    (folder / "linked.mp4").symlink_to(outside)
    for val in (outside, folder / "linked.mp4"):
        with pytest.raises(VsrAppError, match="part of the training data"):
            run_from_cli("vsr", [str(folder)], str(tmp_path / "run"), steps=1, val=[str(val)], **quiet)
    assert not (tmp_path / "run").exists()


def test_a_vfi_clip_inside_the_data_is_fine_when_exclude_holds_it_out(tmp_path):
    """The project's VFI configs validate on clips of their own --data, held out by `exclude`: `train vfi` refused
    them, `prune vfi` did not check at all."""
    folder = tmp_path / "footage"
    write_pan_frames(folder / "frames" / "trained", 8, np.random.default_rng(2))
    val = [str(make_video(folder / "held.mp4", frames=8))]

    def vfi_config(exclude: list[str]) -> str:
        path = tmp_path / "vfi.json"
        path.write_text(json.dumps({**TINY_VFI, "val_every": 1, "exclude": exclude}))
        return str(path)

    with pytest.raises(VsrAppError, match="part of the training data.*exclude"):
        run_from_cli("vfi", [str(folder)], str(tmp_path / "run"), steps=1, val=val,
                     config=vfi_config(["trained"]), **quiet)
    with pytest.raises(VsrAppError, match="part of the training data"):  # before the teacher is looked at
        prune_vfi("no-such-teacher", [str(folder)], tmp_path / "pruned", options={"val_videos": val}, **quiet)
    assert not (tmp_path / "run").exists() and not (tmp_path / "pruned").exists()
    run_from_cli("vfi", [str(folder)], str(tmp_path / "run"), steps=1, val=val,
                 config=vfi_config(["held.mp4"]), **quiet)
    assert json.loads((tmp_path / "run" / "model.json").read_text())["metrics"]["val_psnr"] > 0
    sources_mod.check_held_out([str(folder / "frames" / "trained")], [str(folder)], ["trained"])  # a folder by its name


def test_exclude_holds_out_a_video_kept_in_runs(tmp_path, monkeypatch):
    """Over the memory budget a video is kept in 32-frame runs named `clip.mp4#k`: `exclude: ["clip.mp4"]` must
    still hold it out."""
    make_video(tmp_path / "clip.mp4", frames=40)
    make_video(tmp_path / "other.mp4", frames=40)
    monkeypatch.setattr(sources_mod, "DATA_BUDGET_BYTES", 1)
    task = VFITask(torch.nn.Identity(), [str(tmp_path)], {}, cfg=VFIConfig(exclude=["clip.mp4"]), **quiet)
    assert [s.name for s in task.sampler().seqs] == ["other.mp4#0"]


def test_a_file_system_without_inodes_does_not_make_every_clip_look_like_training_data(tmp_path, monkeypatch):
    """Some network and FUSE mounts report inode 0 for every file: matching by inode would refuse any clip."""
    folder = tmp_path / "footage"
    folder.mkdir()
    (folder / "clip.mp4").write_bytes(b"a")
    outside = tmp_path / "held out.mp4"
    outside.write_bytes(b"b")
    real_stat = os.stat
    monkeypatch.setattr(sources_mod.os, "stat", lambda path, *a, **k: os.stat_result(real_stat(path)[:1] + (0,)
                                                                                      + real_stat(path)[2:]))
    sources_mod.check_held_out([str(outside)], [str(folder)])  # not refused
    with pytest.raises(VsrAppError, match="part of the training data"):
        sources_mod.check_held_out([str(folder / "clip.mp4")], [str(folder)])  # inside the folder: still refused


def test_a_copy_of_a_training_video_is_refused_as_a_validation_clip(tmp_path):
    """`cp footage/bikes.mp4 bikes_copy.mp4; --val bikes_copy.mp4` was taken (only paths and inodes were compared)
    and scored 46 dB on footage it trained on."""
    import shutil

    folder = tmp_path / "footage"
    folder.mkdir()
    make_video(folder / "bikes.mp4", frames=6)
    shutil.copy(folder / "bikes.mp4", tmp_path / "bikes_copy.mp4")
    with pytest.raises(VsrAppError, match=f"validation clip {re.escape(str(tmp_path / 'bikes_copy.mp4'))} is a copy "
                                          f"of {re.escape(str(folder / 'bikes.mp4'))}, part of the training data "
                                          f"\\({re.escape(str(folder))}\\): it would be trained on"):
        sources_mod.check_held_out([str(tmp_path / "bikes_copy.mp4")], [str(folder)])
    make_video(tmp_path / "other.mp4", frames=7)  # another video: taken
    sources_mod.check_held_out([str(tmp_path / "other.mp4")], [str(folder)])
    sources_mod.check_held_out([str(tmp_path / "bikes_copy.mp4")], [str(folder)], ["bikes.mp4"])  # held out by exclude
    write_pan_frames(folder / "pan", 4, np.random.default_rng(3))
    shutil.copytree(folder / "pan", tmp_path / "pan_copy")  # a frame sequence copied whole: `cp -r`
    with pytest.raises(VsrAppError, match=f"validation clip {re.escape(str(tmp_path / 'pan_copy'))} holds copies of "
                                          f"training frames \\({re.escape(str(folder))}\\), such as "
                                          f"{re.escape(str(folder / 'pan'))}"):
        sources_mod.check_held_out([str(tmp_path / "pan_copy")], [str(folder)])


def test_frames_alike_at_both_ends_or_one_shared_frame_are_no_copy(tmp_path):
    """Two-ends samples took different letterboxed BMP frames of one size for copies, and one frame in both (a black
    fade) refused a whole held-out sequence."""
    import cv2

    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 256, (720, 640, 3), dtype=np.uint8) for _ in range(4)]
    for frame in frames:
        frame[:300], frame[-300:] = 0, 0  # letterbox bars: the first and last MiB of each .bmp alike
    (tmp_path / "data" / "film").mkdir(parents=True)
    (tmp_path / "held").mkdir()
    for i in range(3):
        cv2.imwrite(str(tmp_path / "data" / "film" / f"{i}.bmp"), frames[i])
    cv2.imwrite(str(tmp_path / "held" / "0.bmp"), frames[3])
    sources_mod.check_held_out([str(tmp_path / "held")], [str(tmp_path / "data")])  # another frame: no copy
    shared = tmp_path / "data" / "film" / "0.bmp"
    for i in range(1, 3):  # the held-out sequence: one frame of the film's, two of its own
        cv2.imwrite(str(tmp_path / "held" / f"{i}.bmp"), np.ascontiguousarray(frames[3][:, ::-1] // i))
    (tmp_path / "held" / "3.bmp").write_bytes(shared.read_bytes())
    sources_mod.check_held_out([str(tmp_path / "held")], [str(tmp_path / "data")])


def test_a_refused_resume_changes_nothing_and_an_older_run_ignores_new_options(data_dir, tmp_path):
    run, lines = tmp_path / "run", []
    vsr(data_dir, run, steps=1, config=config(tmp_path))
    for name in ("checkpoint", "model"):  # neither the checkpoint nor the weights alone: nothing to continue
        (run / f"{name}.safetensors").rename(run / f"kept-{name}.safetensors")
    before = (run / "config.json").read_bytes()
    with pytest.raises(VsrAppError, match="nothing to resume"):
        vsr(data_dir, run, steps=5, resume=True)
    assert (run / "config.json").read_bytes() == before
    for name in ("checkpoint", "model"):
        (run / f"kept-{name}.safetensors").rename(run / f"{name}.safetensors")
    older = json.loads(before)
    older["data"] = [os.path.relpath(data_dir)]  # as runs stored it before session 12
    (run / "config.json").write_text(json.dumps(older))
    vsr(data_dir, run, steps=2, resume=True, config=config(tmp_path, "new.json", lr=0.05), log=lines.append)
    assert any("ignoring lr" in line for line in lines)
    saved = json.loads((run / "config.json").read_text())
    assert saved.get("lr") == older.get("lr") and saved["data"] == [str(data_dir)]


def start(task, data, run, **kwargs):
    """A tiny run of either task, through the command's own set-up."""
    if task == "vfi":
        return train_vfi(data, run, options=TINY_VFI, **{**quiet, **kwargs})
    return run_from_cli("vsr", data, str(run), config=config(run.parent), **{**quiet, **kwargs})


def _saved_steps(run: Path) -> int:
    saved = json.loads((run / "config.json").read_text())
    return saved.get("options", saved)["steps"]


def test_a_vfi_run_extended_on_resume_saves_its_new_length(data_dir, tmp_path):
    run = tmp_path / "run"
    train_vfi([str(data_dir)], run, steps=1, options=TINY_VFI, **quiet)
    train_vfi(None, run, steps=3, resume=True, **quiet)
    assert _saved_steps(run) == 3  # a later plain --resume continues to 3, not "already at step 3 of 1"


@pytest.mark.parametrize("task", ["vsr", "vfi"])
def test_resume_refuses_steps_below_the_step_reached_and_keeps_the_runs_length(data_dir, tmp_path, task):
    run = tmp_path / "run"
    start(task, [str(data_dir)], run, steps=3)
    with pytest.raises(VsrAppError, match=r"is at step 3: --steps 2 would end it before that; give --steps above 3"):
        start(task, None, run, steps=2, resume=True)
    assert _saved_steps(run) == 3


@pytest.mark.parametrize("task", ["vsr", "vfi"])
def test_a_run_whose_data_moved_resumes_with_data_naming_the_new_place(data_dir, tmp_path, task):
    import shutil

    old, new, run, lines = tmp_path / "old", tmp_path / "new", tmp_path / "run", []
    shutil.copytree(data_dir, old)
    start(task, [str(old)], run, steps=1)
    old.rename(new)
    with pytest.raises(VsrAppError, match=f"training data not found: {re.escape(str(old))}; if it has moved, resume "
                                          "with --data"):
        start(task, None, run, steps=2, resume=True)
    start(task, [str(new)], run, steps=2, resume=True, log=lines.append)
    assert any(f"the run's data {old} is gone: it trains on {new}" in line for line in lines)
    assert json.loads((run / "config.json").read_text())["data"] == [str(new)]
    assert json.loads((run / "checkpoint.json").read_text())["step"] == 2


def test_a_resume_after_a_hard_kill_drops_the_metrics_of_the_lost_steps(data_dir, tmp_path):
    run = tmp_path / "run"
    vsr(data_dir, run, steps=2, config=config(tmp_path))
    with open(run / "metrics.jsonl", "a") as fh:  # logged after the last checkpoint, then killed mid-record
        fh.write(json.dumps({"step": 3, "loss": 9.0}) + "\n" + json.dumps({"step": 3, "val_psnr": 99.0}) + "\n")
        fh.write('{"step": 4, "lo')
    vsr(data_dir, run, steps=4, resume=True)
    records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records] == [1, 2, 3, 4] and 9.0 not in [r["loss"] for r in records]
    assert "val_psnr" not in json.loads((run / "model.json").read_text())["metrics"]


def test_metrics_lines_that_hold_no_record_are_passed_over_by_a_resume_and_by_the_export(tmp_path):
    """A line that parses but is no record (`null`, a step that is no number) stopped a resume with an
    AttributeError or a TypeError, and a torn line stopped the export's search for the last validation (a traceback
    in the middle of a save); elapsed_before passed over both. A resume drops them with the lost steps."""
    from vsr_app.distill.checkpoint import elapsed_before, resume_metrics
    from vsr_app.distill.train import _last_validation

    first, last = {"step": 1, "loss": 0.5, "elapsed_s": 3.0}, {"step": 2, "val_psnr": 30.0}
    odd = ["null", "[1, 2]", '"text"', '{"step": null, "loss": 0.4}', '{"step": "2", "loss": 0.4}', '{"step": 2, "v']
    (tmp_path / "metrics.jsonl").write_text("\n".join([json.dumps(first), *odd, json.dumps(last), odd[-1]]) + "\n")
    assert _last_validation(tmp_path, None) == last
    assert elapsed_before(tmp_path) == 3.0
    resume_metrics(tmp_path, 2, [])
    assert [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()] == [first, last]


@pytest.mark.parametrize("task", ["vsr", "vfi"])
def test_a_start_refused_for_its_data_or_device_leaves_nothing(data_dir, tmp_path, task, monkeypatch):
    import shutil

    bad = tmp_path / "bad"
    shutil.copytree(data_dir, bad)
    (bad / "pan" / "003.png").write_bytes(b"not an image")
    with pytest.raises(VsrAppError, match="003.png"):
        start(task, [str(bad)], tmp_path / "run", steps=1)
    assert not (tmp_path / "run").exists()
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.version, "cuda", "12.8")  # a CUDA build on a machine without a GPU
    (tmp_path / "run").mkdir()  # a folder that was there before is kept, as it was
    with pytest.raises(VsrAppError, match='no CUDA GPU is available; set "device": "cpu" in the --config options'):
        if task == "vfi":
            train_vfi([str(data_dir)], tmp_path / "run", steps=1, options={**TINY_VFI, "device": "cuda"}, **quiet)
        else:
            vsr(data_dir, tmp_path / "run", steps=1, config=config(tmp_path, device="cuda"))
    assert [p.name for p in (tmp_path / "run").iterdir()] in ([], [".lock"])


def test_the_cuda_hint_of_commands_with_a_device_flag_still_names_it(monkeypatch):
    from vsr_app.devices import resolve_device

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.version, "cuda", "12.8")
    with pytest.raises(VsrAppError, match="no CUDA GPU is available; use --device cpu"):
        resolve_device("cuda")


def test_asking_a_cpu_only_torch_for_cuda_says_the_build_is_why(monkeypatch):
    """The packaged app's torch is CPU-only: "no CUDA GPU is available" sent a user with a GPU after its driver."""
    from vsr_app.devices import resolve_device

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.version, "cuda", None)
    monkeypatch.setattr(torch.version, "hip", None)
    monkeypatch.setattr(torch, "__version__", "2.11.0+cpu")  # the version to install is this torch's, not a copy
    with pytest.raises(VsrAppError, match=r"but this torch is a CPU-only build \(install a CUDA build of torch "
                                          r"2\.11\.0 into \.venv for the GPU, see README\); use --device cpu$"):
        resolve_device("cuda")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    with pytest.raises(VsrAppError, match=r"but this packaged app is built for the CPU only"):
        resolve_device("cuda")


def test_asking_a_rocm_torch_without_a_gpu_for_cuda_says_no_gpu_is_available(monkeypatch):
    """A ROCm build runs AMD GPUs under the "cuda" device name: it was called a CPU-only build."""
    from vsr_app.devices import resolve_device

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.version, "cuda", None)
    monkeypatch.setattr(torch.version, "hip", "6.2.41133")
    with pytest.raises(VsrAppError, match=r"^CUDA was requested but no GPU is available to this torch \(a ROCm build, "
                                          r"for AMD GPUs\); use --device cpu$"):
        resolve_device("cuda")


def test_a_vfi_run_starts_from_the_same_weights_for_the_same_seed(data_dir, tmp_path):
    from safetensors.torch import load_file

    weights = []
    for other_seed, name in enumerate(("a", "b")):
        torch.manual_seed(other_seed)  # whatever ran before in the process
        train_vfi([str(data_dir)], tmp_path / name, steps=1, options=TINY_VFI, **quiet)
        weights.append(load_file(str(tmp_path / name / "model.safetensors")))
    assert weights[0].keys() == weights[1].keys()
    assert all(torch.equal(weights[0][k], weights[1][k]) for k in weights[0])


def test_an_existing_run_folder_on_a_read_only_disk_is_refused_in_one_line(tmp_path, monkeypatch):
    """The lock file's open was outside any handler: a traceback instead of a message. (Root ignores permission
    bits, so the read-only disk is simulated where the lock file is opened.)"""
    run = tmp_path / "run"
    run.mkdir()
    real_open = os.open

    def read_only_disk(path, flags, *args):
        if Path(path).name == ".lock":
            raise OSError(30, "Read-only file system", str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", read_only_disk)
    with pytest.raises(VsrAppError, match=r"^cannot write to the run folder .*run: Read-only file system$"):
        claim_run_dir(run)


@pytest.mark.skipif(os.name == "nt", reason="flock is POSIX's lock")
def test_a_run_folder_on_a_disk_without_locks_trains_unguarded_with_a_warning(tmp_path, monkeypatch, caplog):
    """It was refused as 'another training is running', which no other training was."""
    import fcntl

    def no_locks(fd, operation):
        raise OSError(38, "Function not implemented")

    monkeypatch.setattr(fcntl, "flock", no_locks)
    run = tmp_path / "run"
    claim_run_dir(run)
    try:
        assert "cannot lock the run folder" in caplog.text
    finally:
        release_run_dir(run)
    assert not run.exists()  # the claim made it, and nothing else was written


def test_a_run_saved_with_an_option_refused_since_says_where_to_change_it(data_dir, tmp_path):
    """"amp": "fp32" was taken (as auto) before the options were checked: such a run's resume said only that the
    option was wrong, not that it is the run's own, in its config.json."""
    run = tmp_path / "run"
    vsr(data_dir, run, steps=1, config=config(tmp_path))
    saved = json.loads((run / "config.json").read_text())
    (run / "config.json").write_text(json.dumps({**saved, "amp": "fp32"}))
    with pytest.raises(VsrAppError, match=r"'amp' must be one of .* \(in .*config.json, the run's options: change it "
                                          r"there to resume\)"):
        vsr(data_dir, run, steps=2, resume=True)
    (run / "config.json").write_text(json.dumps({**saved, "lambda_space": float("nan")}))  # a VSR task option
    with pytest.raises(VsrAppError, match=r"'lambda_space' must be a finite number, not NaN \(in .*config.json"):
        vsr(data_dir, run, steps=2, resume=True)
    (run / "config.json").write_text(json.dumps(saved))
    with pytest.raises(VsrAppError) as refused:  # the command line's own: not the run's config.json
        vsr(data_dir, run, resume=True, config=config(tmp_path, "zero.json", steps=0))
    assert "'steps' must be at least 1" in str(refused.value) and "config.json" not in str(refused.value)


@pytest.mark.parametrize("options, message", [
    ({"crop": 33}, "'crop' must be a multiple of 8 .* not 33: use 32 or 40"),
    ({"val_crop": 5}, "'val_crop' must be 0 \\(whole frames\\) or at least 8, not 5"),
])
def test_a_crop_the_interpolation_net_cannot_take_is_refused_before_training(data_dir, tmp_path, options, message):
    """An odd crop crashed in the first step with a torch traceback (shape ... is invalid), a val_crop of 5 after it."""
    with pytest.raises(VsrAppError, match=message):
        train_vfi([str(data_dir)], tmp_path / "run", steps=2, options={**TINY_VFI, **options}, **quiet)
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("task", ["vsr", "vfi"])
def test_a_new_run_keeps_a_config_json_already_in_its_folder(data_dir, tmp_path, task):
    """A project or model folder with its own config.json (or model.json) lost it to the run's without a word."""
    run = tmp_path / "project"
    run.mkdir()
    (run / "config.json").write_text("my notes")
    (run / "model.json").write_text("{}")
    said = []
    if task == "vsr":
        vsr(data_dir, run, steps=1, config=config(tmp_path), log=said.append)
    else:
        train_vfi([str(data_dir)], run, steps=1, options=TINY_VFI, log=said.append)
    kept = {p.name: p.read_text() for p in run.glob("*.json") if p.name.startswith(("config.2", "model.2"))}
    assert sorted(kept.values()) == ["my notes", "{}"], kept
    assert sum("is kept as" in line for line in said) == 2
    assert json.loads((run / "config.json").read_text()) and (run / "model.safetensors").is_file()


@pytest.mark.parametrize("task", ["vsr", "vfi"])
def test_a_run_whose_validation_clip_and_teacher_moved_resumes_with_their_new_places(data_dir, tmp_path, task):
    """--val and --teacher naming the moved files were ignored ("ignoring val") or refused ("was started with
    --teacher"), and the run could not be resumed at all."""
    import shutil

    if task == "vsr":
        options = config(tmp_path)
        teacher = vsr(data_dir, tmp_path / "teacher", steps=1, config=options)
    else:
        options = tmp_path / "vfi.json"
        options.write_text(json.dumps(TINY_VFI))
        teacher = train_vfi([str(data_dir)], tmp_path / "teacher", steps=1, options=TINY_VFI, **quiet)
    shutil.copy(teacher, tmp_path / "teacher.safetensors")
    shutil.copy(teacher.with_suffix(".json"), tmp_path / "teacher.json")
    old_val, new_val = tmp_path / "held.mp4", tmp_path / "moved" / "held.mp4"
    make_video(old_val, frames=10)
    run, lines = tmp_path / "run", []
    distill = "std" if task == "vsr" else "laplacian"
    run_from_cli(task, [str(data_dir)], str(run), steps=1, config=str(options), val=[str(old_val)],
                 teacher=str(tmp_path / "teacher.safetensors"), distill=distill, **quiet)
    new_val.parent.mkdir()
    old_val.rename(new_val)
    (tmp_path / "moved" / "teacher.safetensors").write_bytes((tmp_path / "teacher.safetensors").read_bytes())
    (tmp_path / "moved" / "teacher.json").write_bytes((tmp_path / "teacher.json").read_bytes())
    for name in ("teacher.safetensors", "teacher.json"):
        (tmp_path / name).unlink()
    with pytest.raises(VsrAppError, match=r"teacher .* is gone; if it has moved, resume with --teacher"):
        run_from_cli(task, None, str(run), steps=2, resume=True, **quiet)
    with pytest.raises(VsrAppError, match=f"validation clip not found: {re.escape(str(old_val))}; if it has moved, "
                                          "resume with --val"):
        run_from_cli(task, None, str(run), steps=2, resume=True,
                     teacher=str(tmp_path / "moved" / "teacher.safetensors"), **quiet)
    run_from_cli(task, None, str(run), steps=2, resume=True, val=[str(new_val)],
                 teacher=str(tmp_path / "moved" / "teacher.safetensors"), log=lines.append)
    assert any(f"validates on {new_val} from now on (it validated on {old_val}; " in line for line in lines), lines
    saved = json.loads((run / "config.json").read_text())
    assert saved["teacher"] == str(tmp_path / "moved" / "teacher.safetensors")
    assert saved.get("options", saved)["val" if task == "vsr" else "val_videos"] == [str(new_val)]
    assert json.loads((run / "checkpoint.json").read_text())["step"] == 2


def test_a_validation_clip_given_on_resume_is_used_and_checked_like_a_new_runs(data_dir, tmp_path):
    """--val on resume was ignored ("ignoring val"); once taken, one inside the data must be refused as at a start."""
    import shutil

    data, run, lines = tmp_path / "data", tmp_path / "run", []
    shutil.copytree(data_dir, data)  # (the module's data folder is shared: a clip is added to this copy)
    vsr(data, run, steps=1, config=config(tmp_path))
    inside = make_video(data / "inside.mp4", frames=8)
    said = []
    with pytest.raises(VsrAppError, match="part of the training data"):
        vsr(data, run, steps=2, resume=True, val=[str(inside)], log=said.append)
    assert not any("validates on" in line for line in said)  # refused before it is said to be taken
    held = make_video(tmp_path / "held.mp4", frames=9)  # (8 frames would be inside.mp4's very bytes: a copy)
    vsr(data, run, steps=2, resume=True, val=[str(held)], log=lines.append)
    assert any(f"the run validates on {held} from now on" in line for line in lines), lines
    assert json.loads((run / "config.json").read_text())["val"] == [str(held)]


def test_an_out_that_is_a_file_is_said_to_be_a_file(data_dir, tmp_path):
    (tmp_path / "afile").write_text("x")
    for task in ("vsr", "vfi"):
        with pytest.raises(VsrAppError, match="cannot create the run folder .*afile: a file of that name is there"):
            run_from_cli(task, [str(data_dir)], str(tmp_path / "afile"), steps=1, **quiet)


@pytest.mark.parametrize("task, distill, teacher", [("vsr", "space", "vsr-x4-teacher"),
                                                    ("vfi", "laplacian", "vfi-x2-teacher")])
def test_an_unknown_teacher_is_named_as_the_teacher_with_the_models_that_can_teach(data_dir, tmp_path, task, distill,
                                                                                   teacher):
    """It said "unknown model 'nope' (upscalers: bicubic, ...; interpolators: blend, ...)": not which option, and
    built-ins that cannot teach."""
    options = tmp_path / "options.json"
    options.write_text(json.dumps(TINY_VSR if task == "vsr" else TINY_VFI))
    with pytest.raises(VsrAppError) as caught:
        run_from_cli(task, [str(data_dir)], str(tmp_path / "run"), teacher="nope", distill=distill, steps=1,
                     config=str(options), **quiet)
    said = str(caught.value)
    listed = said.removeprefix("unknown --teacher 'nope' (the installed models that can teach: ")
    assert listed != said and listed.endswith(")")
    names = listed[:-1].split(", ")
    assert teacher in names and not {"bicubic", "blend", "opencv-flow", "ffmpeg-mci"} & set(names)
    assert all(name.startswith("vsr-x4" if task == "vsr" else "vfi-x2") for name in names)  # only the task's own
    assert not (tmp_path / "run").exists()


def test_the_rate_reaches_its_floor_at_the_runs_last_step():
    """The floor fell one step past the end: a 3-step run's last step ran at half the peak, and a resume's 'then
    decays to 4e-06 at step 5' was contradicted by its step 5 at 3.27e-05 (a new user on a short try)."""
    cfg = LoopConfig(steps=3, warmup=1, lr=2e-4)
    assert [lr_factor(step, cfg) for step in range(3)] == [1.0, pytest.approx(0.51), pytest.approx(cfg.min_lr_ratio)]
