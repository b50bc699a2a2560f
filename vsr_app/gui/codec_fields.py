"""The codec and CRF fields the export dialog and the Batch tab both build, and the CRF each codec shows in them."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QComboBox

from vsr_app.gui.codecs import CODECS, has_crf
from vsr_app.gui.number_boxes import PlainSpinBox
from vsr_app.gui.settings_values import setting


class CodecCrfs:
    """The CRF a form shows for each codec: the one typed while it is open (a look at another codec reset it to the
    saved one), else the one saved under `prefix`/codec, else the codec's default."""

    def __init__(self, settings, prefix: str):
        self.settings, self.prefix = settings, prefix
        self.typed: dict[str, int] = {}
        self.shown: str | None = None

    def show(self, crf_box, key: str) -> None:
        """Put codec `key`'s CRF in `crf_box`, within the CRFs it takes (one saved or kept out of them clamped to
        them), keeping the one it held for the codec shown before; a codec without one shows a dash (greyed, the box
        showed the last codec's CRF, as if FFV1 or ProRes took it)."""
        if self.shown is not None and has_crf(self.shown):
            self.typed[self.shown] = crf_box.value()
        self.shown = key
        if has_crf(key):
            crf_box.setSpecialValueText("")
            crf_box.setRange(*CODECS[key].crf_range)
            crf_box.setValue(self.typed.get(key, setting(self.settings, f"{self.prefix}/{key}", CODECS[key].crf)))
        else:
            crf_box.setSpecialValueText(f"{crf_box.prefix()}\u2014")  # shown at the minimum value
            crf_box.setValue(crf_box.minimum())


def codec_fields(settings, prefix: str, label: Callable[[str], str] = lambda key: CODECS[key].label
                 ) -> tuple[QComboBox, PlainSpinBox, CodecCrfs]:
    """The codec picker (each codec's `label`; the one saved under `prefix`/codec, else H.264), its CRF field and the
    CRFs it shows, saved under `prefix`/crf, the field's range the shown codec's (`CodecCrfs.show`). The CRF field
    takes digits alone: a QSpinBox read "1.5" as 15."""
    codec = QComboBox()
    for key in CODECS:
        codec.addItem(label(key), key)
    codec.setCurrentIndex(max(0, codec.findData(setting(settings, f"{prefix}/codec", "libx264"))))
    return codec, PlainSpinBox(), CodecCrfs(settings, f"{prefix}/crf")
