"""The training options a user can see and the ones a misspelling is refused with: `--list-options` lists every option
the code takes, with the code's own default and a meaning, and an unknown option or net_config key names the ones
that exist before anything is read or written."""

from __future__ import annotations

import inspect
import json
import re
from dataclasses import asdict, fields

import numpy as np
import pytest
import torch

from videogen import write_pan_frames
from vsr_app.cli import main
from vsr_app.distill.degrade import DegradationMix
from vsr_app.distill.options import (DEGRADE_MEANINGS, LOOP_OPTIONS, MEANINGS, NET_MEANINGS, LoopConfig,
                                     option_sections)
from vsr_app.distill.prune_run import prune_vfi
from vsr_app.distill.runs import PRUNE_DEFAULTS
from vsr_app.distill.train_cli import run_from_cli
from vsr_app.distill.vfi_task import NET_OPTIONS, RUN_OPTIONS, VFIConfig
from vsr_app.distill.vsr_task import DEFAULTS, NETS, VSRTask
from vsr_app.errors import VsrAppError
from vsr_app.models import save_model
from vsr_app.nets.vfi_teacher import VFINet

COMMANDS = ("train vsr", "train vfi", "prune vfi")
quiet = {"log": lambda *_: None}


def listed(command: str) -> dict[str, dict[str, tuple[object, str]]]:
    """{section title: {option: (default, meaning)}} of a command's listing."""
    return {title: {name: (default, meaning) for name, default, meaning in rows}
            for title, rows in option_sections(command)}


def listing(capsys, *words: str) -> str:
    assert main([*words, "--list-options"]) == 0
    return capsys.readouterr().out


def row(out: str, option: str) -> list[str]:
    """An option's row in the printed table, split into its columns (option, default, meaning)."""
    found = re.search(rf"^  {re.escape(option)}  +(\S+(?: \S+)*)  +(.+)$", out, re.M)  # 2+ spaces apart
    assert found, option
    return [option, *found.groups()]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("options_data")
    write_pan_frames(root / "pan", 8, np.random.default_rng(0))
    return root


# ---- the listing ------------------------------------------------------------------------------------------------

def test_every_option_the_code_takes_is_listed_with_a_meaning():
    """The names come from the code (a new option is listed at once); a meaning left out, or one for an option that
    is gone, fails here."""
    top = set()
    for command in COMMANDS:
        for title, rows in listed(command).items():
            assert all(meaning for _, meaning in rows.values()), (command, title)
            if not title.startswith(("net_config", "degrade")):
                top |= set(rows)
    vfi = {f.name for f in fields(VFIConfig)} | set(NET_OPTIONS) | set(RUN_OPTIONS) | {"teacher", "distill"}
    assert top == set(LOOP_OPTIONS) | set(DEFAULTS) - {"data"} | vfi == set(MEANINGS)  # data: --data's alone
    nets = {name for _, cls in NETS.values() for name in inspect.signature(cls).parameters}
    assert set(NET_MEANINGS) == nets
    assert set(DEGRADE_MEANINGS) == set(asdict(DegradationMix()))


def test_the_defaults_listed_are_the_ones_a_run_takes():
    vsr = listed("train vsr")
    assert vsr["the training loop"]["lr"][0] == LoopConfig.lr
    assert vsr["x4 upscaling"]["batch"][0] == DEFAULTS["batch"] == 8
    assert vsr['net_config, with "net": "student" (vsr_student)']["channels"][0] == 32
    assert vsr['net_config, with "net": "teacher" (vsr_teacher)']["channels"][0] == 64  # each net its own
    vfi = listed("train vfi")
    assert vfi["frame interpolation"]["crop"][0] == VFIConfig.crop
    net = next(rows for title, rows in vfi.items() if title.startswith("the net"))
    assert net["kernels"][0] == [5, 5, 3] and net["prior"][0] == "dis"  # a new run's, not VFINet's own defaults
    assert "tap_mass" not in vfi["frame interpolation"]  # a pruning's
    prune = listed("prune vfi")
    loop = prune["the training loop (the pruner's defaults)"]
    assert {key: loop[key][0] for key in PRUNE_DEFAULTS} == PRUNE_DEFAULTS
    assert "ema" not in loop  # prune vfi refuses it


def test_train_vsr_list_options_prints_the_table_without_out_or_data(capsys):
    out = listing(capsys, "train", "vsr")
    assert "--config FILE.json" in out
    assert row(out, "steps") == ["steps", "10000", "optimiser steps in all (--steps sets it too)"]
    assert row(out, "batch")[1] == "8" and row(out, "amp")[1] == '"auto"'  # as JSON, as the file writes them
    assert 'net_config, with "net": "student" (vsr_student):' in out
    assert row(out, "align")[1:] == ['"none"', NET_MEANINGS["align"]]
    assert row(out, "crf")[1:] == ["[18, 32]", DEGRADE_MEANINGS["crf"]]
    assert max(map(len, out.splitlines())) <= 120


@pytest.mark.parametrize("command, option, default", [
    ("train", "val_triplets", "6"), ("train", "kernels", "[5, 5, 3]"), ("prune", "steps", "800"),
    ("prune", "tap_mass", "0.9")])
def test_vfi_and_prune_list_their_options(capsys, command, option, default):
    out = listing(capsys, command, "vfi")
    assert row(out, option)[1] == default
    assert max(map(len, out.splitlines())) <= 120


def test_list_options_needs_the_task_and_is_in_the_help(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["train", "--list-options"])
    assert exit_.value.code == 2 and "required: {vsr,vfi}" in capsys.readouterr().err
    for command in (["train"], ["prune"]):
        with pytest.raises(SystemExit):
            main([*command, "--help"])
        assert "--list-options" in capsys.readouterr().out


# ---- the errors ---------------------------------------------------------------------------------------------------

def test_a_misspelt_net_config_key_names_the_nets_options_before_anything_loads():
    """It was the constructor's TypeError ("VSRStudent.__init__() got an unexpected keyword argument 'chanels'"). The
    validation clip that is not there shows the check comes before any clip is read."""
    with pytest.raises(VsrAppError) as refused:
        VSRTask({"net_config": {"chanels": 16}, "val": ["/nowhere/clip.mp4"]}, **quiet)
    assert str(refused.value) == ("net_config for the student: chanels (did you mean 'channels' or 'hr_channels'?) "
                                  "is not an option of vsr_student, which takes channels, blocks, hr_channels, "
                                  "scale, base, out_init, align")
    with pytest.raises(VsrAppError, match="^net_config for the teacher: align is not an option of vsr_teacher, "
                                          "which takes channels, blocks, hr_channels, scale, flow_channels, "):
        VSRTask({"net": "teacher", "net_config": {"align": "dis"}}, **quiet)  # the teacher does not align


def test_an_unknown_vsr_option_names_its_close_matches_and_the_listing(data_dir, tmp_path):
    config = tmp_path / "config.json"
    config.write_text('{"bach": 2, "stpes": 3, "channels": 16, "nonsense": 1}')
    with pytest.raises(VsrAppError) as refused:
        run_from_cli("vsr", [str(data_dir)], str(tmp_path / "run"), config=str(config), **quiet)
    message = str(refused.value)
    assert "bach (did you mean 'batch'" in message and "stpes (did you mean 'steps'?)" in message  # a loop option
    assert 'channels is a net_config option: {"net_config": {"channels": ...}}' in message
    assert "nonsense," in message and message.endswith("`vsr-app train vsr --list-options` lists every option")
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("options, said", [
    ({"scale": 2}, 'scale is a net_config option: {"net_config": {"scale": ...}}'),  # was: did you mean 'cache'?
    ({"crf": [18, 30]}, 'crf is a degrade option: {"degrade": {"crf": ...}}'),
    ({"noise": 2}, 'noise (a degrade option? {"degrade": {"noise_p": ...}})'),
])
def test_a_top_level_option_of_the_net_or_the_degradation_is_said_to_go_inside_it(options, said):
    with pytest.raises(VsrAppError) as refused:
        VSRTask(options, **quiet)
    assert str(refused.value) == (f"unknown VSR training options: {said}; `vsr-app train vsr --list-options` lists "
                                  "every option")


def test_an_unknown_vfi_or_prune_option_names_its_close_matches(data_dir, tmp_path):
    with pytest.raises(VsrAppError, match=r"kernals \(did you mean 'kernels' or 'kernel'\?\); "
                                          r"`vsr-app train vfi --list-options` or `vsr-app prune vfi --list-options`"):
        prune_vfi("vfi-x2-teacher", [str(data_dir)], tmp_path / "run", options={"kernals": [3, 3, 3]}, **quiet)
    assert not (tmp_path / "run").exists()
    config = tmp_path / "config.json"
    config.write_text('{"val_crp": 64}')
    with pytest.raises(VsrAppError, match=r"val_crp \(did you mean 'val_crop'"):
        run_from_cli("vfi", [str(data_dir)], str(tmp_path / "run"), config=str(config), **quiet)
    assert not (tmp_path / "run").exists()


def test_the_train_tab_s_parameter_count_names_a_misspelt_net_option():
    """The Train tab's Parameters showed the constructor's "unexpected keyword argument 'chanels'"."""
    from vsr_app.gui import fmt
    from vsr_app.gui.train_form import net_size
    from vsr_app.models import count_params
    from vsr_app.nets.vsr_student import VSRStudent

    with pytest.raises(VsrAppError, match=r"^net_config for the student: chanels \(did you mean 'channels'"):
        net_size("vsr", {"net": "student", "net_config": {"chanels": 8}})
    with pytest.raises(VsrAppError, match=r"^net_config must be a JSON object"):
        net_size("vsr", {"net": "student", "net_config": "channels=8"})
    tiny = fmt.params(count_params(VSRStudent(channels=8, blocks=1)))
    assert net_size("vsr", {"net": "student", "net_config": {"channels": 8, "blocks": 1}}) == tiny


def test_the_train_tab_s_parameter_count_refuses_a_net_the_trainer_refuses():
    """A x2 student showed its count (90 K) in the Train tab, and the trainer refused it only at Start: both now
    refuse it with the trainer's one message."""
    from vsr_app.gui.train_form import net_size

    options = {"net": "student", "net_config": {"scale": 2}}
    with pytest.raises(VsrAppError) as trainer:
        VSRTask(options)
    with pytest.raises(VsrAppError) as train_tab:
        net_size("vsr", options)
    assert str(train_tab.value) == str(trainer.value) == "VSR training is x4: net_config 'scale' must be 4, not 2"


# ---- what only the command line gives ------------------------------------------------------------------------------

TINY = {"train vsr": {"net_config": {"channels": 8, "blocks": 1, "hr_channels": 4}, "batch": 1, "frames": 3,
                      "patch": 8, "warmup": 1, "log_every": 1, "val_every": 0, "threads": 1},
        "train vfi": {"base": 8, "crop": 32, "batch": 1, "warmup": 1, "log_every": 1, "val_every": 0, "threads": 1},
        "prune vfi": {"crop": 32, "batch": 1, "threads": 1, "min_width": 2, "val_every": 0}}


@pytest.mark.parametrize("command", COMMANDS)
def test_a_config_files_data_is_not_listed_and_is_said_to_be_unused(command, data_dir, tmp_path, capsys):
    """`train vsr --list-options` listed "data", but the required --data replaced a --config file's without a word
    (and `train vfi` and `prune vfi` refused it as an unknown option)."""
    assert "data" not in {name for _, rows in option_sections(command) for name, _, _ in rows}
    elsewhere = tmp_path / "elsewhere"
    write_pan_frames(elsewhere / "pan", 8, np.random.default_rng(1))
    config = tmp_path / "config.json"
    config.write_text(json.dumps({**TINY[command], "data": [str(elsewhere)]}))
    run = tmp_path / "run"
    teacher = []
    if command == "prune vfi":
        torch.manual_seed(0)
        teacher = ["--teacher", str(save_model(VFINet(base=8, kernel=3), tmp_path / "teacher.safetensors", {
            "name": "tiny-teacher", "task": "interpolate", "scale": 2, "arch": "vfi_stmfnet",
            "config": {"base": 8, "kernel": 3}}))]
    assert main([*command.split(), "--data", str(data_dir), "--out", str(run), "--config", str(config),
                 "--steps", "2", *teacher]) == 0
    assert "the --config file's data is not used: --data gives the training data" in capsys.readouterr().out
    saved = json.loads((run / "config.json").read_text())
    assert saved["data"] == [str(data_dir)] and "data" not in saved.get("options", {})


def test_a_prunings_validation_clips_are_named_as_its_config_names_them(data_dir, tmp_path, capsys):
    """prune vfi has no --val, but its listing and its error for a clip inside --data said to give --val one."""
    clip = str(data_dir / "pan")
    with pytest.raises(VsrAppError) as refused:
        prune_vfi("vfi-x2-teacher", [str(data_dir)], tmp_path / "run", options={"val_videos": [clip]}, **quiet)
    assert str(refused.value).endswith('give the --config option "val_videos" a clip outside --data or hold it out '
                                       'with the "exclude" option')
    with pytest.raises(VsrAppError, match="give --val a clip outside --data"):  # training's has --val
        run_from_cli("vfi", [str(data_dir)], str(tmp_path / "run"), val=[clip], **quiet)
    assert not (tmp_path / "run").exists()
    assert row(listing(capsys, "prune", "vfi"), "val_videos")[2] == "held-out validation clips (prune vfi has no --val)"
    assert row(listing(capsys, "train", "vfi"), "val_videos")[2] == MEANINGS["val_videos"]
