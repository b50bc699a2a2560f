"""Held-out frames across a scene cut, marked as eval vfi and the Compare tab's ground truth analysis score them: on
real video they were every model's worst frames, unmarked, and the worst frame of an analysis said nothing of a
model. Found by the project's scene-cut detector among the frames the models are fed (the even ones)."""

from __future__ import annotations

import csv
import gc
import threading
import weakref
from types import SimpleNamespace

import cv2
import numpy as np
import pytest

from gui_support import gui_env, open_and_wait, show_and_wait, window  # noqa: F401
from test_gui_ground_truth import answered
from videogen import make_video
from vsr_app import inference
from vsr_app.errors import Cancelled
from vsr_app.eval_csv import check_csv_path, write_csv
from vsr_app.eval_protocol import vfi_scene_cuts
from vsr_app.evaluate import eval_vfi
from vsr_app.gui.analysis import CutVerdict, analyse_truth
from vsr_app.gui.processing import TRUTH
from vsr_app.video.reader import VideoReader

CUT_AFTER = 10  # frames 0-10 are one shot, 11-19 another: the cut lies between fed frames 10 and 12, across frame 11
COUNT = 20


def two_shots() -> list[np.ndarray]:
    """Two pans over unrelated smooth pictures, a pixel a frame: a small difference from one frame to the next, a
    large one at the cut."""
    def shot(seed: int, count: int, width: int = 72, height: int = 56) -> list[np.ndarray]:
        rng = np.random.default_rng(seed)
        base = cv2.resize(rng.integers(0, 256, (4, 6, 3), dtype=np.uint8), (width + count, height),
                          interpolation=cv2.INTER_CUBIC)
        return [np.ascontiguousarray(base[:, k:k + width]) for k in range(count)]

    return shot(7, CUT_AFTER + 1) + shot(8, COUNT - CUT_AFTER - 1)


def with_verdicts(told: list[tuple]) -> list[tuple]:
    """What an analysis told, each position's (position, scores, scene_cut) in the order of the verdicts: its scores as
    it was scored, and later its `CutVerdict`, which must come after them, one for every position scored."""
    scored, rows = {}, []
    for values in told:
        if isinstance(values[0], CutVerdict):
            position, cut = values[0]
            rows.append((position, scored.pop(position), cut))  # (a KeyError: a verdict before the scores)
        else:
            position, _, scores, _ = values
            scored[position] = scores
    assert not scored
    return rows


@pytest.fixture
def folder(tmp_path):
    """The two shots as a folder of frames named f0.png ... f19.png (f10 sorts before f2 as text, not as eval)."""
    path = tmp_path / "shots"
    path.mkdir()
    for k, frame in enumerate(two_shots()):
        cv2.imwrite(str(path / f"f{k}.png"), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    return path


def test_the_held_out_frame_between_fed_frames_of_two_shots_is_the_one_marked():
    marked = list(vfi_scene_cuts((frame, None) for frame in two_shots()))
    assert marked == [i == CUT_AFTER + 1 for i in range(1, COUNT - 1, 2)]  # frames 1, 3, ..., 17 (19: none after)


def test_eval_vfi_marks_it_in_per_frame_and_its_csv_and_says_the_mean_without_it(folder, tmp_path):
    result = eval_vfi("blend", folder, device="cpu")
    per_frame = result["sequences"]["shots"]["per_frame"]
    assert [f["frame"] for f in per_frame if f["scene_cut"]] == ["f11.png"]
    kept = [f["psnr_y"] for f in per_frame if not f["scene_cut"]]
    assert result["sequences"]["shots"]["psnr_y"] == np.mean([f["psnr_y"] for f in per_frame])  # the mean is eval's
    assert (f"shots: 1 of 9 scored frames (f11.png) lies across a scene cut: the frames fed either side are of two "
            f"shots, and no interpolator can tell which the frame is of; Y-PSNR {np.mean(kept):.3f} dB without them"
            in result["notes"])
    path = tmp_path / "eval.csv"
    write_csv(result, path)
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(line for line in fh if not line.startswith("#")))  # under its comment
    assert [(row["frame"], row["scene_cut"]) for row in rows] == [(f["frame"], str(int(f["scene_cut"])))
                                                                  for f in per_frame]
    check_csv_path(path)  # a rerun replaces it, as it replaces any eval CSV


@pytest.mark.parametrize("as_video", [False, True])
def test_the_compare_analysis_marks_the_frames_eval_vfi_marks(folder, tmp_path, as_video):
    """Each held-out frame told with its scores and whether it lies across a cut, both as eval vfi says them."""
    data = make_video(tmp_path / "shots.mkv", images=two_shots(), codec="ffv1", pix_fmt="yuv444p") if as_video \
        else folder
    told = []
    analyse_truth(str(data), "interpolate", ("blend", TRUTH), "cpu", lambda *values: told.append(values),
                  threading.Event())
    per_frame = eval_vfi("blend", data, device="cpu")["sequences"]["shots"]["per_frame"]
    assert [(scores[0].psnr, cut) for _, scores, cut in with_verdicts(told)] == [(f["psnr_y"], f["scene_cut"])
                                                                                 for f in per_frame]
    assert [k for k, _, cut in with_verdicts(told) if cut] == [CUT_AFTER // 2]


def test_each_frame_is_told_as_soon_as_it_is_scored_and_its_verdict_after(folder, monkeypatch):
    """A position was told only with its scene-cut verdict, which reads the frames fed 4 past it: with a teacher on a
    CPU the plot said "Measuring the first frame..." for four more of its calls, many seconds each."""
    calls, make = [], inference.make_interpolator

    def counted(*args, **kwargs):
        engine = make(*args, **kwargs)
        midpoint = engine.midpoint
        engine.midpoint = lambda frames: calls.append(1) or midpoint(frames)
        return engine

    monkeypatch.setattr(inference, "make_interpolator", counted)
    told, calls_by_then = [], []
    analyse_truth(str(folder), "interpolate", ("blend", TRUTH), "cpu",
                  lambda *values: told.append(values) or calls_by_then.append(len(calls)))
    scores_at = {values[0]: made for values, made in zip(told, calls_by_then) if not isinstance(values[0], CutVerdict)}
    assert scores_at == {k: k + 1 for k in range(COUNT // 2 - 1)}  # each with the model call that scored it
    assert [k for k, _, cut in with_verdicts(told) if cut] == [CUT_AFTER // 2]


def test_only_the_fed_frames_thumbnails_wait_for_their_verdicts():
    """The fed frames waited whole for their verdicts, CONTEXT + 1 of them and dropped after: ~125 MB at 4K beside
    the analysis's 64 MB cache."""
    alive = []

    def frames():
        for shown in two_shots():
            frame = shown.copy()  # (two_shots keeps its own)
            alive.append(weakref.ref(frame))
            yield frame, None

    most = 0
    for _ in vfi_scene_cuts(frames()):
        gc.collect()
        most = max(most, sum(ref() is not None for ref in alive))
    assert most <= 2  # the frame just read, and the frame fed last


def test_the_analysis_marks_them_from_the_frames_it_decodes_for_the_models(tmp_path, monkeypatch):
    """The marks came from a second reader beside the analysis, the whole video decoded twice."""
    video = make_video(tmp_path / "shots.mkv", images=two_shots(), codec="ffv1", pix_fmt="yuv444p")
    decoded, frames = [], VideoReader.frames

    def counted(self, *args, **kwargs):
        for frame in frames(self, *args, **kwargs):
            decoded.append(frame.time)
            yield frame

    monkeypatch.setattr(VideoReader, "frames", counted)
    told = []
    analyse_truth(str(video), "interpolate", ("blend", TRUTH), "cpu", lambda *values: told.append(values))
    assert [k for k, _, cut in with_verdicts(told) if cut] == [CUT_AFTER // 2]
    assert len(decoded) == COUNT + 1  # each frame once, and frame 2, the first one asked for, by a seek before


def test_a_cancelled_analysis_tells_every_frame_it_scored_marked_as_eval_marks_it(tmp_path, monkeypatch):
    """A frame's mark reads the frames fed up to 4 past it, so the analysis tells it that many frames after it scores
    the frame: cancelled, it reads those frames without the models and tells every frame scored with eval's mark.
    Judged on the frames read so far, the last one scored was marked here: a jump of 20 grey levels after steps of 5,
    and the next frame fed the same (a held frame: the motion beside it, 20 a step, is further on)."""
    fed = [100, 105, 110, 115, 135, 135, 155, 175, 195, 215]  # grey levels of frames 0, 2, 4, ...
    folder = tmp_path / "greys"
    folder.mkdir()
    for k in range(2 * len(fed)):
        level = fed[k // 2] if k % 2 == 0 else (fed[k // 2] + fed[min(k // 2 + 1, len(fed) - 1)]) // 2
        cv2.imwrite(str(folder / f"f{k}.png"), np.full((56, 72, 3), level, np.uint8))
    predictions, make = [], inference.make_interpolator

    def counted(*args, **kwargs):
        engine = make(*args, **kwargs)
        midpoint = engine.midpoint
        engine.midpoint = lambda frames: predictions.append(frames) or midpoint(frames)
        return engine

    monkeypatch.setattr(inference, "make_interpolator", counted)
    scored = 4  # frames 1, 3, 5 and 7 (between the frames fed 115 and 135): cancelled in the next one's prediction
    told = []
    with pytest.raises(Cancelled):
        analyse_truth(str(folder), "interpolate", ("blend", TRUTH), "cpu", lambda *values: told.append(values),
                      SimpleNamespace(is_set=lambda: len(predictions) > scored))
    per_frame = eval_vfi("blend", folder, device="cpu")["sequences"]["greys"]["per_frame"]
    assert [(k, scores[0].psnr, cut) for k, scores, cut in with_verdicts(told)] == \
        [(k, f["psnr_y"], f["scene_cut"]) for k, f in enumerate(per_frame[:scored])]
    assert not any(f["scene_cut"] for f in per_frame)


def test_the_plot_shades_it_leaves_it_out_of_a_mean_and_of_worst_and_marks_it_in_the_csv(
        window, qtbot, folder, tmp_path, monkeypatch):
    open_and_wait(qtbot, window, folder)
    viewer = window.viewer
    viewer.refresh_models()
    viewer.set_task("interpolate")
    viewer.set_truth(True)
    show_and_wait(qtbot, viewer, lambda: viewer.set_sides("blend", TRUTH),
                  lambda r: r.request.sides == ("blend", TRUTH) and r.request.truth)
    viewer.start_analysis()
    with qtbot.waitSignal(viewer.analysis_job.finished, timeout=60_000):
        pass
    plot, cut = viewer.analysis, CUT_AFTER // 2
    psnrs = dict(zip(*plot.series_curves[0][0].getData()))
    assert min(psnrs, key=psnrs.get) == CUT_AFTER + 2  # blending two shots: the worst frame, and no news of blend
    assert plot.scene_cuts == {cut}
    band = plot.cut_bands[0].opts
    assert (list(band["x0"]), list(band["x1"])) == ([CUT_AFTER + 1], [CUT_AFTER + 3])  # from the frame fed before
    kept = [psnr for x, psnr in psnrs.items() if x != CUT_AFTER + 2]
    text = plot.summary.text()
    assert f"blend {np.mean(list(psnrs.values())):.2f} dB (without the scene cut, shaded: blend {np.mean(kept):.2f})" \
        in text
    worst = min(kept)
    assert f"worst outside scene cuts: blend frame {next(x for x, p in psnrs.items() if p == worst):.0f}, " in text
    assert plot._worst()[0] != cut  # and Go to worst goes there
    path = tmp_path / "scores.csv"
    answered(monkeypatch, str(path))
    plot.save.click()
    with open(path, newline="", encoding="utf-8") as fh:
        lines = fh.read().splitlines()
    rows = list(csv.DictReader(line for line in lines if not line.startswith("#")))
    assert "scene_cut 1 where a scene cut lies between the frames fed either side" in lines[0]
    assert [row["file"] for row in rows if row["scene_cut"] == "1"] == [f"f{CUT_AFTER + 1}.png"]
    assert {row["scene_cut"] for row in rows} == {"0", "1"}
