"""The codecs the export dialog and the Batch tab offer: label, file suffix and the writer's default CRF."""

from __future__ import annotations

from typing import NamedTuple

from vsr_app.video.encoding import CODECS as WRITER_CODECS


class Codec(NamedTuple):
    label: str
    suffix: str
    crf: int | None  # the writer's default CRF; None: the codec has no CRF to set


_LABELS = {"libx264": ("H.264", ".mp4"), "libx265": ("H.265 / HEVC", ".mp4"), "ffv1": ("FFV1 (lossless)", ".mkv"),
           "prores": ("ProRes 422", ".mov")}
CODECS = {key: Codec(label, suffix, WRITER_CODECS[key].crf) for key, (label, suffix) in _LABELS.items()}


def has_crf(key: str) -> bool:
    """Whether the codec's quality is set by a CRF (and a preset)."""
    return CODECS[key].crf is not None
