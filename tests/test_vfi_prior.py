"""The interpolation nets' motion priors (block matching, DIS) and the net options that pick one."""

import json

import cv2
import numpy as np
import pytest
import torch

from vsr_app.distill.vfi_task import student_or_teacher_net
from vsr_app.models import build_arch, save_model
from vsr_app.nets.motion_prior import block_match_flow, dis_prior, motion_prior
from vsr_app.nets.vfi_teacher import VFINet


def _moving_pair():
    """t0 -> t1: content moves 6 px right and 2 px down, so the middle frame sees d = (+3, +1) towards t1."""
    rng = np.random.default_rng(1)
    img = cv2.GaussianBlur((rng.random((64, 160, 3)) * 255).astype(np.uint8), (0, 0), 1.5)
    t = torch.from_numpy(img).permute(2, 0, 1).float()[None] / 255
    return t[..., 10:42, 20:100], t[..., 8:40, 14:94]


@pytest.mark.parametrize("prior", [block_match_flow, dis_prior])
def test_prior_finds_a_straight_motion_through_the_middle(prior):
    i0, i1 = _moving_pair()
    d = prior(i0, i1)
    assert d.shape == (1, 3, 32, 80)
    inner = d[0, :, 8:-8, 12:-12]
    assert abs(float(inner[0].median()) - 3) < 0.5 and abs(float(inner[1].median()) - 1) < 0.5
    # the cost channel is the matching error along d: well below the error of assuming no motion
    no_motion = (i0.mean(1) - i1.mean(1)).abs()[0, 8:-8, 12:-12]
    assert float(inner[2].mean()) < 0.5 * float(no_motion.mean())


def test_unknown_prior_is_refused():
    i0, i1 = _moving_pair()
    with pytest.raises(ValueError, match="unknown motion prior"):
        motion_prior(i0, i1, "optical")
    with pytest.raises(ValueError, match="unknown motion prior"):
        VFINet(base=8, bm_prior=True, prior="optical")


def test_card_config_keeps_the_prior_and_old_cards_mean_block_matching():
    net = VFINet(base=8, kernels=[3, 3, 1], mix=True, bm_prior=True, prior="dis")
    assert net.arch_config()["prior"] == "dis"
    assert build_arch("vfi_stmfnet", {"base": 8, **net.arch_config()}).prior == "dis"
    assert net.rebuild(net.widths).prior == "dis"  # what pruning builds reads the same prior
    legacy = {k: v for k, v in net.arch_config().items() if k != "prior"}
    assert build_arch("vfi_stmfnet", {"base": 8, **legacy}).prior == "block"


def test_a_run_can_switch_the_prior_of_the_net_it_starts_from(tmp_path):
    net = VFINet(base=8, kernels=[3, 3, 1], mix=True, bm_prior=True, prior="block")
    path = save_model(net, tmp_path / "start", {"arch": "vfi_stmfnet", "config": {"base": 8, **net.arch_config()},
                                                "task": "interpolate", "scale": 2})
    switched, arch = student_or_teacher_net({"init_from": str(path), "prior": "dis"})
    assert switched.prior == "dis" and arch["config"]["prior"] == "dis"
    kept, _ = student_or_teacher_net({"init_from": str(path)})
    assert kept.prior == "block"
    assert json.loads(path.with_suffix(".json").read_text())["config"]["prior"] == "block"  # the source card is untouched
    fresh, _ = student_or_teacher_net({"base": 8})
    assert fresh.prior == "dis"  # new nets start from the better prior


def test_training_step_under_bf16_autocast_survives_large_crops():
    """torch 2.13's CPU bf16 Conv3d weight gradient corrupts the heap on ~88 px frames and up (the process
    dies in backward); the net trains its Stage-II 3D convs in fp32 instead."""
    torch.manual_seed(0)
    net = VFINet(base=8, kernels=[3, 3, 1], mix=True, corr=True, coarse_flow=True, bm_prior=True).train()
    x = torch.rand(2, 4, 3, 96, 96)
    for _ in range(2):
        with torch.autocast("cpu", dtype=torch.bfloat16):
            out = net(x)
        out.float().mean().backward()
    grads = [p.grad for n, p in net.named_parameters() if n.startswith("convs.s3d")]
    assert grads and all(g is not None and torch.isfinite(g).all() for g in grads)


def test_dis_flow_works_on_frames_a_few_pixels_high():
    """OpenCV's DIS crashed the process (SIGSEGV) on frames 12-15 px high and about 40 px wide or more, which a
    strip-shaped video reached through the student's padding: run in a child process, so a crash fails only this."""
    import subprocess
    import sys

    code = ("import numpy as np; from vsr_app.nets.motion_prior import dis_flow\n"
            "for h, w in [(12, 40), (15, 200), (8, 320), (1, 40), (13, 13)]:\n"
            "    a = np.random.default_rng(h).integers(0, 255, (h, w, 3), dtype=np.uint8)\n"
            "    assert dis_flow(a, a[:, ::-1].copy()).shape == (h, w, 2)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_prior_scripts_border_refuses_a_negative_count(capsys):
    """`--border -4` cropped the frames instead of padding them, then failed on the first frame with a traceback
    (its 4x4 "prediction" against the whole truth)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "scripts" / "vfi_prior_eval.py"
    spec = importlib.util.spec_from_file_location("vfi_prior_eval", path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    with pytest.raises(SystemExit) as refused:
        script.main(["../shared/data/eval/vfi_middlebury", "--border", "-4"])
    assert refused.value.code == 2
    assert "argument --border: must be 0 or more pixels, not -4" in capsys.readouterr().err
