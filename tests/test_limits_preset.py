"""A memory refusal names what the encoder's preset holds beyond its default, from as much as the models' share is:
`--preset placebo` on a 4K x4 upscale was refused for 77 GB, 56 GB of it placebo's, and was told to use a smaller input
or a lighter model."""

from __future__ import annotations

import pytest

from vsr_app.errors import VsrAppError
from vsr_app.gui import wording
from vsr_app.video import limits

UHD_X4 = (3840, 2160, 15360, 8640, "libx264")
FREE = 17 * 2**30
MODELS = 5 * 2**30


def refusal(preset: str | None, engine_bytes: int = MODELS) -> str:
    with pytest.raises(VsrAppError) as refused:
        limits.check_job_fits(*UHD_X4, available=FREE, engine_bytes=engine_bytes, preset=preset)
    return str(refused.value)


def test_a_preset_that_holds_most_of_the_memory_is_named_with_the_way_out():
    said = refusal("placebo")
    assert ("needs about 77 GB of memory (56 GB of it for the encoder at its placebo preset, 5.0 GB for the models' "
            "computations), but only 17 GB is free; use a faster preset, a smaller input, a lighter model or close "
            "other programs") in said
    assert refusal("veryslow", engine_bytes=0).endswith(
        "(30 GB of it for the encoder at its veryslow preset), but only 17 GB is free; use a faster preset, a smaller "
        "input or close other programs")
    # the GUI has a Preset list, no --preset: the words name it as both say it
    assert "--" not in wording.for_gui(said, "Replace")
    # medium's 14 GB of 36, not the largest part beside the frames' own but three times the models', named too
    assert "(14 GB of it for the encoder at its medium preset, 5.0 GB for the models' computations)" in refusal("medium")
    # the default preset (veryfast) holds nothing more: not blamed (the faster ones fit here)
    for preset in (None, "veryfast"):
        assert "preset" not in refusal(preset) and "(5.0 GB of it for the models' computations)" in refusal(preset)


def test_the_shares_are_named_largest_first():
    """veryslow's 5.9 GB beside the models' 1.0 GB went unsaid (it was not the largest part of 17 GB)."""
    with pytest.raises(VsrAppError) as refused:
        limits.check_job_fits(1920, 1080, 7680, 4320, "libx265", available=2**30, engine_bytes=2**30,
                              preset="veryslow")
    assert "of it for the encoder at its veryslow preset, 1.0 GB for the models' computations)" in str(refused.value)
    assert "use a faster preset, a smaller input, a lighter model" in str(refused.value)
