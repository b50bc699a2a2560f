"""The Compare tab's ground truth mode and folders of frames: a video (or a benchmark's folder of frames) taken as
the truth, each model fed eval's x4 downscale of it and scored against it, with eval's own numbers."""

from __future__ import annotations

import csv

import cv2
import numpy as np
import pytest
from PySide6.QtWidgets import QFileDialog

from gui_support import bicubic_x4, gui_env, open_and_wait, show_and_wait, window  # noqa: F401
from test_gui_viewer import nearest_model  # noqa: F401
from vsr_app.evaluate import degrade_x4, eval_vsr
from vsr_app.gui.processing import SOURCE, TRUTH, FrameService, Request, analyse_truth
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


@pytest.fixture
def sequence(tmp_path):
    folder = tmp_path / "seq"
    return folder, write_frames(folder, 12)


def test_the_truth_analysis_of_a_student_gives_eval_vsrs_numbers_exactly(sequence):
    """Eval's per_frame and the GUI analysis on one folder of frames: the same frames (natural order), the same
    input (`degrade_x4`), the same engine run from frame 0 as one shot, the same measure."""
    folder, _ = sequence
    measured = analyse_truth(str(folder), ("vsr-x4-student", TRUTH), "cpu")
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
    with pytest.raises(Exception, match="eval vfi"):
        service.render(Request(0, "interpolate", ("blend", SOURCE), truth=True))


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
    with pytest.raises(Exception, match="holds no frames"):
        FrameFolder(tmp_path)


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
    assert inspector.rows[1].values[0].text() == "\u2014" and inspector.rows[1].isVisible()
    assert inspector.rows[0].captions[0].text() == "Left PSNR (dB)"
    rendered = show_and_wait(qtbot, viewer, lambda: viewer.set_sides(SOURCE, "bicubic"),
                             lambda r: r.request.sides == (SOURCE, "bicubic"))
    assert np.array_equal(rendered.images[0], small)
    assert viewer.left.currentText().startswith("Input")
    assert inspector.rows[0].values[0].text() == "\u2014"
    assert inspector.rows[1].values[0].text() == f"{rendered.truth_scores[1].psnr:.2f}"
    viewer.set_task("interpolate")
    assert not inspector.truth.isEnabled() and "eval vfi" in inspector.truth.toolTip()
    assert not viewer.request().truth and viewer.left.findData(TRUTH) < 0
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
    expected = analyse_truth(str(folder), (nearest_model, "bicubic"), "cpu")
    plot = viewer.analysis
    assert [item[1].text for item in plot.legend.items] == [nearest_model, "bicubic"]
    for (psnr_curve, ssim_curve), side in zip(plot.series_curves, range(2)):
        assert list(psnr_curve.getData()[1]) == [scores[side].psnr for _, scores in expected]
        assert list(ssim_curve.getData()[1]) == [scores[side].ssim for _, scores in expected]
    assert f"mean PSNR {nearest_model} " in plot.summary.text() and ", bicubic " in plot.summary.text()
    path = tmp_path / "scores.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args: (str(path), ""))
    plot.save.click()
    with open(path, newline="", encoding="utf-8") as fh:
        comment = fh.readline()
        rows = list(csv.reader(fh))
    assert "against the ground truth" in comment
    assert rows[0] == ["frame", "frame_1based", f"psnr_y_{nearest_model}", f"ssim_y_{nearest_model}",
                       "psnr_y_bicubic", "ssim_y_bicubic"]
    assert [[float(v) for v in row[2:]] for row in rows[1:]] == \
        [[s.psnr, s.ssim, t.psnr, t.ssim] for _, (s, t) in expected]


def test_a_dropped_folder_of_frames_opens_in_compare_and_is_a_recent_file(window, qtbot, sequence):
    from test_gui_viewer import _drop

    folder, _ = sequence
    with qtbot.waitSignal(window.viewer.frameShown, timeout=30_000):
        _drop(window, folder)
    assert window.viewer.info.path == str(folder) and window.tabs.currentIndex() == 0
    assert window.recent_files() == [str(folder)]
