"""The Train tab greys the loss weights its distillation mode does not weigh and Validate every without a validation
clip: with "space only" λ time and λ output were left to edit, as if they counted (a Train-tab tester's finding)."""

from __future__ import annotations

import pytest

from gui_support import gui_env, window  # noqa: F401
from vsr_app.gui.train_form import run_field_applies

WEIGHTS = ("lambda_space", "lambda_time", "lambda_output")


@pytest.mark.parametrize("mode, weighed", [("std", {"lambda_space", "lambda_time"}), ("space", {"lambda_space"}),
                                           ("time", {"lambda_time"}), ("output", {"lambda_output"}), ("none", set())])
def test_each_distillation_mode_leaves_only_its_own_weights_to_edit(window, mode, weighed):
    form = window.train.form
    form.task.setCurrentIndex(form.task.findData("vsr"))
    form.distill.setCurrentIndex(form.distill.findData(mode))
    assert {key for key in WEIGHTS if form.inputs[key].isEnabled()} == weighed


def test_the_teacher_weight_of_interpolation_counts_only_in_laplacian_distillation(window):
    form = window.train.form
    form.task.setCurrentIndex(form.task.findData("vfi"))
    for mode, enabled in (("laplacian", True), ("none", False), ("laplacian", True)):
        form.distill.setCurrentIndex(form.distill.findData(mode))
        assert form.inputs["w_teacher"].isEnabled() is enabled and form.inputs["w_gt"].isEnabled()


def test_validate_every_counts_only_with_a_validation_clip(window, tmp_path):
    form = window.train.form
    form.val.setText("")
    assert not form.inputs["val_every"].isEnabled()
    form.val.setText(str(tmp_path / "held out.mp4"))
    assert form.inputs["val_every"].isEnabled()


def test_fields_outside_the_rule_always_apply():
    assert run_field_applies("steps", "none", False) and run_field_applies("lambda_space", None, True)
