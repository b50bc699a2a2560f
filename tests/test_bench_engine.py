"""Engine details the speed work changed: frame conversion and the optional torch.compile path."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from vsr_app import inference
from vsr_app.models import build_arch, count_params, LoadedModel, ModelInfo


def _student() -> LoadedModel:
    torch.manual_seed(0)
    net = build_arch("vsr_student", {"channels": 4, "blocks": 1, "hr_channels": 2})
    return LoadedModel(ModelInfo("tiny", "upscale", 4, count_params(net), None), net.eval())


def test_tensor_to_frame_is_contiguous_rounded_and_leaves_input_alone():
    t = torch.tensor([-0.2, 0.5, 1.3, 0.1]).view(1, 1, 2, 2).repeat(1, 3, 1, 1)
    t[:, 1] *= 0.5
    before = t.clone()
    frame = inference.tensor_to_frame(t)
    assert frame.flags.c_contiguous and frame.shape == (2, 2, 3) and frame.dtype == np.uint8
    assert frame[:, :, 0].tolist() == [[0, 128], [255, 26]]  # clamped, x255, rounded
    assert frame[0, 1, 1] == 64  # channel 1 is interleaved in its own place
    assert torch.equal(t, before)


def test_frame_round_trip_is_exact():
    rng = np.random.default_rng(0)
    frame = rng.integers(0, 256, (5, 7, 3), dtype=np.uint8)
    back = inference.tensor_to_frame(inference.frame_to_tensor(frame, torch.device("cpu")))
    assert np.array_equal(back, frame)


@pytest.mark.slow
def test_compiled_engine_matches_eager():
    """torch.compile (inductor, CPU) must give the frames the eager engine gives (bf16 rounding aside)."""
    frames = [np.random.default_rng(i).integers(0, 256, (12, 16, 3), dtype=np.uint8) for i in range(3)]
    eager = inference.make_upscaler(_student(), "cpu", precision="fp32")
    compiled = inference.make_upscaler(_student(), "cpu", precision="fp32", compile="default")
    for f in frames:
        a, b = eager.push(f)[0], compiled.push(f)[0]
        assert np.abs(a.astype(int) - b.astype(int)).max() <= 1
