"""The badges drawn at the bottom of the picture: the busy text, left, ran under the zoom badge, right, at a 900 px
window, and at a scale of 2 it was cut off over it."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QApplication

from gui_support import gui_env  # noqa: F401
from vsr_app.gui.compare_view import BADGE_GAP, badge_boxes

BUSY = "test-slow: frame 31 (reading the 8 frames before it first, to build up the model's memory: 2/8)"
PANE_AT_900 = 627  # the left pane's width in a 900 px window, as the tester's shot has it


def metrics(scale: int) -> QFontMetrics:
    font = QFont(QApplication.font())
    font.setPointSizeF(font.pointSizeF() * scale)
    return QFontMetrics(font)


@pytest.mark.parametrize("scale", [1, 2])
def test_a_long_busy_text_is_cut_short_of_the_zoom_badge(gui_env, scale):
    (busy_box, shown, left), (zoom_box, zoom, right) = badge_boxes(PANE_AT_900, 500, metrics(scale), BUSY, "245%")
    assert left and not right and zoom == "245%"
    assert busy_box.right() + BADGE_GAP <= zoom_box.left() and not busy_box.intersects(zoom_box)
    assert shown.endswith("\u2026") and BUSY.startswith(shown[:-1]) and len(shown) > 10


def test_a_busy_text_with_room_is_whole_and_none_leaves_the_zoom_alone(gui_env):
    assert badge_boxes(3000, 500, metrics(1), BUSY, "100%")[0][1] == BUSY
    assert [text for _, text, _ in badge_boxes(PANE_AT_900, 500, metrics(1), "", "100%")] == ["100%"]
