"""VSR nets: shapes, streaming == clip forward, parameter budgets, alignment warp, shared ops."""
import threading

import cv2
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from vsr_app.models import build_arch, count_params
from vsr_app.nets.motion_prior import dis_flow
from vsr_app.nets.ops import cat_channels, flow_warp, input_layout, upsample_base
from vsr_app.nets.vsr_student import VSRStudent
from vsr_app.nets.vsr_teacher import VSRTeacher


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


def test_aligned_student_starts_as_its_plain_twin_and_warps_what_it_carries():
    """align "dis" adds no parameters (same init, same random numbers after); a panned frame's predecessor and state
    come back onto it."""
    torch.manual_seed(3)
    plain, after_plain = VSRStudent(channels=8, blocks=1), torch.rand(4)
    torch.manual_seed(3)
    aligned, after_aligned = VSRStudent(channels=8, blocks=1, align="dis"), torch.rand(4)
    assert torch.equal(after_plain, after_aligned)
    assert all(torch.equal(a, b) for a, b in zip(plain.parameters(), aligned.parameters(), strict=True))
    assert aligned.working_memory[1] > plain.working_memory[1]  # the warp's float32 copies are counted
    frame = F.avg_pool2d(torch.rand(1, 3, 40, 60), 3, 1, 1)
    panned = torch.roll(frame, 2, 3)  # the scene moves 2 px right
    hidden = F.avg_pool2d(torch.rand(1, 8, 40, 60), 3, 1, 1)
    prev, state = aligned._aligned(panned, frame, hidden)
    inner = (..., slice(5, -5), slice(5, -5))
    assert (prev - panned)[inner].abs().mean() < 0.1 * (frame - panned)[inner].abs().mean()
    rolled = torch.roll(hidden, 2, 3)
    assert (state - rolled)[inner].abs().mean() < 0.02 * (hidden - rolled)[inner].abs().mean()
    with torch.no_grad():
        first, plain_state = plain.step(frame)
        first_aligned, aligned_state = aligned.step(frame)
        assert torch.equal(first, first_aligned)  # the first frame has nothing to align: the plain net's output
        # the second step is the plain net's on the warped frame and state, not its own
        warped = aligned._aligned(panned, *aligned_state)
        second = aligned.step(panned, aligned_state)[0]
        assert torch.allclose(second, plain.step(panned, warped)[0], atol=1e-6)
        assert not torch.allclose(second, plain.step(panned, plain_state)[0], atol=1e-3)


def test_aligned_student_finds_a_small_objects_motion_on_a_whole_frame():
    """Over 128 px DIS's fast preset stops at a quarter of the resolution and misses a 16-px object's 2-px move,
    which the 32-px training crops (full resolution there) always caught: the student asks for full resolution."""
    rng = np.random.default_rng(0)
    background = cv2.GaussianBlur((rng.random((160, 200)) * 255).astype(np.uint8), (0, 0), 1.5)
    square = cv2.GaussianBlur((rng.random((16, 16)) * 255).astype(np.uint8), (0, 0), 1)
    before, after = background.copy(), background.copy()
    before[70:86, 90:106] = square
    after[70:86, 92:108] = square  # the square moves 2 px right
    frames = [torch.from_numpy(f).float().div(255).expand(1, 3, -1, -1) for f in (before, after)]
    inside = (..., slice(72, 84), slice(94, 106))
    unaligned = (frames[0] - frames[1])[inside].abs().mean()
    for align, left in (("dis", 0.25), ("dis_half", 0.6)):  # half-size frames see an 8-px square, 1 px moved
        prev, _ = VSRStudent(channels=1, align=align)._aligned(frames[1], frames[0], torch.zeros(1, 1, 160, 200))
        assert (prev - frames[1])[inside].abs().mean() < left * unaligned, align


def test_student_refuses_an_unknown_alignment():
    with pytest.raises(ValueError, match="align must be none, dis or dis_half"):
        VSRStudent(align="spynet")


def test_flow_warp_zero_is_identity_and_integer_shift_moves_pixels():
    x = torch.rand(1, 2, 6, 7)
    assert torch.allclose(flow_warp(x, torch.zeros(1, 2, 6, 7)), x, atol=1e-6)
    flow = torch.zeros(1, 2, 6, 7)
    flow[:, 0] = 1.0  # sample one pixel to the right
    assert torch.allclose(flow_warp(x, flow)[..., :-1], x[..., 1:], atol=1e-6)


def test_fast_flow_warp_matches_the_exact_sampler_without_grad_and_leaves_training_exact():
    """OpenCV's remap (1/32-pixel sample grid) stands in for grid_sample only at inference: on a smooth image with
    sub-pixel flow, including flow off the border and a batch of two, it lands within the grid's rounding."""
    torch.manual_seed(0)
    x = F.avg_pool2d(torch.rand(2, 35, 30, 40), 5, 1, 2)
    flow = 4 * torch.randn(2, 2, 30, 40)
    with torch.no_grad():
        exact, fast = flow_warp(x, flow), flow_warp(x, flow, fast=True)
    assert fast.shape == exact.shape and fast.dtype == exact.dtype
    assert (fast - exact).abs().max() < 0.01 and not torch.equal(fast, exact)
    assert torch.equal(flow_warp(x, flow, fast=True), exact)  # grad on: the exact, differentiable sampler
    with torch.no_grad():
        assert flow_warp(x.bfloat16(), flow, fast=True).dtype == torch.bfloat16


def test_fast_flow_warp_takes_more_channels_than_opencv_remaps_at_once():
    x = F.avg_pool2d(torch.rand(1, 133, 12, 16), 3, 1, 1)  # a 130-channel student's state + its frame
    flow = torch.randn(1, 2, 12, 16)
    with torch.no_grad():
        assert (flow_warp(x, flow, fast=True) - flow_warp(x, flow)).abs().max() < 0.02


def test_a_small_frame_does_not_change_later_dis_flows():
    """DIS lowers its own finest scale for good on a frame <= 128 px; dis_flow sets it back on every call."""
    rng = np.random.default_rng(1)
    big = [cv2.GaussianBlur((rng.random((180, 320)) * 255).astype(np.uint8), (0, 0), 2) for _ in range(2)]
    small = np.ascontiguousarray(big[0][:32, :32])
    results = []

    def run(first_small: bool):  # a fresh thread: fresh DIS objects
        if first_small:
            dis_flow(small, small, cv2.DISOPTICAL_FLOW_PRESET_FAST)
        results.append(dis_flow(big[0], big[1], cv2.DISOPTICAL_FLOW_PRESET_FAST))

    for first_small in (False, True):
        thread = threading.Thread(target=run, args=(first_small,))
        thread.start()
        thread.join()
    assert np.array_equal(results[0], results[1])


def test_dis_refinement_is_a_setting_of_its_own_cached_object():
    """`refinement=0` (the aligned student's flow) skips DIS's variational refinement, and a call with the preset's
    own refinement in the same thread still gets it."""
    rng = np.random.default_rng(2)
    image = cv2.GaussianBlur((rng.random((120, 160)) * 255).astype(np.uint8), (0, 0), 2)
    moved = np.ascontiguousarray(np.roll(image, 3, axis=1))
    refined = dis_flow(image, moved, cv2.DISOPTICAL_FLOW_PRESET_FAST, finest_scale=0)
    plain = dis_flow(image, moved, cv2.DISOPTICAL_FLOW_PRESET_FAST, finest_scale=0, refinement=0)
    assert not np.array_equal(refined, plain)
    assert np.array_equal(refined, dis_flow(image, moved, cv2.DISOPTICAL_FLOW_PRESET_FAST, finest_scale=0))
    inner = (slice(20, -20), slice(20, -20), 0)
    assert abs(np.median(plain[inner]) - 3) < 0.5 and abs(np.median(refined[inner]) - 3) < 0.5

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


def test_cat_channels_fills_the_layout_a_channels_last_conv_reads():
    conv = torch.nn.Conv2d(7, 4, 3, padding=1)
    assert input_layout(conv) == torch.contiguous_format
    conv.to(memory_format=torch.channels_last)  # as the engine leaves it
    assert input_layout(conv) == torch.channels_last
    conv3 = torch.nn.Conv3d(7, 4, 3).to(memory_format=torch.channels_last_3d)  # its input stays as torch.cat builds it
    assert input_layout(conv3) == torch.contiguous_format
    parts = [torch.rand(2, 3, 6, 5), torch.rand(2, 4, 6, 5).bfloat16().contiguous(memory_format=torch.channels_last)]
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
        merged = cat_channels(parts, memory_format=input_layout(conv))
        assert merged.is_contiguous(memory_format=torch.channels_last) and not merged.is_contiguous()
        assert merged.dtype == torch.bfloat16
        assert torch.equal(merged, torch.cat(parts, 1).bfloat16())
        assert torch.equal(conv(merged), conv(cat_channels(parts)))
    merged32 = cat_channels(parts, torch.float32, torch.channels_last)
    assert merged32.dtype == torch.float32 and torch.equal(merged32, torch.cat([p.float() for p in parts], 1))
    assert cat_channels(parts[::-1], memory_format=torch.channels_last).dtype == torch.float32  # torch.cat's promotion
    with pytest.raises(ValueError, match="shapes differ"):  # no broadcasting, as torch.cat
        cat_channels([parts[0], torch.rand(1, 2, 1, 5)], memory_format=torch.channels_last)
