"""`vsr-app prune vfi` end to end on a tiny teacher: plan.json, the pruned weights and card agree, and it runs."""

import json
import re
import shlex
import signal
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from vsr_app.cli import main
from vsr_app.distill.prune_run import prune_vfi
from vsr_app.errors import VsrAppError
from vsr_app.models import count_params, load_model, save_model
from vsr_app.nets.vfi_teacher import VFINet


def _frames(folder, n=12, size=(64, 80)):
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    texture = cv2.resize(rng.integers(0, 255, (24, 30, 3), dtype=np.uint8), (size[1] + 40, size[0]),
                         interpolation=cv2.INTER_CUBIC)
    for t in range(n):
        cv2.imwrite(str(folder / f"{t:03d}.png"), texture[:, 2 * t:2 * t + size[1]])


def test_prune_cli_writes_a_consistent_plan_and_a_runnable_student(tmp_path):
    torch.manual_seed(0)
    teacher = VFINet(base=8, kernel=3)
    teacher_path = save_model(teacher, tmp_path / "teacher.safetensors", {
        "name": "tiny-teacher", "task": "interpolate", "scale": 2, "arch": "vfi_stmfnet",
        "config": {"base": 8, "kernel": 3}})
    _frames(tmp_path / "data" / "clip")
    config = tmp_path / "prune.json"
    config.write_text(json.dumps({"crop": 32, "batch": 1, "prune_prox_steps": 6, "log_every": 5, "threads": 1,
                                  "min_width": 2}))
    out = tmp_path / "run"
    rc = main(["prune", "vfi", "--teacher", str(teacher_path), "--data", str(tmp_path / "data"), "--out", str(out),
               "--target-params-ratio", "0.3", "--steps", "8", "--config", str(config)])
    assert rc == 0
    plan = json.loads((out / "plan.json").read_text())
    student = load_model(str(out / "pruned.safetensors"), "cpu")
    assert plan["params_after"] == count_params(student.net) <= plan["target_params"]
    assert plan["params_before"] == count_params(teacher)
    for group, entry in plan["groups"].items():
        assert entry["after"] == len(entry["kept"]) == student.net.widths[group]
    # every conv's output channels in the student are exactly the reported survivors of its group
    sparse = load_model(str(out / "model.safetensors"), "cpu").net
    for name, node in sparse.graph.items():
        if isinstance(node.out, str):
            kept = plan["groups"][node.out]["kept"]
            torch.testing.assert_close(student.net.convs[name].bias, sparse.convs[name].bias[kept])
    with torch.no_grad():
        assert student.net(torch.rand(1, 4, 3, 32, 32)).shape == (1, 3, 32, 32)


def test_prune_cli_also_prunes_taps_and_reports_them(tmp_path):
    torch.manual_seed(0)
    cfg = {"base": 8, "kernels": [3, 3, 3], "mix": True, "corr": True, "coarse_flow": True, "bm_prior": True}
    teacher = VFINet(**cfg)
    teacher_path = save_model(teacher, tmp_path / "teacher.safetensors", {
        "name": "tiny-teacher", "task": "interpolate", "scale": 2, "arch": "vfi_stmfnet", "config": cfg})
    _frames(tmp_path / "data" / "clip")
    config = tmp_path / "prune.json"
    config.write_text(json.dumps({"crop": 32, "batch": 1, "prune_prox_steps": 4, "log_every": 5, "threads": 1,
                                  "min_width": 2, "tap_mass": 0.5, "tap_batches": 2}))
    out = tmp_path / "run"
    assert main(["prune", "vfi", "--teacher", str(teacher_path), "--data", str(tmp_path / "data"), "--out",
                 str(out), "--target-params-ratio", "0.3", "--steps", "6", "--config", str(config)]) == 0
    plan = json.loads((out / "plan.json").read_text())
    student = load_model(str(out / "pruned.safetensors"), "cpu").net
    taps = plan["taps"]
    assert tuple(taps["kept"]) == student.n_taps and tuple(taps["before"]) == (9, 9, 9)
    assert all(1 <= k < 9 for k in student.n_taps)  # centre-peaked kernels: a few taps hold half the weight
    assert plan["params_after"] == count_params(student)
    with torch.no_grad():
        assert student(torch.rand(1, 4, 3, 32, 32)).shape == (1, 3, 32, 32)


def test_a_stopped_prune_says_what_works_and_its_folder_is_refused_by_train_vfi_in_one_line(tmp_path, monkeypatch):
    import functools
    import threading

    from vsr_app import shell
    from vsr_app.distill import prune_run, vfi_task

    # a checkout's own vsr-app, which no PATH holds: the hint named a bare `vsr-app` ("command not found")
    app = tmp_path / "my checkout" / ".venv" / "bin" / "vsr-app"
    monkeypatch.setattr(shell, "_app_program", lambda: [str(app)])
    torch.manual_seed(0)
    teacher_path = save_model(VFINet(base=8, kernel=3), tmp_path / "teacher.safetensors", {
        "name": "tiny-teacher", "task": "interpolate", "scale": 2, "arch": "vfi_stmfnet",
        "config": {"base": 8, "kernel": 3}})
    _frames(tmp_path / "data" / "clip")
    stopped = threading.Event()
    stopped.set()  # as a stop after the first step
    monkeypatch.setattr(prune_run, "train", functools.partial(prune_run.train, cancel=stopped))
    out, lines = tmp_path / "run", []
    prune_run.prune_vfi(str(teacher_path), [str(tmp_path / "data")], out, 0.3, log=lines.append, options={
        "crop": 32, "batch": 1, "steps": 8, "threads": 1, "min_width": 2, "val_every": 0})
    assert (f"stopped at step 1 of 8: checkpoint written; continue with `{shlex.quote(str(app))} prune vfi --out "
            f"{shlex.quote(str(out))} --resume`") in lines
    saved = json.loads((out / "config.json").read_text())
    assert saved["options"]["warmup"] == 1 and saved["task"] == "prune"  # capped as train caps it; says its task
    with pytest.raises(VsrAppError, match=r"holds a `vsr-app prune vfi` run: continue it with `"
                                          + re.escape(f"{shlex.quote(str(app))} prune vfi")):
        vfi_task.train_vfi(None, out, steps=9, resume=True, log=lambda *_: None)


def test_a_prune_run_folder_as_a_model_is_its_pruned_net(tmp_path):
    """`interpolate --model PRUNE_RUN` ran its model.safetensors, the sparse net the pruning trains (the teacher's
    size, 5.6x slower than the pruned net), without a word: a run's folder means what the run makes, a training
    run's model.safetensors and a pruning's pruned net, which an unfinished pruning has not made yet."""
    from vsr_app.distill.runs import resume_command
    from vsr_app.models import resolve

    run = tmp_path / "prune run"
    card = {"task": "interpolate", "scale": 2, "arch": "vfi_stmfnet", "config": {"base": 8, "kernel": 3}}
    save_model(VFINet(base=8, kernel=3), run / "model.safetensors", {**card, "name": "prune-run-sparse"})
    (run / "config.json").write_text(json.dumps({"task": "prune", "command": "prune vfi", "options": {"steps": 8}}))
    with pytest.raises(VsrAppError, match=re.escape(
            f"{run} holds a pruning that has not made its pruned net (pruned.safetensors) yet: continue it with "
            f"`{resume_command('prune', run)}`, or give {run / 'model.safetensors'} for the sparse net it trains")):
        resolve(str(run))
    for step in (8, 40):  # extended twice: the nets of its earlier ends are kept beside it
        (run / f"pruned-step{step}.safetensors").write_bytes(b"")
    with pytest.raises(VsrAppError, match=re.escape(
            f"`, or give {run / 'pruned-step40.safetensors'} for its pruned net of step 40, or "
            f"{run / 'model.safetensors'} for the sparse net it trains")):
        resolve(str(run))
    save_model(VFINet(base=8, kernel=3), run / "pruned.safetensors", {**card, "name": "prune-run-pruned"})
    assert resolve(str(run)).path == str(run / "pruned.safetensors")
    assert resolve(str(run / "model.safetensors")).name == "prune-run-sparse"  # still there by its path
    (run / "config.json").unlink()  # copied without it: the card's copy of the options says the same
    card_copy = json.loads((run / "model.json").read_text())
    (run / "model.json").write_text(json.dumps({**card_copy, "run_config": {"task": "prune", "options": {}}}))
    assert resolve(str(run)).path == str(run / "pruned.safetensors")


def _prune(tmp_path, out, steps: int = 10, resume: bool = False, interrupt_after: int | None = None,
           prox_steps: int | None = 6) -> list[str]:
    """`prune vfi` of the tiny teacher on the tiny frames (proximal phase: `prox_steps`, None: not set), interrupted
    as Stop or Ctrl+C interrupt it (SIGINT: the loop checkpoints and the interruption goes on up) after
    `interrupt_after` steps if given; its log lines."""
    from vsr_app.distill import prune_run

    lines = []

    def log(line):
        lines.append(line)
        if interrupt_after is not None and line.startswith(f"step={interrupt_after}/"):
            signal.raise_signal(signal.SIGINT)

    given = {} if prox_steps is None else {"prune_prox_steps": prox_steps}
    options = {} if resume else {**TINY_PRUNE, "steps": steps, "log_every": 1, **given}
    prune_run.prune_vfi(None if resume else _tiny_teacher(tmp_path), None if resume else [str(tmp_path / "data")],
                        out, 0.3, log=log, resume=resume, options=options)
    return lines


def test_a_stopped_prune_resumes_to_the_net_an_uninterrupted_one_makes(tmp_path):
    """A stopped pruning could not be continued: minutes to hours of sparsity steps were lost to a Stop. Resumed,
    it goes on in the phase it was in (OBProx-SG's steps taken, its lambda, the momentum) and ends with the same
    pruned net as a run never stopped."""
    _frames(tmp_path / "data" / "clip")
    whole = tmp_path / "whole"
    _prune(tmp_path, whole)
    parted = tmp_path / "parted"
    with pytest.raises(KeyboardInterrupt):
        _prune(tmp_path, parted, interrupt_after=4)
    assert not (parted / "pruned.safetensors").exists()
    lines = _prune(tmp_path, parted, resume=True)
    assert any(line.startswith(f"resumed {parted} at step 4") for line in lines), lines
    a = load_model(str(whole / "pruned.safetensors"), "cpu").net.state_dict()
    b = load_model(str(parted / "pruned.safetensors"), "cpu").net.state_dict()
    assert a.keys() == b.keys()
    for key in a:
        torch.testing.assert_close(a[key], b[key], rtol=0, atol=0)
    plans = [json.loads((run / "plan.json").read_text()) for run in (whole, parted)]
    assert plans[0]["groups"] == plans[1]["groups"]


def test_a_stop_after_the_last_step_says_how_to_make_the_pruned_net(tmp_path, monkeypatch):
    """Ctrl+C while the pruned net was being cut out (after the last step) printed only "interrupted"; --resume makes
    it from the checkpoint."""
    from vsr_app.distill import prune_run

    _frames(tmp_path / "data" / "clip")
    run = tmp_path / "run"

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(prune_run, "apply_threshold", interrupted)
    lines = []
    with pytest.raises(KeyboardInterrupt):
        prune_run.prune_vfi(_tiny_teacher(tmp_path), [str(tmp_path / "data")], run, 0.3, log=lines.append,
                            options={**TINY_PRUNE, "steps": 2, "prune_prox_steps": 1})
    assert lines[-1] == ("stopped while making the pruned net from the finished pruning; continue with "
                         f"`vsr-app prune vfi --out {shlex.quote(str(run))} --resume`")
    monkeypatch.undo()
    _prune(tmp_path, run, resume=True)
    assert (run / "pruned.safetensors").is_file()


def test_a_pruning_begun_before_the_defaults_changed_resumes_on_the_options_it_began_with(tmp_path):
    """Continued after the defaults became the shipped student's, a pruning begun before cut its taps (another net
    than it began to make) and took 128-px crops: its config.json held only the options given. A new pruning writes
    them, so no later change of defaults alters it."""
    _frames(tmp_path / "data" / "clip")
    run = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        _prune(tmp_path, run, steps=3, interrupt_after=1)
    config = json.loads((run / "config.json").read_text())
    changed = ("crop", "max_stride", "still_fraction", "still_shift", "scale_jitter", "min_motion", "motion_tries",
               "tap_mass", "tap_batches")
    assert {key: config["options"][key] for key in changed} == {  # a new run's: the crop given, the defaults taken
        "crop": 32, "max_stride": 4, "still_fraction": 0.4, "still_shift": 12.0, "scale_jitter": [0.5, 1.0],
        "min_motion": 2.0, "motion_tries": 3, "tap_mass": 0.9, "tap_batches": 16}
    for key in changed:  # as a pruning of then wrote it
        del config["options"][key]
    (run / "config.json").write_text(json.dumps(config))
    lines = _prune(tmp_path, run, resume=True)
    assert ("prune: this run began under the earlier defaults and keeps the options it started with: crop 64, "
            "max_stride 2, still_fraction 0.2, still_shift 3.0, scale_jitter [0.6, 1.0], min_motion 0.0, "
            "motion_tries 1, tap_mass 0.0, tap_batches 8") in lines
    assert json.loads((run / "plan.json").read_text())["taps"] is None  # tap_mass 0: every tap kept
    assert load_model(str(run / "pruned.safetensors"), "cpu").net.n_taps == (9, 9, 9)
    saved = json.loads((run / "config.json").read_text())["options"]
    assert (saved["crop"], saved["tap_mass"], saved["tap_batches"]) == (64, 0.0, 8)


def test_a_pruning_stopped_by_an_earlier_version_resumes_in_its_phase(tmp_path):
    """Its checkpoint holds no count of OBProx-SG's steps and its options no prune_prox_steps: the count is its step
    and the phase boundary comes from its own length, not from a --steps that extends it."""
    _frames(tmp_path / "data" / "clip")
    whole, parted = tmp_path / "whole", tmp_path / "parted"
    _prune(tmp_path, whole)
    with pytest.raises(KeyboardInterrupt):
        _prune(tmp_path, parted, interrupt_after=8)  # in the orthant phase (6 proximal steps)
    from safetensors.torch import load_file, save_file
    from safetensors import safe_open

    ckpt = parted / "checkpoint.safetensors"
    with safe_open(str(ckpt), "pt") as fh:
        header = fh.metadata()
    meta = json.loads(header["meta"])
    meta["task"] = {}
    save_file(load_file(str(ckpt)), str(ckpt), metadata={**header, "meta": json.dumps(meta)})
    config = json.loads((parted / "config.json").read_text())
    del config["options"]["prune_prox_steps"]
    config["options"]["steps"] = 8  # 0.75 * 8 = 6: the boundary it had
    (parted / "config.json").write_text(json.dumps(config))
    from vsr_app.distill import prune_run

    prune_run.prune_vfi(None, None, parted, resume=True, options={"steps": 10}, log=lambda *_: None)
    assert json.loads((parted / "config.json").read_text())["options"]["prune_prox_steps"] == 6
    a = load_model(str(whole / "pruned.safetensors"), "cpu").net.state_dict()
    b = load_model(str(parted / "pruned.safetensors"), "cpu").net.state_dict()
    for key in a:
        torch.testing.assert_close(a[key], b[key], rtol=0, atol=0)


@pytest.mark.parametrize("steps, given, resumed, kept, said", [
    (20, None, 8, 6, "the pruning's proximal phase spans 6 steps now, not 15: 3/4 of its 8 steps, as a new pruning of "
                     "that length has it; its orthant steps begin after step 6"),
    (20, 12, 8, 12, "prune_prox_steps 12, which the pruning's options set, is not below its 8 steps: every step is a "
                    "proximal one and no orthant step comes (change it in {config} for them; a new pruning of 8 steps "
                    "has 6)"),
    (6, None, 12, 9, "the pruning's proximal phase spans 9 steps now, not 4: 3/4 of its 12 steps, as a new pruning of "
                     "that length has it; its orthant steps begin after step 9"),
], ids=["shorter", "shorter, set by its options", "longer"])
def test_a_pruning_resumed_at_another_length_moves_its_proximal_phase_with_it(tmp_path, steps, given, resumed, kept,
                                                                              said):
    """A pruning of 20 steps (proximal phase: 15, 3/4 of them) stopped at step 2 and resumed with --steps 8 kept its
    15 proximal steps: all 8 were proximal, and the orthant steps that make the net sparse never came. Proximal steps
    its options set are kept, and said where they leave no orthant step."""
    _frames(tmp_path / "data" / "clip")
    run = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        _prune(tmp_path, run, steps=steps, interrupt_after=2, prox_steps=given)
    from vsr_app.distill import prune_run

    lines = []
    prune_run.prune_vfi(None, None, run, resume=True, options={"steps": resumed}, log=lines.append)
    assert said.format(config=run / "config.json") in lines, lines
    assert json.loads((run / "config.json").read_text())["options"]["prune_prox_steps"] == kept
    assert (run / "pruned.safetensors").is_file()


def test_a_resumed_pruning_whose_teacher_moved_is_told_where_it_went(tmp_path):
    from vsr_app.distill import prune_run

    _frames(tmp_path / "data" / "clip")
    run = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        _prune(tmp_path, run, interrupt_after=3)
    teacher = tmp_path / "teacher.safetensors"
    moved = tmp_path / "elsewhere"
    moved.mkdir()
    for path in (teacher, teacher.with_suffix(".json")):
        path.rename(moved / path.name)
    with pytest.raises(VsrAppError, match="teacher .* is gone; if it has moved, resume with --teacher"):
        prune_run.prune_vfi(None, None, run, resume=True, log=lambda *_: None)
    lines = []
    prune_run.prune_vfi(str(moved / teacher.name), None, run, resume=True, log=lines.append)
    assert any("is gone: it prunes" in line for line in lines) and (run / "pruned.safetensors").is_file()
    assert json.loads((run / "config.json").read_text())["teacher"] == str(moved / teacher.name)


def test_an_extended_pruning_sets_its_earlier_net_aside(tmp_path):
    """Extended by --steps and stopped, it left the earlier pruned net beside a checkpoint past it, which the Train
    tab then offered as Start from."""
    _frames(tmp_path / "data" / "clip")
    run = tmp_path / "run"
    _prune(tmp_path, run, steps=6)
    from vsr_app.distill import prune_run

    lines = []
    prune_run.prune_vfi(None, None, run, resume=True, options={"steps": 8}, log=lines.append)
    assert "pruned.safetensors of step 6 kept as pruned-step6.safetensors: the extended pruning makes a new one" in lines
    assert load_model(str(run / "pruned-step6.safetensors"), "cpu").task == "interpolate"  # its card went with it
    assert (run / "plan-step6.json").is_file() and (run / "pruned.safetensors").is_file()
    kept_card = json.loads((run / "pruned-step6.json").read_text())
    assert kept_card["training"]["plan"] == str(run / "plan-step6.json")  # not the new plan.json


def test_a_finished_pruning_resumed_keeps_its_pruned_net_and_says_so(tmp_path, capsys):
    """`prune vfi --resume` at the run's own length trained nothing, then cut the pruned net out again, wrote it and
    its plan anew and said "pruned model written to"."""
    _frames(tmp_path / "data" / "clip")
    run = tmp_path / "run"
    _prune(tmp_path, run, steps=3)
    names = ("pruned.safetensors", "pruned.json", "plan.json", "checkpoint.safetensors", "model.safetensors")
    files = {name: (run / name).stat().st_ino for name in names}  # (an atomic rewrite makes another file)
    assert main(["prune", "vfi", "--out", str(run), "--resume"]) == 0
    said = capsys.readouterr().out.splitlines()
    assert "nothing to train: the run is at step 3 of 3; give --steps above 3 to train on" in said
    assert f"its pruned net is kept as it was: {run / 'pruned.safetensors'}" in said
    assert not any("written to" in line for line in said), said
    assert {name: (run / name).stat().st_ino for name in names} == files


def test_prune_resume_is_refused_where_it_cannot_continue(tmp_path):
    from vsr_app.distill import prune_run, vfi_task

    _frames(tmp_path / "data" / "clip")
    with pytest.raises(VsrAppError, match="nothing to resume"):
        prune_run.prune_vfi(None, None, tmp_path / "empty", resume=True, log=lambda *_: None)
    run = tmp_path / "run"
    _prune(tmp_path, run, steps=3)
    (run / "checkpoint.safetensors").unlink()  # the sparse weights alone do not hold OBProx-SG's phase and lambda
    with pytest.raises(VsrAppError, match="no checkpoint.safetensors to continue the pruning from"):
        prune_run.prune_vfi(None, None, run, resume=True, log=lambda *_: None)
    trained = tmp_path / "trained"
    vfi_task.train_vfi([str(tmp_path / "data")], trained, options={**TINY_PRUNE, "steps": 1, "base": 4},
                       log=lambda *_: None)
    with pytest.raises(VsrAppError, match=f"holds a frame-interpolation run: continue it with `vsr-app train vfi "
                                          f"--out {re.escape(shlex.quote(str(trained)))} --resume`"):
        prune_run.prune_vfi(None, None, trained, resume=True, log=lambda *_: None)


@pytest.mark.parametrize("argv, message", [
    (["--out", "r", "--resume", "--target-params-ratio", "0.2"], "--target-params-ratio is the run's own"),
    (["--out", "r", "--data", "d"], "required: --teacher"),
    (["--out", "r", "--teacher", "t"], "required: --data")])
def test_prune_flags_a_new_or_resumed_run_cannot_take_are_usage_errors(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["prune", "vfi", *argv])
    assert exc.value.code == 2 and message in capsys.readouterr().err


def _tiny_teacher(tmp_path):
    torch.manual_seed(0)
    return str(save_model(VFINet(base=8, kernel=3), tmp_path / "teacher.safetensors", {
        "name": "tiny-teacher", "task": "interpolate", "scale": 2, "arch": "vfi_stmfnet",
        "config": {"base": 8, "kernel": 3}}))


TINY_PRUNE = {"crop": 32, "batch": 1, "threads": 1, "min_width": 2, "val_every": 0}


@pytest.mark.parametrize("option, message", [
    ({"prune_threshold": "1e-4"}, "'prune_threshold' must be float"),
    ({"tap_batches": 0}, "'tap_batches' must be at least 1"),
    ({"prune_prox_steps": 0}, "'prune_prox_steps' must be at least 1"),
    ({"min_width": 0}, "'min_width' must be at least 1"),
    ({"prune_steps": 5}, "unknown training option"),  # never read: `steps` sets the run's length
    ({"ema": 0.999}, 'does not take "ema"')])  # it exported an average of the weights it pruned: not sparse
def test_a_bad_prune_option_is_refused_before_the_sparsity_run(tmp_path, option, message):
    """They failed with a TypeError after the whole run, or were silently ignored."""
    _frames(tmp_path / "data" / "clip")
    with pytest.raises(VsrAppError, match=message):
        prune_vfi(_tiny_teacher(tmp_path), [str(tmp_path / "data")], tmp_path / "run", 0.3,
                  options={**TINY_PRUNE, "steps": 2, "tap_mass": 0.5, **option}, log=lambda *_: None)
    assert not (tmp_path / "run").exists()


def test_a_one_step_prune_runs(tmp_path):
    """Its proximal phase was int(0.75 * 1) = 0 steps, and the first lambda divided by it."""
    _frames(tmp_path / "data" / "clip")
    path = prune_vfi(_tiny_teacher(tmp_path), [str(tmp_path / "data")], tmp_path / "run", 0.3,
                     options={**TINY_PRUNE, "steps": 1}, log=lambda *_: None)
    assert load_model(str(path), "cpu").task == "interpolate"


def test_a_default_pruning_prunes_the_taps_as_the_shipped_student_was(tmp_path):
    """A default pruning (the Train tab's Prune teacher runs one) kept every tap, where the shipped student was pruned
    with "tap_mass" 0.9 to one per scale. The teacher's heads put nearly all their weight on the centre tap."""
    _frames(tmp_path / "data" / "clip")
    said = []
    path = prune_vfi(_tiny_teacher(tmp_path), [str(tmp_path / "data")], tmp_path / "run", 0.3,
                     options={**TINY_PRUNE, "steps": 1}, log=said.append)
    taps = json.loads((tmp_path / "run" / "plan.json").read_text())["taps"]
    assert (taps["mass"], taps["batches"], taps["before"]) == (0.9, 16, [9, 9, 9])
    assert tuple(taps["kept"]) == load_model(str(path), "cpu").net.n_taps == (1, 1, 1)
    assert "taps kept per scale (0.5x, 1x, 2x): (9, 9, 9) -> (1, 1, 1)" in said


def test_a_long_validation_clip_is_read_only_as_far_as_its_triplets_reach(tmp_path):
    """A long clip was decoded whole beside the training data (gigabytes for a minute of 1080p), and past the memory
    budget refused as 'not one sequence'."""
    from videogen import make_video
    from vsr_app.distill.vfi_task import VAL_MAX_FRAMES, validation_clip

    clip = make_video(tmp_path / "long.mp4", frames=VAL_MAX_FRAMES + 20, width=32, height=32)
    assert len(validation_clip(str(clip)).frames) == VAL_MAX_FRAMES


def test_a_start_net_renamed_by_an_extended_pruning_says_where_it_is(tmp_path):
    """An extended `prune vfi` renames pruned.safetensors with its step until the new one is written: a `train vfi`
    started from it meanwhile read only "no model card beside it"."""
    from vsr_app.distill.vfi_task import check_start_exists

    (tmp_path / "pruned-step20.safetensors").write_bytes(b"")
    with pytest.raises(VsrAppError) as refused:
        check_start_exists(str(tmp_path / "pruned.safetensors"))
    assert str(refused.value) == (f"init_from not found: {tmp_path / 'pruned.safetensors'}: the pruning run there is "
                                  "being extended, and its pruned net of step 20 is pruned-step20.safetensors until "
                                  "the new one is written")
    with pytest.raises(VsrAppError, match=f"^Start from not found: {re.escape(str(tmp_path / 'other.safetensors'))}$"):
        check_start_exists(str(tmp_path / "other.safetensors"), "Start from")


@pytest.mark.parametrize("config, flag, ratio", [({"target_params_ratio": 0.25}, [], 0.25),
                                                 ({"target_params_ratio": 0.25}, ["--target-params-ratio", "0.3"], 0.3),
                                                 ({}, [], 0.1)])
def test_a_config_file_s_target_ratio_is_used_unless_the_flag_says_otherwise(tmp_path, monkeypatch, config, flag,
                                                                          ratio):
    """The file's target_params_ratio was replaced by the flag's default without a word (a tester's find)."""
    from vsr_app.distill import prune_run

    seen = {}

    def prune_vfi(teacher, data, out, target_params_ratio, options, log, resume):
        seen.update(ratio=target_params_ratio, options=options)
        return Path(out) / "pruned.safetensors"

    monkeypatch.setattr(prune_run, "prune_vfi", prune_vfi)
    (tmp_path / "c.json").write_text(json.dumps(config))
    assert main(["prune", "vfi", "--teacher", "t", "--data", str(tmp_path), "--out", str(tmp_path / "r"),
                 "--config", str(tmp_path / "c.json"), *flag]) == 0
    assert seen["ratio"] == ratio and "target_params_ratio" not in seen["options"]


def test_a_target_ratio_that_is_no_number_is_refused_by_name(tmp_path):
    with pytest.raises(VsrAppError, match=r"--target-params-ratio must be between 0 and 1 .* not '0.2'"):
        prune_vfi("t", [str(tmp_path)], tmp_path / "r", "0.2")
