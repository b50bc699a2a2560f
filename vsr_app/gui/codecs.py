"""The codecs the export dialog and the Batch tab offer: label and the writer's default CRF. No Qt here (the fields
that offer them are gui/codec_fields'), so the GUI's wording of the command line's errors can name them."""

from __future__ import annotations

from typing import NamedTuple

from vsr_app.video.encoding import CODECS as WRITER_CODECS


class Codec(NamedTuple):
    label: str
    crf: int | None  # the writer's default CRF; None: the codec has no CRF to set


_LABELS = {"libx264": "H.264", "libx265": "H.265 / HEVC", "ffv1": "FFV1 (lossless)", "prores": "ProRes 422"}
CODECS = {key: Codec(label, WRITER_CODECS[key].crf) for key, label in _LABELS.items()}


def has_crf(key: str) -> bool:
    """Whether the codec's quality is set by a CRF (and a preset)."""
    return CODECS[key].crf is not None
