"""Pruning keeps exactly the channels it reports, the thinner net runs, and OBProx-SG makes exact zeros."""

import pytest
import torch

from vsr_app.distill.prune import (OBProxSG, extract_pruned, make_obproxsg, nonzero_shares, prunable_weights,
                                   width_plan)
from vsr_app.models import count_params, load_model, save_model
from vsr_app.nets.vfi_teacher import VFINet


def _build(widths):
    return VFINet(widths=widths, kernel=3)


def _small_teacher(**config):
    torch.manual_seed(0)
    net = VFINet(**{"base": 8, "kernel": 3, **config})
    for name, conv in net.convs.items():  # non-trivial heads so every path carries signal
        torch.nn.init.normal_(conv.weight, std=0.1)
        torch.nn.init.normal_(conv.bias, std=0.05)
    return net.eval()


def _zero_channels(net, group_keep):
    """Zero weights and biases of every output channel a plan drops, in every conv producing it."""
    with torch.no_grad():
        for name, node in net.graph.items():
            if isinstance(node.out, str):
                drop = torch.ones(net.widths[node.out], dtype=torch.bool)
                drop[group_keep[node.out]] = False
                net.convs[name].weight[drop] = 0
                net.convs[name].bias[drop] = 0


def test_pruned_net_equals_teacher_with_dropped_channels_zeroed():
    teacher = _small_teacher()
    shares = {g: 0.5 for g in teacher.widths}
    plan = width_plan(teacher, min_width=2, shares=shares)
    for g, w in teacher.widths.items():
        assert plan.widths[g] == max(2, -(-w // 2)) == len(plan.kept[g])
        assert len(set(plan.kept[g])) == len(plan.kept[g]) and max(plan.kept[g]) < w

    student = extract_pruned(teacher, plan, _build).eval()
    assert student.widths == plan.widths
    assert count_params(student) < 0.4 * count_params(teacher)

    _zero_channels(teacher, plan.kept)
    x = torch.rand(2, 4, 3, 32, 48)
    with torch.no_grad():
        expected, got = teacher(x), student(x)
    assert got.shape == (2, 3, 32, 48)
    torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("base", [16, 48])
def test_a_pruned_card_loads_the_net_pruned_from_a_teacher_of_any_base(tmp_path, base):
    """The card lacked `base`, so it loaded at 32: a plan from a base-48 teacher was refused as out of range, one
    from a base-16 teacher scaled its correlation differently."""
    teacher = _small_teacher(base=base, corr=True)
    plan = width_plan(teacher, min_width=2, shares={g: 0.75 for g in teacher.widths})
    student = extract_pruned(teacher, plan, teacher.rebuild).eval()
    path = save_model(student, tmp_path / "pruned.safetensors", {  # as `prune vfi` writes it
        "name": "pruned", "task": "interpolate", "scale": 2, "arch": "vfi_mini",
        "config": {"widths": plan.widths, **student.arch_config()}})
    x = torch.rand(1, 4, 3, 32, 32)
    with torch.no_grad():
        torch.testing.assert_close(load_model(str(path), "cpu").net.eval()(x), student(x))


def test_plan_follows_nonzero_share_and_keeps_strongest_channels():
    teacher = _small_teacher()
    with torch.no_grad():
        w = teacher.convs["dec4"].weight  # group dec4 has 48 channels at base 8
        w[:] = 0.0
        w[[3, 7, 11, 40]] = 1.0  # 4 of 48 channels carry every non-zero weight
    plan = width_plan(teacher, min_width=2)
    assert plan.shares["dec4"] == 4 / 48
    assert plan.widths["dec4"] == 4
    assert plan.kept["dec4"] == [3, 7, 11, 40]


def test_obproxsg_zeroes_weights_exactly_and_orthant_steps_keep_signs():
    net = _small_teacher()
    opt = make_obproxsg(net, lr=0.1, lambda_=1.0, prox_steps=2, momentum=0.0)
    x = torch.rand(1, 4, 3, 16, 16)
    signs = None
    for step in range(4):
        opt.zero_grad()
        net(x).abs().mean().backward()
        if step == 2:
            signs = {n: torch.sign(w.detach().clone()) for n, w in prunable_weights(net).items()}
        opt.step()
    assert isinstance(opt, OBProxSG) and opt.in_orthant_phase
    for name, w in prunable_weights(net).items():
        new_sign = torch.sign(w.detach())
        assert torch.all((new_sign == signs[name]) | (new_sign == 0)), name  # never crosses zero
    assert min(nonzero_shares(net).values()) < 1.0
    assert all(float((b.bias != 0).float().mean()) > 0.5 for b in net.convs.values())  # biases not sparsified
