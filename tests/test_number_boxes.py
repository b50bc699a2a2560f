"""The Train tab's number fields (number_boxes) given what they cannot take as typed: "1.5" or "2,000" typed in a crop
field kept the value held before, saying nothing, and a run could start with a crop the user had not seen refused;
"1e-4" typed as the learning rate became 1.0 (Qt dropped the "e"), and "1e3" in Steps became 13."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QToolTip

from gui_support import announced, gui_env  # noqa: F401
from locale_support import locale  # noqa: F401
from vsr_app.gui.number_boxes import A_NUMBER, PlainSpinBox, Refused, plain_number, take_typed
from vsr_app.gui.train_fields import number_field
from vsr_app.gui.train_form import COMMON


def shown(qtbot, field):
    qtbot.addWidget(field)
    field.show()
    field.setFocus()
    return field


@pytest.fixture
def box(locale, qtbot):
    """An int field holding 16, shown and focused."""
    field = PlainSpinBox()
    field.setRange(0, 100_000)
    field.setValue(16)
    field.setToolTip("crop size")
    return shown(qtbot, field)


@pytest.fixture
def rate(locale, qtbot):
    """The Hyper-parameters' Learning rate field, at its default 0.0002, shown and focused."""
    _, _, kind, default, low, high, _ = next(field for field in COMMON if field[0] == "lr")
    field = number_field(kind, default, low, high)
    field.setToolTip("learning rate")
    assert field.value() == 0.0002 and field.text() == "0.0002"
    return shown(qtbot, field)


def typed(qtbot, box, text: str):
    """`box`'s value once `text` is typed over it and Enter ends the edit."""
    box.lineEdit().selectAll()
    qtbot.keyClicks(box, text)
    qtbot.keyClick(box, Qt.Key_Enter)
    return box.value()


def refused_visibly(qtbot, box) -> None:
    assert box.toolTip().startswith(box.refusal)
    assert box.styleSheet()  # framed in the warning colour
    qtbot.waitUntil(lambda: QToolTip.isVisible() and QToolTip.text() == box.refusal)


@pytest.mark.parametrize("text", ["1.5", "2,000", "2.000", "2,4", "1e3", "2E3"])
def test_a_separator_or_an_exponent_is_refused_visibly_and_the_value_before_the_edit_kept(box, qtbot, text):
    """Neither a fraction nor a thousands separator can be taken without guessing (2.000 is two thousand in German
    and 2 to the decimal fields beside it); the "1" typed before the "." is not left behind either. "1e3" read 13."""
    assert typed(qtbot, box, text) == 16 and box.text() == "16"
    assert box.refusal == (f"\u201c{text}\u201d not taken, 16 kept: a whole number from 0 to 100000, in digits alone "
                           "(2000, not 2,000, 2.000 or 2e3)")
    assert box.toolTip().endswith("crop size")
    refused_visibly(qtbot, box)


@pytest.mark.parametrize("text", ["100001", "-3"])
def test_a_whole_number_out_of_range_is_refused_visibly_naming_the_range(box, qtbot, text):
    """Qt dropped the digit that took it past the maximum (100001 read 10000) and said nothing."""
    assert typed(qtbot, box, text) == 16
    assert box.refusal == f"\u201c{text}\u201d not taken, 16 kept: between 0 and 100000"
    refused_visibly(qtbot, box)


@pytest.mark.parametrize("field, text, kept, shown_kept", [("box", "1.5", "16", "16"),
                                                        ("rate", "0.0000001", "0.0002", "0.0002")])
def test_the_refusal_is_said_where_the_focus_moves_on(locale, request, qtbot, field, text, kept, shown_kept):
    """Tab to the next field ends the edit: the tip shown then stays over the next field's focus."""
    box = request.getfixturevalue(field)
    following = PlainSpinBox()
    qtbot.addWidget(following)
    following.show()
    box.lineEdit().selectAll()
    qtbot.keyClicks(box, text)
    following.setFocus()
    qtbot.waitUntil(following.hasFocus)
    assert f"\u201c{text}\u201d not taken, {kept} kept" in box.refusal and box.text() == shown_kept
    qtbot.waitUntil(lambda: QToolTip.isVisible() and QToolTip.text() == box.refusal)


@pytest.mark.parametrize("text", ["1.", "1e"])
def test_the_refusal_is_said_while_typed_and_cleared_by_a_whole_number(box, qtbot, text):
    box.lineEdit().selectAll()
    qtbot.keyClicks(box, text)
    assert f"\u201c{text}\u201d will not be taken" in box.refusal
    qtbot.keyClick(box, Qt.Key_Enter)
    assert typed(qtbot, box, "1500") == 1500
    assert box.refusal == "" and box.toolTip() == "crop size" and box.styleSheet() == ""


def test_take_typed_tells_whether_the_field_has_just_said_its_refusal(box, qtbot, announced):
    """The caller shows the refusal `take_typed` raises: said aloud by the field as the take read its text, the caller
    need not say it again (a screen reader heard it twice); on a later press, the field back at the value kept,
    nothing else says it."""
    box.lineEdit().selectAll()
    qtbot.keyClicks(box, "1.5")
    with pytest.raises(Refused) as first:
        take_typed([box])
    QApplication.processEvents()  # a later press comes in a later turn of the event loop
    with pytest.raises(Refused) as again:
        take_typed([box])
    assert (first.value.said, again.value.said) == (True, False) and len(announced) == 1


def test_a_refusal_is_said_to_a_screen_reader_once_where_the_edit_ends(box, qtbot, announced):
    """It was shown in a tooltip and a frame alone, which a screen reader does not read."""
    box.lineEdit().selectAll()
    qtbot.keyClicks(box, "1.5")
    assert announced == []  # not at each keystroke
    qtbot.keyClick(box, Qt.Key_Enter)
    box.interpretText()  # the same edit ended again, as the focus moving on ends it
    assert [said for _, said in announced] == [box.refusal] and box.refusal.startswith("\u201c1.5\u201d not taken")


@pytest.mark.parametrize("number, shown", [(1e-6, "0.000001"), (1.5e-6, "0.0000015"), (0.0002, "0.0002"), (16.0, "16"),
                                           (100_000, "100000"), (0, "0"), (1e-7, "1e-07")])
def test_a_number_is_written_in_plain_decimals_unless_its_zeros_are_too_many(number, shown):
    assert plain_number(number) == shown


def test_digits_alone_are_taken(box, qtbot):
    assert typed(qtbot, box, "2000") == 2000 and box.refusal == ""


@pytest.mark.parametrize("text, rate_typed, shown_as", [
    ("1e-4", 1e-4, "0.0001"), ("2E-4", 2e-4, "0.0002"), ("1e-04", 1e-4, "0.0001"), ("5e-5", 5e-5, "0.00005"),
    ("1,5e-4", 1.5e-4, "0.00015"), ("1.5e-6", 1.5e-6, "0.0000015"), ("0,0000015", 1.5e-6, "0.0000015"),
    ("0.00012345", 1.2345e-4, "0.00012345"), ("1", 1.0, "1")])
def test_a_learning_rate_is_taken_in_scientific_notation_and_shown_as_short_as_written(rate, qtbot, text, rate_typed,
                                                                                       shown_as):
    """"1e-4" read 1.000000 and the run diverged at lr 1.0; "2e-4" was left at 0.0002 as if it had been taken. Six
    decimals were shown ("0.000200", small rates hard to read) and 1.5e-6 was refused for its seventh."""
    typed(qtbot, rate, "0.001")  # not the default, so that "2e-4" is seen taken
    assert typed(qtbot, rate, text) == pytest.approx(rate_typed, rel=1e-12)
    assert rate.text() == shown_as and rate.refusal == "" and rate.styleSheet() == ""


@pytest.mark.parametrize("text", ["0.0000001", "1e-7", "2", "1e1", "-1e-4"])
def test_a_learning_rate_out_of_range_is_refused_visibly_naming_the_range(rate, qtbot, text):
    """"0.0000001" went back to 0.0002 without a word, and "2" or "1e1" had been taken as 1 (the "1" typed first)."""
    assert typed(qtbot, rate, text) == 0.0002 and rate.text() == "0.0002"
    assert rate.refusal == f"\u201c{text}\u201d not taken, 0.0002 kept: between 0.000001 and 1"
    assert rate.toolTip().endswith("learning rate")
    refused_visibly(qtbot, rate)


@pytest.mark.parametrize("text", ["1..5", "x", "1e-", "."])
def test_a_text_that_is_no_number_is_refused_with_how_one_is_typed(rate, qtbot, text):
    """It was answered with the range, which was not what was wrong."""
    assert typed(qtbot, rate, text) == 0.0002
    assert rate.refusal == f"\u201c{text}\u201d not taken, 0.0002 kept: {A_NUMBER}"
    refused_visibly(qtbot, rate)


def test_a_learning_rate_is_read_where_its_edit_ends_not_as_typed(rate, qtbot):
    """The "1" of "1e-4" was taken as 1.0 while it was typed, and kept: Alt+S (Start) leaves the focus in the field,
    so no refusal came, and a run started at lr 1.0; a step (Up) from "1e-" left 1.0 too, refusing nothing."""
    rate.lineEdit().selectAll()
    qtbot.keyClicks(rate, "1e-")
    assert rate.value() == 0.0002 and rate.text() == "1e-"
    qtbot.keyClick(rate, Qt.Key_Up)
    assert rate.value() == 0.0002
    assert rate.refusal == f"\u201c1e-\u201d not taken, 0.0002 kept: {A_NUMBER}"


def test_a_learning_rate_finer_than_the_field_keeps_is_refused_not_rounded(rate, qtbot):
    """A Qt field rounds its value to its decimals: 1.5e-6 would have been 0.000002 at six, a third more than typed."""
    assert typed(qtbot, rate, "1.0000000000001e-3") == 0.0002
    assert rate.refusal == ("\u201c1.0000000000001e-3\u201d not taken, 0.0002 kept: between 0.000001 and 1, "
                            "12 decimals at most")
    refused_visibly(qtbot, rate)


def test_a_refused_learning_rate_is_cleared_by_one_taken(rate, qtbot):
    typed(qtbot, rate, "1e-9")
    assert typed(qtbot, rate, "3e-4") == pytest.approx(3e-4) and rate.refusal == "" and rate.styleSheet() == ""


@pytest.fixture
def crf(box):
    """The int field as a CRF shows it: "CRF 20", and "CRF —" at its minimum (a codec with no CRF)."""
    box.setRange(0, 51)
    box.setPrefix("CRF ")
    box.setSpecialValueText("CRF \u2014")
    box.setValue(20)
    return box


def test_a_prefixed_field_takes_digits_after_its_prefix_and_refuses_an_exponent(crf, qtbot):
    assert typed(qtbot, crf, "23") == 23 and crf.text() == "CRF 23" and crf.refusal == ""
    assert typed(qtbot, crf, "1e3") == 23
    assert crf.refusal == "\u201cCRF 1e3\u201d not taken, 23 kept: a whole number from 0 to 51, in digits alone"


def test_what_a_field_shows_at_its_minimum_is_taken_as_it(crf, qtbot):
    """Its "CRF —" is no number, and ending an edit on it would have been refused."""
    crf.setValue(0)
    assert crf.text() == "CRF \u2014"
    crf.interpretText()
    assert crf.value() == 0 and crf.refusal == ""
