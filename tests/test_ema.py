"""The moving average of a run's weights (`ema`): what it averages, and that validation and export use it."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from vsr_app.distill.ema import WeightAverage
from vsr_app.errors import VsrAppError


def net() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4))


def test_the_average_moves_by_one_minus_decay_towards_each_new_weight():
    model = net()
    average = WeightAverage(model, 0.9)
    start = {k: v.clone() for k, v in model.state_dict().items()}
    with torch.no_grad():
        for p in model.parameters():
            p.add_(1.0)
    model[1].num_batches_tracked += 5
    average.update(model)
    kept = average.state_dict()
    for name, p in model.named_parameters():
        assert torch.allclose(kept[name], start[name] + 0.1, atol=1e-6)
    assert kept["1.num_batches_tracked"].item() == 5  # a counter is copied, not averaged


def test_applied_puts_the_average_in_and_the_model_s_own_weights_back():
    model = net()
    average = WeightAverage(model, 0.5)
    with torch.no_grad():
        model[0].weight.mul_(3.0)
    own = model[0].weight.clone()
    average.update(model)
    with average.applied(model):
        assert torch.allclose(model[0].weight, own * 2 / 3)
    assert torch.equal(model[0].weight, own)


@pytest.mark.parametrize("decay", [1.0, 1.5, -0.1])
def test_a_decay_outside_zero_to_one_is_refused_by_name(decay):
    with pytest.raises(VsrAppError, match="'ema' must be between 0 and 1"):
        WeightAverage(net(), decay)


def test_a_checkpoint_s_average_of_another_model_is_refused():
    average = WeightAverage(net(), 0.9)
    with pytest.raises(VsrAppError, match="does not fit the model"):
        average.load_state_dict({"other": torch.zeros(1)})
