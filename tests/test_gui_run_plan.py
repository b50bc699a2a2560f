"""A Train tab start planned and written without a window (`run_plan`), and a pruning's start and continuation
decided (`prune_start`): the checks and files the panel used to make inside its widget."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from vsr_app.errors import VsrAppError
from vsr_app.gui.prune_start import (can_continue_pruning, continue_pruning_arguments, make_prune_folder,
                                     pruner_val_clips, pruning_left, pruning_steps)
from vsr_app.gui.run_files import OPTIONS_NAME
from vsr_app.gui.run_plan import (RunForm, check_new_run_net, plan_run, run_folder, trainer_val_clips, unused_changes,
                                  write_run)


@pytest.fixture
def data(tmp_path, monkeypatch) -> Path:
    """A training data folder, and HOME in tmp: a name is checked against the user's installed models."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    folder = tmp_path / "data"
    folder.mkdir()
    return folder


def form(data: Path, runs: Path, **changed) -> RunForm:
    values = dict(task="vsr", name="my-student", data=[str(data)], distill="none", teacher="a-teacher",
                  options={"steps": 10, "lr": 0.001}, runs=runs)
    return RunForm(**{**values, **changed})


def test_a_new_run_is_planned_under_its_model_name_and_nothing_is_written(data, tmp_path):
    runs = tmp_path / "runs"
    plan = plan_run(form(data, runs), resume=False, opened_run=None)
    assert plan.run_dir == runs / "my-student" and plan.steps == 10
    assert plan.teacher is None  # no distillation: the Teacher box's model is not the run's
    assert not runs.exists()
    distilled = plan_run(form(data, runs, distill="space"), resume=False, opened_run=None)
    assert distilled.teacher == "a-teacher"


@pytest.mark.parametrize("changed, message", [
    ({"name": "bad name!"}, "cannot name a model"),
    ({"distill": "space", "teacher": None}, "distillation needs a trained teacher"),
    ({"options": {"steps": 0}}, "whole number"),
    ({"options": {"steps": 10, "init_from": "/no/such/start.safetensors"}}, "Start from"),
])
def test_a_start_the_form_cannot_make_is_refused_before_anything_is_written(data, tmp_path, changed, message):
    with pytest.raises(VsrAppError, match=message):
        plan_run(form(data, tmp_path / "runs", **changed), resume=False, opened_run=None)
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize("task, options, message", [
    ("vsr", {"net_config": {"scale": 2}}, "VSR training is x4: net_config 'scale' must be 4, not 2"),
    ("vsr", {"net": "teacher", "net_config": {"align": "dis"}}, "net_config for the teacher: align is not an option"),
    ("vsr", {"scale": 2}, 'unknown VSR training options: scale is a net_config option: {"net_config": {"scale": ...}}'),
    ("vsr", {"batch": "2"}, "VSR training option 'batch' must be int"),
    ("vsr", {"warmup": 0}, "training option 'warmup' must be at least 1"),
    ("vfi", {"prior": "flow"}, "unknown motion prior 'flow'"),
    ("vfi", {"kernals": [3, 3, 3]}, "kernals (did you mean 'kernels' or 'kernel'?)"),
])
def test_options_the_trainer_refuses_are_refused_in_its_words_before_a_start(data, tmp_path, task, options, message):
    """Extra options {"net_config": {"scale": 2}}: the Parameters row said the trainer's refusal, yet Start was taken
    and the trainer exited with code 1 two seconds later; a top-level "scale" was offered as 'cache'. A net that does
    not build is refused as it is built (`check_new_run_net`, on the panel's worker)."""
    asked = form(data, tmp_path / "runs", task=task, options={"steps": 10, **options})
    with pytest.raises(VsrAppError) as refused:
        check_new_run_net(plan_run(asked, resume=False, opened_run=None))
    assert message in str(refused.value) and "did you mean 'cache'" not in str(refused.value)
    assert not (tmp_path / "runs").exists()


def test_the_options_of_a_new_run_are_checked_not_those_a_resume_does_not_use(data, tmp_path):
    """A resumed run goes on with the options it began with, which the trainer checks, not the form's; "teacher" in
    an interpolation run's options is the command's --teacher, not an unknown option."""
    runs = tmp_path / "runs"
    plan_run(form(data, runs, task="vfi", options={"steps": 10, "teacher": "a-teacher", "crop": 64}), resume=False,
             opened_run=None)
    (runs / "my-student").mkdir(parents=True)
    save_file({"w": torch.zeros(1)}, str(runs / "my-student" / "checkpoint.safetensors"), metadata={"step": "5"})
    unusable = form(data, runs, options={"steps": 10, "net_config": {"scale": 2}})
    resumed = plan_run(unusable, resume=True, opened_run=None)
    check_new_run_net(resumed)
    assert resumed.resume
    with pytest.raises(VsrAppError, match="must be 4, not 2"):
        check_new_run_net(resumed._replace(resume=False))


def test_a_runs_folder_inside_the_training_data_is_refused(data):
    with pytest.raises(VsrAppError, match="inside the training data"):
        plan_run(form(data, data / "runs"), resume=False, opened_run=None)


def test_the_run_folder_is_the_one_browse_runs_showed_under_that_name(tmp_path):
    runs = tmp_path / "runs"
    opened = runs / "run 2"  # a command-line run's folder, named as a model cannot be
    assert run_folder(runs, "run-2", opened) == opened
    assert run_folder(runs, "other", opened) == runs / "other"
    assert run_folder(tmp_path / "elsewhere", "run-2", opened) == tmp_path / "elsewhere" / "run-2"
    assert run_folder(runs, "run-2", None) == runs / "run-2"


def test_a_new_run_is_written_with_its_options_and_old_curves_set_aside(data, tmp_path):
    runs = tmp_path / "runs"
    plan = plan_run(form(data, runs), resume=False, opened_run=None)
    plan.run_dir.mkdir(parents=True)
    (plan.run_dir / "metrics.jsonl").write_text('{"step": 1}\n')  # a run killed before its first checkpoint
    said = []
    written = write_run(plan, said.append)
    config = plan.run_dir / OPTIONS_NAME
    assert json.loads(config.read_text()) == plan.options
    assert not (plan.run_dir / "metrics.jsonl").exists() and len(said) == 1 and "kept as" in said[0]
    assert written.made_dir is False  # the folder was there: a refusal leaves it
    assert written.arguments == ["train", "vsr", "--data", str(data), "--out", str(plan.run_dir), "--distill", "none",
                                 "--steps", "10", "--config", str(config)]


def test_a_run_folder_that_cannot_be_made_is_refused_in_one_line(data, tmp_path):
    (tmp_path / "a-file").write_text("")
    plan = plan_run(form(data, tmp_path / "a-file" / "runs"), resume=False, opened_run=None)
    with pytest.raises(VsrAppError, match="cannot write the run folder"):
        write_run(plan, lambda line: None)


def test_a_resume_names_the_edits_it_will_not_use(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    assert unused_changes(run, {"lr": 0.1}, "vsr") == []  # a command-line run: its config.json is what it goes on with
    (run / OPTIONS_NAME).write_text(json.dumps({"lr": 0.1, "steps": 5, "crop": 32, "val": ["a.mp4"]}))
    changed = {"lr": 0.2, "steps": 50, "crop": 32, "batch": 2, "val": ["b.mp4"]}
    assert unused_changes(run, changed, "vsr") == ["batch", "lr"]  # Steps and the clip go with the resume


def test_the_curves_take_the_trainers_clips_and_a_resume_without_its_own(data, tmp_path):
    plan = plan_run(form(data, tmp_path / "runs", options={"steps": 10, "val": ["clip.mp4"]}), resume=False,
                    opened_run=None)
    assert trainer_val_clips(plan) == [os.path.abspath("clip.mp4")]
    assert trainer_val_clips(plan._replace(options={"steps": 10})) == []  # a new run's none: none
    assert trainer_val_clips(plan._replace(options={"steps": 10}, resume=True)) is None  # those it saved


def prune_run(folder: Path, net: bool = False, checkpoint: bool = False, steps=40) -> Path:
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps({"command": "prune vfi", "options": {"steps": steps}}))
    if net:
        (folder / "pruned.safetensors").write_bytes(b"")
    if checkpoint:
        (folder / "checkpoint.safetensors").write_bytes(b"")
    return folder


def test_a_new_pruning_goes_beside_the_last_with_its_options_and_log(tmp_path):
    runs = tmp_path / "runs"
    first = make_prune_folder(runs, {"crop": 32}, "log.txt", "what the pruner keeps")
    assert first.run_dir == runs / "prune-vfi" and first.made_dir
    assert json.loads(first.config.read_text()) == {"crop": 32}
    assert (first.run_dir / "log.txt").read_text() == "what the pruner keeps\n"
    assert make_prune_folder(runs, {}, "log.txt", "").run_dir == runs / "prune-vfi-2"
    (tmp_path / "a-file").write_text("")
    with pytest.raises(VsrAppError, match="cannot"):
        make_prune_folder(tmp_path / "a-file", {}, "log.txt", "")


def test_the_pruners_clips_are_those_extra_options_named_as_clips():
    assert pruner_val_clips({"val_videos": ["a.mp4", 3]}) == [os.path.abspath("a.mp4")]
    assert pruner_val_clips({"val_videos": "a.mp4"}) == [] and pruner_val_clips({}) == []


def test_only_a_pruning_stopped_with_a_checkpoint_is_continued(tmp_path):
    stopped = prune_run(tmp_path / "stopped", checkpoint=True)
    assert can_continue_pruning(stopped)
    assert pruning_left(stopped)[0] is None and "Continue pruning goes on" in pruning_left(stopped)[1]
    ended = prune_run(tmp_path / "ended", net=True, checkpoint=True)
    assert not can_continue_pruning(ended)
    net, said = pruning_left(ended)
    assert net == ended / "pruned.safetensors" and "now the Start from" in said
    lost = prune_run(tmp_path / "lost")
    assert not can_continue_pruning(lost) and "prune again" in pruning_left(lost)[1]
    training = tmp_path / "training"
    training.mkdir()
    (training / "checkpoint.safetensors").write_bytes(b"")
    assert not can_continue_pruning(training)  # a training run's checkpoint is not the pruner's


def test_a_continued_pruning_takes_its_length_and_the_forms_teacher_and_data(tmp_path):
    run = prune_run(tmp_path / "run", checkpoint=True)
    assert pruning_steps(run) == 40
    assert continue_pruning_arguments(run, "t", ["d1", "d2"]) == [
        "prune", "vfi", "--out", str(run), "--resume", "--teacher", "t", "--data", "d1", "--data", "d2"]
    assert continue_pruning_arguments(run, None, []) == ["prune", "vfi", "--out", str(run), "--resume"]
    broken = prune_run(tmp_path / "broken", steps="many")
    with pytest.raises(VsrAppError, match="many"):
        pruning_steps(broken)
