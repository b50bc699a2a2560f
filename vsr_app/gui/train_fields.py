"""The Train tab's Hyper-parameters fields: the widget each option gets, and its value as settings keep it."""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QComboBox

from vsr_app.gui.number_boxes import DecimalSpinBox, PlainSpinBox, plain_number
from vsr_app.gui.settings_values import setting
from vsr_app.gui.train_form import choice_data


class MultipleSpinBox(PlainSpinBox):
    """An int field that takes only multiples of `multiple` (train_form.MULTIPLE_OF): it steps by one and rounds a
    typed value to the nearest when editing ends, so the trainer is not handed a crop it refuses."""

    def __init__(self, multiple: int):
        super().__init__()
        self.multiple = multiple
        self.setSingleStep(multiple)
        self.editingFinished.connect(self._snap)

    def setValue(self, value: int) -> None:  # a saved or a run's value too (the form saved the 100 Start refused)
        nearest = (int(value) + self.multiple // 2) // self.multiple * self.multiple  # halves up
        super().setValue(min(max(nearest, self.minimum()), self.maximum()))

    def stepBy(self, steps: int) -> None:
        self._snap()
        super().stepBy(steps)

    def _snap(self) -> None:
        self.setValue(self.value())


RATE_DECIMALS = 12  # six significant digits still at a learning rate of 1e-6


class RateSpinBox(DecimalSpinBox):
    """A rate such as the learning rate, shown as short as it is written ("0.0002", "0.0000015"), not with six decimals
    ("0.000200"), which were hard to read and refused 1.5e-6 for its seventh. It keeps RATE_DECIMALS decimals: a
    QDoubleSpinBox rounds its value to its decimals."""

    def __init__(self):
        super().__init__()
        self.setDecimals(RATE_DECIMALS)

    def textFromValue(self, value: float) -> str:
        return plain_number(value)


def number_field(kind, default, low, high, multiple=1):
    """A Hyper-parameters field for an int or float option: its range, step and decimals from what it holds (at most
    1: a rate); "." the decimal point in every locale (number_boxes)."""
    if kind is int:
        box = MultipleSpinBox(multiple) if multiple > 1 else PlainSpinBox()
        box.setRange(int(low), int(high))
    else:
        if high <= 1.0:
            box = RateSpinBox()
        else:
            box = DecimalSpinBox()
            box.setDecimals(3)
        box.setRange(low, high)
        box.setSingleStep(default / 10 if default else 0.1)
    box.setValue(default)
    return box


def stored(widget):
    """A field's value as settings keep it: a choice's JSON text, a number."""
    return widget.currentData() if isinstance(widget, QComboBox) else widget.value()


def show_saved(widget, settings: QSettings, keys: list[str], default) -> None:
    """Show a field's value as saved under the last of `keys` that holds one of the kind the field keeps (a choice's
    JSON text, a number: settings_values.setting), else its default."""
    choice = isinstance(widget, QComboBox)
    saved = choice_data(default) if choice else type(widget.value())(default)
    for key in keys:
        saved = setting(settings, key, saved)
    if choice:  # before choices carried values, the plain label (still honoured)
        index = max(widget.findData(saved), widget.findData(choice_data(saved)))
        widget.setCurrentIndex(index if index >= 0 else widget.findData(choice_data(default)))
    else:
        widget.setValue(saved)
