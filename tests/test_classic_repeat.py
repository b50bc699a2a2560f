"""The `repeat` interpolator, the frame before as it is: the trivial baseline every frame-interpolation paper beats,
reached through the one registry by `interpolate --model`, `eval vfi --model` and the Compare tab's pickers."""

from __future__ import annotations

import numpy as np
import pytest

from gui_support import gui_env, open_and_wait, window  # noqa: F401
from test_gui_ground_truth import write_frames
from videogen import make_video
from vsr_app.cli import main
from vsr_app.evaluate import eval_vfi
from vsr_app.inference import make_interpolator
from vsr_app.metrics import psnr_y
from vsr_app.models import list_models, load_model
from vsr_app.video.reader import VideoReader


def test_repeat_is_a_built_in_interpolator_giving_the_frame_before_as_a_copy():
    assert {info.name: info.task for info in list_models()}["repeat"] == "interpolate"
    engine = make_interpolator(load_model("repeat", "cpu"), "cpu")
    before, after = np.zeros((8, 8, 3), np.uint8), np.full((8, 8, 3), 200, np.uint8)
    made = engine.midpoint([before, after])
    assert np.array_equal(made, before) and made is not before
    made[:] = 9  # whoever takes the output may change it: the input frame stays as it was
    assert not before.any()


def test_eval_vfi_scores_repeat_as_each_held_out_frame_against_the_frame_before(tmp_path):
    frames = write_frames(tmp_path / "seq", 9)
    per_frame = eval_vfi("repeat", tmp_path / "seq", device="cpu")["sequences"]["seq"]["per_frame"]
    assert [f["psnr_y"] for f in per_frame] == [psnr_y(frames[i - 1], frames[i]) for i in (1, 3, 5, 7)]


def test_interpolate_with_repeat_doubles_the_frames_each_in_between_the_frame_before(tmp_path, capsys):
    src = make_video(tmp_path / "in.mkv", frames=5, codec="ffv1", pix_fmt="yuv444p")
    out = tmp_path / "x2.mkv"
    assert main(["interpolate", str(src), "-o", str(out), "--model", "repeat", "--codec", "ffv1"]) == 0
    assert "5 -> 10 frames" in capsys.readouterr().out
    made = [frame.image for frame in VideoReader(out).frames()]
    assert all(np.array_equal(made[2 * k + 1], made[2 * k]) for k in range(5))
    assert not np.array_equal(made[2], made[0])  # (the frames do move: a repeat is no still picture)


@pytest.mark.parametrize("task, offered", [("interpolate", True), ("upscale", False)])
def test_the_compare_tabs_pickers_offer_it_in_interpolate(window, qtbot, tmp_path, task, offered):
    write_frames(tmp_path / "seq", 6)
    open_and_wait(qtbot, window, tmp_path / "seq")
    viewer = window.viewer
    viewer.refresh_models()
    viewer.set_task(task)
    assert (viewer.left.findData("repeat") >= 0, viewer.right.findData("repeat") >= 0) == (offered, offered)
