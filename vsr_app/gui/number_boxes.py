"""Number fields that read "." as the decimal point in every locale, as the rest of the app writes numbers (labels,
logs, the CLI, config JSON). In German Qt's own read "0.1" as 1 with a thousands separator, and a run started with
ten times the weight typed; "," is taken as a decimal point too, never as a group separator, and an int field
refuses both."""

from __future__ import annotations

from PySide6.QtCore import QLocale, QPoint, QTimer
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QDoubleSpinBox, QSpinBox, QToolTip

from vsr_app.gui import theme


def plain_locale() -> QLocale:
    """The C locale ("." the decimal point) with no group separators, shown or taken."""
    locale = QLocale.c()
    locale.setNumberOptions(QLocale.NumberOption.OmitGroupSeparator | QLocale.NumberOption.RejectGroupSeparator)
    return locale


class PlainSpinBox(QSpinBox):
    """An int field in the plain locale that takes digits alone. "." and "," are refused, and visibly: "1.5" is no
    whole number, and "2,000" or "2.000" is two thousand to one reader and 2 to another (DecimalSpinBox reads both as
    2.0), so taking either would guess; Qt dropped the "." keystroke and read 15. Where editing ends the field goes
    back to the value it held before the edit (the "1" of "1.5" had been taken as typed) and says so beside it, marked
    until it is next edited."""

    def __init__(self):
        super().__init__()
        self.setLocale(plain_locale())
        self.refusal = ""  # what the field says of a refused text, "" where it says nothing
        self.own_tip = ""  # the field's tooltip without the refusal
        self.before_edit: int | None = None  # the value when the edit began, None between edits
        self.kept: int | None = None  # the value kept where a text was refused: the refusal stands while it is shown
        self.lineEdit().textEdited.connect(self._edited)
        self.editingFinished.connect(self._edit_ended)
        self.valueChanged.connect(self._value_changed)

    def validate(self, text: str, pos: int):
        if _separated(text):
            return QValidator.State.Intermediate, text, pos
        return super().validate(text, pos)

    def fixup(self, text: str) -> str:
        """Editing ends on a text that is no number: one with a separator is refused and said so."""
        if _separated(text):
            if self.before_edit is not None:
                self.setValue(self.before_edit)
            self._edit_ended()
            self.kept = self.value()  # Enter emits valueChanged of it next, which leaves the refusal standing
            self._say(f"\u201c{text}\u201d not taken, {self.kept} kept: {WHOLE_NUMBERS}")
        return text  # Qt's took the "," out of "0,1" (a group separator in the C locale) and read 1

    def _edited(self, text: str) -> None:
        if self.before_edit is None:
            self.before_edit = self.value()  # Qt takes the text after this signal
        self.kept = None
        self._say(f"\u201c{text}\u201d will not be taken: {WHOLE_NUMBERS}" if _separated(text) else "")

    def _edit_ended(self) -> None:
        self.before_edit = None

    def _value_changed(self, value: int) -> None:
        if value != self.kept:
            self._say("")

    def _say(self, refusal: str) -> None:
        """`refusal` beside the field, in its tooltip and as a warning frame; "" clears them."""
        if not self.refusal:
            self.own_tip = self.toolTip()
        if refusal or self.refusal:
            self.refusal = refusal
            self.setToolTip("\n\n".join(filter(None, (refusal, self.own_tip))))
            self.setStyleSheet(f"QAbstractSpinBox {{ border: 1px solid {theme.WARNING}; }}" if refusal else "")
        if refusal:
            QTimer.singleShot(0, self, self._show_refusal)  # once the focus has moved: the next field's hid it at once

    def _show_refusal(self) -> None:
        if self.refusal:
            QToolTip.showText(self.mapToGlobal(QPoint(0, self.height())), self.refusal, self)


WHOLE_NUMBERS = "a whole number is typed without \".\" or \",\" (2000, not 2,000 or 2.000)"


def _separated(text: str) -> bool:
    return "." in text or "," in text


class DecimalSpinBox(QDoubleSpinBox):
    """A float field in the plain locale that takes "," as the decimal point too (a German keypad's)."""

    def __init__(self):
        super().__init__()
        self.setLocale(plain_locale())

    def validate(self, text: str, pos: int):
        return super().validate(text.replace(",", "."), pos)

    def valueFromText(self, text: str) -> float:
        return super().valueFromText(text.replace(",", "."))
