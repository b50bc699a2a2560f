"""Engine details the speed work changed: frame conversion."""

from __future__ import annotations

import numpy as np
import torch

from vsr_app import inference


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

