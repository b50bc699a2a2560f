"""`vsr-app eval vfi` on tiny generated sequences: the JSON contract, the frame protocol and the baselines."""

import json

import cv2
import numpy as np
import pytest
import torch

from vsr_app.cli import main
from vsr_app.eval_protocol import vfi_context
from vsr_app.evaluate import eval_vfi
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
    assert set(out) == {"model", "params", "sequences", "mean", "data", "device", "precision", "app_version"}
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


def test_frames_not_halfway_in_time_between_their_neighbours_are_said(tmp_path):
    """A phone's variable frame rate (a frame 1/60 s after the last, the next 1/20 s after it) puts frames off the
    midpoint a VFI model is asked for, and eval vfi scored them without a word; eval vsr has no midpoints to tell of."""
    from videogen import make_video

    from vsr_app.evaluate import eval_vsr

    times = [0.0, 0.017, 0.067, 0.1, 0.133, 0.183, 0.2, 0.233, 0.267]  # 1 and 5 at 25% and 75% of their gap
    phone = make_video(tmp_path / "phone.mp4", frames=len(times), times=times)
    assert eval_vfi("blend", phone)["notes"] == [
        "phone: uneven frame times: 2 of 4 scored frames are not halfway between their neighbours in time (at 25-75% "
        "of the gap: a variable frame rate, or frames missing), so a midpoint model is judged on frames it was not "
        "asked for"]
    assert "notes" not in eval_vsr("bicubic", phone)


@pytest.mark.parametrize("fps", [30000 / 1001, 960])
def test_a_steady_rate_kept_in_whole_milliseconds_is_not_uneven(tmp_path, fps):
    """29.97 fps in milliseconds steps 33 and 34 ms; a 960 fps slow-motion clip's steps of 1 and 2 ms put frame 13
    0.5 ms off the middle of its 3 ms gap, more than a tenth of it."""
    from videogen import make_video

    times = [round(i * 1000 / fps) / 1000 for i in range(19)]
    result = eval_vfi("blend", make_video(tmp_path / "steady.mkv", frames=19, fps=round(fps), times=times))
    assert not [note for note in result.get("notes", []) if "uneven frame times" in note]  # (its grey wraps: a cut)


@pytest.fixture(scope="module")
def four_frame(tmp_path_factory):
    """A tiny random 4-frame net (the shipped models' architecture) and a 'long' sequence (12 frames) with a 'short'
    one (4) beside it. Its weights are jittered: a fresh net's near-identity start gave the same 8-bit frame whatever
    its outer frames were."""
    root = tmp_path_factory.mktemp("vfi4")
    torch.manual_seed(0)
    config = {"base": 8, "kernel": 3}
    net = VFINet(**config)
    with torch.no_grad():
        for weights in net.parameters():
            weights += 0.05 * torch.randn_like(weights)
    path = save_model(net, root / "tiny.safetensors",
                      {"name": "tiny-vfi", "task": "interpolate", "scale": 2, "arch": "vfi_stmfnet", "config": config})
    _write_seq(root / "data" / "long", [_moving_square(t) for t in range(12)])
    _write_seq(root / "data" / "short", [_moving_square(t) for t in range(4)])
    return str(path), root / "data"


@pytest.mark.parametrize("frames, read", [(5, 7), (6, 7), (7, 9), (10, 11)])
def test_a_four_frame_model_cut_short_by_frames_scores_its_frames_as_a_whole_run_does(four_frame, frames, read):
    """--frames N fed the last frames predicted a repeated frame N-1 (or N-2) for i+3, where a run on the whole
    sequence feeds the real frame: their scores differed. It now reads the frames after the first N they are fed,
    unscored, and predicts the same frames as before."""
    model, data = four_frame
    whole = eval_vfi(model, data, device="cpu")["sequences"]["long"]["per_frame"]
    cut = eval_vfi(model, data, frames=frames, device="cpu")
    seq = cut["sequences"]["long"]
    assert [f["frame"] for f in seq["per_frame"]] == [f"{i:03d}.png" for i in range(1, frames - 1, 2)]  # as before
    assert seq["per_frame"] == whole[:len(seq["per_frame"])]  # exactly: the same frames fed
    assert seq["frames_read"] == read and cut["sequences"]["short"]["frames_read"] == 4
    assert cut["notes"][1] == (
        f"--frames {frames} cut long short, and the model looks at later frames too (fed frames i-3, i-1, i+1, i+3 "
        f"to predict frame i): up to {read - frames} frame{'s' * (read - frames > 1)} after the first {frames} were "
        f"read as its context, not scored, so the scores are those of a run on the whole sequence")
    even = [note for note in cut["notes"] if note.startswith("not scored")]
    assert even == ([f"not scored: each sequence's last frame (an even number of frames read, or an even --frames "
                     f"{frames}, the context read after it unscored): an odd frame is predicted from the frames on "
                     f"either side, and it has none after it"] if frames % 2 == 0 else
                    ["not scored: the last frame of short (an even number of frames read): an odd frame is predicted "
                     "from the frames on either side, and it has none after it"])
