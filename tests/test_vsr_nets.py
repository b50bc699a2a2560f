"""VSR nets: shapes, streaming == clip forward, parameter budgets, alignment warp, shared ops."""
import pytest
import torch
import torch.nn.functional as F

from vsr_app.models import build_arch, count_params
from vsr_app.nets.ops import cat_channels, upsample_base
from vsr_app.nets.vsr_student import FEEDBACK, VSRStudent
from vsr_app.nets.vsr_teacher import VSRTeacher, flow_warp


@pytest.mark.parametrize("feedback", FEEDBACK)
def test_student_shapes_and_streaming_matches_clip_forward(feedback):
    torch.manual_seed(0)
    net = VSRStudent(channels=8, blocks=1, hr_channels=4, feedback=feedback).eval()
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


@pytest.mark.parametrize("feedback", FEEDBACK)
def test_teacher_uses_future_frames_student_does_not(feedback):
    torch.manual_seed(0)
    teacher = VSRTeacher(channels=8, blocks=1, flow_channels=8).eval()
    student = VSRStudent(channels=8, blocks=1, feedback=feedback).eval()
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


@pytest.mark.parametrize("feedback", ["frame", "residual"])
def test_feedback_student_carries_its_previous_output_folded_to_lr_size(feedback):
    torch.manual_seed(0)
    net = VSRStudent(channels=8, blocks=1, feedback=feedback).eval()
    plain = VSRStudent(channels=8, blocks=1).eval()
    assert net.feedback_in.in_channels == 3 * 16 and not net.feedback_in.weight.any()  # it starts switched off
    with torch.no_grad():
        net.feedback_in.weight.normal_(std=0.1)
        lr = torch.rand(1, 3, 5, 6)
        hr, state = net.step(lr)
        shown = hr.clamp(0, 1) - (F.interpolate(lr, scale_factor=4, mode="bilinear") if feedback == "residual" else 0)
        folded = F.pixel_unshuffle(shown, 4)
        hr.zero_()  # callers may reuse the output's memory: the state must not change with it
        assert torch.allclose(state[2], folded, atol=1e-6) and folded.abs().sum() > 0
        frame = torch.rand(2, 3, 8, 12) * 1.4 - 0.2
        for layout in (torch.contiguous_format, torch.channels_last):  # pixel_unshuffle's order, either layout
            assert torch.equal(net._fold(frame.to(memory_format=layout)), F.pixel_unshuffle(frame.clamp(0, 1), 4))
        lr = torch.rand(1, 3, 5, 6)
        other = (state[0], state[1], torch.rand_like(state[2]))
        assert not torch.allclose(net.step(lr, state)[0], net.step(lr, other)[0])  # the next step reads it


def test_flow_warp_zero_is_identity_and_integer_shift_moves_pixels():
    x = torch.rand(1, 2, 6, 7)
    assert torch.allclose(flow_warp(x, torch.zeros(1, 2, 6, 7)), x, atol=1e-6)
    flow = torch.zeros(1, 2, 6, 7)
    flow[:, 0] = 1.0  # sample one pixel to the right
    assert torch.allclose(flow_warp(x, flow)[..., :-1], x[..., 1:], atol=1e-6)


@pytest.mark.parametrize("feedback", FEEDBACK)
def test_student_state_stays_bounded_over_long_streams(feedback):
    torch.manual_seed(0)
    net = VSRStudent(channels=8, blocks=2, feedback=feedback).eval()
    with torch.no_grad():
        for p in net.parameters():
            p.mul_(3.0)  # an amplifying recurrence
        state = None
        for _ in range(100):
            _, state = net.step(torch.rand(1, 3, 6, 6), state)
    assert all(float(part.abs().max()) <= 1.0 for part in state[1:])  # hidden features, and fed-back output


def test_feedback_student_starts_as_its_plain_twin_with_the_same_seed():
    """Only the learnt use of the fed-back output tells the two apart: same init, same random numbers after."""
    torch.manual_seed(3)
    plain, after_plain = VSRStudent(channels=8, blocks=2), torch.rand(4)
    torch.manual_seed(3)
    fed, after_fed = VSRStudent(channels=8, blocks=2, feedback="residual"), torch.rand(4)
    assert torch.equal(after_plain, after_fed)
    clip = torch.rand(1, 4, 3, 6, 6)
    with torch.no_grad():
        assert torch.equal(plain(clip), fed(clip))


def test_student_refuses_an_unknown_feedback():
    with pytest.raises(ValueError, match="feedback must be one of none, frame, residual"):
        VSRStudent(feedback="hidden")


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
@pytest.mark.parametrize("shape", [(1, 3, 18, 32), (2, 3, 7, 5), (3, 1, 4, 4), (1, 3, 1, 1)])
def test_cpu_upsample_base_matches_torch_interpolate(mode, shape):
    """OpenCV does the CPU base upsample for speed: it must give torch's values, shapes and edges."""
    torch.manual_seed(0)
    lr = torch.rand(*shape)
    fast = upsample_base(lr, 4, mode)
    reference = F.interpolate(lr, scale_factor=4, mode=mode, align_corners=False)
    assert fast.shape == reference.shape
    assert torch.allclose(fast, reference, atol=1e-6, rtol=0)


def test_upsample_base_keeps_gradients_through_torch():
    lr = torch.rand(1, 3, 4, 4, requires_grad=True)
    upsample_base(lr, 4).sum().backward()
    assert lr.grad is not None and lr.grad.abs().sum() > 0


def test_cat_channels_gives_the_conv_the_same_input_under_autocast():
    conv = torch.nn.Conv2d(7, 4, 3, padding=1)
    parts = [torch.rand(1, 3, 6, 6), torch.rand(1, 4, 6, 6).bfloat16()]
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
        merged = cat_channels(parts)
        assert merged.dtype == torch.bfloat16
        assert torch.equal(conv(merged), conv(torch.cat(parts, 1)))
    assert cat_channels([torch.rand(1, 2, 3, 3)]).dtype == torch.float32  # no autocast: as they are
