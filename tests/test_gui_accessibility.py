"""What a screen reader says of the window's fields: every field a keyboard reaches has a name of its own (a form's
fields were all read as their group box's title, "Batch"; a model picker only by the model it showed)."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractButton, QAbstractSpinBox, QComboBox, QLineEdit, QWidget

from gui_support import gui_env, open_and_wait, window  # noqa: F401

FIELDS = (QLineEdit, QComboBox, QAbstractSpinBox, QAbstractButton)


def said(widget: QWidget) -> str:
    """What a screen reader says of a field: its accessible name, else a button's own text."""
    text = widget.text() if isinstance(widget, QAbstractButton) else ""
    return widget.accessibleName() or text.replace("&", "")


def fields_of(tab: QWidget) -> list[QWidget]:
    """The fields of a tab a keyboard can reach (a spin box's inner line edit is the spin box's)."""
    return [w for w in tab.findChildren(QWidget) if isinstance(w, FIELDS) and w.focusPolicy() & 0x1
            and not isinstance(w.parentWidget(), (QAbstractSpinBox, QComboBox))]


def test_every_field_a_keyboard_reaches_has_a_name_of_its_own(window, qtbot, small_video):
    open_and_wait(qtbot, window, small_video)
    window.export()
    for tab in (window.compare, window.batch, window.train, window.export_dialog):
        unnamed = [f"{type(w).__name__} {w.objectName()}" for w in fields_of(tab) if not said(w)]
        assert unnamed == [], type(tab).__name__
    batch = window.batch
    assert [said(w) for w in (batch.in_dir, batch.out_dir, batch.ext, batch.model, batch.crf)] == [
        "Input folder", "Output folder", "Extensions", "Model", "CRF (quality)"]
    dialog = window.export_dialog
    assert (said(dialog.output), said(dialog.crf), said(dialog.browse)) == ("Save as", "CRF", "Save as: Browse\u2026")
    assert dialog.crf.lineEdit().accessibleName() == ""  # the spin box's own line edit is the spin box's
    train, viewer = window.train, window.viewer
    assert (said(train.val), said(train.runs_dir), said(train.inputs["batch"])) == (
        "Validation clip", "Runs folder", "Batch (clips)")
    assert (said(viewer.left), said(viewer.right)) == ("Left side", "Right side")
    dialog.close()
