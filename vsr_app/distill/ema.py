"""A moving average of a model's weights (Polyak averaging), which a run validates and exports when asked (`ema`).

Why: on this project's CPUs a step sees 4 crops of 32x32 pixels, so each step's gradient is noisy and the weights
at any one step carry that noise; their exponential moving average over the last few thousand steps does not. It
is BasicSR's `ema_decay` (0.999 there): the average starts at the weights the run starts from and is updated after
every optimiser step. It costs one multiply-add per weight a step, and nothing at inference: the exported model is
the same network with the averaged weights.
"""

from __future__ import annotations

import contextlib
from typing import Iterator

import torch
from torch import Tensor, nn

from vsr_app.errors import VsrAppError


class WeightAverage:
    """`decay`-weighted moving average of every floating-point tensor of `model.state_dict()` (other tensors, such
    as counters, are copied as they are)."""

    def __init__(self, model: nn.Module, decay: float):
        if not 0.0 < decay < 1.0:
            raise VsrAppError(f"training option 'ema' must be between 0 and 1 (like 0.999), or 0 for none, not {decay}")
        self.decay = decay
        self.average = {k: v.detach().clone() for k, v in model.state_dict().items()}

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        for key, value in model.state_dict().items():
            kept = self.average[key]
            if kept.is_floating_point():
                kept.lerp_(value.to(kept.dtype), 1.0 - self.decay)
            else:
                kept.copy_(value)

    def state_dict(self) -> dict[str, Tensor]:
        return self.average

    def load_state_dict(self, tensors: dict[str, Tensor]) -> None:
        if set(tensors) != set(self.average):
            raise VsrAppError("the checkpoint's weight average does not fit the model; resume with the options the "
                              "run began with")
        for key, value in tensors.items():
            self.average[key].copy_(value)

    @contextlib.contextmanager
    def applied(self, model: nn.Module) -> Iterator[None]:
        """The averaged weights in `model` for the duration (validation, export); its own ones back after."""
        own = {k: v.detach().clone() for k, v in model.state_dict().items()}
        model.load_state_dict(self.average)
        try:
            yield
        finally:
            model.load_state_dict(own)
