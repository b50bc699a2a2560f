"""Prune teacher after it took the form's settings (a --config it writes): its curves said "no validation clip" of a
pruning given one; a clip inside the data was refused in command-line words, after the prune folder was made and the
pruner started; Extra options' steps and lr were dropped unsaid; the pruner's default warm-up was recorded as one the
user asked for; and the note's command, copied, ran without the form's settings."""

from __future__ import annotations

import html
import json

import numpy as np
import pytest

from gui_support import gui_env, whole_message, window  # noqa: F401
from videogen import write_pan_frames
from vsr_app.distill import prune_run
from vsr_app.distill.options import ASKED_WARMUP
from vsr_app.distill.runs import PRUNE_VAL
from vsr_app.distill.sources import check_held_out
from vsr_app.errors import VsrAppError
from vsr_app.gui import train_form, train_panel, wording
from vsr_app.gui.run_files import OPTIONS_NAME
from vsr_app.gui.train_curves import NO_CLIP
from vsr_app.gui.train_form import asked_warmup
from vsr_app.gui.trainer_process import LOG_NAME


@pytest.fixture
def started(monkeypatch) -> list:
    """The arguments each pruner (or trainer) process was started with; none is."""
    calls = []
    monkeypatch.setattr(train_panel.TrainerProcess, "start", lambda process, *args: calls.append(args))
    return calls


@pytest.fixture
def pruning(window, tmp_path, started):
    """The interpolation form with a teacher, a data folder of frames and its own Runs folder."""
    panel = window.train
    form = panel.form
    form.task.setCurrentIndex(form.task.findData("vfi"))
    form.teacher.addItem("a teacher", "tiny-vfi-teacher")
    form.teacher.setCurrentIndex(form.teacher.findData("tiny-vfi-teacher"))
    write_pan_frames(tmp_path / "data" / "pan", 4, np.random.default_rng(0))
    form.data.clear()
    form.data.addItem(str(tmp_path / "data"))
    form.runs_dir.setText(str(tmp_path / "runs"))
    form.extra.setText(json.dumps({"threads": 1}))
    return panel


def test_the_validation_curve_of_a_pruning_is_its_clip_s(pruning, started, qtbot, tmp_path):
    clip = tmp_path / "held out" / "clip.mp4"
    pruning.form.val.setText(str(clip))
    pruning.prune()
    qtbot.waitUntil(lambda: len(started) == 1, timeout=10_000)  # after the clip is checked to be held out
    assert pruning.plots.val_clips == [str(clip)] and pruning.plots.val_note.textItem.toPlainText() != NO_CLIP


def test_a_validation_clip_inside_the_data_is_refused_before_a_prune_folder_is_made(pruning, started, qtbot,
                                                                                   window, tmp_path):
    pruning.form.val.setText(str(tmp_path / "data" / "pan"))
    pruning.prune()
    qtbot.waitUntil(lambda: window.error_box is not None and window.error_box.isVisible(), timeout=10_000)
    said = whole_message(window.error_box)
    assert window.error_box.windowTitle() == "Cannot start pruning" and "it would be trained on" in said
    assert 'choose a Validation clip outside the Data folders or hold it out with "exclude" in Extra options' in said
    assert not started and not (tmp_path / "runs").exists()
    assert pruning.form.prune_button.isEnabled()  # the form is unlocked again


def test_the_pruner_s_own_refusal_of_a_clip_in_the_data_names_the_tab_s_fields(tmp_path):
    """Continue pruning's pruner checks the run's clips itself: its refusal named the --config option "val_videos"."""
    write_pan_frames(tmp_path / "data" / "pan", 4, np.random.default_rng(0))
    with pytest.raises(VsrAppError) as refused:
        check_held_out([str(tmp_path / "data" / "pan")], [str(tmp_path / "data")], [], PRUNE_VAL)
    said = wording.for_train_tab(str(refused.value))
    assert '--config' not in said and "--data" not in said
    assert said.endswith('choose a Validation clip outside the Data folders or hold it out with "exclude" in Extra '
                         'options')


def test_the_pruning_s_log_opens_with_what_it_keeps_of_its_own_and_leaves_of_the_form(pruning, tmp_path):
    pruning.form.extra.setText(json.dumps({"threads": 1, "steps": 9, "lr": 0.5, "warmup": 3, "val_every": 200}))
    pruning.prune()
    first = (tmp_path / "runs" / "prune-vfi" / LOG_NAME).read_text().splitlines()[0]
    own, unused = first.split("; not used from the form or Extra options: ")
    assert own == ("Prune teacher keeps its own Steps (800), Learning rate (0.01), Warm-up steps (20), Weight decay "
                   "(0.0), Validate every (200)")  # it said "warmup (20), weight_decay (0.0)"
    # not the fields left at their defaults (Width, the loss weights), which it listed too; nor what it takes
    assert unused.split(", ") == ["Steps", "Learning rate", "Warm-up steps"]
    assert first in pruning.log.toPlainText().splitlines()
    note = pruning.form.start_note.text()
    assert "Validate every" in note and "validating every 200" in note


def test_a_form_left_as_it_is_has_nothing_the_pruning_does_not_use():
    defaults = dict(train_form.FORM_DEFAULTS["vfi"])
    assert "not used" not in train_form.prune_log_note(defaults)
    changed = train_form.prune_log_note({**defaults, "w_gt": 2.0, "ema": 0.999})
    assert changed.endswith("; not used from the form or Extra options: Weight: truth, ema")


@pytest.mark.parametrize("given, asked", [({}, None), ({"warmup": 5}, 5)])
def test_a_pruning_records_the_warmup_asked_for_not_the_pruner_s_default(tmp_path, monkeypatch, given, asked):
    """Recorded as asked, the pruner's default 20 would show in Extra options as if typed."""
    write_pan_frames(tmp_path / "data" / "pan", 4, np.random.default_rng(0))
    kept = []
    monkeypatch.setattr(prune_run, "_prune_vfi", lambda teacher, data, run_dir, options, log, resume: kept.append(
        options))
    prune_run.prune_vfi("tiny-vfi-teacher", [str(tmp_path / "data")], tmp_path / "run", options=dict(given))
    assert kept[0][ASKED_WARMUP] == asked and asked_warmup(kept[0]) == asked
    assert kept[0]["warmup"] == given.get("warmup", 20)  # the pruner's own warm-up still runs


def test_the_note_s_command_holds_the_config_prune_teacher_writes(pruning, tmp_path):
    """The note spelled the command without the --config the button adds: copied, it ran at the pruner's defaults."""
    form = pruning.form
    form.inputs["crop"].setValue(48)  # the note follows the form's fields
    config = tmp_path / "runs" / "prune-vfi" / OPTIONS_NAME
    note = form.start_note.text()
    assert f"--config {html.escape(str(config))}</code>" in note
    pruning.prune()
    written = json.loads(config.read_text())
    assert written["crop"] == 48 and f"<code>{html.escape(json.dumps(written))}</code>" in note


def test_the_validation_clip_s_placeholder_says_what_its_label_says(window):
    form = window.train.form
    assert "video or frame sequence" in form.val.placeholderText()
