"""The Train tab and the dialogs at other locales and scales, as a tester found them: a German locale's number
fields, a 960x540 screen's About box, the Compare panel's 230-px model card, a small window's training plots."""

from __future__ import annotations

import math

import pytest
from PySide6.QtCore import QRect
from PySide6.QtGui import QFontMetrics

from gui_support import gui_env  # noqa: F401
from locale_support import locale  # noqa: F401
from vsr_app.gui import colours, fmt
from vsr_app.gui.train_curves import TrainingCurves
from vsr_app.gui.train_fields import number_field


def typed(qtbot, box, text: str):
    """`box`'s value once `text` is typed over it and editing ends."""
    qtbot.addWidget(box)
    box.lineEdit().selectAll()
    qtbot.keyClicks(box, text)
    box.interpretText()
    return box.value()


@pytest.mark.parametrize("text", ["0.1", "0,1"])
def test_a_decimal_field_reads_a_point_or_a_comma_as_the_decimal_point(locale, qtbot, text):
    """In German "0.1" in λ space read 1,000 (a thousands separator) and the run started with lambda_space 1.0."""
    box = number_field(float, 0.5, 0.0, 10.0)
    assert typed(qtbot, box, text) == pytest.approx(0.1)
    assert box.text().startswith("0.1")  # shown with "." as the rest of the app writes numbers


def test_the_smoothing_field_reads_a_point_as_the_decimal_point(locale, qtbot):
    """In German 0.9 typed in Smoothing read 0,00."""
    curves = TrainingCurves(smoothing=0.5)
    qtbot.addWidget(curves)
    assert typed(qtbot, curves.smoothing, "0.9") == pytest.approx(0.9)


@pytest.mark.parametrize("multiple", [1, 8])
def test_an_int_field_refuses_a_fraction_not_reading_1_5_as_15(locale, qtbot, multiple):
    box = number_field(int, 16, 0, 100_000, multiple)
    value = typed(qtbot, box, "1.5")
    assert value != 15 and box.text() != "15"
    assert typed(qtbot, box, "2,4") != 24


def test_the_about_box_fits_a_small_screen(gui_env, qtbot, monkeypatch):
    """720x560 ran off a 960x540 screen (1920x1080 at scale 2)."""
    from vsr_app.gui import about_dialog

    class SmallScreen:
        @staticmethod
        def availableGeometry() -> QRect:
            return QRect(0, 0, 960, 540)

    monkeypatch.setattr(about_dialog.AboutDialog, "screen", lambda self: SmallScreen())
    dialog = about_dialog.AboutDialog()
    qtbot.addWidget(dialog)
    assert dialog.width() <= 960 and dialog.height() < 540


LONG = "stage one: " + "many words of a long stage description " * 20
CARD = {"training": {"steps": 1000, "val": "../shared/data/test/carphone_pristine.mp4", "stages": LONG}}


def test_a_card_lays_long_values_under_their_key_the_card_s_width():
    """Beside their keys, in the Compare panel's 230 px, "stages" and "val" wrapped a few words a line."""
    card = fmt.card_html("m", "upscale", 4, 1000, CARD)
    assert "<td style='color:" in card and ">steps</td><td>1,000</td>" in card  # a short value beside its key
    for key in ("val", "stages"):
        assert f"<tr><td colspan=2 style='color:{colours.MUTED};padding-right:8px'>{key}</td></tr>" \
               "<tr><td colspan=2" in card


def test_the_compare_panel_s_card_shortens_a_long_value_and_says_where_it_is_whole():
    """A 3,670-character "stages" held the card 6,000 px tall."""
    card = fmt.card_html("m", "upscale", 4, 1000, CARD)
    assert LONG not in card and LONG[:100] in card and fmt.IN_FULL in card
    shown = card.split("stage one: ")[1].split("\u2026")[0]
    assert len("stage one: " + shown) <= fmt.SHORT_VALUE
    whole = fmt.card_html("m", "upscale", 4, 1000, CARD, full=True)
    assert LONG.strip() in whole and fmt.IN_FULL not in whole


def test_the_about_box_shows_every_card_whole(gui_env, monkeypatch):
    from vsr_app.gui import about_dialog
    from vsr_app.models import ModelInfo

    model = about_dialog.list_models()[0]
    monkeypatch.setattr(about_dialog, "list_models", lambda: [ModelInfo(**{**vars(model), "card": CARD})])
    assert LONG.strip() in about_dialog.models_html()


@pytest.fixture
def plots(qtbot, gui_env):
    curves = TrainingCurves()
    qtbot.addWidget(curves)
    return curves


@pytest.mark.parametrize("low, high, width", [(0, 1, 250), (-0.05, 1.05, 120), (0, 12_000, 180),
                                              (0, 1_000_000, 250), (990, 2010, 90)])
def test_step_labels_are_whole_and_cannot_run_together(plots, low, high, width):
    """In a 1024x600 window the Loss plot's empty step axis read "0.20.40.60.8"."""
    for plot in (plots.loss_plot, plots.val_plot):
        axis = plot.getAxis("bottom")
        (spacing, ticks), = axis.tickValues(low, high, width)
        labels = axis.tickStrings(ticks, 1, spacing)
        assert all(float(tick).is_integer() for tick in ticks) and labels == [str(round(t)) for t in ticks]
        widest = max(QFontMetrics(axis.font()).horizontalAdvance(label) for label in labels)
        assert spacing * width / (high - low) >= widest  # px between two ticks' centres
        assert len(ticks) >= 1


def test_an_empty_loss_axis_has_no_ticks_until_a_loss_is_drawn(plots):
    """Its default range read "5" and "2", which meant nothing."""
    axis = plots.loss_plot.getAxis("left")
    assert axis.tickValues(0.0, 1.0, 200) == []
    plots.add_records([{"step": 1, "loss": 0.5}, {"step": 2, "loss": 0.2}])
    assert axis.tickValues(math.log10(0.2), math.log10(0.5), 200)
