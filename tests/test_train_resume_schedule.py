"""A resume that shortens a run caps its warm-up as a new run of that length has it capped, so the rate still decays
to its floor at the run's last step, and the log says the new schedule; and a run's card names the net it holds with
every setting, the defaults filled in, however the run was started."""

from __future__ import annotations

import inspect
import json
import threading

import pytest

from test_prune_run import TINY_PRUNE, _tiny_teacher
from test_train_run_folder import TINY_VFI, TINY_VSR, data_dir, vsr  # noqa: F401 (data_dir: a fixture)
from vsr_app.cli import main
from vsr_app.distill import prune_run, train_cli, vfi_task
from vsr_app.distill.options import ASKED_WARMUP, LoopConfig, cap_resumed_warmup
from vsr_app.distill.train import schedule_change
from vsr_app.nets.vsr_student import VSRStudent


def _options_file(tmp_path, **options) -> str:
    path = tmp_path / "options.json"
    path.write_text(json.dumps(options))
    return str(path)


def _stop_at(monkeypatch, at: int, command=train_cli) -> None:
    """The runs `command` (the module that sets them up) starts stop at step `at` as Ctrl+C stops them: with a
    checkpoint there."""
    cancel, train = threading.Event(), command.train

    def stopping(*args, **kwargs):
        return train(*args, **kwargs, cancel=cancel, progress=lambda step, _: cancel.set() if step == at else None)

    monkeypatch.setattr(command, "train", stopping)


def test_a_resume_shorter_than_the_warm_up_caps_it_and_ends_at_the_floor(data_dir, tmp_path, monkeypatch):
    """A tester's run of 2000 steps (warm-up 200) stopped at step 103 and resumed with --steps 150 warmed up to its
    end: its rate ended at 75% of the peak, not at the floor, and the log said nothing of it."""
    run, said = tmp_path / "run", []
    with monkeypatch.context() as patched:
        _stop_at(patched, 22)
        vsr(data_dir, run, steps=300, config=_options_file(tmp_path, **{**TINY_VSR, "warmup": 30}))
    vsr(data_dir, run, steps=25, resume=True, log=said.append)
    saved = json.loads((run / "config.json").read_text())
    assert saved["warmup"] == 2 and saved[ASKED_WARMUP] == 30  # as a new run of 25 steps; what was asked is kept
    assert json.loads((run / "checkpoint.json").read_text())["config"]["warmup"] == 2
    lr = {record["step"]: record["lr"] for record in map(json.loads, (run / "metrics.jsonl").read_text().splitlines())}
    floor = LoopConfig.lr * LoopConfig.min_lr_ratio
    assert lr[25] == pytest.approx(floor) and lr[23] < lr[22]
    assert (f"the learning-rate schedule spans 25 steps now, not 300, its warm-up 2 steps, not 30: the rate goes from "
            f"{lr[22]:.3g} at step 22, where the run left off, to {lr[23]:.3g} at step 23, then decays to "
            f"{floor:.3g} at step 25") in said


def test_a_new_run_says_its_warm_up_is_capped_in_the_words_a_resume_says_it(data_dir, tmp_path):
    """A new 20-step run capped a warm-up of 5 to 2 without a word, where a resume that caps it says so."""
    said = []
    vsr(data_dir, tmp_path / "run", steps=20, config=_options_file(tmp_path, **{**TINY_VSR, "warmup": 5}),
        log=said.append)
    assert ("the learning-rate schedule spans 20 steps, its warm-up 2 steps, not 5: a warm-up takes at most a tenth "
            "of the run") in said
    said.clear()
    vsr(data_dir, tmp_path / "fits", steps=20, config=_options_file(tmp_path, **TINY_VSR), log=said.append)
    assert not any("warm-up" in line for line in said)  # a warm-up that fits: nothing to say


def _vfi(data_dir, run, steps: int, log, resume: bool = False):
    """A tiny `train vfi` run, warm-up 30 asked for."""
    options = None if resume else {**TINY_VFI, "warmup": 30}
    return vfi_task.train_vfi(None if resume else [str(data_dir)], run, steps=steps, resume=resume, options=options,
                              log=log)


def _prune(data_dir, run, steps: int, log, resume: bool = False):
    """A tiny `prune vfi` run, warm-up 30 asked for."""
    options = {"steps": steps} if resume else {**TINY_PRUNE, "steps": steps, "warmup": 30, "log_every": 1}
    return prune_run.prune_vfi(None if resume else _tiny_teacher(run.parent), None if resume else [str(data_dir)],
                               run, 0.3, options=options, log=log, resume=resume)


@pytest.mark.parametrize("command, start", [(vfi_task, _vfi), (prune_run, _prune)], ids=["train vfi", "prune vfi"])
def test_a_shorter_interpolation_or_pruning_resume_caps_its_warm_up_too(data_dir, tmp_path, monkeypatch, command,
                                                                       start):
    """`train vfi --resume` and `prune vfi --resume` (the loop's schedule too) took the shorter --steps alone: still
    warming up at the end, as `train vsr` was."""
    run, said = tmp_path / "run", []
    with monkeypatch.context() as patched:
        _stop_at(patched, 4, command)
        start(data_dir, run, steps=300, log=lambda *_: None)
    start(data_dir, run, steps=20, resume=True, log=said.append)
    options = json.loads((run / "config.json").read_text())["options"]
    assert options["warmup"] == 2 and options[ASKED_WARMUP] == 30
    loop = json.loads((run / "checkpoint.json").read_text())["config"]
    assert loop["warmup"] == 2
    lr = {record["step"]: record["lr"] for record in map(json.loads, (run / "metrics.jsonl").read_text().splitlines())
          if "lr" in record}
    assert lr[20] == pytest.approx(loop["lr"] * loop["min_lr_ratio"])
    assert any(line.startswith("the learning-rate schedule spans 20 steps now, not 300, its warm-up 2 steps, not 30:")
               for line in said), said


def test_a_shorter_resume_still_inside_the_new_warm_up_says_the_rate_rises_to_its_peak_first():
    line = schedule_change(5, {"steps": 300, "warmup": 30}, LoopConfig(steps=100, warmup=10, lr=2e-4))
    assert line == ("the learning-rate schedule spans 100 steps now, not 300, its warm-up 10 steps, not 30: the rate "
                    "goes from 3.33e-05 at step 5, where the run left off, to 0.00012 at step 6, then rises to 0.0002 "
                    "at step 10 and decays to 4e-06 at step 100")


def test_a_resume_caps_the_warm_up_only_where_it_changes_the_length_and_never_raises_it():
    shorter = {"steps": 150, "warmup": 200}
    cap_resumed_warmup(shorter, {"steps": 2000, "warmup": 200})
    assert shorter["warmup"] == 15
    # a new run of 4000 steps would warm up over 100 of them: this one passed its warm-up of 20 long ago
    longer = {"steps": 4000, "warmup": 20, ASKED_WARMUP: None}
    cap_resumed_warmup(longer, {"steps": 200, "warmup": 20})
    assert longer["warmup"] == 20
    # a run from before warm-ups were capped, resumed at its own length: its schedule exactly as it was
    same = {"steps": 1000, "warmup": 200}
    cap_resumed_warmup(same, {"steps": 1000, "warmup": 200})
    assert same["warmup"] == 200


def test_a_cli_runs_card_names_the_net_it_holds_with_the_defaults_it_was_built_with(data_dir, tmp_path, capsys):
    """A run's options list only what was given: the card of a CLI run that named no net said `"config": {}`, and
    `vsr-app models RUN` showed `arch vsr_student` alone, where a run from the Train tab showed its width and depth."""
    run = tmp_path / "run"
    vsr(data_dir, run, steps=1, config=_options_file(tmp_path, **{k: v for k, v in TINY_VSR.items()
                                                                 if k != "net_config"}))
    defaults = {name: p.default for name, p in inspect.signature(VSRStudent).parameters.items()}
    assert json.loads((run / "model.json").read_text())["config"] == defaults
    assert main(["models", str(run)]) == 0
    shown = [line.split() for line in capsys.readouterr().out.splitlines()]
    assert ["channels", "32"] in shown and ["blocks", "4"] in shown and ["align", "none"] in shown
    vsr(data_dir, tmp_path / "narrow", steps=1, config=_options_file(tmp_path, **TINY_VSR))  # a net_config's gaps too
    narrow = json.loads((tmp_path / "narrow" / "model.json").read_text())["config"]
    assert narrow == {**defaults, **TINY_VSR["net_config"]}
