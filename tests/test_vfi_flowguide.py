"""Flow-guided warm-up of the interpolation heads and per-scale kernel sizes."""

import numpy as np
import torch

from vsr_app.distill.flowguide import flow_guide_loss, middle_flows, warmup_weight
from vsr_app.models import build_arch
from vsr_app.nets.vfi_teacher import VFINet, deformable_warp, mean_displacement


def _displacements_for(flow: torch.Tensor) -> list[torch.Tensor]:
    """What a perfect set of heads would report for a constant flow [N,2,2,H,W]."""
    n, _, _, h, w = flow.shape
    out = []
    for s in (0.5, 1.0, 2.0):
        hs, ws = int(h * s), int(w * s)
        out.append(flow[..., :1, :1].expand(n, 2, 2, hs, ws) * s)
    return out


def test_flow_loss_is_zero_when_displacements_match_and_grows_with_the_error():
    flow = torch.zeros(2, 2, 2, 16, 16)
    flow[:, 0, 0] = 1.5  # t0: 1.5 px right
    flow[:, 1, 1] = -2.0  # t1: 2 px up
    disp = _displacements_for(flow)
    assert float(flow_guide_loss(disp, flow)) < 1e-6
    errors = []
    for err in (0.5, 1.0, 2.0):
        off = [d + err * s for d, s in zip(disp, (0.5, 1.0, 2.0))]  # err full-res px at every scale
        errors.append(float(flow_guide_loss(off, flow)))
    np.testing.assert_allclose(errors, [0.5, 1.0, 2.0], rtol=1e-5)


def test_mean_displacement_of_a_kernel_is_its_weighted_tap_position_plus_offset():
    k = 3
    offsets = torch.zeros(1, 2 * k * k, 4, 4)
    offsets.view(1, k * k, 2, 4, 4)[:, :, 0] = 0.7  # every tap 0.7 px right
    logits = torch.full((1, k * k, 4, 4), -30.0)
    logits[:, 5] = 30.0  # all weight on tap (row 1, col 2): base position x +1, y 0
    disp = mean_displacement(offsets, logits, k)
    torch.testing.assert_close(disp[:, 0], torch.full((1, 4, 4), 1.7))
    torch.testing.assert_close(disp[:, 1], torch.zeros(1, 4, 4))
    # and the warp samples exactly there
    img = torch.rand(1, 3, 4, 8)
    wide = torch.full((1, k * k, 4, 8), -30.0)
    wide[:, 5] = 30.0
    warped = deformable_warp(img, torch.zeros(1, 2 * k * k, 4, 8), wide, k)
    torch.testing.assert_close(warped[..., :, :6], img[..., :, 1:7])


def test_flow_warmup_gradients_reach_every_head_and_weight_decays():
    torch.manual_seed(0)
    net = VFINet(base=8, kernels=[3, 3, 1], mix=True)
    frames = torch.rand(2, 4, 3, 16, 16)
    out, aux = net(frames, return_aux=True)
    assert [tuple(d.shape) for d in aux["displacement"]] == [(2, 2, 2, 8, 8), (2, 2, 2, 16, 16), (2, 2, 2, 32, 32)]
    flow = torch.ones(2, 2, 2, 16, 16)
    flow_guide_loss(aux["displacement"], flow).backward()
    for name in ("head_h_out", "head_1_out", "head_2_out"):
        assert float(net.convs[name].weight.grad.abs().sum()) > 0, name
    assert warmup_weight(0, 0.1, 100) == 0.1 and abs(warmup_weight(50, 0.1, 100) - 0.05) < 1e-12
    assert warmup_weight(100, 0.1, 100) == 0.0 and warmup_weight(5, 0.1, 0) == 0.0


def test_reconstruction_gradients_reach_every_scale_with_the_stage1_mix():
    """The fix for the plateau: without the mix the 0.5x and 2x heads got ~1e-7 gradients."""
    torch.manual_seed(0)
    frames = torch.rand(1, 4, 3, 16, 16)
    target = torch.rand(1, 3, 16, 16)
    grads = {}
    for mix in (False, True):
        net = VFINet(base=8, kernels=[3, 3, 3], mix=mix)
        (net(frames) - target).abs().mean().backward()
        grads[mix] = {n: float(net.convs[n].weight.grad.norm()) for n in ("head_h_out", "head_1_out", "head_2_out")}
    for name in ("head_h_out", "head_2_out"):
        assert grads[True][name] > 10 * grads[False][name], (name, grads)


def test_per_scale_kernels_set_head_shapes_and_card_config_rebuilds_them():
    net = VFINet(base=8, kernels=[5, 3, 1], mix=True)
    assert net.convs["head_h_out"].out_channels == 2 * 3 * 25 + 1
    assert net.convs["head_1_out"].out_channels == 2 * 3 * 9 + 1
    assert net.convs["head_2_out"].out_channels == 4 * (2 * 3 * 1 + 1)
    twin = build_arch("vfi_stmfnet", {"base": 8, **net.arch_config()})
    assert {k: v.shape for k, v in twin.state_dict().items()} == {k: v.shape for k, v in net.state_dict().items()}
    with torch.no_grad():
        assert twin(torch.rand(1, 4, 3, 16, 24)).shape == (1, 3, 16, 24)
    # legacy cards (one `kernel`, no mix) still build the first teacher's layout
    legacy = build_arch("vfi_stmfnet", {"base": 8, "kernel": 3})
    assert legacy.kernels == (3, 3, 3) and not legacy.mix and "mix_out" not in legacy.convs


def test_middle_flows_find_a_known_shift():
    rng = np.random.default_rng(0)
    img = (rng.random((40, 200, 3)) * 255).astype(np.uint8)
    import cv2
    img = cv2.GaussianBlur(img, (0, 0), 2.0)
    clip = np.stack([img[:, 10 + 2 * t: 10 + 2 * t + 96] for t in range(7)])  # content moves 2 px/frame left
    flows = middle_flows(clip, 3, 2, 4)
    assert flows.shape == (2, 2, 40, 96)
    inner = flows[:, :, 8:-8, 8:-8]
    assert abs(float(np.median(inner[0, 0])) - 2) < 0.3 and abs(float(np.median(inner[1, 0])) + 2) < 0.3
