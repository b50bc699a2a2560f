"""A Train tab tester's follow-ups: a damaged config.json's way on, pruning's non-loss terms kept off the loss plot,
an own model's card with a description (its tooltip in the model lists)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from torch import nn

from gui_support import gui_env  # noqa: F401
from vsr_app.distill.options import LoopConfig
from vsr_app.distill.runs import RUN_CONFIG_KEY, resumed_config
from vsr_app.distill.train import export
from vsr_app.errors import VsrAppError
from vsr_app.gui.train_curves import TrainingCurves


def damaged_run(tmp_path, card: dict | None):
    (tmp_path / "config.json").write_text('{"steps": 300,', encoding="utf-8")
    if card is not None:
        (tmp_path / "model.json").write_text(json.dumps(card), encoding="utf-8")
    return tmp_path


def test_a_damaged_config_says_the_card_keeps_a_copy_to_resume_with(tmp_path):
    run = damaged_run(tmp_path, {RUN_CONFIG_KEY: {"steps": 300}})
    with pytest.raises(VsrAppError, match="delete it to resume with the copy its model.json keeps"):
        resumed_config(run, lambda *_: None)
    (run / "config.json").unlink()  # the way on it names
    assert resumed_config(run, lambda *_: None) == {"steps": 300}


def test_a_damaged_config_without_a_copy_on_the_card_names_no_such_way(tmp_path):
    run = damaged_run(tmp_path, {"name": "older"})
    with pytest.raises(VsrAppError) as raised:
        resumed_config(run, lambda *_: None)
    assert "model.json" not in str(raised.value)


def test_an_unreadable_config_names_its_path_once(tmp_path, monkeypatch):
    config = tmp_path / "config.json"
    config.write_text("{}", encoding="utf-8")

    def refused(path, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))
    monkeypatch.setattr(Path, "read_text", refused)  # as a file its owner cannot read (the tests may run as root)
    with pytest.raises(VsrAppError) as raised:
        resumed_config(tmp_path, lambda *_: None)
    assert str(raised.value) == f"cannot read {config}: Permission denied"


def test_pruning_size_plan_and_sparsity_weight_are_not_drawn_as_losses(qtbot, gui_env):  # noqa: F811
    curves = TrainingCurves(smoothing=0.0)
    qtbot.addWidget(curves)
    curves.add_records([{"step": s, "loss": 0.1, "planned_params": 2.8e6, "lambda": 0.002} for s in (1, 2)])
    assert set(curves.curves) == {"loss"}


class _Task:
    def card(self) -> dict:
        return {"task": "upscale", "scale": 4}


def test_an_own_models_card_describes_how_it_was_trained(tmp_path):
    run_config = {"teacher": "vsr-x4-teacher", "data": [str(tmp_path / "footage"), str(tmp_path / "stills")]}
    export(tmp_path, _Task(), nn.Linear(2, 2), LoopConfig(), 310, None, run_config)
    card = json.loads((tmp_path / "model.json").read_text(encoding="utf-8"))
    assert card["description"] == "trained with vsr-app from vsr-x4-teacher on footage, stills, 310 steps"
