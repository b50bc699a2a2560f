"""The export dialog's and the Batch tab's CRF, and the Compare tab's difference gain, take whole numbers alone. As a
QSpinBox (a QDoubleSpinBox with no decimals, the gain) "1.5" typed became 15 in any locale and "2,5" 25, and "2.5" a
gain of x25 in German or x2 in English, each without a word: an export made at a quality nobody chose."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QWidget

from gui_support import gui_env  # noqa: F401
from locale_support import locale  # noqa: F401
from vsr_app import models
from vsr_app.resources import resource_path


def _crf_of_export(parent):
    from vsr_app.gui.export_dialog import ExportDialog

    return ExportDialog(str(resource_path("sample.mp4")), models.list_models(), {}, "upscale", "cpu", QSettings(),
                        parent).crf


def _crf_of_batch(parent):
    from vsr_app.gui.batch_form import BatchForm

    return BatchForm(QSettings(), parent).crf


def _gain(parent):
    from vsr_app.gui.viewer_toolbar import ViewerToolbar

    toolbar = ViewerToolbar()
    toolbar.setParent(parent)
    return toolbar.gain


@pytest.mark.parametrize("field_of", [_crf_of_export, _crf_of_batch, _gain], ids=["export CRF", "batch CRF", "gain"])
@pytest.mark.parametrize("text", ["1.5", "2,5", "2.5"])
def test_a_fraction_typed_is_refused_and_the_value_kept(locale, qtbot, field_of, text):
    parent = QWidget()
    qtbot.addWidget(parent)
    field = field_of(parent)
    field.setValue(4)
    parent.show()
    field.setFocus()
    field.lineEdit().selectAll()
    qtbot.keyClicks(field, text)
    qtbot.keyClick(field, Qt.Key_Enter)  # (the export dialog is not shown: its Export button takes no Enter)
    assert field.value() == 4 and f"\u201c{field.prefix()}{text}\u201d not taken, 4 kept" in field.refusal
