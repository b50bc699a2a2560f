"""VSR nets: shapes, streaming == clip forward, parameter budgets, alignment warp."""
import torch

from vsr_app.models import build_arch, count_params
from vsr_app.nets.vsr_student import VSRStudent
from vsr_app.nets.vsr_teacher import VSRTeacher, flow_warp


def test_student_shapes_and_streaming_matches_clip_forward():
    torch.manual_seed(0)
    net = VSRStudent(channels=8, blocks=1, hr_channels=4).eval()
    clip = torch.rand(2, 3, 3, 10, 12)
    with torch.no_grad():
        out, feats = net(clip, return_features=True)
        state, steps = None, []
        for t in range(3):
            hr, state = net.step(clip[:, t], state)
            steps.append(hr)
    assert out.shape == (2, 3, 3, 40, 48)
    assert feats.shape == (2, 3, 4, 40, 48)
    assert torch.allclose(torch.stack(steps, 1), out, atol=1e-6)


def test_teacher_shapes_features_and_flows():
    torch.manual_seed(0)
    net = VSRTeacher(channels=8, blocks=1, hr_channels=4, flow_channels=8).eval()
    clip = torch.rand(1, 4, 3, 8, 10)
    with torch.no_grad():
        out, feats, (to_next, to_prev) = net(clip, return_features=True, return_flows=True)
    assert out.shape == (1, 4, 3, 32, 40)
    assert feats.shape == (1, 4, 4, 32, 40)
    assert to_next.shape == to_prev.shape == (1, 3, 2, 8, 10)


def test_teacher_uses_future_frames_student_does_not():
    torch.manual_seed(0)
    teacher = VSRTeacher(channels=8, blocks=1, flow_channels=8).eval()
    student = VSRStudent(channels=8, blocks=1).eval()
    clip = torch.rand(1, 3, 3, 8, 8)
    changed = clip.clone()
    changed[:, 2] = torch.rand(1, 3, 8, 8)
    with torch.no_grad():
        assert not torch.allclose(teacher(clip)[:, 0], teacher(changed)[:, 0])
        assert torch.equal(student(clip)[:, 0], student(changed)[:, 0])


def test_shipped_sizes_meet_the_budget():
    student = build_arch("vsr_student", {})
    teacher = build_arch("vsr_teacher", {"channels": 64, "blocks": 7, "hr_channels": 8})
    assert count_params(student) <= 150_000
    assert count_params(teacher) >= 10 * count_params(student)


def test_flow_warp_zero_is_identity_and_integer_shift_moves_pixels():
    x = torch.rand(1, 2, 6, 7)
    assert torch.allclose(flow_warp(x, torch.zeros(1, 2, 6, 7)), x, atol=1e-6)
    flow = torch.zeros(1, 2, 6, 7)
    flow[:, 0] = 1.0  # sample one pixel to the right
    assert torch.allclose(flow_warp(x, flow)[..., :-1], x[..., 1:], atol=1e-6)


def test_student_state_stays_bounded_over_long_streams():
    torch.manual_seed(0)
    net = VSRStudent(channels=8, blocks=2).eval()
    with torch.no_grad():
        for p in net.parameters():
            p.mul_(3.0)  # an amplifying recurrence
        state = None
        for _ in range(100):
            _, state = net.step(torch.rand(1, 3, 6, 6), state)
    assert float(state[1].abs().max()) <= 1.0
