"""The Compare tab's ground truth mode in Interpolate: every other frame held out, each model fed the frames `eval vfi`
feeds it and scored against the frame itself, with eval's own numbers; and the analysis naming a frame as the player
does."""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
from PySide6.QtWidgets import QFileDialog

from gui_support import gui_env, open_and_wait, show_and_wait, window  # noqa: F401
from test_gui_ground_truth import answered, write_frame, write_frames
from vsr_app.errors import VsrAppError
from vsr_app.eval_plan import plan_sequences
from vsr_app.eval_protocol import VFI_MIN_FRAMES
from vsr_app.evaluate import eval_vfi
from vsr_app.gui import source_frames
from vsr_app.gui.analysis import CutVerdict, analyse_truth
from vsr_app.gui.processing import SOURCE, TRUTH, FrameService, Request, score
from vsr_app.gui.viewer import TRUTH_NOTES, UNEVEN_NOTE, truth_note
from vsr_app.inference import make_interpolator
from vsr_app.metrics import SSIM_WINDOW
from vsr_app.models import load_model


def scores_told(told: list[tuple]) -> list[tuple]:
    """Of what an analysis of held-out frames told, each position's scores (its scene-cut verdict comes apart)."""
    return [values for values in told if not isinstance(values[0], CutVerdict)]


def blend(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The built-in blend's in-between of two frames, through the app's engine."""
    return make_interpolator(load_model("blend", "cpu"), "cpu").midpoint([a, b])


@pytest.mark.parametrize("count", [12, 13])
@pytest.mark.parametrize("model", ["vfi-x2-student", "blend"])  # a 4-frame model and a 2-frame one
def test_the_held_out_analysis_gives_eval_vfis_numbers_exactly(tmp_path, count, model):
    """Eval's per_frame and the GUI analysis on one folder: the same held-out frames (12 frames: the last, 11, is not
    scored), the same inputs (a 4-frame model's context clamped to the last even frame, 10 for frame 9 of 12, 12 for
    frame 11 of 13), the same engine and measure."""
    folder = tmp_path / "seq"
    write_frames(folder, count)
    told = []
    measured = analyse_truth(str(folder), "interpolate", (model, TRUTH), "cpu", progress=lambda *a: told.append(a))
    per_frame = eval_vfi(model, folder, device="cpu")["sequences"]["seq"]["per_frame"]
    assert [f["frame"] for f in per_frame] == [f"f{k}.png" for k in range(1, count - 1, 2)]
    assert [k for k, *_ in measured] == list(range(len(per_frame)))
    assert [(scores[0].psnr, scores[0].ssim, cut) for _, scores, cut in measured] == \
        [(f["psnr_y"], f["ssim_y"], f["scene_cut"]) for f in per_frame]
    assert [(total, frames) for _, total, _, frames in scores_told(told)][-1] == (len(per_frame), count)


@pytest.mark.parametrize("stated", [9, 10, 11, 12])
def test_a_frame_count_stated_too_long_is_corrected_before_the_last_frame_is_told(tmp_path, monkeypatch, stated):
    """An 8-frame video stated as 10 or 12 frames was said to leave frame 10 or 12 unscored, as 9 or 11 none (eval vfi
    leaves frame 8): the run stopped at the real end without telling the count again."""
    folder = tmp_path / "seq"
    write_frames(folder, 8)
    counted = source_frames.with_counted_frames
    monkeypatch.setattr(source_frames, "with_counted_frames", lambda info: replace(counted(info), frame_count=stated))
    told = []
    measured = analyse_truth(str(folder), "interpolate", ("blend", TRUTH), "cpu", progress=lambda *a: told.append(a))
    assert [k for k, *_ in measured] == [0, 1, 2]  # frames 1, 3 and 5
    assert told[0][3] == stated  # (the count stated, as long as nothing says otherwise)
    assert [(k, total, frames) for k, total, _, frames in scores_told(told)][-1] == (2, 3, 8)


def test_a_held_out_render_shows_the_frame_and_scores_the_prediction_of_it(tmp_path):
    folder = tmp_path / "seq"
    frames = write_frames(folder, 12)
    service = FrameService(str(folder))
    assert service.positions("interpolate", truth=True) == 5  # frames 1, 3, 5, 7, 9: 11 has none after it
    rendered = service.render(Request(2, "interpolate", ("blend", TRUTH), truth=True))
    predicted = blend(frames[4], frames[6])
    assert np.array_equal(rendered.images[0], predicted) and np.array_equal(rendered.images[1], frames[5])
    assert rendered.canvas == (70, 54) and rendered.length == 5  # uncropped: eval vfi scores whole frames
    assert rendered.truth_scores == (score(predicted, frames[5]), None)
    assert rendered.time == pytest.approx(service.source.time(5)) and rendered.at_break is None
    last = service.render(Request(7, "interpolate", (SOURCE, TRUTH), truth=True))
    assert last.position == 4 and np.array_equal(last.images[1], frames[9])
    assert np.array_equal(last.images[0], frames[8])  # the frame before, as Interpolate's Source side shows


@pytest.mark.parametrize("truth_first", [False, True])
def test_in_betweens_and_held_out_frames_never_share_streams_or_cached_frames(tmp_path, truth_first):
    """Position 2 is the in-between of frames 2 and 3, and in ground truth mode frame 5 predicted from 4 and 6."""
    folder = tmp_path / "seq"
    frames = write_frames(folder, 12)
    service = FrameService(str(folder))
    shown = {truth: service.render(Request(2, "interpolate", ("blend", TRUTH if truth else SOURCE),
                                           truth=truth)).images[0]
             for truth in ([True, False] if truth_first else [False, True])}
    assert np.array_equal(shown[False], blend(frames[2], frames[3]))
    assert np.array_equal(shown[True], blend(frames[4], frames[6]))


@pytest.mark.parametrize("frames, size", [(2, (16, 16)), (5, (6, 5))])
def test_what_eval_vfi_refuses_is_refused_in_its_words(tmp_path, frames, size):
    folder = tmp_path / "short"
    folder.mkdir()
    for k in range(frames):
        write_frame(folder / f"{k:03d}.png", *size)
    with pytest.raises(VsrAppError) as said_by_eval:
        plan_sequences(folder, None, min_frames=VFI_MIN_FRAMES, min_side=SSIM_WINDOW)
    with pytest.raises(VsrAppError) as said:
        FrameService(str(folder)).render(Request(0, "interpolate", ("blend", TRUTH), truth=True))
    assert str(said.value) == str(said_by_eval.value)


def test_the_box_in_interpolate_holds_frames_out_and_the_analysis_says_which_was_not_scored(
        window, qtbot, tmp_path, monkeypatch):
    folder = tmp_path / "seq"
    frames = write_frames(folder, 12)
    open_and_wait(qtbot, window, folder)
    viewer, inspector = window.viewer, window.viewer.inspector
    viewer.refresh_models()
    show_and_wait(qtbot, viewer, lambda: viewer.set_task("interpolate"), lambda r: r.request.task == "interpolate")
    assert inspector.truth.isEnabled() and "eval vfi" in inspector.truth.toolTip()
    assert "`" not in inspector.truth.toolTip()  # a tooltip shows backticks as they are
    show_and_wait(qtbot, viewer, lambda: inspector.truth.setChecked(True), lambda r: r.request.truth)
    assert viewer.left.findData(TRUTH) >= 0 and viewer.left.findData(SOURCE) >= 0
    rendered = show_and_wait(qtbot, viewer, lambda: viewer.set_sides("blend", TRUTH),
                             lambda r: r.request.sides == ("blend", TRUTH))
    assert viewer.player.length == 5 and rendered.position == 0
    assert np.array_equal(rendered.images[1], frames[1])
    assert viewer.bar.readout.text().endswith("frame 2, held out (1 / 5)")
    assert inspector.rows[0].values[0].text() == f"{rendered.truth_scores[0].psnr:.2f}"
    assert "eval vfi" in inspector.metric_note.text()
    out = tmp_path / "out"
    out.mkdir()
    answered(monkeypatch, file="", folder=out)
    viewer.actions_by_name["save_sides"].trigger()  # the held-out frame by its own number, not as an in-between
    saved = ["seq_f0002_blend-from-either-side.png", "seq_f0002_ground-truth.png"]
    qtbot.waitUntil(lambda: sorted(p.name for p in out.iterdir()) == saved, timeout=10_000)
    viewer.start_analysis()
    with qtbot.waitSignal(viewer.analysis_job.finished, timeout=60_000):
        pass
    plot = viewer.analysis
    expected = analyse_truth(str(folder), "interpolate", ("blend", TRUTH), "cpu")
    assert list(plot.series_curves[0][0].getData()[0]) == [2, 4, 6, 8, 10]  # at their frames, as the player numbers
    assert list(plot.series_curves[0][0].getData()[1]) == [scores[0].psnr for _, scores, _ in expected]
    worst = min(range(5), key=lambda k: expected[k][1][0].psnr)
    text = plot.summary.text()
    assert text.startswith("5 / 5 held-out frames") and f"worst: blend frame {2 * worst + 2}, " in text
    assert "frame 12 not scored, as eval vfi leaves it" in text
    path = tmp_path / "scores.csv"
    answered(monkeypatch, str(path))
    plot.save.click()
    with open(path, newline="", encoding="utf-8") as fh:
        comments = [fh.readline() for _ in range(2)]
        rows = list(csv.reader(fh))
    assert "as eval vfi predicts it" in comments[0] and "as eval vfi --csv numbers" in comments[0]
    assert ", 5 of 5 held-out frames;" in comments[0]
    assert comments[1].startswith("# not scored, as eval vfi leaves it: frame 11 (frame_1based 12)")
    assert [row[:4] for row in rows[1:]] == [["seq", str(2 * k + 1), f"f{2 * k + 1}.png", str(2 * k + 2)]
                                             for k in range(5)]
    show_and_wait(qtbot, viewer, lambda: plot.worst.click(), lambda r: r.position == worst)
    assert viewer.bar.readout.text().endswith(f"frame {2 * worst + 2}, held out ({worst + 1} / 5)")


def test_the_source_side_shows_the_frame_before_and_pictures_are_saved_by_the_held_out_frame(
        window, qtbot, tmp_path, monkeypatch):
    """Saved pictures named a held-out frame as an in-between (f0002.5) and tagged the Source side as Upscale's x4
    input (input-x4down); the Source side was not offered at all."""
    folder = tmp_path / "seq"
    frames = write_frames(folder, 12)
    open_and_wait(qtbot, window, folder)
    viewer = window.viewer
    viewer.refresh_models()
    viewer.set_task("interpolate")
    viewer.set_truth(True)
    show_and_wait(qtbot, viewer, lambda: viewer.set_sides(SOURCE, TRUTH),
                  lambda r: r.request.sides == (SOURCE, TRUTH) and r.request.truth)
    rendered = show_and_wait(qtbot, viewer, lambda: viewer.player.step(1), lambda r: r.position == 1)
    assert np.array_equal(rendered.images[0], frames[2]) and np.array_equal(rendered.images[1], frames[3])
    assert viewer.described[1] == ("Input: the frame before", "ground truth")
    assert "frame before the held-out one" in viewer.inspector.cards[0].toPlainText()
    assert viewer.bar.readout.text().endswith("frame 4, held out (2 / 5)")
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda parent, caption, start, kinds: (str(out / Path(start).name), kinds))
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda parent, caption, start: str(out))
    viewer.actions_by_name["save_view"].trigger()
    viewer.actions_by_name["save_sides"].trigger()
    saved = ["seq_f0004_ground-truth.png", "seq_f0004_input-frame-before-vs-ground-truth_split.png",
             "seq_f0004_input-frame-before.png"]
    qtbot.waitUntil(lambda: sorted(p.name for p in out.iterdir()) == saved, timeout=10_000)
    for name, frame in (("seq_f0004_input-frame-before.png", frames[2]), ("seq_f0004_ground-truth.png", frames[3])):
        assert np.array_equal(cv2.cvtColor(cv2.imread(str(out / name)), cv2.COLOR_BGR2RGB), frame)  # at 1:1


def open_in_interpolate(qtbot, window, folder: Path, sides: tuple[str, str]):
    """The window's viewer with `folder` open in Interpolate, `sides` shown."""
    open_and_wait(qtbot, window, folder)
    viewer = window.viewer
    viewer.refresh_models()
    viewer.set_task("interpolate")
    show_and_wait(qtbot, viewer, lambda: viewer.set_sides(*sides), lambda r: r.request.sides == sides)
    return viewer


def test_the_summary_names_an_in_between_in_the_players_words(window, qtbot, tmp_path):
    """The summary said "worst: frame 9.5" where the player said "in-between 9½"."""
    folder = tmp_path / "seq"
    write_frames(folder, 12)
    viewer = open_in_interpolate(qtbot, window, folder, ("blend", "ffmpeg-mci"))
    viewer.start_analysis()
    with qtbot.waitSignal(viewer.analysis_job.finished, timeout=60_000):
        pass
    plot = viewer.analysis
    worst = plot._worst()[0]
    show_and_wait(qtbot, viewer, lambda: plot.worst.click(), lambda r: r.position == worst)
    named = viewer.bar.readout.text().split("\u00b7")[-1].strip().removesuffix(" of 12 frames")
    assert named == f"in-between {worst + 1}\u00bd"
    assert f"worst: {named}, " in plot.summary.text()


def test_a_switch_asks_for_one_frame_and_a_round_trip_comes_back(window, qtbot, tmp_path, monkeypatch):
    """A switch of mode or task asked first for the old position under the new mode (ticked at in-between 13½ of 21
    frames: position 12, frame 20; unticked at frame 12: in-between 6½), drawn at times; and in-between 13½ came
    back as 12½ after a round trip."""
    folder = tmp_path / "seq"
    write_frames(folder, 21)
    viewer = open_in_interpolate(qtbot, window, folder, ("blend", SOURCE))
    show_and_wait(qtbot, viewer, lambda: viewer.player.seek(12), lambda r: r.position == 12)
    asked = []
    sent = viewer.worker.request
    monkeypatch.setattr(viewer.worker, "request", lambda request, prefetch=None: (asked.append(request),
                                                                                  sent(request, prefetch)))

    def switch(change, readout: str) -> None:
        asked.clear()
        show_and_wait(qtbot, viewer, change, lambda r: r.request == viewer.request())
        assert asked == [viewer.request()]  # the frame shown next, and no other asked for
        assert viewer.bar.readout.text().endswith(readout)

    switch(lambda: viewer.set_truth(True), "frame 14, held out (7 / 10)")  # one of in-between 13½'s frames
    switch(lambda: viewer.set_truth(False), "in-between 13\u00bd of 21 frames")
    switch(lambda: viewer.set_truth(True), "frame 14, held out (7 / 10)")
    switch(lambda: viewer.set_task("upscale"), "frame 14 / 21")
    switch(lambda: viewer.set_task("interpolate"), "frame 14, held out (7 / 10)")
    show_and_wait(qtbot, viewer, lambda: viewer.player.seek(3), lambda r: r.position == 3)
    switch(lambda: viewer.set_truth(False), "in-between 8\u00bd of 21 frames")  # moved since: the frame's own


@pytest.mark.parametrize("variable_fps", [None, 24.5])
def test_the_note_under_a_held_out_frames_scores_passes_on_eval_vfis_word_on_a_variable_frame_rate(variable_fps):
    """Eval vfi notes held-out frames not halfway in time between their neighbours; the note said only that each
    frame scores as eval's."""
    def note(task: str) -> str:
        return truth_note(SimpleNamespace(request=Request(3, task, ("blend", TRUTH), truth=True),
                                          variable_fps=variable_fps))

    assert note("interpolate") == TRUTH_NOTES["interpolate"] + (UNEVEN_NOTE if variable_fps else "")
    assert ("need not be halfway in time" in note("interpolate")) == bool(variable_fps)
    assert note("upscale") == TRUTH_NOTES["upscale"]  # eval vsr has no such word
