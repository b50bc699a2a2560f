"""The analysis plot's cursor, frame axis and worst frame, and its CSV read beside `eval --csv`'s (testers' findings:
the cursor at 2 for in-between 2½, half-frame ticks in Upscale, a plot only a mouse could use, and two CSVs whose
`frame` counted from different bases)."""

from __future__ import annotations

import csv

import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt

from gui_support import gui_env  # noqa: F401
from test_gui_analysis_csv import plot, save_as  # noqa: F401
from vsr_app.eval_csv import CSV_HEADER
from vsr_app.sequences import read_sequence


def test_reset_places_the_cursor_again_for_the_new_first(plot):
    """A step to frame 2, then an analysis started in Interpolate: the cursor stayed at 2 for in-between 2½."""
    plot.set_cursor(1)
    assert [cursor.value() for cursor in plot.cursors] == [2.0, 2.0]
    plot.reset("a vs b", first=1.5)
    assert [cursor.value() for cursor in plot.cursors] == [2.5, 2.5]
    plot.reset("a vs b", first=1.0)
    assert [cursor.value() for cursor in plot.cursors] == [2.0, 2.0]


def frame_ticks(plot, low: float, high: float) -> list[float]:
    """Every tick (labelled or gridded) of both frame axes over `low`..`high` in 1000 px."""
    return [value for axis in (p.getAxis("bottom") for p in (plot.psnr_plot, plot.ssim_plot))
            for _, values in axis.tickValues(low, high, 1000) for value in values]


def test_upscale_ticks_whole_frames_and_interpolate_halves(plot):
    """pyqtgraph stepped a 3-frame upscale by 0.5 (labelled 1.5, 2.5) and gridded it by 0.1: frames that are not."""
    plot.reset("a vs b", first=1.0)
    ticks = frame_ticks(plot, 0.9, 3.1)
    assert ticks and all(value == round(value) for value in ticks), ticks
    axis = plot.ssim_plot.getAxis("bottom")  # a long video keeps pyqtgraph's own steps
    assert axis.tickSpacing(0, 3000, 1000) == pg.AxisItem.tickSpacing(axis, 0, 3000, 1000)
    plot.reset("a vs b", first=1.5)  # the in-betweens sit at halves: those are ticked, nothing finer
    ticks = frame_ticks(plot, 1.4, 3.6)
    assert 1.5 in ticks and all(2 * value == round(2 * value) for value in ticks), ticks
    plot.reset("a vs b", first=1.0)  # and whole again after an interpolation
    assert all(value == round(value) for value in frame_ticks(plot, 0.9, 3.1))


def test_the_summary_names_the_worst_frame_and_the_keyboard_goes_there(plot, qtbot):
    """The only way to a frame was a click on the plot; the summary gave means, not which frame is worst."""
    plot.reset("a vs b")
    assert not plot.worst.isEnabled()  # nothing measured yet
    for position, psnr in enumerate((31.0, 28.456, 33.0, 28.456)):
        plot.add_point(position, 4, psnr, 0.9)
    plot.finished(complete=True)
    assert "worst: frame 2, 28.46 dB" in plot.summary.text()
    with qtbot.waitSignal(plot.seekRequested) as blocker:
        plot.worst.click()
    assert blocker.args == [1]  # the first of equals; the position, as a click on the plot sends it
    plot.show()
    plot.activateWindow()
    qtbot.waitUntil(plot.isActiveWindow)
    with qtbot.waitSignal(plot.seekRequested) as blocker:
        qtbot.keyClick(plot, Qt.Key_W, Qt.AltModifier)
    assert blocker.args == [1]
    plot.reset("a vs b", first=1.5)  # an in-between is named as the player names it (it said "frame 3.5")
    plot.add_point(0, 3, 30.0, 0.9)
    plot.add_point(2, 3, 25.0, 0.8)
    plot._redraw()  # as its timer does
    assert "worst: in-between 3\u00bd, 25.00 dB" in plot.summary.text()


@pytest.mark.parametrize("task, first, frames", [("upscale", 1.0, ["0", "1", "2"]),
                                                  ("interpolate", 1.5, ["0.5", "1.5", "2.5"])])
def test_the_csv_numbers_and_names_as_eval_does(plot, save_as, tmp_path, small_video, task, first, frames):
    """`eval --csv` numbers a video's frames from 0 under `frame` and names PSNR `psnr_y`; Save CSV… numbered them
    from 1 under `frame` and named it `psnr_y_db`. The player's number stays, as `frame_1based`."""
    plot.reset("a vs b", first=first, video=str(small_video), task=task, sides=("student", "teacher"))
    for position in range(3):
        plot.add_point(position, 3, 30.0 + position, 0.9)
    if task == "interpolate":
        plot.add_point(3, 4, 100.0, 1.0, "scene cut")
    save_as.path = tmp_path / "out.csv"
    plot.save.click()
    with open(save_as.path, newline="", encoding="utf-8") as fh:
        comments = [fh.readline() for _ in range(1 + (task == "interpolate"))]
        rows = list(csv.DictReader(fh))
    header = list(rows[0])
    assert header == ["sequence", "frame", "frame_1based", "psnr_y", "ssim_y"]
    assert [name for name in header if name in CSV_HEADER] == list(CSV_HEADER)  # eval's names, in its order
    assert {row["sequence"] for row in rows} == {small_video.stem}
    assert [row["frame"] for row in rows] == frames
    assert [row["frame_1based"] for row in rows] == [str(float(name) + 1).removesuffix(".0") for name in frames]
    assert [float(row["psnr_y"]) for row in rows] == [30.0, 31.0, 32.0]
    if task == "upscale":  # frame k of the video is eval's frame k
        assert [row["frame"] for row in rows] == read_sequence(small_video, limit=3).names
    else:
        assert comments[1] == "# frames left out (both sides repeat a frame): 3.5 (scene cut)\n"
