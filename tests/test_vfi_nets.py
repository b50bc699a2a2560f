"""Shapes and contract of the interpolation nets (teacher and pruned student share one class)."""

import torch

from vsr_app.models import build_arch, count_params
from vsr_app.nets.ops import conv3d
from vsr_app.nets.vfi_teacher import VFINet, default_widths, deformable_warp


def test_teacher_shapes_and_contract():
    net = VFINet(base=8, kernel=3).eval()
    assert net.num_inputs == 4 and net.size_multiple == 8
    x = torch.rand(2, 4, 3, 32, 48)
    with torch.no_grad():
        out = net(x)
    assert out.shape == (2, 3, 32, 48) and torch.isfinite(out).all()


def test_fresh_net_starts_close_to_a_blend_of_the_central_frames():
    """Heads start at zero offsets/residuals: the first output is a (locally averaged) blend, not noise."""
    torch.manual_seed(0)
    net = VFINet(base=8, kernel=3).eval()
    x = torch.full((1, 4, 3, 32, 32), 0.25)
    x[:, 2] = 0.75
    with torch.no_grad():
        out = net(x)
    assert torch.allclose(out, torch.full_like(out, 0.5), atol=0.02)


def test_default_teacher_size_is_a_few_million_params():
    n = count_params(VFINet())
    assert 1_000_000 < n < 5_000_000


def test_student_arch_rebuilds_from_a_width_plan():
    widths = {g: max(2, w // 4) for g, w in default_widths(32).items()}
    net = build_arch("vfi_mini", {"widths": widths, "kernel": 5})
    assert net.widths == widths
    assert count_params(net) < 0.1 * count_params(VFINet())
    with torch.no_grad():
        assert net(torch.rand(1, 4, 3, 16, 16)).shape == (1, 3, 16, 16)


def test_deformable_warp_with_integer_offsets_shifts_the_image():
    torch.manual_seed(0)
    img = torch.rand(1, 3, 12, 12)
    offsets = torch.zeros(1, 2, 12, 12)
    offsets[:, 0] = 2.0  # sample 2 px to the right
    out = deformable_warp(img, offsets, torch.zeros(1, 1, 12, 12), k=1)
    torch.testing.assert_close(out[..., :, :10], img[..., :, 2:])


def test_warp_keeps_float32_coordinates_under_bf16_autocast():
    """bf16 coordinates would be off by pixels on wide frames; the warp must ignore autocast."""
    torch.manual_seed(0)
    img = torch.rand(1, 3, 8, 640)
    offsets = torch.full((1, 2, 8, 640), 0.3)
    logits = torch.zeros(1, 1, 8, 640)
    exact = deformable_warp(img, offsets, logits, k=1)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        mixed = deformable_warp(img, offsets.bfloat16(), logits, k=1)
    assert mixed.dtype == torch.float32
    torch.testing.assert_close(mixed, exact, atol=2e-3, rtol=0)


def _ops_run(fn) -> set[str]:
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU]) as prof:
        fn()
    return {event.key for event in prof.key_averages()}


def test_float32_inference_3d_convs_skip_torchs_slow_kernel():
    """A one-clip batch of narrow maps (14 ch x 5 frames x 180 rows) fell to slow_conv3d_forward, 10x slower."""
    torch.manual_seed(0)
    conv = torch.nn.Conv3d(14, 8, 3, padding=1)
    x = torch.randn(1, 14, 5, 180, 32)
    with torch.no_grad():
        assert "aten::slow_conv3d_forward" in _ops_run(lambda: conv(x))  # the case it exists for
        assert "aten::slow_conv3d_forward" not in _ops_run(lambda: conv3d(conv, x))
        torch.testing.assert_close(conv3d(conv, x), conv(x), atol=1e-4, rtol=1e-4)
    strided = torch.nn.Conv3d(8, 6, 3, stride=(1, 2, 2), padding=(0, 1, 1))
    with torch.no_grad():
        y = torch.randn(1, 8, 5, 40, 30)
        torch.testing.assert_close(conv3d(strided, y), strided(y), atol=1e-4, rtol=1e-4)
    out = conv3d(conv, x.requires_grad_())  # training keeps torch's own path, with its gradients
    out.sum().backward()
    assert x.grad is not None and conv.weight.grad is not None

