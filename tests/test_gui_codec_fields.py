"""The codec picker offers every codec the writer knows, under its spec's label, and the CRF field takes the CRFs the
shown codec takes: the GUI kept its own list of codecs and x264's range for all of them."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QComboBox

from gui_support import gui_env  # noqa: F401
from vsr_app.gui.codec_fields import CodecPresets, codec_fields
from vsr_app.video import encoding
from vsr_app.video.encoding import CodecSpec


@pytest.fixture
def narrow_codec(monkeypatch):
    """A codec added to the writer alone, taking CRFs 10 to 30 (x264 and x265 take 0 to 51) and presets of its
    own."""
    spec = CodecSpec("narrow", "yuv420p", frozenset({".mkv"}), ".mkv", "Narrow", crf=25, crf_range=(10, 30),
                     preset="quick", presets=("quick", "thorough"))
    monkeypatch.setitem(encoding.CODECS, "narrow", spec)


def test_every_codec_the_writer_knows_is_offered_under_its_label(gui_env, narrow_codec):
    codec, _, _ = codec_fields(QSettings(), "batch")
    offered = [(codec.itemData(i), codec.itemText(i)) for i in range(codec.count())]
    assert offered == [(key, spec.label) for key, spec in encoding.CODECS.items()]
    assert ("narrow", "Narrow") in offered and ("libx264", "H.264") in offered


def test_the_crf_field_takes_the_shown_codecs_crfs_clamping_one_saved_out_of_them(gui_env, narrow_codec):
    settings = QSettings()
    settings.setValue("batch/crf/narrow", 5)  # saved out of its range (by hand, or before the range changed)
    _, crf, crfs = codec_fields(settings, "batch")
    crf.setPrefix("CRF ")

    def show(key: str) -> tuple[str, int, int]:
        crfs.show(crf, key)
        return crf.text(), crf.minimum(), crf.maximum()

    assert show("libx264") == ("CRF 18", 0, 51)
    crf.setValue(45)
    assert show("narrow") == ("CRF 10", 10, 30)
    crf.setValue(12)
    assert show("ffv1") == ("CRF \u2014", 10, 30)  # no CRF: the dash, at the minimum
    assert show("libx264") == ("CRF 45", 0, 51)  # the one typed, not cut to the last codec's range
    assert show("narrow") == ("CRF 12", 10, 30)


def test_the_preset_field_offers_the_shown_codecs_presets_and_keeps_each_codecs_choice(gui_env, narrow_codec):
    settings = QSettings()
    settings.setValue("export/preset/libx265", "slow")
    field, presets = QComboBox(), CodecPresets(settings, "export/preset")

    def show(key: str) -> tuple[str, list[str]]:
        presets.show(field, key)
        return field.currentText(), [field.itemText(i) for i in range(field.count())]

    assert show("narrow") == ("quick", ["quick", "thorough"])
    field.setCurrentText("thorough")
    x264 = show("libx264")
    assert x264[0] == "veryfast" and "medium" in x264[1] and "placebo" not in x264[1]  # too small a step to offer
    assert show("libx265")[0] == "slow"  # the one saved for it
    assert show("ffv1") == ("", [])  # none: not the last codec's, as if FFV1 took it
    assert show("narrow")[0] == "thorough"
