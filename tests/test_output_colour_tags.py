"""An output's colour tags say what its pixels are: the primaries and transfer those of the source's RGB (BT.709 where
the reader tone-mapped or gamut-converted it), the matrix the one its YUV is coded with (by the output's size); and
its video track is marked default in every container."""

from __future__ import annotations

from fractions import Fraction

import av
import pytest
from av.video.reformatter import ColorPrimaries as P, ColorTrc as T

from videogen import pattern_frame
from vsr_app.video.pipeline import process_video
from vsr_app.video.reader import RgbColour
from vsr_app.video.writer import VideoWriter

# matrices by their AVColorSpace numbers (PyAV has no enum for them)
BT709, UNSPECIFIED, BT470BG, SMPTE170M, BT2020 = 1, 2, 5, 6, 9


def tagged_clip(path, width: int, height: int, primaries: int, transfer: int, matrix: int):
    """A 3-frame H.264 clip of `width`x`height` tagged with these primaries, transfer and matrix."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "ultrafast"}
        ctx = stream.codec_context
        ctx.color_primaries, ctx.color_trc, ctx.colorspace = int(primaries), int(transfer), int(matrix)
        for i in range(3):
            frame = av.VideoFrame.from_ndarray(pattern_frame(i, width, height), format="rgb24")
            frame.pts = i
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def colour_tags(path) -> tuple[int, int, int]:
    """(primaries, transfer, matrix) of `path`'s video stream."""
    with av.open(str(path)) as container:
        ctx = container.streams.video[0].codec_context
        return ctx.color_primaries, ctx.color_trc, ctx.colorspace


# (source size, its primaries, transfer and matrix, the job, the output's tags): 1280 wide is HD (`pictures.is_hd`)
@pytest.mark.parametrize("size, source, job, expected", [
    ((64, 36), (P.BT709, T.BT709, BT709), {"interpolate": "blend"}, (P.BT709, T.BT709, SMPTE170M)),
    ((1280, 16), (P.SMPTE170M, T.SMPTE170M, SMPTE170M), {"interpolate": "blend"}, (P.SMPTE170M, T.SMPTE170M, BT709)),
    ((72, 58), (P.BT470BG, T.SMPTE170M, BT470BG), {"interpolate": "blend"}, (P.BT470BG, T.SMPTE170M, SMPTE170M)),
    ((320, 16), (P.SMPTE170M, T.SMPTE170M, SMPTE170M), {"upscale": "bicubic"}, (P.SMPTE170M, T.SMPTE170M, BT709)),
    ((64, 36), (P.BT2020, T.ARIB_STD_B67, BT2020), {"interpolate": "blend"}, (P.BT709, T.BT709, SMPTE170M)),
    ((320, 16), (P.UNSPECIFIED, T.UNSPECIFIED, UNSPECIFIED), {"upscale": "bicubic"}, (P.SMPTE170M, T.SMPTE170M, BT709)),
], ids=["bt709-sd", "bt601-hd", "bt470bg", "bt601-upscaled-to-hd", "hlg-tone-mapped", "untagged-sd-upscaled-to-hd"])
def test_primaries_and_transfer_are_the_sources_and_the_matrix_the_outputs(tmp_path, size, source, job, expected):
    """They were all chosen by the output's size, the pixels unconverted: a BT.709 clip interpolated at SD came out
    tagged SMPTE 170M, a BT.601 one at HD (or upscaled to it) BT.709, PAL's BT.470BG SMPTE 170M, and an HLG clip
    tone-mapped to SDR BT.709 (its note said so) SMPTE 170M. Untagged video is read by the size rule at its own
    size, so its primaries are those of the matrix it was read with."""
    clip = tagged_clip(tmp_path / "in.mp4", *size, *source)
    process_video(clip, tmp_path / "out.mp4", device="cpu", **job)
    assert colour_tags(tmp_path / "out.mp4") == tuple(int(tag) for tag in expected)


def test_the_video_track_is_marked_default_in_every_container(tmp_path):
    """Matroska outputs left it unmarked (carried audio and subtitles kept theirs), where MP4 and MOV mark it."""
    for suffix in (".mkv", ".mp4", ".mov"):
        out = tmp_path / f"out{suffix}"
        with VideoWriter(out, width=32, height=24, frame_rate=10, time_base=Fraction(1, 10)) as writer:
            for i in range(3):
                writer.write(pattern_frame(i, 32, 24), i / 10)
        with av.open(str(out)) as container:
            assert av.stream.Disposition.default in container.streams.video[0].disposition, suffix


def test_primaries_no_encoder_can_tag_are_left_unspecified(tmp_path):
    """EBU Tech 3213's primaries, carried from the source to the output: x265 refused to open ("Color Primaries must
    be ...") and the job failed at its first frame."""
    out = tmp_path / "out.mkv"
    with VideoWriter(out, width=64, height=64, frame_rate=10, time_base=Fraction(1, 10), codec="libx265",
                     colour=RgbColour(int(P.EBU3213), int(T.BT709))) as writer:
        for i in range(3):
            writer.write(pattern_frame(i, 64, 64), i / 10)
    assert colour_tags(out) == (P.UNSPECIFIED, T.BT709, SMPTE170M)


def test_an_rgb_codec_keeps_the_sources_primaries_and_transfer(tmp_path):
    """FFV1 (RGB) outputs were tagged BT.709 / sRGB whatever the source: a BT.601 clip's RGB is not BT.709's."""
    clip = tagged_clip(tmp_path / "in.mp4", 64, 36, P.SMPTE170M, T.SMPTE170M, SMPTE170M)
    process_video(clip, tmp_path / "out.mkv", device="cpu", interpolate="blend", codec="ffv1")
    primaries, transfer, _ = colour_tags(tmp_path / "out.mkv")
    assert (primaries, transfer) == (int(P.SMPTE170M), int(T.SMPTE170M))
