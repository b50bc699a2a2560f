"""`vsr-app eval vfi` on tiny generated sequences: the JSON contract, the frame protocol and the baselines."""

import json

import cv2
import numpy as np
import pytest

from vsr_app.cli import main
from vsr_app.evaluate import eval_vfi, vfi_context
from vsr_app.models import save_model
from vsr_app.nets.vfi_teacher import VFINet


def _moving_square(t: int, size=(48, 64)) -> np.ndarray:
    img = np.full((*size, 3), 40, np.uint8)
    x = 10 + 2 * t
    img[16:32, x:x + 16] = (200, 120, 60)
    return img


def _write_seq(folder, frames):
    folder.mkdir(parents=True)
    for i, f in enumerate(frames):
        cv2.imwrite(str(folder / f"{i:03d}.png"), cv2.cvtColor(f, cv2.COLOR_RGB2BGR))


@pytest.fixture
def vfi_data(tmp_path):
    root = tmp_path / "vfi"
    _write_seq(root / "triplet", [_moving_square(t) for t in range(3)])
    _write_seq(root / "longer", [_moving_square(t) for t in range(7)])
    return root


def test_context_follows_the_protocol():
    assert vfi_context(1, 3, 2) == [0, 2]
    assert vfi_context(1, 3, 4) == [0, 0, 2, 2]  # a triplet: ends repeated
    assert vfi_context(3, 9, 4) == [0, 2, 4, 6]
    assert vfi_context(5, 7, 4) == [2, 4, 6, 6]
    assert vfi_context(3, 6, 4) == [0, 2, 4, 4]  # frame 5 is never an input: nearest even is 4


def test_eval_vfi_json_contract(vfi_data, capsys):
    assert main(["eval", "vfi", "--model", "blend", "--data", str(vfi_data), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    # the contract's, and what was scored and how
    assert set(out) == {"model", "params", "sequences", "mean", "data", "device", "precision"}
    assert out["model"] == "blend" and out["params"] == 0 and out["data"] == str(vfi_data.resolve())
    assert set(out["sequences"]) == {"triplet", "longer"}
    for scores in [*out["sequences"].values(), out["mean"]]:
        assert {"psnr_y", "ssim_y"} <= set(scores) <= {"psnr_y", "ssim_y", "frames", "frames_read", "per_frame"}
        assert 10 < scores["psnr_y"] < 60 and 0 < scores["ssim_y"] <= 1
    assert set(out["mean"]) == {"psnr_y", "ssim_y"}
    assert {name: sc["frames"] for name, sc in out["sequences"].items()} == {"triplet": 1, "longer": 3}  # predicted
    seqs = out["sequences"]
    assert out["mean"]["psnr_y"] == pytest.approx((seqs["triplet"]["psnr_y"] + seqs["longer"]["psnr_y"]) / 2)


def test_frames_option_keeps_the_first_frames(vfi_data):
    full = eval_vfi("blend", vfi_data / "longer")
    first3 = eval_vfi("blend", vfi_data / "longer", frames=3)
    triplet = eval_vfi("blend", vfi_data / "triplet")
    # the first 3 frames of "longer" are the triplet: same score; the full sequence averages 3 predictions
    assert first3["mean"] == pytest.approx(triplet["mean"])
    assert full["mean"]["psnr_y"] == pytest.approx(first3["mean"]["psnr_y"])  # same motion everywhere


def test_flow_baseline_beats_blend_on_motion(vfi_data):
    blend = eval_vfi("blend", vfi_data)["mean"]["psnr_y"]
    flow = eval_vfi("opencv-flow", vfi_data)["mean"]["psnr_y"]
    assert flow > blend + 3


def test_four_frame_net_from_a_weights_file(vfi_data, tmp_path):
    net = VFINet(base=8, kernel=3)
    path = save_model(net, tmp_path / "tiny.safetensors", {
        "name": "tiny-vfi", "task": "interpolate", "scale": 2, "arch": "vfi_stmfnet",
        "config": {"base": 8, "kernel": 3}})
    out = eval_vfi(str(path), vfi_data, device="cpu")
    assert out["model"] == "tiny-vfi" and out["params"] == sum(p.numel() for p in net.parameters())
    assert set(out["sequences"]) == {"triplet", "longer"}


def test_the_scored_frames_are_named_and_an_unscored_last_frame_is_said(vfi_data, capsys):
    """`--frames 6` reported "frames": 2 and nothing else: frame 5, with no frame after it, was dropped silently."""
    data = vfi_data / "longer"
    assert main(["eval", "vfi", "--model", "blend", "--data", str(data), "--frames", "6", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    seq = out["sequences"]["longer"]
    assert [f["frame"] for f in seq["per_frame"]] == ["001.png", "003.png"]  # the predicted frames, by file name
    assert seq["frames"] == 2 and seq["frames_read"] == 6
    assert seq["psnr_y"] == pytest.approx(sum(f["psnr_y"] for f in seq["per_frame"]) / 2)
    assert out["notes"] == ["not scored: the last frame of longer (an even number of frames read): an odd frame is "
                            "predicted from the frames on either side, and it has none after it"]
    assert main(["eval", "vfi", "--model", "blend", "--data", str(data), "--frames", "6"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == f"  note: {out['notes'][0]}"
    assert main(["eval", "vfi", "--model", "blend", "--data", str(data), "--frames", "7", "--json"]) == 0
    assert "notes" not in json.loads(capsys.readouterr().out)  # every frame read was scored or an input
