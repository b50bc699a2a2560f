"""Work done only when its result can change: the viewer's actions enabled per video, not per frame shown; the
training curves' legends laid out when a resize changes their column count, not on every resize."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication

from gui_support import gui_env, open_and_wait, show_and_wait, window  # noqa: F401
from vsr_app.gui.train_curves import TrainingCurves
from vsr_app.gui.viewer import PLAYBACK_ACTIONS

# five loss terms whose names lay out in 2 columns from 550 to 700 px, 3 at 900, 1 at 500 (planned_params and lambda
# were two of them until they were no longer drawn as losses)
TERMS = {"loss": 1.0, "lap_gt": 0.5, "teacher_lap_gt2": 3e5, "lambda_x": 0.1, "charbonnier": 0.3}


def count_calls(monkeypatch, obj, name: str) -> list:
    """Replace `obj.name` by a wrapper that records each call's arguments, and return the record."""
    calls, method = [], getattr(obj, name)
    monkeypatch.setattr(obj, name, lambda *args: (calls.append(args), method(*args))[1], raising=False)
    return calls


def test_playback_does_not_enable_the_actions_again_on_every_frame(window, qtbot, small_video, monkeypatch):
    open_and_wait(qtbot, window, small_video)
    viewer = window.viewer
    actions = [viewer.actions_by_name[name] for name in (*PLAYBACK_ACTIONS, "analyse")]
    calls = [count_calls(monkeypatch, obj, "setEnabled") for obj in (*actions, viewer.bar)]
    shown = []
    viewer.frameShown.connect(lambda r: shown.append(r.position))
    viewer.player.play()
    qtbot.waitUntil(lambda: not viewer.player.playing, timeout=20_000)
    assert len(shown) >= 5 and not any(calls)
    # a view without frames disables them; the next frame shown enables them again
    viewer._unavailable(viewer.request(), "nothing here")
    assert not viewer.bar.isEnabled() and not any(action.isEnabled() for action in actions[:-1])
    show_and_wait(qtbot, viewer, viewer.player.home)
    assert viewer.bar.isEnabled() and all(action.isEnabled() for action in actions[:-1])


@pytest.fixture
def curves(qtbot, gui_env):
    widget = TrainingCurves()
    qtbot.addWidget(widget)
    widget.show()
    widget.add_records([{"step": 1, **TERMS}])
    return widget


def resize(widget, width: int) -> None:
    widget.resize(width, 400)
    QApplication.processEvents()


def test_a_legend_is_relaid_only_when_a_resize_changes_its_columns(curves, monkeypatch):
    """Each resize set every legend to three columns and back to what fitted: two layouts of it per resize event
    while dragging the window's edge."""
    legend = curves.legends[curves.loss_plot]
    resize(curves, 550)  # side by side, the five terms in two columns
    assert not curves.stacked and legend.columnCount == 2
    layouts = count_calls(monkeypatch, legend, "updateSize")
    for width in (600, 650, 700, 560):
        resize(curves, width)
    assert legend.columnCount == 2 and layouts == []
    resize(curves, 900)
    assert legend.columnCount == 3 and len(layouts) == 1
    resize(curves, 500)  # narrower than its two columns
    assert legend.columnCount == 1 and len(layouts) == 2


def test_a_new_legend_entry_is_measured_with_the_others(curves):
    legend = curves.legends[curves.loss_plot]
    resize(curves, 900)
    assert legend.columnCount == 3
    curves.add_records([{"step": 2, "a_loss_term_with_a_name_long_enough_to_need_its_own_row": 0.2}])
    assert legend.columnCount < 3 and legend.minimumWidth() <= curves.graphs.width() / 2
    curves.reset()
    curves.add_records([{"step": 1, "loss": 1.0}])
    assert legend.columnCount == 3
