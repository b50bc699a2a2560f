"""The analysis plot's Save CSV…: the per-frame numbers, numbered as eval and as the player number frames, with what
was compared."""

from __future__ import annotations

import csv
import errno
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from PySide6.QtWidgets import QFileDialog

from gui_support import gui_env, open_and_wait, show_and_wait, window  # noqa: F401
from test_gui_viewer import nearest_model  # noqa: F401
from vsr_app.devices import default_precision
from vsr_app.eval_csv import write_csv
from vsr_app.evaluate import Scores, summary
from vsr_app.gui.analysis_plot import AnalysisPlot
from vsr_app.gui.analysis import CutVerdict


@pytest.fixture
def plot(gui_env, qtbot):
    widget = AnalysisPlot()
    qtbot.addWidget(widget)
    return widget


@pytest.fixture
def save_as(monkeypatch):
    """Answers the save dialog with the path in `save_as.path` (None: cancelled) and records what it offered."""
    offered = []

    def answer(parent, caption, start, file_filter):
        offered.append((start, file_filter))
        return ("" if answer.path is None else str(answer.path)), file_filter

    answer.path, answer.offered = None, offered
    monkeypatch.setattr(QFileDialog, "getSaveFileName", answer)
    return answer


@pytest.fixture
def out(tmp_path):
    """An empty folder to save into, so a test sees every file (temp files included) left there."""
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def read_csv(path) -> tuple[str, list[list[str]]]:
    """The comment line and the rows (header first)."""
    with open(path, newline="", encoding="utf-8") as fh:
        comment = fh.readline()
        return comment, list(csv.reader(fh))


def test_upscale_rows_number_frames_from_zero_and_one_and_name_the_comparison(plot, save_as, tmp_path):
    video = tmp_path / "clips" / "city.mp4"
    video.parent.mkdir()  # a writable folder: the CSV is offered beside the video
    plot.reset("a vs b", video=str(video), task="upscale", sides=("student", "teacher"))
    assert not plot.save.isEnabled()  # nothing measured yet
    plot.add_point(0, 3, 31.25, 0.9125)
    plot.add_point(1, 3, 100.0, 1.0)
    plot.add_point(2, 3, 29.5, None)  # a frame smaller than the SSIM window
    plot.finished()
    assert plot.save.isEnabled()
    save_as.path = tmp_path / "out.csv"
    plot.save.click()
    assert save_as.offered == [(str(video.parent / "city-student-vs-teacher.csv"), "CSV files (*.csv)")]
    comment, rows = read_csv(save_as.path)
    # where and in what precision the nets ran, which moves the scores, as eval's CSV says it
    precision = default_precision(torch.device("cpu"))
    assert comment == (f"# upscale: student vs teacher on {video}, 3 of 3 frames; ran on cpu, trained nets in "
                       f"{precision}; PSNR (dB) and SSIM of luma (Y, BT.601); frame counts from 0 as eval vsr --csv "
                       "numbers a video's, frame_1based as the player does\n")
    assert rows == [["sequence", "frame", "frame_1based", "psnr_y", "ssim_y"], ["city", "0", "1", "31.25", "0.9125"],
                    ["city", "1", "2", "100.0", "1.0"], ["city", "2", "3", "29.5", ""]]
    # the next save is offered where the last went, not beside the video
    plot.save.click()
    assert save_as.offered[-1][0] == str(tmp_path / "city-student-vs-teacher.csv")


def test_interpolation_in_betweens_are_halves_and_a_running_analysis_saves_what_it_has(plot, save_as, tmp_path):
    plot.reset("a vs b", first=1.5, video=str(tmp_path / "walk.mkv"), task="interpolate", sides=("vfi", "blend"))
    for position in range(4):
        plot.add_point(position, 10, 30.0 + position, 0.95)
    save_as.path = tmp_path / "walk.csv"
    plot.save.click()  # not finished: the run goes on
    comment, rows = read_csv(save_as.path)
    assert comment.startswith("# interpolate: vfi vs blend on ") and ", 4 of 10 in-betweens;" in comment
    assert [row[1:3] for row in rows[1:]] == [["0.5", "1.5"], ["1.5", "2.5"], ["2.5", "3.5"], ["3.5", "4.5"]]
    assert [float(row[3]) for row in rows[1:]] == [30.0, 31.0, 32.0, 33.0]


def test_in_betweens_at_scene_cuts_are_left_out_of_the_means_and_named_in_the_csv(plot, save_as, tmp_path):
    """Both sides repeat a frame at a cut, no model having run: their 100 dB raised a clip's mean by 1.2 dB. Each is
    named as the export's summary names it: a flash's two in-betweens are one flash, not "scene cuts or pauses"."""
    plot.reset("a vs b", first=1.5, video=str(tmp_path / "cuts.mkv"), task="interpolate", sides=("vfi", "blend"))
    kinds = {1: "scene cut", 3: "flash", 4: "flash", 6: "pause"}
    for position, psnr in enumerate((30.0, 100.0, 32.0, 100.0, 100.0, 34.0, 100.0)):
        plot.add_point(position, 7, psnr, 1.0 if psnr == 100.0 else 0.9, kinds.get(position))
    plot.finished(complete=True)
    # how many were scored and why not the rest: "7 / 7 frames" read as all of them in the means
    assert plot.summary.text().startswith("7 / 7 in-betweens, 3 scored: 4 left out, where both sides repeat a frame "
                                          "(1 scene cut, 1 flash, 1 pause)   \u00b7   mean PSNR 32.00 dB   \u00b7   "
                                          "mean SSIM 0.9000")
    assert "stopped" not in plot.summary.text()
    save_as.path = tmp_path / "cuts.csv"
    plot.save.click()
    comment, rows = read_csv(save_as.path)
    assert ", 3 of 7 in-betweens;" in comment
    assert rows[0] == ["# frames left out (both sides repeat a frame): 1.5 (scene cut)", " 3.5 (flash)",
                       " 4.5 (flash)", " 6.5 (pause)"]  # the 2nd comment
    assert [row[1] for row in rows[2:]] == ["0.5", "2.5", "5.5"]


def test_an_analysis_where_every_in_between_is_at_a_cut_says_so(plot):
    """A slideshow: the summary stayed empty while it ran, then said no frame could be measured."""
    plot.reset("a vs b", first=1.5, task="interpolate", sides=("vfi", "blend"))
    for position in range(3):
        plot.add_point(position, 3, 100.0, 1.0, "scene cut")
    plot._redraw()  # as its timer does
    assert plot.summary.text().startswith("3 / 3 in-betweens, 0 scored: 3 left out") and \
        "(3 scene cuts)" in plot.summary.text()
    plot.finished(complete=True)
    assert plot.summary.text() == "Nothing to compare: both sides repeat a frame at all 3 in-betweens (3 scene cuts)."
    plot.reset("a vs b", first=1.5, task="interpolate", sides=("vfi", "blend"))
    plot.add_point(0, 40, 100.0, 1.0, "pause")
    plot.add_point(1, 40, 100.0, 1.0, "pause")
    plot.finished()  # stopped after 2 of 40: not "all"
    assert plot.summary.text() == "Stopped: both sides repeat a frame at the 2 in-betweens so far (2 pauses)."


def test_the_plot_says_it_is_measuring_until_the_first_point_comes(plot):
    """The models load and the first frame is measured for seconds: the panel showed empty axes and no word."""
    plot.reset("a vs b")
    assert plot.summary.text() == "Measuring the first frame\u2026"
    plot.add_point(0, 5, 40.0, 0.99)
    plot._redraw()  # as its timer does
    assert plot.summary.text().startswith("1 / 5 frames")


def test_the_button_is_off_until_a_point_and_again_after_reset(plot, save_as):
    assert not plot.save.isEnabled()
    plot.reset("a vs b")
    plot.add_point(0, 5, None, None)  # a frame with nothing measured is no point
    assert not plot.save.isEnabled()
    plot.add_point(1, 5, 40.0, 0.99)
    assert plot.save.isEnabled()
    plot.reset("c vs d")
    assert not plot.save.isEnabled()
    plot.finished()  # an analysis that measured nothing
    assert not plot.save.isEnabled()


def test_a_cancelled_dialog_writes_nothing(plot, save_as, out):
    plot.reset("a vs b", video=str(out / "v.mp4"))
    plot.add_point(0, 1, 40.0, 0.99)
    plot.save.click()
    assert save_as.offered and list(out.iterdir()) == []


@pytest.mark.parametrize("folder", ["missing", "a-file"])
def test_an_unwritable_place_reports_an_error_and_leaves_no_file(plot, save_as, out, qtbot, folder):
    plot.reset("a vs b", video=str(out / "v.mp4"))
    plot.add_point(0, 1, 40.0, 0.99)
    (out / "a-file").write_text("not a folder")
    save_as.path = out / folder / "out.csv"
    with qtbot.waitSignal(plot.errorRaised) as blocker:
        plot.save.click()
    title, message = blocker.args
    assert title == "Cannot save the analysis" and str(save_as.path) in message
    assert [p.name for p in out.iterdir()] == ["a-file"]


def test_a_write_failing_halfway_keeps_the_earlier_file_whole(plot, save_as, out, qtbot, monkeypatch):
    plot.reset("a vs b", video=str(out / "v.mp4"))
    plot.add_point(0, 2, 40.0, 0.99)
    save_as.path = out / "table.csv"
    plot.save.click()
    before = save_as.path.read_bytes()
    plot.add_point(1, 2, 41.0, 0.98)

    def disk_full(row):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(csv, "writer", lambda fh: SimpleNamespace(writerow=disk_full))  # after the comment line
    with qtbot.waitSignal(plot.errorRaised) as blocker:
        plot.save.click()
    assert "No space left on device" in blocker.args[1]
    assert save_as.path.read_bytes() == before
    assert list(out.iterdir()) == [save_as.path]  # no temp file beside it


def test_the_viewer_saves_a_finished_analysis_and_passes_errors_on(window, qtbot, small_video, nearest_model,
                                                                  save_as, tmp_path):
    open_and_wait(qtbot, window, small_video)
    viewer = window.viewer
    viewer.refresh_models()
    show_and_wait(qtbot, viewer, lambda: viewer.set_sides("bicubic", nearest_model),
                  lambda r: r.request.sides == ("bicubic", nearest_model))
    viewer.start_analysis()
    with qtbot.waitSignal(viewer.analysis_job.finished, timeout=60_000):
        pass
    save_as.path = tmp_path / "small.csv"
    viewer.analysis.save.click()
    assert save_as.offered[0][0] == str(small_video.parent / f"small-bicubic-vs-{nearest_model}.csv")
    comment, rows = read_csv(save_as.path)
    assert comment.startswith(f"# upscale: bicubic vs {nearest_model} on {small_video}, 12 of 12 frames;")
    points = viewer.analysis.points
    assert [row[:3] for row in rows[1:]] == [["small", str(k), str(k + 1)] for k in range(12)]
    assert [float(row[3]) for row in rows[1:]] == [p[1] for p in points]
    assert [float(row[4]) for row in rows[1:]] == [p[2] for p in points]
    save_as.path = tmp_path / "missing" / "small.csv"
    with qtbot.waitSignal(viewer.errorRaised, check_params_cb=lambda title, _: title == "Cannot save the analysis"):
        viewer.analysis.save.click()


def test_a_stopped_analysis_says_so_instead_of_a_time_left(plot, monkeypatch):
    """After Stop the summary kept the ETA of frames that no longer come."""
    clock = iter(range(0, 1000, 10))
    monkeypatch.setattr("vsr_app.gui.analysis_plot.time.monotonic", lambda: float(next(clock)))
    plot.reset("a vs b")
    for position in range(3):
        plot.add_point(position, 10, 30.0, 0.9)
    plot._redraw()
    assert "3 / 10 frames" in plot.summary.text() and "left" in plot.summary.text()
    plot.finished()
    assert "left" not in plot.summary.text() and plot.summary.text().endswith("stopped")
    plot.reset("a vs b")
    for position in range(10):
        plot.add_point(position, 10, 30.0, 0.9)
    plot.finished()  # all measured: nothing stopped
    assert plot.summary.text().startswith("10 / 10 frames") and "stopped" not in plot.summary.text()


def test_a_complete_analysis_of_a_video_shorter_than_its_header_is_not_called_stopped(plot):
    """A cut file's header promised 30 frames and 15 decoded: the analysis measured all 15 and read "15 / 30 frames
    · stopped"."""
    plot.reset("a vs b")
    for position in range(15):
        plot.add_point(position, 30, 30.0, 0.9)
    plot.finished(complete=True)
    assert plot.summary.text().startswith("15 / 15 frames") and "stopped" not in plot.summary.text()


def test_a_folders_held_out_frames_join_eval_vfis_csv_by_sequence_and_file(plot, save_as, tmp_path):
    """Of a folder of frames eval vfi --csv writes `Urban2,001.png,...`; the Compare tab's CSV had only `frame` 1
    and no sequence, so the two tables could not be joined."""
    folder = tmp_path / "vfi_middlebury" / "Urban2"
    folder.mkdir(parents=True)
    for k in range(5):
        (folder / f"{k:03d}.png").write_bytes(b"")  # (only their names are read)
    plot.reset("m against the ground truth", first=2, video=str(folder), task="interpolate",
               sides=("m", "ground-truth"), series=(("m", "#fff"),), held_out=True)
    plot.add_scores(0, 2, ((39.5, 0.97),), frames=5)
    plot.add_scores(1, 2, ((38.25, 0.96),), frames=5)
    plot.add_cut_verdict(0, False)
    plot.add_cut_verdict(1, False)
    save_as.path = tmp_path / "analysis.csv"
    plot.save.click()
    comment, rows = read_csv(save_as.path)
    assert "file as it names a folder's frames" in comment
    assert rows == [["sequence", "frame", "file", "frame_1based", "psnr_y_m", "ssim_y_m", "scene_cut"],
                    ["Urban2", "1", "001.png", "2", "39.5", "0.97", "0"],
                    ["Urban2", "3", "003.png", "4", "38.25", "0.96", "0"]]
    scores = {"Urban2": Scores([39.5, 38.25], [0.97, 0.96], ["001.png", "003.png"], 5, [False, False])}
    write_csv(summary("m", 0, scores), tmp_path / "eval.csv")
    with open(tmp_path / "eval.csv", newline="", encoding="utf-8") as fh:
        by_eval = list(csv.DictReader(line for line in fh if not line.startswith("#")))  # under eval's comment
    ours = [dict(zip(rows[0], row)) for row in rows[1:]]
    assert [(r["sequence"], r["frame"], r["psnr_y"], r["scene_cut"]) for r in by_eval] == \
        [(r["sequence"], r["file"], r["psnr_y_m"], r["scene_cut"]) for r in ours]


def test_a_scene_cut_told_after_its_scores_is_shaded_left_out_and_marked_from_then_on(plot, save_as, tmp_path):
    """Each held-out frame is drawn as soon as it is scored, its scene-cut verdict a few frames later
    (`analysis.CutVerdict`); a CSV saved before a frame's verdict leaves its mark empty, not 0. With two sides the
    mean without the cuts read "blend 27.00 dB, repeat 27.00 dB; blend 30.00 dB, repeat 30.00 dB without 2 scene cuts
    (shaded)", "without" as of the last side alone, and one frame across a cut read "all 1 scene cut (shaded)"."""
    plot.reset("blend and repeat against the ground truth", first=2, video=str(tmp_path / "v.mp4"),
               task="interpolate", sides=("blend", "ground-truth"), series=(("blend", "#f00"), ("repeat", "#0f0")),
               held_out=True)
    assert "outside scene cuts" in plot.worst.toolTip()
    plot.add_truth_progress(0, 3, ((20.0, 0.5), (20.0, 0.5)), 7)
    plot.add_truth_progress(CutVerdict(0, True))
    plot._redraw()  # as its timer does
    assert "mean PSNR blend 20.00 dB, repeat 20.00 dB (the one frame lies across a scene cut, shaded)" in \
        plot.summary.text()
    for k, psnr in ((1, 30.0), (2, 31.0)):
        plot.add_truth_progress(k, 3, ((psnr, 0.9), (psnr, 0.9)), 7)
    plot.add_truth_progress(CutVerdict(1, False))
    save_as.path = tmp_path / "running.csv"
    plot.save.click()
    comment, rows = read_csv(save_as.path)
    assert "scene_cut 1 where a scene cut lies between the frames fed either side" in comment
    assert "empty where not known yet" in comment and [row[-1] for row in rows[1:]] == ["1", "0", ""]
    plot.add_truth_progress(CutVerdict(2, True))
    plot.finished(complete=True)
    text = plot.summary.text()
    assert "mean PSNR blend 27.00 dB, repeat 27.00 dB (without the 2 scene cuts, shaded: blend 30.00, repeat 30.00)" \
        in text and "worst outside scene cuts: blend frame 4, 30.00 dB; repeat frame 4, 30.00 dB" in text
    assert list(plot.cut_bands[0].opts["x0"]) == [1, 5]  # frames 2 and 6, from the frame fed before
    plot.save.click()
    comment, rows = read_csv(save_as.path)
    assert "empty where" not in comment and [row[-1] for row in rows[1:]] == ["1", "0", "1"]


def test_in_betweens_of_a_folder_have_no_file(plot, save_as, tmp_path):
    folder = tmp_path / "city"
    folder.mkdir()
    for name in ("f1.png", "f2.png", "f10.png"):  # eval's order, digits read as numbers
        (folder / name).write_bytes(b"")
    plot.reset("a vs b", first=1.5, video=str(folder), task="interpolate", sides=("a", "b"))
    plot.add_point(1, 2, 30.0, 0.9)
    save_as.path = tmp_path / "in-betweens.csv"
    plot.save.click()
    assert read_csv(save_as.path)[1][1] == ["city", "1.5", "", "2.5", "30.0", "0.9"]
    plot.reset("a vs b", first=1, video=str(folder), task="upscale", sides=("a", "b"))
    plot.add_point(2, 3, 30.0, 0.9)
    plot.save.click()
    assert read_csv(save_as.path)[1][1] == ["city", "2", "f10.png", "3", "30.0", "0.9"]


def test_a_video_in_a_folder_that_cannot_be_written_is_offered_home(plot, save_as, tmp_path, monkeypatch):
    """Save view and Save sides offered home for the bundled sample's read-only folder, Save CSV beside it."""
    resources = tmp_path / "resources"
    resources.mkdir()
    monkeypatch.setattr("vsr_app.gui.export_dialog.resource_path", lambda: resources)
    plot.reset("a vs b", video=str(resources / "sample.mp4"), task="upscale", sides=("a", "b"))
    plot.add_point(0, 1, 40.0, 0.99)
    plot.save.click()
    assert save_as.offered == [(str(Path.home() / "sample-a-vs-b.csv"), "CSV files (*.csv)")]
