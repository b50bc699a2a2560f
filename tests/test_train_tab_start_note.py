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


def test_the_note_says_prune_teacher_does_not_use_the_form_s_settings(window):
    """The pruner's log pointed at the form's Crop, which Prune teacher does not send: a tester shortened nothing."""
    form = window.train.form
    form.task.setCurrentIndex(form.task.findData("vfi"))
    note = form.start_note.text()
    assert "with its own settings, not this form's" in note and "--steps" in note and "--config" in note
