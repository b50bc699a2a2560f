"""STD losses: zero for identical features, growing with the difference; Charbonnier basics."""
import torch

from vsr_app.distill.losses import attention_map, charbonnier, space_loss, time_loss
from vsr_app.nets.convlstm import ConvLSTM


def test_charbonnier_is_eps_at_zero_and_grows():
    x = torch.rand(2, 3, 8, 8)
    assert abs(float(charbonnier(x, x)) - 1e-3) < 1e-6
    assert charbonnier(x, x + 0.1) < charbonnier(x, x + 0.2)


def test_attention_map_is_unit_norm_channel_energy():
    f = torch.rand(2, 5, 4, 6, 6)
    att = attention_map(f)
    assert att.shape == (2, 5, 36)
    assert torch.allclose(att.norm(dim=-1), torch.ones(2, 5), atol=1e-5)
    # scale-invariant: a uniformly brighter feature has the same map
    assert torch.allclose(attention_map(3 * f), att, atol=1e-5)


def test_space_loss_zero_for_identical_and_grows_with_difference():
    torch.manual_seed(0)
    t = torch.rand(2, 3, 8, 16, 16)
    noise = torch.randn_like(t)
    assert float(space_loss(t, t)) < 1e-10
    losses = [float(space_loss(t + a * noise, t)) for a in (0.1, 0.3, 1.0)]
    assert 0 < losses[0] < losses[1] < losses[2]


def test_space_loss_compares_different_channel_counts():
    torch.manual_seed(0)
    t = torch.rand(1, 2, 16, 8, 8)
    same_energy = (t.pow(2).sum(2, keepdim=True) / 4).sqrt().repeat(1, 1, 4, 1, 1)  # 4 channels, same map
    assert float(space_loss(same_energy, t)) < 1e-10
    assert float(space_loss(torch.rand(1, 2, 4, 8, 8), t)) > 1e-4


def test_centred_attention_ignores_constant_channel_offsets():
    """A per-channel constant (the teacher's HR channels are mostly that) dominates the plain map, not the centred one."""
    torch.manual_seed(0)
    f = torch.randn(1, 2, 4, 8, 8)
    offset = torch.tensor([5.0, 0.0, -3.0, 0.0]).view(1, 1, 4, 1, 1)
    assert torch.allclose(attention_map(f + offset, center=True), attention_map(f, center=True), atol=1e-5)
    assert float(space_loss(f + offset, f, center=True)) < 1e-10
    assert float(space_loss(f + offset, f)) > 0.1


def test_time_loss_zero_for_identical_sequences_and_grows():
    torch.manual_seed(0)
    lstm = ConvLSTM(4, hidden=4)
    seq = torch.rand(2, 5, 4, 8, 8)
    noise = torch.randn_like(seq)
    with torch.no_grad():
        cell = lstm(seq)
        assert cell.shape == (2, 4, 8, 8)
        assert float(time_loss(cell, lstm(seq.clone()))) == 0.0
        losses = [float(time_loss(lstm(seq + a * noise), cell)) for a in (0.1, 0.5, 2.0)]
    assert 0 < losses[0] < losses[1] < losses[2]


def test_time_loss_sees_frame_order():
    torch.manual_seed(0)
    lstm = ConvLSTM(4, hidden=4)
    seq = torch.rand(1, 4, 4, 8, 8)
    with torch.no_grad():
        assert float(time_loss(lstm(seq), lstm(seq.flip(1)))) > 0
