"""The training loop's optimiser step (`train._optimiser_step`): a nan/inf loss skips it with the weights kept, a
finite one steps on clipped gradients and reports their norm before clipping (the metrics' grad_norm)."""
import pytest
import torch

from vsr_app.distill.train import _optimiser_step


def _net_and_optimiser():
    torch.manual_seed(0)
    net = torch.nn.Linear(3, 1)
    return net, torch.optim.SGD(net.parameters(), lr=1.0)


def test_a_nan_loss_skips_the_step_keeps_the_weights_and_drops_the_last_gradients():
    net, opt = _net_and_optimiser()
    net(torch.ones(1, 3)).sum().backward()  # the gradients of an earlier step, not to be stepped on again
    before = [p.detach().clone() for p in net.parameters()]
    loss = net(torch.ones(1, 3)).sum() * float("nan")
    assert _optimiser_step(loss, list(net.parameters()), opt, None, grad_clip=1.0, world=1) is None
    assert all(torch.equal(old, p) for old, p in zip(before, net.parameters()))
    assert all(p.grad is None for p in net.parameters())


def test_a_finite_loss_steps_on_the_clipped_gradients_and_reports_their_norm_before_clipping():
    net, opt = _net_and_optimiser()
    before = [p.detach().clone() for p in net.parameters()]
    loss = net(torch.full((1, 3), 10.0)).sum()  # gradients: 10 for each weight, 1 for the bias
    gnorm = _optimiser_step(loss, list(net.parameters()), opt, None, grad_clip=1.0, world=1)
    assert gnorm == pytest.approx(301 ** 0.5)
    moved = torch.cat([(old - p.detach()).flatten() for old, p in zip(before, net.parameters())])
    assert float(moved.norm()) == pytest.approx(1.0, rel=1e-4)  # lr 1: the step is the gradient clipped to norm 1
