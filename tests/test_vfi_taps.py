"""Tap pruning keeps exactly the taps it reports and equals the net with the dropped taps switched off."""

import torch

from vsr_app.distill.taps import HEADS, _head_channels, choose_taps, prune_taps, tap_importance
from vsr_app.models import build_arch
from vsr_app.nets.vfi_teacher import VFINet


def _net():
    torch.manual_seed(0)
    net = VFINet(base=8, kernels=[3, 3, 3], mix=True, corr=True, coarse_flow=True)
    for conv in net.convs.values():  # non-trivial heads so every tap carries signal
        torch.nn.init.normal_(conv.weight, std=0.1)
        torch.nn.init.normal_(conv.bias, std=0.05)
    return net.eval()


def test_choose_taps_keeps_the_fewest_holding_the_mass():
    imp = [torch.tensor([0.05, 0.6, 0.05, 0.3]), torch.tensor([0.25, 0.25, 0.25, 0.25]), torch.tensor([1.0])]
    assert choose_taps(imp, 0.85) == [[1, 3], [0, 1, 2, 3], [0]]
    assert choose_taps(imp, 0.5) == [[1], [0, 1], [0]]


def test_pruned_taps_equal_the_net_with_those_taps_switched_off():
    net = _net()
    keep = [[0, 4, 8], [4], [1, 3, 4, 5, 7]]
    student = prune_taps(net, keep).eval()
    assert student.n_taps == (3, 1, 5) and student.taps == ((0, 4, 8), (4,), (1, 3, 4, 5, 7))
    for name, k_taps, pos, copies in zip(HEADS, net.n_taps, keep, (1, 1, 4)):
        assert student.convs[name].out_channels == copies * (6 * len(pos) + 1)
    # the reference: the same net, with every dropped tap's logit pinned far below the others
    with torch.no_grad():
        for name, k_taps, pos, copies in zip(HEADS, net.n_taps, keep, (1, 1, 4)):
            conv = net.convs[name]
            for j in set(range(k_taps)) - set(pos):
                for ch in (4 * k_taps + j, 5 * k_taps + j):
                    rows = [copies * ch + i for i in range(copies)]
                    conv.weight[rows] = 0
                    conv.bias[rows] = -1e4
    x = torch.rand(2, 4, 3, 16, 24)
    with torch.no_grad():
        torch.testing.assert_close(student(x), net(x), rtol=1e-4, atol=1e-5)
    # the card config rebuilds it
    twin = build_arch("vfi_mini", {"widths": student.widths, "base": 8, **student.arch_config()})
    twin.load_state_dict(student.state_dict())


def test_tap_importance_averages_softmax_weights():
    net = _net()
    batches = [{"frames": torch.rand(1, 4, 3, 16, 16)} for _ in range(2)]
    imp = tap_importance(net, batches, 2)
    assert [len(i) for i in imp] == [9, 9, 9]
    for i in imp:
        assert abs(float(i.sum()) - 1) < 1e-4
    assert _head_channels(2, [1]) == [2, 3, 6, 7, 9, 11, 12]
