"""The Train tab's interpolation note said "Left empty, the run trains a new net of the teacher's design..." after
Start from had been filled, as if the net chosen were teacher-sized."""

from __future__ import annotations

from gui_support import gui_env, window  # noqa: F401


def test_the_start_from_note_says_what_an_empty_start_from_trains_only_while_it_is_empty(window, tmp_path):
    form = window.train.form
    form.task.setCurrentIndex(form.task.findData("vfi"))
    form.start_from.clear()
    assert form.start_note.text().startswith("Left empty, the run trains a new net of the teacher's design")
    form.start_from.setText(str(tmp_path / "prune-vfi" / "pruned.safetensors"))
    note = form.start_note.text()
    assert "Left empty" not in note and "teacher's design" not in note
    assert note.startswith("The run trains the net Start from gives")
    assert 'the "Prune teacher" button runs' in note and "prune vfi --teacher" in note  # the command is still there
    form.start_from.clear()
    assert form.start_note.text().startswith("Left empty")


def test_the_note_says_which_of_the_form_s_settings_prune_teacher_uses(window):
    """The pruner's log pointed at the form's Crop, which Prune teacher did not send: a tester shortened nothing. It
    sends it now, with the form's other settings a pruning takes; its length and rate stay its own."""
    form = window.train.form
    form.task.setCurrentIndex(form.task.findData("vfi"))
    note = form.start_note.text()
    assert "with this form's Crop size, Batch, Log every and Validation clip" in note and "device, threads" in note
    assert "length, learning rate, Validate every and share of the teacher kept are its own (800 steps, " \
           "validating every 200" in note
    assert "--steps" in note and "--config" in note


def test_the_note_says_to_make_the_prune_folder_its_config_file_goes_in(window, tmp_path):
    """It said to save the JSON as RUNS/prune-vfi/gui-options.json, in a folder that is not there until Prune
    teacher makes it: a user with the command in a terminal had nowhere to save it."""
    form = window.train.form
    form.task.setCurrentIndex(form.task.findData("vfi"))
    form.runs_dir.setText(str(tmp_path / "runs"))
    assert f"make the folder {tmp_path / 'runs' / 'prune-vfi'} and save that there as gui-options.json" \
        in form.start_note.text()
