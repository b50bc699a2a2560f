"""The codecs the export dialog and the Batch tab offer: every one the writer knows, each under its spec's label with
its default CRF and range. No Qt here (the fields that offer them are gui/codec_fields'), so the GUI's wording of the
command line's errors can name them."""

from __future__ import annotations

from vsr_app.video.encoding import CODECS


def has_crf(key: str) -> bool:
    """Whether the codec's quality is set by a CRF (and a preset)."""
    return CODECS[key].crf is not None
