"""Helpers shared by the tabs' widgets (vsr_app/gui/widgets.py)."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox

from vsr_app.gui.widgets import fill_models
from vsr_app.models import list_models


def test_a_model_picker_is_refilled_with_the_first_wanted_model_it_lists(qtbot):
    """The Train, Batch and Compare pickers each refill the same way: the pick kept, else the saved one, else the
    preferred; a wanted model no longer listed (or none saved) falls to the next, and with none listed, the first."""
    models = [m for m in list_models() if m.task == "upscale"][:3]
    items = [(m.name, m.name, m) for m in models]
    combo = QComboBox()
    combo.addItem("stale", "stale")
    fill_models(combo, items, [None, "gone", models[2].name, models[1].name])
    assert [combo.itemData(i) for i in range(combo.count())] == [m.name for m in models]
    assert combo.currentData() == models[2].name
    fill_models(combo, items, ["gone", None])
    assert combo.currentIndex() == 0
    fill_models(combo, [], [models[0].name])
    assert combo.count() == 0 and combo.currentIndex() == -1
