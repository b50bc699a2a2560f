"""Number fields that read "." as the decimal point in every locale, as the rest of the app writes numbers (labels,
logs, the CLI, config JSON). In German Qt's own read "0.1" as 1 with a thousands separator, and a run started with
ten times the weight typed; "," is taken as a decimal point too, never as a group separator, and an int field
refuses both. A text a field cannot take as typed is refused visibly (RefusingBox), never cut to one it can: Qt's
dropped the "e" of "1e-4" and a run got a learning rate of 1."""

from __future__ import annotations

import re
from decimal import Decimal

from PySide6.QtCore import QLocale, QPoint, QTimer
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QDoubleSpinBox, QSpinBox, QToolTip

from vsr_app.errors import VsrAppError
from vsr_app.gui import colours
from vsr_app.gui.widgets import announce


def plain_locale() -> QLocale:
    """The C locale ("." the decimal point) with no group separators, shown or taken."""
    locale = QLocale.c()
    locale.setNumberOptions(QLocale.NumberOption.OmitGroupSeparator | QLocale.NumberOption.RejectGroupSeparator)
    return locale


class RefusingBox:
    """A spin box (mixed in before Qt's class) that takes a text only as the number it is and refuses any other
    visibly: Qt's dropped a keystroke it could not take ("." in "1.5", "e" in "1e3") and read what was left, or went
    back to the value before without a word. The text is read where editing ends (Enter, the focus moving on, a
    step, `interpretText`), not as it is typed: typing "1e-4" had the "1" taken as 1.0 and kept while the rest was
    refused, and a key that leaves the focus in the field (Alt+S, Start) started a run with it. A refused text
    leaves the value as it was and says so beside the field, marked until it is next edited. The class says why it
    refuses a text (`objection`) and which texts more typing can still make a number (`BEGUN`)."""

    BEGUN: re.Pattern

    def __init__(self):
        super().__init__()
        self.setLocale(plain_locale())
        self.setKeyboardTracking(False)
        self.refusal = ""  # what the field says of a refused text, "" where it says nothing
        self.said_now = False  # the refusal was said to a screen reader in this turn of the event loop (`Refused`)
        self.own_tip = ""  # the field's tooltip without the refusal
        self.lineEdit().textEdited.connect(self._edited)
        self.valueChanged.connect(lambda: self._say(""))

    def objection(self, text: str) -> str:
        """Why `text` is not taken, "" where it is."""
        raise NotImplementedError

    def range_said(self) -> str:
        return f"between {plain_number(self.minimum())} and {plain_number(self.maximum())}"

    def bare(self, text: str) -> str:
        """`text` as the field reads it: without its prefix, suffix and spaces, "," a decimal point as "." is."""
        return text.removeprefix(self.prefix()).removesuffix(self.suffix()).strip().replace(",", ".")

    def special(self, text: str) -> bool:
        """`text` is what the field shows at its minimum in place of a number (a CRF's "CRF \u2014")."""
        return text == self.specialValueText() != ""

    def validate(self, text: str, pos: int):
        taken = self.special(text) or not self.objection(text)
        return QValidator.State.Acceptable if taken else QValidator.State.Intermediate, text, pos

    def valueFromText(self, text: str) -> float:
        return self.minimum() if self.special(text) else type(self.minimum())(self.bare(text))

    def fixup(self, text: str) -> str:
        """Editing ends on a text the field does not take: it is refused and said so, the value kept. A screen reader
        says it here, once an edit (a tooltip and a frame went unsaid), not as it is typed (`_edited`)."""
        refusal = f"\u201c{text}\u201d not taken, {plain_number(self.value())} kept: {self.objection(text)}"
        announce(self, refusal)
        self.said_now = True  # for a press the same key makes (Enter: the dialog's default button)
        QTimer.singleShot(0, self, self._said_earlier)
        self._say(refusal)
        return text

    def _said_earlier(self) -> None:
        self.said_now = False

    def _edited(self, text: str) -> None:
        begun = self.BEGUN.fullmatch(self.bare(text))
        self._say("" if begun else f"\u201c{text}\u201d will not be taken: {self.objection(text)}")

    def _say(self, refusal: str) -> None:
        """`refusal` beside the field, in its tooltip and as a warning frame; "" clears them."""
        if not self.refusal:
            self.own_tip = self.toolTip()
        if refusal or self.refusal:
            self.refusal = refusal
            self.setToolTip("\n\n".join(filter(None, (refusal, self.own_tip))))
            self.setStyleSheet(f"QAbstractSpinBox {{ border: 1px solid {colours.WARNING}; }}" if refusal else "")
        if refusal:
            QTimer.singleShot(0, self, self._show_refusal)  # once the focus has moved: the next field's hid it at once

    def _show_refusal(self) -> None:
        if self.refusal:
            QToolTip.showText(self.mapToGlobal(QPoint(0, self.height())), self.refusal, self)


class Refused(VsrAppError):
    """A field's refusal of its text (`take_typed`). `said`: the field has just said it to a screen reader, its edit
    ended by the same key or press (Enter in it, a button's Alt+letter): a caller that shows it need not say it again,
    or it was heard twice. Not where it was refused by an earlier key, its text since back to the value kept: nothing
    has said it for this press then."""

    def __init__(self, message: str, said: bool):
        super().__init__(message)
        self.said = said


def take_typed(boxes) -> None:
    """Take each of `boxes`' text as Enter would, before their values are used: a key that leaves the focus in a
    field (a button's Alt+letter) ends no edit, and the text typed there was not read. Raises Refused, the focus
    put in the field to retype it, while one refuses its text, now or since its last edit: the value it kept is not
    the one typed. A greyed box is passed over: what it holds is not used, and it cannot be retyped."""
    for box in boxes:
        if not box.isEnabled():
            continue
        box.interpretText()
        if box.refusal:
            box.setFocus()
            raise Refused(f"{box.accessibleName()}: {box.refusal}", said=box.said_now)


def plain_number(number: float) -> str:
    """A field's value or bound as the field shows it and the refusal names it: 0.0002, 0.000001, 16, not 0.000200,
    1e-06 or 16.0; in powers of ten below PLAIN_LEAST only (1e-07), where the zeros are too many to count."""
    written = f"{number:.15g}"
    return written if 0 < abs(number) < PLAIN_LEAST else format(Decimal(written), "f")


PLAIN_LEAST = 1e-6  # the least number written in plain decimals: 0.000001 (a learning rate's least)


class PlainSpinBox(RefusingBox, QSpinBox):
    """An int field in the plain locale that takes digits alone. "." and "," are refused: "1.5" is no whole number,
    and "2,000" or "2.000" is two thousand to one reader and 2 to another (DecimalSpinBox reads both as 2.0), so
    taking either would guess; Qt dropped the "." keystroke and read 15. "1e3" is refused too, not read as 1000: the
    "e" lies under the "3" on the keyboard, so it may be a slip for 13 as well, and a Steps field takes 1000 typed."""

    BEGUN = re.compile(r"[+-]?[0-9]*")

    def objection(self, text: str) -> str:
        if not re.fullmatch(r"[+-]?[0-9]+", self.bare(text)):
            return self.whole_numbers()
        return "" if self.minimum() <= int(self.bare(text)) <= self.maximum() else self.range_said()

    def whole_numbers(self) -> str:
        """What the field takes, with an example of a thousand written without a separator where it takes one: the
        same "2000" said of a CRF of 0 to 51 was odd."""
        said = f"a whole number from {self.minimum()} to {self.maximum()}, in digits alone"
        return f"{said} (2000, not 2,000, 2.000 or 2e3)" if self.minimum() <= 2000 <= self.maximum() else said

A_NUMBER = "type a number such as 0.0002 or 2e-4"  # said of a text that is no number; one out of range is the range's


class DecimalSpinBox(RefusingBox, QDoubleSpinBox):
    """A float field in the plain locale that takes "," as the decimal point too (a German keypad's), and a number
    in scientific notation as a learning rate is written ("1e-4", "2E-4", "1,5e-4"). A number with more decimals
    than the field shows is refused, not rounded: 1.5e-6 would have been 0.000002."""

    BEGUN = re.compile(r"[+-]?([0-9]*\.?[0-9]*|([0-9]+\.?[0-9]*|\.[0-9]+)[eE][+-]?[0-9]*)")

    def objection(self, text: str) -> str:
        if not re.fullmatch(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?", self.bare(text)):
            return A_NUMBER
        number = float(self.bare(text))
        if not self.minimum() <= number <= self.maximum():
            return self.range_said()
        decimals = self.decimals()
        return "" if round(number, decimals) == number else f"{self.range_said()}, {decimals} decimals at most"
