"""The Compare tab's first picture: the cheaper side shows as soon as it is made, the other side naming the model
still at work (a researcher waited 171 s and more on an empty view for the teacher's first chunk on a CPU)."""

from __future__ import annotations

import threading
from dataclasses import replace

import numpy as np
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


@pytest.fixture
def gated_measuring(monkeypatch):
    """Every frame's measuring waits for the gate returned, as an x4 upscale of a 4K frame took minutes to measure;
    frames of any size count as large (`EARLY_MEASURE_PIXELS`)."""
    from vsr_app.gui import processing

    gate, measure = threading.Event(), processing.psnr_in_strips
    monkeypatch.setattr(processing, "EARLY_MEASURE_PIXELS", 0)
    monkeypatch.setattr(processing, "psnr_in_strips", lambda a, b: gate.wait(30) and measure(a, b))
    yield gate
    gate.set()


def test_a_large_frame_shows_before_its_figures_and_the_slow_sides_note_goes(window, qtbot, small_video, big_slow,
                                                                              gated_measuring, monkeypatch):
    """A 4K clip upscaled x4 showed no whole frame after 6 minutes: the picture waited for its PSNR/SSIM, and the note
    of the side made last still said "is making frame 1 ... no estimate yet"."""
    open_and_wait(qtbot, window, small_video)
    viewer = window.viewer
    viewer.refresh_models()
    full = []
    viewer.frameShown.connect(full.append)
    pane = viewer.view.panes[0]
    viewer.set_sides(BIG, "bicubic")
    qtbot.waitUntil(lambda: bool(pane.layers) and pane.layers[0].label == BIG and not pane.layers[0].image.isNull(),
                    timeout=30_000)
    assert not full  # its figures are still being measured
    assert [layer.note for layer in pane.layers] == ["", ""] and not pane.layers[1].image.isNull()
    assert viewer.inspector.metric_note.text().startswith("Measuring")
    assert viewer.toolbar.save.isEnabled()  # the whole frame: it can be saved
    shown = pane.layers[0].image.cacheKey()
    gated_measuring.set()
    qtbot.waitUntil(lambda: bool(full), timeout=30_000)
    QApplication.processEvents()
    assert full[0].psnr is not None and viewer.inspector.rows[0].values[0].text() == f"{full[0].psnr:.2f}"
    assert pane.layers[0].image.cacheKey() == shown  # the picture is not made again when its figures come
    drawn = np.frombuffer(pane.layers[0].image.constBits(), np.uint8)
    assert drawn.ctypes.data == full[0].images[0].ctypes.data  # its own pixels, no copy: 0.4 GB a side at 4K x4


def test_the_whole_frame_is_given_early_before_it_is_measured_where_it_is_large(small_video, monkeypatch):
    """Before its figures only where measuring is slow: a small frame's would flash by, twice a frame in playback."""
    from vsr_app.gui import processing

    said = []
    service = FrameService(str(small_video))
    try:
        request = Request(0, "upscale", ("bicubic", "bicubic"))
        service.render(request, said.append, early=lambda r: said.append(r))
        assert not [r for r in said if not isinstance(r, str)]  # a small frame: measured at once
        monkeypatch.setattr(processing, "EARLY_MEASURE_PIXELS", 0)
        said.clear()
        rendered = service.render(replace(request, position=1), said.append, early=lambda r: said.append(r))
        early = [i for i, r in enumerate(said) if not isinstance(r, str)]
        assert len(early) == 1 and said.index("measuring PSNR / SSIM") > early[0]
        given = said[early[0]]
        assert given.measuring and given.psnr is None and given.images is rendered.images
        assert rendered.psnr is not None and not rendered.measuring
        said.clear()  # the difference view shows nothing before its map is made
        service.render(replace(request, position=2, difference=True), said.append, early=lambda r: said.append(r))
        assert all(isinstance(r, str) for r in said)
    finally:
        service.close()
