"""Number fields that read "." as the decimal point in every locale, as the rest of the app writes numbers (labels,
logs, the CLI, config JSON). In German Qt's own read "0.1" as 1 with a thousands separator, and a run started with
ten times the weight typed; "," is taken as a decimal point too, never as a group separator."""

from __future__ import annotations

from PySide6.QtCore import QLocale
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QDoubleSpinBox, QSpinBox


def plain_locale() -> QLocale:
    """The C locale ("." the decimal point) with no group separators, shown or taken."""
    locale = QLocale.c()
    locale.setNumberOptions(QLocale.NumberOption.OmitGroupSeparator | QLocale.NumberOption.RejectGroupSeparator)
    return locale


class PlainSpinBox(QSpinBox):
    """An int field in the plain locale. A typed fraction ("1.5") is left as typed but not taken, so the field keeps
    the value it held before the "." where editing ends: Qt dropped the "." keystroke and read 15."""

    def __init__(self):
        super().__init__()
        self.setLocale(plain_locale())

    def validate(self, text: str, pos: int):
        if "." in text or "," in text:
            return QValidator.State.Intermediate, text, pos
        return super().validate(text, pos)

    def fixup(self, text: str) -> str:
        return text  # Qt's took the "," out of "0,1" (a group separator in the C locale) and read 1


class DecimalSpinBox(QDoubleSpinBox):
    """A float field in the plain locale that takes "," as the decimal point too (a German keypad's)."""

    def __init__(self):
        super().__init__()
        self.setLocale(plain_locale())

    def validate(self, text: str, pos: int):
        return super().validate(text.replace(",", "."), pos)

    def valueFromText(self, text: str) -> float:
        return super().valueFromText(text.replace(",", "."))
