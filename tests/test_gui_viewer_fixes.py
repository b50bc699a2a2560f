"""The Compare tab after the GUI review: full model names, a stale picture marked as such, the video's priority in a
small window, the analysis numbered as the player numbers frames, and controls enabled only where they can act."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QApplication

from gui_support import SlowBicubic, gui_env, open_and_wait, show_and_wait, slow_model, window  # noqa: F401
from gui_support import unavailable_after
from videogen import make_video, woven_fields
from vsr_app import models
from vsr_app.gui import fmt
from vsr_app.gui.inspector import video_facts
from vsr_app.gui.processing import SOURCE
from vsr_app.gui.viewer import VIDEO_LEAST
from vsr_app.nets.builtin import BicubicUpscale

LONG = "vsr-x4-student-aligned-bicubic"


@pytest.fixture
def long_names(monkeypatch):
    """Two upscale models whose names differ only past the 15th character, as the shipped students do."""
    for name in (LONG, "vsr-x4-student-aligned"):
        builtin = models.Builtin(name, "upscale", 4, lambda: BicubicUpscale(4), "bicubic under a long name")
        monkeypatch.setitem(models._BUILTINS, name, builtin)


def test_the_model_pickers_show_full_names_where_there_is_room(window, qtbot, long_names):
    """The combos kept 15 characters at any size: "vsr-x4-student-aligned-l" at 2560 px, where half the toolbar was
    empty. They now fit their longest entry, and shrink only in the narrowest window."""
    viewer = window.viewer
    viewer.refresh_models()
    viewer.set_sides(LONG, "vsr-x4-student-aligned")
    window.compare.setCurrentWidget(viewer)
    for width in (1440, 1024):
        window.resize(width, 800)
        qtbot.waitUntil(lambda: viewer.left.width() >= viewer.left.sizeHint().width())
        for combo in (viewer.left, viewer.right):
            text = max((combo.itemText(i) for i in range(combo.count())), key=combo.fontMetrics().horizontalAdvance)
            assert combo.fontMetrics().horizontalAdvance(text) < combo.width() - 20, (width, combo.width())
    window.resize(600, 600)  # the smallest the window goes: every control still there
    QApplication.processEvents()
    bars = viewer.toolbar.bars
    qtbot.waitUntil(lambda: bars[1].y() > bars[0].y())
    assert window.width() < 800
    modes = viewer.toolbar.mode_group.buttons()
    assert all(c.isVisible() for c in (viewer.left, viewer.right, viewer.device, *modes))


def test_after_a_seek_the_old_picture_is_marked_and_its_scores_blanked(window, qtbot, small_video, slow_model,
                                                                       monkeypatch):
    """With a slow model, frame 1's picture and PSNR/SSIM stayed up for seconds under "frame 9 / 12"."""
    open_and_wait(qtbot, window, small_video)
    viewer = window.viewer
    viewer.refresh_models()
    show_and_wait(qtbot, viewer, lambda: viewer.set_sides(slow_model, "bicubic"),
                  lambda r: r.request.sides == (slow_model, "bicubic"))
    panes, inspector = viewer.view.panes, viewer.inspector
    assert inspector.psnr.text() != "\u2014" and not panes[0].stale
    gate = threading.Event()
    monkeypatch.setattr(SlowBicubic, "gate", gate)
    try:
        viewer.player.seek(8)
        qtbot.waitUntil(lambda: panes[0].stale != "", timeout=5_000)
        assert panes[0].stale == "showing frame 1 / 12" and "frame 9 / 12" in viewer.bar.readout.text()
        assert inspector.psnr.text() == inspector.ssim.text() == "\u2014"
        assert "frame 9 / 12" in inspector.metric_note.text()
        with qtbot.waitSignal(viewer.frameShown, timeout=30_000, check_params_cb=lambda r: r.position == 8):
            gate.set()
    finally:
        gate.set()
    assert not panes[0].stale and inspector.psnr.text() != "\u2014"
    gate.clear()
    try:  # another device: the same frame number, but not the frame asked for
        viewer.device.setCurrentIndex(viewer.device.findData("cpu"))
        viewer.device.activated.emit(viewer.device.currentIndex())
        qtbot.waitUntil(lambda: panes[0].stale != "", timeout=5_000)
        assert "previous choices" in panes[0].stale and inspector.psnr.text() == "\u2014"
    finally:
        gate.set()


def test_an_earlier_seeks_frame_landing_late_is_marked_too(window, qtbot, small_video, slow_model, monkeypatch):
    """A frame for an earlier position arrived after a seek and stopped the mark's timer: frame 1 then showed,
    unmarked and with its scores, under "frame 9" while frame 9 was still being made."""
    open_and_wait(qtbot, window, small_video)
    viewer = window.viewer
    viewer.refresh_models()
    old = show_and_wait(qtbot, viewer, lambda: viewer.set_sides(slow_model, "bicubic"),
                        lambda r: r.request.sides == (slow_model, "bicubic"))
    gate = threading.Event()
    monkeypatch.setattr(SlowBicubic, "gate", gate)
    try:
        viewer.player.seek(8)  # frame 9 asked; its render waits at the gate
        qtbot.wait(50)
        viewer._rendered(old)  # the earlier request's frame lands meanwhile
        qtbot.waitUntil(lambda: viewer.view.panes[0].stale != "", timeout=2000)
        assert viewer.inspector.psnr.text() == "\u2014"
    finally:
        gate.set()


@pytest.mark.parametrize("size", [(800, 600), (1024, 700)])
def test_in_a_small_window_the_video_keeps_priority_over_the_side_panels(window, qtbot, size):
    """At 800x600 with the analysis open the picture was 178 px tall and the window would not go below 894 px (the
    analysis summary on one line); the inspector kept 300 px and the PSNR/SSIM were below its fold."""
    viewer = window.viewer
    window.compare.setCurrentWidget(viewer)
    analysis = viewer.analysis
    analysis.reset("a vs b")
    analysis.show()
    for i in range(30):
        analysis.add_point(i, 50, 37.0 + i % 3 * 0.1, 0.96)
    analysis._redraw()
    window.resize(*size)
    qtbot.waitUntil(lambda: window.width() == size[0])
    QApplication.processEvents()
    view, inspector = viewer.view, viewer.inspector
    assert view.width() >= 2 * inspector.width()
    # the analysis larger only as far as its plots need (at 1024x700 they were 20 px and none), the video keeping
    # VIDEO_LEAST
    assert view.height() >= 1.25 * analysis.height() or (analysis.height() <= analysis.usable_height()
                                                          and viewer.top.height() >= VIDEO_LEAST)
    frame_box = inspector.analyse.parentWidget()
    bottom = frame_box.mapTo(inspector.viewport(), frame_box.rect().bottomLeft()).y()
    assert bottom <= inspector.viewport().height()  # the scores and the Analyse button without scrolling
    window.resize(1440, 900)  # the panels come back as the window grows
    qtbot.waitUntil(lambda: inspector.width() == 300)


def test_the_analysis_numbers_frames_from_one_as_the_player_does(window, qtbot, small_video):
    open_and_wait(qtbot, window, small_video)
    viewer = window.viewer
    viewer.set_sides("bicubic", "bicubic")
    viewer.start_analysis()
    with qtbot.waitSignal(viewer.analysis_job.finished, timeout=60_000):
        pass
    analysis = viewer.analysis
    xs = analysis.curves[0].getData()[0]
    assert list(xs) == list(range(1, 13))  # frame 1 ... frame 12
    show_and_wait(qtbot, viewer, lambda: viewer.player.seek(4), lambda r: r.position == 4)
    assert viewer.bar.readout.text().endswith("frame 5 / 12") and analysis.cursors[0].value() == 5
    axis = analysis.ssim_plot.getAxis("bottom")
    assert axis.autoSIPrefixScale == 1
    QApplication.processEvents()
    plot, graphs = analysis.psnr_plot, analysis.graphs
    scene = plot.vb.mapViewToScene(QPointF(8, analysis.points[7][1]))
    qtbot.mouseClick(graphs.viewport(), Qt.LeftButton, pos=graphs.mapFromScene(scene))
    assert viewer.player.position == 7  # frame 8


def test_nothing_to_analyse_on_a_one_frame_video_with_interpolation(window, qtbot, media_dir):
    """Analyse stayed enabled and opened an empty plot with a -400...400 "frame (x0.001)" axis; the readout said
    "in-between 1½ of 2 frames" for a video of one frame."""
    still = make_video(media_dir / "one_frame.mp4", frames=1)
    open_and_wait(qtbot, window, still)
    viewer = window.viewer
    viewer.set_sides("bicubic", "bicubic")
    assert viewer.inspector.analyse.isEnabled()
    unavailable_after(qtbot, viewer, lambda: viewer.set_task("interpolate"))
    assert "in-between" not in viewer.bar.readout.text() and "single frame" in viewer.bar.readout.text()
    assert not viewer.inspector.analyse.isEnabled() and not viewer.actions_by_name["analyse"].isEnabled()
    viewer.actions_by_name["analyse"].trigger()
    assert viewer.analysis.isHidden()
    show_and_wait(qtbot, viewer, lambda: viewer.set_task("upscale"), lambda r: r.request.task == "upscale")
    assert viewer.actions_by_name["analyse"].isEnabled() == (SOURCE not in viewer.sides)


def test_an_analysis_with_no_points_says_so(window):
    analysis = window.viewer.analysis
    analysis.reset("a vs b")
    analysis.finished()
    assert "Nothing to analyse" in analysis.summary.text()


def test_menu_actions_are_enabled_only_where_they_can_act(window, qtbot, small_video):
    """Models > Analyse all frames and every Playback item were enabled before any video and (analyse) with a Source
    side, and did nothing when chosen."""
    actions = window.viewer.actions_by_name
    playback = ("play", "prev", "next", "back_second", "forward_second", "home", "end")
    assert not any(actions[name].isEnabled() for name in (*playback, "analyse"))
    open_and_wait(qtbot, window, small_video)
    viewer = window.viewer
    assert viewer.sides[0] == SOURCE
    assert all(actions[name].isEnabled() for name in playback)
    assert not actions["analyse"].isEnabled() and not viewer.inspector.analyse.isEnabled()
    viewer.set_sides("bicubic", "bicubic")
    assert actions["analyse"].isEnabled() and viewer.inspector.analyse.isEnabled()
    actions["analyse"].trigger()
    assert viewer.analysis.isVisible()
    with qtbot.waitSignal(viewer.analysis_job.finished, timeout=60_000):
        pass


def test_the_container_is_named_as_the_files_extension_names_it(media_dir):
    from vsr_app.video.reader import probe

    for name, expected in (("clip.mp4", "mp4"), ("clip.mkv", "matroska"), ("clip.mov", "mov")):
        info = probe(str(make_video(media_dir / name, frames=2)))
        assert video_facts(info)["Container"] == expected


def test_a_card_leaves_out_options_that_were_not_set_and_keeps_paths_as_they_are():
    """"teacher None" read like a model called None."""
    html = fmt.card_html("m", "upscale", 4, 1000, {"training": {
        "teacher": None, "data": ["../shared/data/train"], "cache": "", "degrade": [], "distill": False, "ema": 0}})
    assert "teacher" not in html and "None" not in html and "cache" not in html and "degrade" not in html
    assert "../shared/data/train" in html and "distill" in html and "ema" in html


def test_the_model_pickers_say_what_each_model_is_for_on_hover(window):
    """Six upscalers by name alone: what each is for was only in the About box."""
    described = {info.name: info.card["description"] for info in models.list_models()}
    batch_model = window.batch.model
    for combo in (window.viewer.left, batch_model):
        tips = {combo.itemData(i): combo.itemData(i, Qt.ToolTipRole) for i in range(combo.count())}
        assert tips.get("bicubic") == described["bicubic"] and tips["bicubic"]
    assert window.viewer.left.itemData(window.viewer.left.findData(SOURCE), Qt.ToolTipRole) is None


def test_the_size_says_a_video_is_turned_and_mirrored(media_dir):
    from vsr_app.video.reader import probe

    info = probe(str(make_video(media_dir / "flipped.mp4", frames=2, rotation=90, mirrored=True)))
    assert video_facts(info)["Size"] == "48 \u00d7 64, rotated 90\u00b0, mirrored"


def test_the_inspector_says_an_interlaced_video_is_shown_deinterlaced(window, qtbot, tmp_path, small_video):
    """Only the export's tooltip said the Compare view deinterlaces: unticked there, the export did not look like the
    view, and nothing in the view said why."""
    inspector = window.viewer.inspector
    row = inspector.facts["Interlaced"]
    open_and_wait(qtbot, window, make_video(tmp_path / "25i.mkv", images=woven_fields(6), fps=25, interlaced=True))
    assert inspector.video_form.isRowVisible(row) and row.text() == "shown deinterlaced (bwdif)"
    open_and_wait(qtbot, window, small_video)
    assert not inspector.video_form.isRowVisible(row)
