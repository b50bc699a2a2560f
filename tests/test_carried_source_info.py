"""The notes on the colours an output cannot keep go by the source as the pipeline's reader opened it: the carried
streams opened the source again and decoded its first frame a second time (`reader.probe`) for each output."""

from __future__ import annotations

import pytest
from av.video.reformatter import ColorPrimaries, ColorTrc

from test_hdr import CASES, make_hdr_clip
from vsr_app.video import carried
from vsr_app.video.pipeline import process_video

HLG_SIGNALS = [signal for signal, _, _ in CASES["hlg"][1]]
CLIPS = {
    # header BT.2020 SDR, an SEI saying HLG: only its frames say it is HDR
    "backward-compatible HLG": (dict(transfer=ColorTrc.BT2020_10, codec="libx265", x265_params=":atc-sei=18"),
                                "video #0 hevc: HDR (HLG) with BT.2020 colours tone-mapped to SDR BT.709"),
    "Display P3 SDR": (dict(transfer=ColorTrc.BT709, primaries=ColorPrimaries.SMPTE432, pix_fmt="yuv444p10le"),
                       "video #0 ffv1: Display P3 colours converted to BT.709"),
}


@pytest.mark.parametrize("clip", CLIPS)
def test_the_colour_notes_come_from_the_pipeline_s_reader_without_a_second_probe(tmp_path, monkeypatch, clip):
    options, note = CLIPS[clip]
    source = make_hdr_clip(tmp_path / "in.mkv", HLG_SIGNALS, frames=3, **options)

    def probed_again(path):
        raise AssertionError(f"'{path}' was opened again for its first frame")

    monkeypatch.setattr(carried, "probe", probed_again)
    summary = process_video(source, tmp_path / "out.mp4", upscale="bicubic", device="cpu")
    assert note in summary.notes
