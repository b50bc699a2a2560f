"""The Compare tab's ground truth mode and folders of frames: a video (or a benchmark's folder of frames) taken as
the truth, each model fed eval's x4 downscale of it and scored against it, with eval's own numbers."""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6.QtWidgets import QFileDialog

from gui_support import bicubic_x4, gui_env, open_and_wait, show_and_wait, window  # noqa: F401
from test_gui_viewer import nearest_model  # noqa: F401
from vsr_app.errors import VsrAppError
from vsr_app.eval_plan import plan_sequences
from vsr_app.eval_protocol import degrade_x4, vsr_min_side
from vsr_app.evaluate import eval_vsr
from vsr_app.gui.analysis import analyse_truth
from vsr_app.gui.processing import SOURCE, TRUTH, FrameService, Request
from vsr_app.video.frame_folder import ASSUMED_FPS, FrameFolder


def write_frames(folder, count: int, width: int = 70, height: int = 54):
    """`count` textured frames moving a pixel a frame, named f0.png ... unpadded (f10 sorts before f2 as text), at a
    size no multiple of 4 (the truth is cropped). Returns the frames as RGB."""
    folder.mkdir(parents=True)
    rng = np.random.default_rng(7)
    base = cv2.resize(rng.integers(0, 256, (height // 3, width // 3, 3), dtype=np.uint8), (width + count, height),
                      interpolation=cv2.INTER_CUBIC)
    frames = [np.ascontiguousarray(base[:, k:k + width]) for k in range(count)]
    for k, frame in enumerate(frames):
        cv2.imwrite(str(folder / f"f{k}.png"), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    return frames


def answered(monkeypatch, file: str, folder=None) -> list[str]:
    """The save dialogs answered with `file` (a file's name, "" cancelled) and `folder`; returns where they started."""
    offered = []

    def save_file(parent, caption, start, kinds):
        offered.append(start)
        return file, kinds

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_file)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        lambda parent, caption, start: offered.append(start) or str(folder))
    return offered


def write_frame(path, width: int, height: int) -> None:
    cv2.imwrite(str(path), np.full((height, width, 3), 128, np.uint8))


@pytest.fixture
def sequence(tmp_path):
    folder = tmp_path / "seq"
    return folder, write_frames(folder, 12)


def test_the_truth_analysis_of_a_student_gives_eval_vsrs_numbers_exactly(sequence):
    """Eval's per_frame and the GUI analysis on one folder of frames: the same frames (natural order), the same
    input (`degrade_x4`), the same engine run from frame 0 as one shot, the same measure."""
    folder, _ = sequence
    measured = analyse_truth(str(folder), "upscale", ("vsr-x4-student", TRUTH), "cpu")
    per_frame = eval_vsr("vsr-x4-student", folder, device="cpu")["sequences"]["seq"]["per_frame"]
    assert [f["frame"] for f in per_frame] == [f"f{k}.png" for k in range(12)]
    assert [k for k, _ in measured] == list(range(12))
    assert [(scores[0].psnr, scores[0].ssim) for _, scores in measured] == \
        [(f["psnr_y"], f["ssim_y"]) for f in per_frame]


def test_a_render_shows_the_input_and_the_truth_and_scores_each_model_side(sequence):
    folder, frames = sequence
    service = FrameService(str(folder))
    truth, small = degrade_x4(frames[5])
    rendered = service.render(Request(5, "upscale", (SOURCE, TRUTH), truth=True))
    assert rendered.canvas == (68, 52) and truth.shape == (52, 68, 3)
    assert np.array_equal(rendered.images[0], small) and np.array_equal(rendered.images[1], truth)
    assert rendered.truth_scores == (None, None)  # neither side is a model's
    rendered = service.render(Request(5, "upscale", ("bicubic", SOURCE), truth=True))
    assert np.array_equal(rendered.images[0], bicubic_x4(small))
    from vsr_app.metrics import psnr_y, ssim_y
    assert rendered.truth_scores[0] == (psnr_y(bicubic_x4(small), truth), ssim_y(bicubic_x4(small), truth))
    assert rendered.truth_scores[1] is None


@pytest.mark.parametrize("truth_first", [False, True])
def test_the_two_modes_never_share_streams_or_cached_frames(sequence, truth_first):
    """A cached upscale of the raw frame is not the upscale of its x4 downscale, nor the other way round."""
    folder, frames = sequence
    service = FrameService(str(folder))
    order = [True, False] if truth_first else [False, True]
    shown = {truth: service.render(Request(3, "upscale", ("bicubic", SOURCE), truth=truth)).images
             for truth in order}
    assert np.array_equal(shown[False][0], bicubic_x4(frames[3]))
    assert np.array_equal(shown[False][1], frames[3])
    assert np.array_equal(shown[True][0], bicubic_x4(degrade_x4(frames[3])[1]))
    assert np.array_equal(shown[True][1], degrade_x4(frames[3])[1])


def test_a_folder_of_frames_reads_in_evals_order_and_seeks_to_any_frame(tmp_path):
    frames = write_frames(tmp_path / "long", 60, width=16, height=12)
    service = FrameService(str(tmp_path / "long"))
    assert (service.info.fps, service.length, service.info.width, service.info.height) == (ASSUMED_FPS, 60, 16, 12)
    for k in (55, 3, 12, 59, 10):  # past FORWARD_DECODE: a seek, by the frames' assumed times
        assert np.array_equal(service.source.get(k), frames[k]), k
    assert service.source.time(10) == pytest.approx(10 / ASSUMED_FPS)
    with pytest.raises(Exception, match=r"holds no frames .*: it holds folders of frames \(long\): open one of them"):
        FrameFolder(tmp_path)  # a benchmark's root, as eval's --data takes it
    (tmp_path / "empty").mkdir()
    with pytest.raises(Exception, match="holds no frames .*: a folder opens as a video when it holds its frames"):
        FrameFolder(tmp_path / "empty")


def test_the_box_offers_the_truth_side_and_shows_each_sides_numbers(window, qtbot, sequence, nearest_model):
    folder, frames = sequence
    open_and_wait(qtbot, window, folder)
    viewer, inspector = window.viewer, window.viewer.inspector
    viewer.refresh_models()
    assert inspector.facts["Frame rate"].text() == f"{ASSUMED_FPS} fps assumed: a folder of frames has no frame rate"
    assert inspector.truth.isEnabled() and "eval vsr" in inspector.truth.toolTip()
    assert viewer.left.findData(TRUTH) < 0
    show_and_wait(qtbot, viewer, lambda: inspector.truth.setChecked(True), lambda r: r.request.truth)
    assert viewer.left.findData(TRUTH) >= 0
    rendered = show_and_wait(qtbot, viewer, lambda: viewer.set_sides(nearest_model, TRUTH),
                             lambda r: r.request.sides == (nearest_model, TRUTH))
    truth, small = degrade_x4(frames[0])
    assert np.array_equal(rendered.images[1], truth)
    left = rendered.truth_scores[0]
    assert inspector.rows[0].values[0].text() == f"{left.psnr:.2f}"
    # each row headed by its side and model, above its figures: captioned under them, the second row's figures read
    # as the first's ("Left PSNR (dB)" over the right side's 21.03); a side with no model has no row
    assert inspector.rows[0].heading.text() == f"Left \u00b7 {nearest_model}" and inspector.rows[0].isVisible()
    assert not inspector.rows[1].isVisible()
    rendered = show_and_wait(qtbot, viewer, lambda: viewer.set_sides(SOURCE, "bicubic"),
                             lambda r: r.request.sides == (SOURCE, "bicubic"))
    assert np.array_equal(rendered.images[0], small)
    assert viewer.left.currentText().startswith("Input")
    assert not inspector.rows[0].isVisible() and inspector.rows[1].isVisible()
    assert inspector.rows[1].heading.text() == "Right \u00b7 bicubic \u00d74"
    assert inspector.rows[1].values[0].text() == f"{rendered.truth_scores[1].psnr:.2f}"
    assert inspector.rows[1].values[0].accessibleName().startswith("Right \u00b7 bicubic \u00d74: PSNR")
    show_and_wait(qtbot, viewer, lambda: viewer.set_task("interpolate"), lambda r: r.request.task == "interpolate")
    assert inspector.truth.isEnabled() and "eval vfi" in inspector.truth.toolTip()  # (test_gui_ground_truth_vfi.py)
    assert viewer.request().truth and viewer.left.findData(TRUTH) >= 0
    viewer.set_task("upscale")
    assert viewer.request().truth and viewer.sides == (SOURCE, "bicubic")  # its sides, remembered apart
    assert not window.export_action.isEnabled()  # a folder of frames is not exported


def test_the_truth_analysis_plots_and_saves_both_sides(window, qtbot, sequence, nearest_model, tmp_path,
                                                       monkeypatch):
    folder, _ = sequence
    open_and_wait(qtbot, window, folder)
    viewer = window.viewer
    viewer.refresh_models()
    viewer.set_truth(True)
    show_and_wait(qtbot, viewer, lambda: viewer.set_sides(nearest_model, "bicubic"),
                  lambda r: r.request.sides == (nearest_model, "bicubic") and r.request.truth)
    viewer.start_analysis()
    with qtbot.waitSignal(viewer.analysis_job.finished, timeout=60_000):
        pass
    expected = analyse_truth(str(folder), "upscale", (nearest_model, "bicubic"), "cpu")
    plot = viewer.analysis
    assert [item[1].text for item in plot.legend.items] == [nearest_model, "bicubic"]
    for (psnr_curve, ssim_curve), side in zip(plot.series_curves, range(2)):
        assert list(psnr_curve.getData()[1]) == [scores[side].psnr for _, scores in expected]
        assert list(ssim_curve.getData()[1]) == [scores[side].ssim for _, scores in expected]
    assert f"mean PSNR {nearest_model} " in plot.summary.text() and ", bicubic " in plot.summary.text()
    path = tmp_path / "scores.csv"
    offered = answered(monkeypatch, str(path))
    plot.save.click()
    assert offered == [str(Path.home() / f"seq-{nearest_model}-and-bicubic-vs-ground-truth.csv")]  # not beside seq
    with open(path, newline="", encoding="utf-8") as fh:
        comment = fh.readline()
        rows = list(csv.reader(fh))
    assert "against the ground truth" in comment
    assert rows[0] == ["sequence", "frame", "file", "frame_1based", f"psnr_y_{nearest_model}",
                       f"ssim_y_{nearest_model}", "psnr_y_bicubic", "ssim_y_bicubic"]
    assert [row[:4] for row in rows[1:]] == [["seq", str(k), f"f{k}.png", str(k + 1)] for k in range(12)]
    assert [[float(v) for v in row[4:]] for row in rows[1:]] == \
        [[s.psnr, s.ssim, t.psnr, t.ssim] for _, (s, t) in expected]


def test_a_dropped_folder_of_frames_opens_in_compare_and_is_a_recent_file(window, qtbot, sequence):
    from test_gui_viewer import _drop

    folder, _ = sequence
    with qtbot.waitSignal(window.viewer.frameShown, timeout=30_000):
        _drop(window, folder)
    assert window.viewer.info.path == str(folder) and window.tabs.currentIndex() == 0
    qtbot.waitUntil(lambda: window.recent_files() == [str(folder)])


def test_a_dropped_folder_of_videos_with_a_cover_image_goes_to_the_batch_tab(window, qtbot, small_video, tmp_path):
    """Any image made a folder a folder of frames: a folder of videos with its folder.jpg opened as a 1-frame video
    and skipped the Batch tab. eval's one-kind rule decides, and Open folder of frames refuses it in eval's words."""
    from test_gui_viewer import _drop

    videos = tmp_path / "my_videos"
    videos.mkdir()
    (videos / "clip.mp4").write_bytes(small_video.read_bytes())
    write_frame(videos / "folder.png", 16, 16)
    _drop(window, videos)
    qtbot.waitUntil(lambda: window.batch.in_dir.text() == str(videos))  # its kind told on a worker thread
    assert window.tabs.currentWidget() is window.batch
    assert window.viewer.info is None
    with pytest.raises(VsrAppError, match=r"holds both loose images \(folder.png\) and videos \(clip.mp4\)"):
        FrameFolder(videos)


@pytest.mark.parametrize("odd", ["size", "damaged"])
def test_a_folder_eval_refuses_is_refused_as_it_opens_in_evals_words(window, qtbot, sequence, odd):
    """Sizes were checked frame by frame as they played: a folder whose frame 4 is larger opened, played 4 frames,
    then put up a box at every step and stopped the analysis halfway; a damaged frame the same. Now every frame's
    header is read as the folder opens, and the box says what eval says, titled for a folder."""
    folder, _ = sequence
    if odd == "size":
        write_frame(folder / "f4.png", 72, 54)
    else:
        (folder / "f11.png").write_bytes((folder / "f11.png").read_bytes()[:200])
    with pytest.raises(VsrAppError) as said_by_eval:
        plan_sequences(folder, None, min_frames=1, min_side=vsr_min_side())
    assert ("mixes frame sizes (70x54, 72x54)" if odd == "size" else "cannot read frame") in str(said_by_eval.value)
    with pytest.raises(VsrAppError) as said:
        FrameService(str(folder))
    assert str(said.value) == str(said_by_eval.value)
    window.open(str(folder))
    qtbot.waitUntil(lambda: window.error_box is not None and window.error_box.isVisible(), timeout=30_000)
    assert window.error_box.windowTitle() == "Cannot open folder of frames"  # not "video"
    assert window.error_box.text() == str(said_by_eval.value) and window.viewer.info is None


def test_frames_too_small_for_eval_are_not_scored_against_the_truth(tmp_path):
    """A 6x5 folder was scored on a 1x1 input against a 4x4 truth, 39.85 dB 'as eval vsr scores it'; eval refuses
    it. Shown as it is, it still is."""
    folder = tmp_path / "tiny"
    folder.mkdir()
    for k in range(3):
        write_frame(folder / f"{k:03d}.png", 6, 5)
    service = FrameService(str(folder))
    assert service.render(Request(0, "upscale", (SOURCE, "bicubic"))).images[1].shape == (20, 24, 3)
    with pytest.raises(VsrAppError) as said_by_eval:
        plan_sequences(folder, None, min_frames=1, min_side=vsr_min_side())
    with pytest.raises(VsrAppError, match="too small to score: at least 12x12") as said:
        service.render(Request(0, "upscale", ("bicubic", TRUTH), truth=True))
    assert str(said.value) == str(said_by_eval.value)


def test_truth_mode_names_its_sides_in_saved_files_and_saves_away_from_the_benchmark(window, qtbot, tmp_path,
                                                                                        monkeypatch):
    """The Source side's PNG was named `_source` but held eval's x4-smaller input, the truth's `_ground truth` (a
    space); and every save was offered in the benchmark's root, where a PNG stopped `eval --data` ("holds both loose
    images and folders of frames")."""
    bench = tmp_path / "vid4"
    write_frames(bench / "seq.x4", 3)  # named whole, as eval names the sequence (a stem said "seq")
    open_and_wait(qtbot, window, bench / "seq.x4")
    viewer = window.viewer
    viewer.refresh_models()
    viewer.set_truth(True)
    show_and_wait(qtbot, viewer, lambda: viewer.set_sides(SOURCE, TRUTH),
                  lambda r: r.request.sides == (SOURCE, TRUTH) and r.request.truth)
    out = tmp_path / "out"
    out.mkdir()
    offered = answered(monkeypatch, file="", folder=out)
    viewer.actions_by_name["save_view"].trigger()  # (cancelled)
    viewer.actions_by_name["save_sides"].trigger()
    names = ["seq.x4_f0001_ground-truth.png", "seq.x4_f0001_input-x4down.png"]
    qtbot.waitUntil(lambda: sorted(p.name for p in out.iterdir()) == names, timeout=10_000)  # (no temporary left)
    assert offered == [str(Path.home() / "seq.x4_f0001_input-x4down-vs-ground-truth_split.png"), str(Path.home())]


def test_switching_the_mode_stops_a_model_call_the_other_mode_cannot_use(qapp):
    """The same sides in both modes: the running call for the other mode's input was let finish (a teacher's seconds),
    then thrown away."""
    from vsr_app.gui.processing import Request
    from vsr_app.gui.workers import FrameWorker

    worker = FrameWorker()
    running = Request(3, "upscale", ("bicubic", "vsr-x4-student"), truth=False)
    worker._request = replace(running, position=4, truth=True)
    assert worker._superseded(running, serves=lambda position: True)
    worker._request = replace(running, position=4)
    assert not worker._superseded(running, serves=lambda position: True)  # playing on: the call helps


def test_each_sides_worst_frame_is_named_and_reached_and_both_sides_are_drawn_alike(gui_env, qtbot):
    """Go to worst reached the first model side's worst frame only, and the summary named only that; the second
    side's markers took pyqtgraph's default size (twice the first's), and the legend over the PSNR plot hid the
    curves' last frames."""
    from vsr_app.gui import colours
    from vsr_app.gui.analysis_plot import AnalysisPlot

    plot = AnalysisPlot()
    qtbot.addWidget(plot)
    plot.resize(900, 300)
    plot.show()
    plot.reset("a and b against the ground truth", video="/data/seq", task="upscale", sides=("a", "b"),
               series=(("a", colours.SIDE_A), ("b", colours.SIDE_B)))
    for k, scores in enumerate([((30.0, 0.9), (25.0, 0.8)), ((20.0, 0.7), (26.0, 0.8)), ((31.0, 0.9), (24.0, 0.7))]):
        plot.add_scores(k, 3, scores)
    plot.finished(complete=True)
    assert "worst: a frame 2, 20.00 dB; b frame 3, 24.00 dB" in plot.summary.text()
    seeks = []
    plot.seekRequested.connect(seeks.append)
    for action in plot.worst.menu().actions():
        action.trigger()
    assert seeks == [1, 2] and "either side" in plot.worst.toolTip()
    (a_psnr, a_ssim), (b_psnr, b_ssim) = plot.series_curves
    assert b_psnr.opts["symbolSize"] == b_ssim.opts["symbolSize"] == a_psnr.opts["symbolSize"] == 5
    qtbot.waitUntil(lambda: plot.legend.sceneBoundingRect().height() > 0)
    for chart in (plot.psnr_plot, plot.ssim_plot):
        assert not plot.legend.sceneBoundingRect().intersects(chart.vb.sceneBoundingRect())
    plot.reset("a vs b", video="/data/seq", task="upscale", sides=("a", "b"))  # two sides against each other
    assert plot.worst.menu() is None and plot.legend not in plot.graphs.ci.items


def test_the_box_starts_unticked_and_says_what_is_scored(window, qtbot, tmp_path, nearest_model):
    """Remembered, the box showed a video opened days later x4 degraded without a word; the Size fact said 70 x 54
    while the figures were of 68 x 52; This frame's note said 'as eval vsr scores it' after a seek, whose frame has
    WARMUP frames of history (1e-4 dB from eval's)."""
    from vsr_app.gui.model_streams import WARMUP
    from vsr_app.gui.viewer import Viewer

    write_frames(tmp_path / "seq", 12)
    open_and_wait(qtbot, window, tmp_path / "seq")
    viewer, inspector = window.viewer, window.viewer.inspector
    viewer.refresh_models()
    assert inspector.facts["Size"].text() == "70 \u00d7 54"
    viewer.set_truth(True)
    show_and_wait(qtbot, viewer, lambda: viewer.set_sides(nearest_model, TRUTH),
                  lambda r: r.request.sides == (nearest_model, TRUTH) and r.request.truth)
    assert "scored at 68 \u00d7 52, cropped to a multiple of 4" in inspector.facts["Size"].text()
    show_and_wait(qtbot, viewer, lambda: viewer.player.seek(10), lambda r: r.position == 10)
    note = inspector.metric_note.text()
    assert "from the first frame" in note and f"after a seek has {WARMUP} frames of history" in note
    later = Viewer(window.settings)
    try:
        assert not later.truth_mode and not later.inspector.truth.isChecked()
    finally:
        later.shutdown()
    viewer.set_truth(False)
    assert inspector.facts["Size"].text() == "70 \u00d7 54"


def test_ticking_the_box_puts_the_ground_truth_on_screen_in_either_task(window, qtbot, sequence):
    """Ticked, the box kept the sides it had (student vs teacher; here the source vs bicubic): the truth was not on
    screen until picked, in Upscale and Interpolate alike. Now the best model faces it."""
    folder, frames = sequence
    open_and_wait(qtbot, window, folder)
    viewer = window.viewer
    viewer.refresh_models()
    rendered = show_and_wait(qtbot, viewer, lambda: viewer.set_truth(True), lambda r: r.request.truth)
    assert rendered.request.sides == ("bicubic", TRUTH) and viewer.right.currentData() == TRUTH
    assert np.array_equal(rendered.images[1], degrade_x4(frames[0])[0])
    rendered = show_and_wait(qtbot, viewer, lambda: viewer.set_task("interpolate"),
                             lambda r: r.request.task == "interpolate" and r.request.truth)
    assert rendered.request.sides == ("blend", TRUTH)
    assert np.array_equal(rendered.images[1], frames[1])  # the first frame held out
