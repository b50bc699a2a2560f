"""Real-video degradations: H.264 round trip, noise, and the training mix drawn from a seed."""
import json
from pathlib import Path

import numpy as np
import pytest

from vsr_app.distill import degrade
from vsr_app.distill.degrade import DegradationMix, add_noise, apply_condition, h264_round_trip


def _clip(h=33, w=47, t=5, seed=0):
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    return [np.roll(base, i, axis=1) for i in range(t)]


def test_h264_round_trip_keeps_odd_sizes_and_loses_more_at_higher_crf():
    clip = _clip()
    errors = []
    for crf in (18, 38):
        out = h264_round_trip(clip, crf)
        assert len(out) == len(clip) and all(o.shape == c.shape and o.dtype == np.uint8 for o, c in zip(out, clip))
        assert np.array_equal(out[0][-1], clip[0][-1]) and np.array_equal(out[0][:, -1], clip[0][:, -1])  # odd edge kept
        errors.append(np.mean([np.abs(o.astype(int) - c).mean() for o, c in zip(out, clip)]))
    assert 0 < errors[0] < errors[1]


def test_h264_round_trip_is_repeatable():
    """x264 here gives another result about once in 100-200 round trips (docs/RESULTS.md, Session 33: cause not
    found), so the check is that repeats agree, not that every one does: it fails on a systematic difference."""
    clip = _clip()
    runs = [np.stack(h264_round_trip(clip, 30)).tobytes() for _ in range(3)]
    assert max(runs.count(run) for run in runs) >= 2


def test_noise_has_the_asked_sigma():
    flat = [np.full((64, 64, 3), 128, np.uint8)]
    noisy = add_noise(flat, 5.0, np.random.default_rng(0))[0].astype(float)
    assert abs(noisy.std() - 5.0) < 0.2 and abs(noisy.mean() - 128) < 0.2


def test_conditions_compose_and_unknown_ones_fail():
    clip = _clip()
    rng = np.random.default_rng(1)
    assert all(np.array_equal(a, b) for a, b in zip(apply_condition(clip, "clean", rng), clip))
    both = apply_condition(clip, "noise5+crf28", rng)
    assert not np.array_equal(both[0], clip[0])
    with pytest.raises(ValueError, match="blur3"):
        apply_condition(clip, "blur3", rng)


def test_mix_draws_each_kind_at_its_rate_and_is_a_function_of_the_seed(monkeypatch):
    mix = DegradationMix(compress_p=0.6, crf=(20, 30), noise_p=0.3, noise_sigma=(1, 6))
    rng = np.random.default_rng(0)
    conditions = [mix.condition(rng) for _ in range(2000)]
    assert abs(np.mean(["crf" in c for c in conditions]) - 0.6) < 0.04
    assert abs(np.mean(["noise" in c for c in conditions]) - 0.3) < 0.04
    crfs = [int(c.split("crf")[1]) for c in conditions if "crf" in c]
    assert min(crfs) == 20 and max(crfs) == 30
    clip = np.stack(_clip())
    # the draws, not x264's rare odd encode (`test_h264_round_trip_is_repeatable`): a stand-in that is exact
    monkeypatch.setattr(degrade, "h264_round_trip", lambda frames, crf: [np.clip(f.astype(int) + crf, 0, 255)
                                                                         .astype(np.uint8) for f in frames])
    assert np.array_equal(mix(clip, np.random.default_rng(12)), mix(clip, np.random.default_rng(12)))
    assert not np.array_equal(mix(clip, np.random.default_rng(12)), mix(clip, np.random.default_rng(10)))


def test_mix_from_options():
    assert DegradationMix.from_options(None) is None
    assert DegradationMix.from_options({}) == DegradationMix()
    assert DegradationMix.from_options({"crf": [22, 24]}).crf == (22, 24)
    with pytest.raises(ValueError, match="unknown degradation options: sharpen"):
        DegradationMix.from_options({"sharpen": 1})


def test_default_mix_is_the_shipped_students_recipe():
    config = json.loads((Path(__file__).parent.parent / "configs/vsr/round_h/student_real.json").read_text())
    assert DegradationMix.from_options(config["degrade"]) == DegradationMix()


def test_mix_options_round_trip_through_json():
    mix = DegradationMix(compress_p=0.2, crf=(20, 26))
    options = json.loads(json.dumps(mix.as_options()))
    assert options == mix.as_options() and DegradationMix.from_options(options) == mix
