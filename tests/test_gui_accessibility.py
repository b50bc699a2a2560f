"""What a screen reader says of the window's fields: every field a keyboard reaches has a name of its own (a form's
fields were all read as their group box's title, "Batch"; a model picker only by the model it showed)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QAbstractButton, QAbstractSpinBox, QComboBox, QLineEdit, QWidget

from gui_support import announced, gui_env, open_and_wait, show_and_wait, window  # noqa: F401

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
    assert [said(w) for w in (batch.in_dir, batch.out_dir, batch.form.ext, batch.model, batch.form.crf)] == [
        "Input folder", "Output folder", "Extensions", "Model", "CRF (quality)"]
    dialog = window.export_dialog
    assert (said(dialog.output), said(dialog.crf), said(dialog.browse)) == ("Save as", "CRF", "Save as: Browse\u2026")
    assert dialog.crf.lineEdit().accessibleName() == ""  # the spin box's own line edit is the spin box's
    train, viewer = window.train.form, window.viewer
    assert (said(train.val), said(train.runs_dir), said(train.inputs["batch"])) == (
        "Validation clip", "Runs folder", "Batch (clips)")
    assert (said(viewer.left), said(viewer.right)) == ("Left side", "Right side")
    dialog.close()


def test_every_picker_is_named_by_a_label_bound_to_it(window, qtbot, small_video):
    """Qt on Linux and macOS gives a drop-down's current item as its name and leaves setAccessibleName unsaid: a
    reader names it by the label bound to it (its buddy), and the Compare tab's, the Export dialog's model and preset
    pickers and the Batch tab's Model and Device had none (read as "vsr-x4-student 104 K")."""
    open_and_wait(qtbot, window, small_video)
    window.export()
    for tab in (window.compare, window.batch, window.train, window.export_dialog):
        for combo in tab.findChildren(QComboBox):
            labels = [label.text(QAccessible.Name)
                      for label, _ in QAccessible.queryAccessibleInterface(combo).relations(QAccessible.Label)]
            assert combo.accessibleName() in labels, (type(tab).__name__, combo.accessibleName(), labels)
    window.export_dialog.close()


def test_every_tab_stop_of_the_window_has_a_name(window, qtbot, small_video):
    """A screen reader said nothing at the Train tab's scroll area (where a switch to the tab put the focus), the
    Compare tab's details panel, the curves and plots, and an empty stop on the Welcome page."""
    open_and_wait(qtbot, window, small_video)
    window.viewer.start_analysis()  # its plots shown
    nameless = []
    for widget in window.findChildren(QWidget):
        if (not widget.focusPolicy() & Qt.TabFocus or widget.focusProxy() is not None or widget.window() is not window
                or isinstance(widget.parentWidget(), (QAbstractSpinBox, QComboBox))):
            continue  # not a stop of its own (a tab widget's is its bar; a popup list is its picker's)
        if not QAccessible.queryAccessibleInterface(widget).text(QAccessible.Name):
            nameless.append(f"{type(widget).__name__} in {type(widget.parentWidget()).__name__}")
    assert nameless == [], "\n".join(nameless)
    window.viewer.stop_analysis()
    window.tabs.setCurrentWidget(window.train)
    assert window.train.focusWidget() is None or window.train.form_scroll.focusPolicy() == Qt.NoFocus


def test_the_end_of_an_analysis_and_the_about_panes_are_named(window, qtbot, small_video, announced):
    open_and_wait(qtbot, window, small_video)
    viewer = window.viewer
    show_and_wait(qtbot, viewer, lambda: viewer.set_sides("bicubic", "bicubic"), lambda r: r.psnr is not None)
    viewer.start_analysis()
    qtbot.waitUntil(lambda: not viewer.analysis.running, timeout=60_000)
    assert announced[-1][1].startswith("Analysis ended: 12 / 12 frames")
    window.about()
    dialog = window.about_dialog
    assert [dialog.tabs.widget(i).accessibleName() for i in range(dialog.tabs.count())] == [
        "About", "Models", "Licences"]
    dialog.close()
