"""The codec and CRF fields the export dialog and the Batch tab both build, and what each codec shows in a field
that follows it: its CRF, its preset."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QComboBox

from vsr_app.gui.codecs import CODECS, has_crf
from vsr_app.gui.number_boxes import PlainSpinBox
from vsr_app.gui.settings_values import setting

UNOFFERED_PRESETS = ("superfast", "slower", "placebo")  # x264's and x265's steps too small to offer


class PerCodec:
    """What a form's field shows for each codec: the one chosen while the form is open (a look at another codec
    reset it to the saved one), else the one saved under `prefix`/codec, else `default(codec)`. A subclass says
    which codecs take one and how the field holds it."""

    def __init__(self, settings, prefix: str, default: Callable[[str], object]):
        self.settings, self.prefix, self.default = settings, prefix, default
        self.chosen: dict[str, object] = {}
        self.shown: str | None = None

    def show(self, field, key: str) -> None:
        """Put codec `key`'s value in `field`, keeping the one it held for the codec shown before."""
        if self.shown is not None and self.takes(self.shown):
            self.chosen[self.shown] = self.read(field)
        self.shown = key
        if self.takes(key):
            self.put(field, key, self.chosen.get(key, setting(self.settings, f"{self.prefix}/{key}",
                                                              self.default(key))))
        else:
            self.put_none(field)

    def takes(self, key: str) -> bool:
        raise NotImplementedError

    def read(self, field):
        raise NotImplementedError

    def put(self, field, key: str, value) -> None:
        raise NotImplementedError

    def put_none(self, field) -> None:
        """Show that codec takes none: greyed, the field showed the last codec's, as if FFV1 or ProRes took it."""
        raise NotImplementedError


class CodecCrfs(PerCodec):
    """The CRF a form shows for each codec, within the CRFs it takes (one saved or kept out of them clamped to them);
    a codec without one shows a dash."""

    def __init__(self, settings, prefix: str):
        super().__init__(settings, prefix, lambda key: CODECS[key].crf)

    def takes(self, key: str) -> bool:
        return has_crf(key)

    def read(self, field) -> int:
        return field.value()

    def put(self, field, key: str, crf: int) -> None:
        field.setSpecialValueText("")
        field.setRange(*CODECS[key].crf_range)
        field.setValue(crf)

    def put_none(self, field) -> None:
        field.setSpecialValueText(f"{field.prefix()}\u2014")  # shown at the minimum value
        field.setValue(field.minimum())


class CodecPresets(PerCodec):
    """The speed preset a form shows for each codec, among the ones it offers of the codec's (one saved that is not
    offered gives the codec's default); a codec without presets shows none. The default is the codec's own, as
    `vsr-app` and the Batch tab, which send none, encode it."""

    def __init__(self, settings, prefix: str, default: Callable[[str], str] = lambda key: CODECS[key].preset):
        super().__init__(settings, prefix, default)

    def takes(self, key: str) -> bool:
        return bool(CODECS[key].presets)

    def read(self, field) -> str:
        return field.currentText()

    def put(self, field, key: str, preset: str) -> None:
        offered = [p for p in CODECS[key].presets if p not in UNOFFERED_PRESETS]
        field.clear()
        field.addItems(offered)
        field.setCurrentText(preset if preset in offered else CODECS[key].preset)

    def put_none(self, field) -> None:
        field.clear()


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
