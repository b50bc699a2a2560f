"""The Train tab's int fields (number_boxes.PlainSpinBox) given "." or ",": "1.5" or "2,000" typed in a crop field
kept the value held before, saying nothing, and a run could start with a crop the user had not seen refused."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QLocale, Qt
from PySide6.QtWidgets import QToolTip

from gui_support import gui_env  # noqa: F401
from vsr_app.gui.number_boxes import PlainSpinBox


@pytest.fixture(params=[QLocale.German, QLocale.English], ids=["German", "English"])
def box(request, gui_env, qtbot):
    """An int field holding 16, made under Qt's default locale as LC_ALL sets it, shown and focused."""
    before = QLocale()
    QLocale.setDefault(QLocale(request.param))
    field = PlainSpinBox()
    field.setRange(0, 100_000)
    field.setValue(16)
    field.setToolTip("crop size")
    qtbot.addWidget(field)
    field.show()
    field.setFocus()
    yield field
    QLocale.setDefault(before)


def typed(qtbot, box: PlainSpinBox, text: str) -> int:
    """`box`'s value once `text` is typed over it and Enter ends the edit."""
    box.lineEdit().selectAll()
    qtbot.keyClicks(box, text)
    qtbot.keyClick(box, Qt.Key_Enter)
    return box.value()


@pytest.mark.parametrize("text", ["1.5", "2,000", "2.000", "2,4"])
def test_a_separator_is_refused_visibly_and_the_value_before_the_edit_kept(box, qtbot, text):
    """Neither a fraction nor a thousands separator can be taken without guessing (2.000 is two thousand in German
    and 2 to the decimal fields beside it); the "1" typed before the "." is not left behind either."""
    assert typed(qtbot, box, text) == 16 and box.text() == "16"
    assert f"\u201c{text}\u201d not taken, 16 kept" in box.refusal
    assert box.toolTip().startswith(box.refusal) and box.toolTip().endswith("crop size")
    assert box.styleSheet()  # framed in the warning colour
    qtbot.waitUntil(lambda: QToolTip.isVisible() and QToolTip.text() == box.refusal)


def test_the_refusal_is_said_where_the_focus_moves_on(box, qtbot):
    """Tab to the next field ends the edit: the tip shown then stays over the next field's focus."""
    following = PlainSpinBox()
    qtbot.addWidget(following)
    following.show()
    box.lineEdit().selectAll()
    qtbot.keyClicks(box, "1.5")
    following.setFocus()
    qtbot.waitUntil(following.hasFocus)
    assert box.value() == 16 and "\u201c1.5\u201d not taken, 16 kept" in box.refusal
    qtbot.waitUntil(lambda: QToolTip.isVisible() and QToolTip.text() == box.refusal)


def test_the_refusal_is_said_while_typed_and_cleared_by_a_whole_number(box, qtbot):
    box.lineEdit().selectAll()
    qtbot.keyClicks(box, "1.")
    assert "\u201c1.\u201d will not be taken" in box.refusal
    qtbot.keyClick(box, Qt.Key_Enter)
    assert typed(qtbot, box, "1500") == 1500
    assert box.refusal == "" and box.toolTip() == "crop size" and box.styleSheet() == ""


def test_digits_alone_are_taken(box, qtbot):
    assert typed(qtbot, box, "2000") == 2000 and box.refusal == ""
