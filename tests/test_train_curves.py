"""The Train tab's curves: TensorBoard-style smoothing of the loss terms, validation points as recorded."""

from __future__ import annotations

import numpy as np
import pytest

from gui_support import gui_env, window  # noqa: F401
from vsr_app.gui.train_curves import TrainingCurves, smooth


def test_smooth_is_a_debiased_moving_average():
    assert smooth([3.0, 1.0, 2.0], 0.0) == [3.0, 1.0, 2.0]
    assert smooth([2.0] * 5, 0.9) == pytest.approx([2.0] * 5)  # no pull towards 0 at the start
    # by hand: a = 0.5*0 + 0.5*4 = 2 -> 2/0.5 = 4; a = 0.5*2 + 0.5*0 = 1 -> 1/0.75
    assert smooth([4.0, 0.0], 0.5) == pytest.approx([4.0, 4 / 3])
    noisy = np.random.default_rng(0).normal(1.0, 0.3, 500)
    assert np.std(smooth(list(noisy), 0.9)[50:]) < np.std(noisy) / 3


RECORDS = [{"step": s, "loss": 1.0 + (s % 2), "charb": 0.5, "lr": 1e-4, "space": 0.0} for s in range(1, 11)] \
    + [{"step": 10, "val_psnr": 27.0}, {"step": 10, "val_psnr_crf26": 25.0}]


@pytest.fixture
def curves(qtbot, gui_env):
    widget = TrainingCurves(smoothing=0.5)
    qtbot.addWidget(widget)
    widget.add_records(RECORDS)
    return widget


def test_loss_terms_drawn_raw_and_smoothed_validation_as_recorded(curves):
    xs, ys = curves.curves["loss"].xData, curves.curves["loss"].yData
    assert list(xs) == list(range(1, 11))
    assert list(ys) == pytest.approx(smooth([1.0 + (s % 2) for s in range(1, 11)], 0.5))
    assert list(curves.raw["loss"].yData) == [1.0 + (s % 2) for s in range(1, 11)]
    assert curves.raw["loss"].isVisible()
    assert list(curves.curves["val_psnr"].yData) == [27.0]
    assert "val_psnr" not in curves.raw
    assert set(curves.curves) == {"loss", "charb", "val_psnr", "val_psnr_crf26"}  # no lr, no zero on a log axis
    named = {name.text for _, name in curves.legends[curves.loss_plot].items}
    assert named == {"loss", "charb"}  # the faint raw curves are not in the legend
    assert {name.text for _, name in curves.legends[curves.val_plot].items} == {"val_psnr", "val_psnr_crf26"}


def test_a_nan_or_inf_record_is_left_out_and_the_curve_goes_on(curves):
    """Runs from before the trainer skipped nan steps recorded them: one would have blanked every later smoothed
    point."""
    nan, inf = float("nan"), float("inf")
    curves.add_records([{"step": 11, "loss": nan, "charb": inf}, {"step": 11, "val_psnr": nan},
                        {"step": 12, "loss": 1.0, "charb": 0.5}])
    xs, ys = curves.series["loss"]
    assert xs[-2:] == [10, 12] and np.isfinite(curves.curves["loss"].getData()[1]).all()
    assert curves.series["charb"][0][-1] == 12 and curves.series["val_psnr"][0] == [10]


def test_smoothing_zero_shows_the_recorded_curve_alone(curves, qtbot):
    with qtbot.waitSignal(curves.smoothingChanged):
        curves.smoothing.setValue(0.0)
    assert list(curves.curves["loss"].yData) == [1.0 + (s % 2) for s in range(1, 11)]
    assert not curves.raw["loss"].isVisible()
    curves.smoothing.setValue(0.9)
    assert curves.raw["loss"].isVisible()
    assert list(curves.curves["loss"].yData) == pytest.approx(smooth([1.0 + (s % 2) for s in range(1, 11)],
                                                                            0.9))


def test_reset_forgets_every_curve(curves):
    curves.reset()
    assert curves.series == {} and curves.curves == {} and curves.last_step() == 0
    assert curves.loss_plot.listDataItems() == [] and curves.legends[curves.loss_plot].items == []
    curves.add_records([{"step": 3, "loss": 0.2}])
    assert curves.last_step() == 3


def test_train_tab_remembers_the_smoothing(window):
    window.train.plots.smoothing.setValue(0.8)
    assert float(window.train.settings.value("train/smoothing")) == pytest.approx(0.8)


def test_a_loss_axis_over_less_than_a_decade_labels_1_2_5_not_every_tick(curves):
    """Losses within 0.02-0.3 (most runs' first thousand steps) had every tick of 0.02-0.09 labelled, in a stack."""
    import math

    axis = curves.loss_plot.getAxis("left")
    low, high = math.log10(0.019), math.log10(0.31)
    levels = axis.tickValues(low, high, 250)
    labelled = [round(10 ** v, 3) for v in levels[0][1]]
    assert labelled == [0.02, 0.05, 0.1, 0.2]
    assert {round(10 ** v, 3) for v in levels[1][1]} == {0.03, 0.04, 0.06, 0.07, 0.08, 0.09, 0.3}
    wide = axis.tickValues(math.log10(0.002), 0.0, 250)
    assert wide[0][0] is not None  # over decades the powers of ten alone are labelled, as before


@pytest.mark.parametrize("low, high, labels", [(0.011, 0.019, ["0.012", "0.014", "0.016", "0.018"]),
                                               (0.0029, 0.0081, ["0.003", "0.004", "0.005", "0.006", "0.007",
                                                                 "0.008"])])
def test_a_loss_axis_over_a_narrow_range_still_has_labels_that_read(curves, low, high, labels):
    """A converged run's losses within 0.011-0.019 had no label at all, within 0.003-0.008 one ("0.005"), and
    pyqtgraph's "%0.1g" would read 0.012 as "0.01"."""
    import math

    axis = curves.loss_plot.getAxis("left")
    levels = axis.tickValues(math.log10(low), math.log10(high), 250)
    assert axis.logTickStrings(levels[0][1], 1, 0) == labels
