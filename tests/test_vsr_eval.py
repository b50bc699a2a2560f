"""`eval vsr`: the contract's protocol (crop to x4, MATLAB bicubic input, Y scores) and JSON shape."""
import json

import cv2
import numpy as np
import pytest
import torch

from vsr_app.cli import main
from vsr_app.distill.resize import imresize, resize_matrix
from vsr_app.eval_protocol import degrade_x4
from vsr_app.evaluate import eval_vsr


@pytest.fixture(scope="module")
def vsr_bench(tmp_path_factory):
    root = tmp_path_factory.mktemp("vid")
    rng = np.random.default_rng(0)
    for name, n in (("alpha", 3), ("beta", 2)):
        (root / name).mkdir()
        base = cv2.resize(rng.integers(0, 256, (12, 14, 3), dtype=np.uint8), (58, 50), interpolation=cv2.INTER_CUBIC)
        for i in range(n):
            cv2.imwrite(str(root / name / f"{i:03d}.png"), np.roll(base, i, axis=1))
    return root


def test_degradation_crops_to_multiple_of_four_and_shrinks_x4():
    frame = np.random.default_rng(1).integers(0, 256, (50, 58, 3), dtype=np.uint8)
    gt, lr = degrade_x4(frame)
    assert gt.shape == (48, 56, 3) and lr.shape == (12, 14, 3) and lr.dtype == np.uint8
    assert np.array_equal(gt, frame[:48, :56])


def test_matlab_bicubic_weights_are_antialiased_and_keep_flat_images():
    m = resize_matrix(16, 4)
    assert np.allclose(m.sum(1), 1.0)
    assert (np.count_nonzero(m, axis=1) > 4).all()  # kernel widened x4 when shrinking (antialias)
    flat = torch.full((1, 3, 16, 16), 0.25)
    assert torch.allclose(imresize(flat, (4, 4)), torch.full((1, 3, 4, 4), 0.25), atol=1e-6)


def test_eval_vsr_bicubic_scores_every_sequence_with_frame_limit(vsr_bench):
    result = eval_vsr("bicubic", vsr_bench, frames=2, device="cpu")
    assert set(result) == {"model", "params", "sequences", "mean", "data", "frames_limit", "device", "precision",
                           "app_version"}  # a built-in has no weights file to hash, nor clip chunks
    assert result["data"] == str(vsr_bench.resolve()) and result["frames_limit"] == 2
    assert set(result["sequences"]) == {"alpha", "beta"}
    assert [sc["frames"] for sc in result["sequences"].values()] == [2, 2]
    for sc in [*result["sequences"].values(), result["mean"]]:
        assert 10 < sc["psnr_y"] < 60 and 0 < sc["ssim_y"] <= 1
    means = [v["psnr_y"] for v in result["sequences"].values()]
    assert result["mean"]["psnr_y"] == pytest.approx(sum(means) / 2)


def test_cli_eval_vsr_json(vsr_bench, capsys):
    assert main(["eval", "vsr", "--model", "bicubic", "--data", str(vsr_bench), "--frames", "1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["model"] == "bicubic" and out["params"] == 0 and set(out["mean"]) == {"psnr_y", "ssim_y"}


def test_json_names_each_scored_frame_with_its_scores(vsr_bench, capsys):
    assert main(["eval", "vsr", "--model", "bicubic", "--data", str(vsr_bench), "--json"]) == 0
    seqs = json.loads(capsys.readouterr().out)["sequences"]
    assert {name: [f["frame"] for f in sc["per_frame"]] for name, sc in seqs.items()} == {
        "alpha": ["000.png", "001.png", "002.png"], "beta": ["000.png", "001.png"]}
    for sc in seqs.values():
        assert sc["psnr_y"] == pytest.approx(np.mean([f["psnr_y"] for f in sc["per_frame"]]))
        assert sc["ssim_y"] == pytest.approx(np.mean([f["ssim_y"] for f in sc["per_frame"]]))
    assert len({f["psnr_y"] for f in seqs["alpha"]["per_frame"]}) == 3  # each frame's own score


def test_frames_beyond_a_sequence_s_length_is_said(vsr_bench, capsys):
    """`--frames 1000` on 41-frame sequences was recorded as frames_limit 1000 without a word."""
    assert main(["eval", "vsr", "--model", "bicubic", "--data", str(vsr_bench), "--frames", "3"]) == 0
    note = "  note: --frames 3 is longer than beta (2 frames): it was used whole"
    assert capsys.readouterr().out.splitlines()[-1] == note
    assert main(["eval", "vsr", "--model", "bicubic", "--data", str(vsr_bench), "--frames", "50", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["notes"] == [
        "--frames 50 is longer than every sequence: each was used whole (alpha (3 frames), beta (2 frames))"]


def test_cli_eval_vsr_missing_folder_is_a_user_error(tmp_path, capsys):
    assert main(["eval", "vsr", "--model", "bicubic", "--data", str(tmp_path / "nope")]) == 1
    assert "not found" in capsys.readouterr().err


def test_a_file_named_like_a_built_in_model_is_reported_under_its_path(vsr_bench, tmp_path, capsys):
    """A user's net saved as bicubic.safetensors was scored as "model": "bicubic", the built-in's name."""
    from vsr_app.models import build_arch, save_model

    config = {"channels": 4, "blocks": 1, "hr_channels": 2}
    own = str(save_model(build_arch("vsr_student", config), tmp_path / "bicubic.safetensors",
                         {"task": "upscale", "scale": 4, "arch": "vsr_student", "config": config}))
    assert main(["eval", "vsr", "--model", own, "--data", str(vsr_bench), "--frames", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["model"] == own


def test_a_card_whose_name_is_not_text_is_reported_under_its_path(vsr_bench, tmp_path, capsys):
    """A hand-edited card ("name": ["x"]) made eval fail with a traceback after scoring every sequence."""
    from vsr_app.models import build_arch, save_model

    config = {"channels": 4, "blocks": 1, "hr_channels": 2}
    own = save_model(build_arch("vsr_student", config), tmp_path / "odd.safetensors",
                     {"task": "upscale", "scale": 4, "arch": "vsr_student", "config": config})
    card = own.with_suffix(".json")
    card.write_text(json.dumps({**json.loads(card.read_text()), "name": ["x"]}))
    assert main(["eval", "vsr", "--model", str(own), "--data", str(vsr_bench), "--frames", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["model"] == str(own)


def _long_stream_bench():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "benchmarks" / "vsr_long_stream.py"
    spec = importlib.util.spec_from_file_location("vsr_long_stream", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_long_stream_bench_plays_forward_and_back():
    bench = _long_stream_bench()
    assert bench.ping_pong([1, 2, 3], 2) == [1, 2, 3, 3, 2, 1, 1, 2, 3, 3, 2, 1]
    assert bench.ping_pong([1, 2, 3], 0) == [1, 2, 3]


def test_long_stream_bench_restarts_the_state_only_where_asked(vsr_bench):
    from vsr_app.sequences import read_frames
    from vsr_app.inference import make_upscaler
    from vsr_app.models import load_model

    bench = _long_stream_bench()
    engine = make_upscaler(load_model("vsr-x4-student", "cpu"), "cpu")
    pairs = [degrade_x4(f) for f in read_frames(vsr_bench / "alpha")]
    carried, whole = bench.carried_and_restarted(engine, pairs, starts=[0])
    assert np.array_equal(carried, whole)  # one window: the same run twice
    carried, every = bench.carried_and_restarted(engine, pairs, starts=list(range(len(pairs))))
    assert carried[0] == every[0] and not np.array_equal(carried[1:], every[1:])  # a fresh state from frame 1 on


def test_long_stream_bench_finds_the_shots_as_the_export_does():
    bench = _long_stream_bench()
    still, other = np.full((32, 32, 3), 40, np.uint8), np.full((32, 32, 3), 200, np.uint8)
    assert bench.cut_starts([still] * 5 + [other] * 5) == [0, 5]
    assert bench.cut_starts([still] * 6) == [0]
