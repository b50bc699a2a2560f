"""Helpers shared by the tabs' widgets (vsr_app/gui/widgets.py)."""

from __future__ import annotations

from PySide6.QtGui import QFontMetricsF
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QWidget

from gui_support import gui_env  # noqa: F401
from vsr_app.gui.widgets import ElidedLabel, fill_models
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


def test_an_elided_label_with_room_for_its_text_shows_all_of_it(gui_env, qtbot):
    """Sized to the text's width rounded down (276 px for 276.39), a label with 500 px free beside it showed
    "vsr-x4-student … vsr-x4-teacher" and "a_au….mp4"."""
    row = QWidget()
    qtbot.addWidget(row)
    layout = QHBoxLayout(row)
    label = ElidedLabel()
    label.setProperty("role", "heading")  # the analysis title's font, whose advances are not whole pixels
    layout.addWidget(label)
    layout.addStretch(1)
    row.resize(900, 50)
    row.show()
    texts = ("vsr-x4-student vs vsr-x4-teacher", "a_audio.mp4", "bicubic \u00d74 vs vsr-x4-student",
             "Per-frame quality")
    widths = [QFontMetricsF(label.font()).horizontalAdvance(text) for text in texts]
    assert any(w != int(w) for w in widths)  # the case: a text whose width is a fraction of a pixel
    for text in texts:
        label.setText(text)
        qtbot.waitUntil(lambda: label.width() == label.sizeHint().width())
        assert label.text() == text, (label.width(), QFontMetricsF(label.font()).horizontalAdvance(text))
    label.setText(texts[0])
    row.resize(120, 50)  # too narrow: still cut in its middle
    qtbot.waitUntil(lambda: label.width() < 120)
    head, tail = label.text().split("\u2026")
    assert head and tail and texts[0].startswith(head) and texts[0].endswith(tail)
