"""What VSR validation scores and records: the frames' centre (`val_crop`), bicubic's score on the same frames as
the line to beat, and the starting weights' score at step 0 of a run that begins from them."""
from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
import torch
from PySide6.QtCore import Qt

from gui_support import gui_env  # noqa: F401
from videogen import write_pan_frames
from vsr_app.distill.options import LoopConfig
from vsr_app.distill.train import train
from vsr_app.distill.vsr_task import VSRTask
from vsr_app.errors import VsrAppError
from vsr_app.evaluate import eval_vsr
from vsr_app.gui.train_curves import TrainingCurves
from vsr_app.models import save_model
from vsr_app.nets.vsr_student import VSRStudent

TINY_STUDENT = {"channels": 8, "blocks": 1, "hr_channels": 4}
HEIGHT, WIDTH = 134, 170  # neither a multiple of 4


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """6 frames whose top-left corner is a flat sky (easy to upscale) over a detailed rest: a corner scored alone
    flatters a net."""
    rng = np.random.default_rng(4)
    detail = cv2.resize(rng.integers(0, 256, (14, 18, 3), dtype=np.uint8), (WIDTH + 10, HEIGHT),
                        interpolation=cv2.INTER_CUBIC)
    folder = tmp_path_factory.mktemp("val") / "clip"
    folder.mkdir()
    for i in range(6):
        frame = detail[:, 2 * i:2 * i + WIDTH].copy()
        frame[:64, :64] = (200, 170, 140)
        cv2.imwrite(str(folder / f"{i:03d}.png"), frame)
    return folder


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return write_pan_frames(tmp_path_factory.mktemp("data") / "pan", 8, np.random.default_rng(0))


def _frames(folder) -> np.ndarray:
    return np.stack([cv2.imread(str(f))[..., ::-1] for f in sorted(folder.glob("*.png"))])


def _task(data_dir, clip, **extra) -> VSRTask:
    torch.manual_seed(0)
    options = {"data": [str(data_dir)], "net_config": TINY_STUDENT, "batch": 2, "frames": 3, "patch": 8,
               "val": [str(clip)], "val_frames": 6, **extra}
    return VSRTask(options, log=lambda *_: None)


def test_validation_scores_the_frames_centre_or_whole_frames_as_eval_cuts_them(data_dir, clip):
    """The top-left 192 px were scored as if they were the clip: on one clip 33.46 dB where eval gave 32.20."""
    frames = _frames(clip)
    centre = _task(data_dir, clip, val_crop=64)._val[0][1]
    assert np.array_equal(centre, frames[:, 35:99, 53:117])  # (134 - 64) / 2, (170 - 64) / 2
    assert np.array_equal(_task(data_dir, clip, val_crop=0)._val[0][1], frames[:, :132, :168])
    # a crop as large as a side takes the side whole, from its start, as eval does
    assert np.array_equal(_task(data_dir, clip, val_crop=150)._val[0][1], frames[:, :132, 11:159])


@pytest.mark.parametrize("crop", [-4, 8, 63])
def test_a_crop_the_net_cannot_take_is_refused_before_training(data_dir, clip, crop):
    with pytest.raises(VsrAppError, match="'val_crop' must be"):
        _task(data_dir, clip, val_crop=crop)


def test_bicubic_is_scored_on_the_same_frames_as_eval_scores_it_and_only_once(data_dir, clip, tmp_path,
                                                                               monkeypatch):
    """A student below bicubic looked like it improved (33.44 -> 33.46) with nothing to read it against."""
    from vsr_app import inference

    crops = tmp_path / "crops"
    crops.mkdir()
    for i, frame in enumerate(_frames(clip)[:, 35:99, 53:117]):
        cv2.imwrite(str(crops / f"{i:03d}.png"), frame[..., ::-1])
    expected = eval_vsr("bicubic", crops, device="cpu")["mean"]["psnr_y"]
    engines = []
    make_upscaler = inference.make_upscaler
    monkeypatch.setattr(inference, "make_upscaler", lambda *a, **k: engines.append(a) or make_upscaler(*a, **k))
    task = _task(data_dir, clip, val_crop=64)
    with torch.no_grad():
        first, second = task.validate(), task.validate()
    assert first["val_psnr_bicubic"] == pytest.approx(expected, abs=1e-9)
    assert second["val_psnr_bicubic"] == first["val_psnr_bicubic"] and len(engines) == 1  # cached
    assert first["val_crop"] == 64 and first["val_psnr"] != first["val_psnr_bicubic"]
    whole = _task(data_dir, clip, val_crop=0)
    with torch.no_grad():
        assert whole.validate()["val_psnr_bicubic"] == pytest.approx(
            eval_vsr("bicubic", clip, device="cpu")["mean"]["psnr_y"], abs=1e-9)


def _records(run) -> list[dict]:
    return [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]


def test_a_run_from_weights_validates_them_at_step_0_and_records_what_it_scored(data_dir, clip, tmp_path):
    """A fine-tune of the shipped student fell from 43.72 to 41.84 dB in 20 steps, and no point showed the start."""
    torch.manual_seed(7)
    start = VSRStudent(**TINY_STUDENT)
    weights = tmp_path / "start.safetensors"
    save_model(start, weights, {"task": "upscale", "scale": 4, "arch": "vsr_student", "config": TINY_STUDENT})
    own = _task(data_dir, clip, val_crop=64)
    own.model.load_state_dict(start.state_dict())
    own.model.eval()
    with torch.no_grad():
        expected = own.validate()

    cfg = {"steps": 2, "lr": 2e-3, "warmup": 1, "log_every": 1, "val_every": 2, "threads": 1, "seed": 3,
           "amp": "none"}  # (validated in fp32, as `expected`)
    lines = []
    train(_task(data_dir, clip, val_crop=64), LoopConfig(**cfg, init_from=str(weights)), tmp_path / "tuned",
          log=lines.append)
    validations = [r for r in _records(tmp_path / "tuned") if "val_psnr" in r]
    assert [r["step"] for r in validations] == [0, 2]
    assert validations[0]["val_psnr"] == pytest.approx(expected["val_psnr"], abs=1e-6)
    assert all(r["val_crop"] == 64 and r["val_psnr_bicubic"] == expected["val_psnr_bicubic"] for r in validations)
    assert any(line.startswith("validation at step 0: val_psnr=") for line in lines)
    card = json.loads((tmp_path / "tuned" / "model.json").read_text())
    assert card["metrics"]["val_crop"] == 64 and _task(data_dir, clip, val_crop=64).describe()["val_crop"] == 64
    assert card["metrics"]["val_psnr_bicubic"] == expected["val_psnr_bicubic"]

    train(_task(data_dir, clip, val_crop=64), LoopConfig(**cfg), tmp_path / "fresh", log=lambda *_: None)
    assert [r["step"] for r in _records(tmp_path / "fresh") if "val_psnr" in r] == [2]  # random weights: no baseline


def test_the_train_tab_draws_a_baseline_as_a_dashed_line_and_not_the_crop(qtbot, gui_env):
    curves = TrainingCurves()
    qtbot.addWidget(curves)
    curves.add_records([{"step": 0, "val_psnr": 33.44, "val_psnr_bicubic": 34.68, "val_crop": 192},
                        {"step": 500, "val_psnr": 33.46, "val_psnr_bicubic": 34.68, "val_crop": 192},
                        {"step": 500, "val_psnr_blend": 30.0}])
    assert "val_crop" not in curves.series
    assert curves.series["val_psnr_bicubic"] == ([0, 500], [34.68, 34.68])
    style = {key: curves.curves[key].opts["pen"].style() for key in curves.curves}
    assert style == {"val_psnr": Qt.PenStyle.SolidLine, "val_psnr_bicubic": Qt.PenStyle.DashLine,
                     "val_psnr_blend": Qt.PenStyle.DashLine}
    named = {name.text for _, name in curves.legends[curves.val_plot].items}
    assert named == {"val_psnr", "val_psnr_bicubic", "val_psnr_blend"}


def test_a_run_that_ends_below_the_score_it_started_from_says_so(tmp_path):
    """Every fine-tune of a tester's lost ground (27.97 -> 27.60 dB), and the run ended as if it had gone well."""
    from vsr_app.distill.runs import VALIDATED_ON
    from vsr_app.distill.train import _worse_than_start

    clips = {VALIDATED_ON: [str(tmp_path / "held.mp4")]}
    (tmp_path / "metrics.jsonl").write_text(json.dumps({"step": 0, "val_psnr": 27.974, **clips}) + "\n"
                                            + json.dumps({"step": 5, "loss": 0.1}) + "\n")
    said = _worse_than_start(tmp_path, {"step": 60, "val_psnr": 27.601, **clips})
    assert said.startswith("the run ends at val_psnr 27.60 dB, below 27.97 dB, the score of the weights it started "
                           "from (step 0)")
    assert _worse_than_start(tmp_path, {"step": 60, "val_psnr": 28.1, **clips}) is None  # it gained
    other = {VALIDATED_ON: [str(tmp_path / "other.mp4")]}  # scores of other clips compare with nothing
    assert _worse_than_start(tmp_path, {"step": 60, "val_psnr": 20.0, **other}) is None


def test_several_clips_are_scored_as_eval_scores_a_folder_of_them(data_dir, clip, tmp_path):
    """Over all frames at once, two clips of 20 and 12 frames read 26.40 where eval said 25.91: each clip's mean,
    then their mean."""
    import shutil

    folder = tmp_path / "two"
    shutil.copytree(clip, folder / "a")
    (folder / "b").mkdir()
    for i, frame in enumerate(_frames(clip)[:2, :, ::-1]):  # a shorter, other clip: the mirrored first two frames
        cv2.imwrite(str(folder / "b" / f"{i:03d}.png"), np.ascontiguousarray(frame[..., ::-1]))
    task = _task(data_dir, clip, val=[str(folder / "a"), str(folder / "b")], val_crop=0)
    with torch.no_grad():
        scores = task.validate()
        alone = [_task(data_dir, clip, val=[str(folder / name)], val_crop=0).validate() for name in "ab"]
    expected = eval_vsr("bicubic", folder, device="cpu")["mean"]["psnr_y"]
    assert scores["val_psnr_bicubic"] == pytest.approx(expected, abs=1e-9)
    assert scores["val_psnr"] == pytest.approx(np.mean([one["val_psnr"] for one in alone]), abs=1e-9)
