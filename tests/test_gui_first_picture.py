"""The Compare tab's first picture: the cheaper side shows as soon as it is made, the other side naming the model
still at work (a researcher waited 171 s and more on an empty view for the teacher's first chunk on a CPU)."""

from __future__ import annotations

import threading

import pytest
import torch
from PySide6.QtWidgets import QApplication

from gui_support import SlowBicubic, gui_env, open_and_wait, show_and_wait, window  # noqa: F401
from vsr_app import models
from vsr_app.gui.processing import FrameService, Pending, Request
from vsr_app.gui.viewer import pending_note

BIG = "test-big-slow"


class BigSlowBicubic(SlowBicubic):
    """A slow model with parameters, as a teacher is larger than the bicubic baseline."""

    def __init__(self, scale: int):
        super().__init__(scale)
        self.weight = torch.nn.Parameter(torch.zeros(1000))


@pytest.fixture
def big_slow(monkeypatch):
    monkeypatch.setitem(models._BUILTINS, BIG, models.Builtin(BIG, "upscale", 4, lambda: BigSlowBicubic(4), "slow"))
    return BIG


def test_the_cheaper_side_shows_while_the_slow_model_works_and_names_it(window, qtbot, small_video, big_slow,
                                                                         monkeypatch):
    open_and_wait(qtbot, window, small_video)
    viewer = window.viewer
    viewer.refresh_models()
    gate = threading.Event()  # the slow model's frames wait here: it is still at work while the test looks
    monkeypatch.setattr(SlowBicubic, "gate", gate)
    full = []
    viewer.frameShown.connect(full.append)
    pane = viewer.view.panes[0]
    try:
        viewer.set_sides(BIG, "bicubic")  # the slow side left: the other is made first all the same
        qtbot.waitUntil(lambda: bool(pane.layers) and pane.layers[0].label == BIG, timeout=10_000)
        slow, fast = pane.layers
        assert not full  # on screen before the slow side is made
        assert slow.image.isNull() and not fast.image.isNull() and fast.label == "bicubic \u00d74"
        assert slow.note.startswith(f"{BIG} is making frame") and "so far" in slow.note
        assert BIG in pane.overlay  # the busy badge names the model at work
        assert not pane.stale  # the frame asked for, half of it: not marked
        assert not viewer.toolbar.save.isEnabled()  # half a comparison is not saved
        assert BIG in viewer.inspector.metric_note.text()
    finally:
        gate.set()
    qtbot.waitUntil(lambda: bool(full), timeout=30_000)
    QApplication.processEvents()
    assert [layer.note for layer in pane.layers] == ["", ""] and not pane.layers[0].image.isNull()
    assert viewer.toolbar.save.isEnabled()


def test_a_slow_sides_wait_is_estimated_from_its_pace_so_far(small_video, big_slow):
    """The first call has no figure to go by; after it, a restart's frames at the pace measured."""
    service = FrameService(str(small_video))
    early = []
    try:
        first = service.render(Request(0, "upscale", (BIG, "bicubic")), early=early.append)
        assert early[0].pending.side == 0 and early[0].pending.model == BIG
        assert early[0].pending.seconds is None and early[0].images[0] is None
        assert early[0].images[1].shape == first.images[1].shape
        service.render(Request(11, "upscale", (BIG, "bicubic")), early=early.append)  # a restart 8 frames before
        pending = early[1].pending
        assert pending.frames == (3, 11)
        assert pending.seconds == pytest.approx(9 * SlowBicubic.delay, rel=0.5)
    finally:
        service.close()


def test_the_note_says_the_time_left_or_taken():
    pending = Pending(1, "vsr-x4-teacher", (0, 7), None)
    assert pending_note(pending, "upscale", False, 42) == ("vsr-x4-teacher is making frames 1\u20138\n"
                                                           "42 s so far; its first call, so no estimate yet")
    assert pending_note(pending._replace(seconds=130.0), "upscale", False, 10).endswith("about 2 min 00 s left")
    assert pending_note(Pending(0, "vfi-x2-teacher", (2, 2), None), "interpolate", False, 1).startswith(
        "vfi-x2-teacher is making in-between 3\u00bd")


def test_a_seek_while_the_slow_model_loads_shows_no_half_picture_of_the_frame_before(window, qtbot, small_video,
                                                                                   monkeypatch):
    """The early picture of the position asked before the seek came after it, unmarked, and stayed for as long as the
    teacher took, its note naming the old frame (a reviewer's probe)."""
    import time

    def slow_load():
        time.sleep(1.0)
        return BigSlowBicubic(4)

    monkeypatch.setitem(models._BUILTINS, BIG, models.Builtin(BIG, "upscale", 4, slow_load, "slow"))
    open_and_wait(qtbot, window, small_video)
    viewer = window.viewer
    viewer.refresh_models()
    gate = threading.Event()
    monkeypatch.setattr(SlowBicubic, "gate", gate)
    pane = viewer.view.panes[0]
    try:
        viewer.set_sides("source", BIG)
        qtbot.wait(400)  # loading: the picture before is marked stale
        viewer.player.seek(9)
        qtbot.waitUntil(lambda: viewer.on_screen is not None and viewer.on_screen[0].position == 9
                        and viewer.on_screen[0].sides == ("source", BIG), timeout=15_000)
        assert pane.layers[1].note.startswith(f"{BIG} is making frames 2\u201310") and not pane.stale
    finally:
        gate.set()


def test_a_quick_side_is_not_shown_alone_first(window, qtbot, small_video, monkeypatch):
    """Every open and task switch announced half a frame ("bicubic x4 still being made") and then the whole of it,
    milliseconds apart: a model with no parameters, or one timed as quick, is waited for."""
    import vsr_app.gui.viewer as viewer_module

    said = []
    monkeypatch.setattr(viewer_module, "announce", lambda widget, text: said.append(text))
    open_and_wait(qtbot, window, small_video)
    viewer = window.viewer
    viewer.set_sides("source", "bicubic")
    qtbot.waitUntil(lambda: viewer.on_screen is not None and viewer.on_screen[0].sides == ("source", "bicubic")
                    and viewer.pending is None, timeout=15_000)
    assert not [text for text in said if "still being made" in text]
