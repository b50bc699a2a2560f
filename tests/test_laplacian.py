"""The Laplacian-pyramid loss: zero for identical images, and each pyramid level contributes."""

import pytest
import torch

from vsr_app.distill.laplacian import laplacian_loss, laplacian_pyramid


def test_identical_images_give_zero_loss():
    x = torch.rand(2, 3, 48, 40)
    assert laplacian_loss(x, x.clone()).item() == 0.0


def test_pyramid_reconstructs_the_image_and_halves_sizes():
    x = torch.rand(1, 3, 64, 48)
    pyr = laplacian_pyramid(x, 5)
    assert [p.shape[-2:] for p in pyr] == [(64, 48), (32, 24), (16, 12), (8, 6), (4, 3)]
    # collapsing the pyramid gives the image back exactly (up to float error)
    img = pyr[-1]
    for band in reversed(pyr[:-1]):
        img = band + torch.nn.functional.interpolate(img, size=band.shape[-2:], mode="bilinear", align_corners=False)
    torch.testing.assert_close(img, x)


def _level_terms(x, y):
    return [laplacian_loss(x, y, weights=[1.0 if i == j else 0.0 for i in range(5)]).item() for j in range(5)]


@pytest.mark.parametrize("level", range(5))
def test_every_level_contributes(level):
    """Dropping any one level's weight lowers the loss for a generic difference."""
    torch.manual_seed(level)
    x, y = torch.rand(1, 3, 64, 64), torch.rand(1, 3, 64, 64)
    weights = [2.0**i for i in range(5)]
    without = list(weights)
    without[level] = 0.0
    assert laplacian_loss(x, y).item() - laplacian_loss(x, y, weights=without).item() > 1e-3


def test_finest_detail_lands_in_level_0_and_brightness_in_the_low_pass():
    x = torch.rand(1, 3, 64, 64) * 0.5 + 0.25
    checker = (torch.arange(64)[:, None] + torch.arange(64)[None, :]) % 2 * 0.2 - 0.1
    terms = _level_terms(x + checker, x)
    assert terms[0] > 0.05 and max(terms[1:]) < 0.1 * terms[0]  # the binomial blur removes the pattern
    terms = _level_terms(x + 0.1, x)
    assert terms[:4] == pytest.approx([0.0] * 4, abs=1e-6) and terms[4] == pytest.approx(0.1, rel=1e-4)


def test_default_weights_grow_with_level_and_count_checked():
    x, y = torch.rand(1, 3, 32, 32), torch.rand(1, 3, 32, 32)
    per_level = [laplacian_loss(x, y, weights=[1.0 if i == j else 0.0 for i in range(5)]).item() for j in range(5)]
    expected = sum(2.0**i * v for i, v in enumerate(per_level))
    assert laplacian_loss(x, y).item() == pytest.approx(expected, rel=1e-5)
    with pytest.raises(ValueError):
        laplacian_loss(x, y, levels=5, weights=[1.0, 2.0])
