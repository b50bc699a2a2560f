"""HDR sources (a phone's HLG or PQ video) are tone-mapped to SDR BT.709 as they are read: grey levels, white and a
saturated colour land where an SDR display should show them, SDR sources are read exactly as before, and the run's
notes say so."""

from __future__ import annotations

import math

import av
import numpy as np
import pytest
from av.video.reformatter import ColorPrimaries, ColorRange, Colorspace, ColorTrc

from vsr_app.video.pipeline import process_video
from vsr_app.video.reader import RGB_FLAGS, VideoReader
from vsr_app.video.tonemap import pq_light, pq_signal

PATCH = 16  # pixels: each patch of the test picture is this wide, as tall as the picture


def hlg_signal(scene: float) -> float:
    """HLG's OETF (BT.2100) for scene light 0-1."""
    a = 0.17883277
    b, c = 1 - 4 * a, 0.5 - a * math.log(4 * a)
    return math.sqrt(3 * scene) if scene <= 1 / 12 else a * math.log(12 * scene - b) + c


LUMA_WEIGHTS = {Colorspace.BT2020: (0.2627, 0.0593), Colorspace.ITU709: (0.2126, 0.0722)}  # Kr, Kb


def yuv_codes(picture: np.ndarray, colorspace: Colorspace, bits: int) -> list[np.ndarray]:
    """Limited-range Y, Cb and Cr codes of the R'G'B' `picture` (HxWx3, 0-1) by `colorspace`'s matrix."""
    kr, kb = LUMA_WEIGHTS[colorspace]
    y = picture @ (kr, 1 - kr - kb, kb)
    cb, cr = (picture[..., 2] - y) / (2 - 2 * kb), (picture[..., 0] - y) / (2 - 2 * kr)
    return [np.round((offset + span * value) * (1 << (bits - 8))) for offset, span, value in
            ((16, 219, y), (128, 224, cb), (128, 224, cr))]


def make_hdr_clip(path, signals, *, transfer, primaries=ColorPrimaries.BT2020, colorspace=Colorspace.BT2020,
                  codec="ffv1", pix_fmt="yuv420p10le", height=PATCH, frames=2):
    """A clip of side-by-side patches of the R'G'B' `signals` (0-1), coded as YUV with `colorspace`'s matrix in the
    limited range (each code exact, not swscale's) and tagged with `transfer` and `primaries`, as a phone writes HDR."""
    picture = np.repeat(np.repeat(np.array(signals, np.float64)[None], PATCH, axis=1), height, axis=0)
    width = picture.shape[1]
    bits = av.VideoFormat(pix_fmt).components[0].bits
    dtype = np.uint16 if bits > 8 else np.uint8
    frame = av.VideoFrame(width, height, pix_fmt)
    for plane, codes in zip(frame.planes, yuv_codes(picture, colorspace, bits)):
        rows = np.zeros((plane.height, plane.line_size // np.dtype(dtype).itemsize), dtype)
        rows[:, :plane.width] = codes[::height // plane.height, ::width // plane.width]  # patches: even chroma
        plane.update(rows.tobytes())
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=10)
        stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
        if codec == "libx265":
            stream.options = {"crf": "4", "preset": "ultrafast", "x265-params": "log-level=error"}
        ctx = stream.codec_context
        ctx.colorspace, ctx.color_primaries, ctx.color_trc, ctx.color_range = (
            int(colorspace), int(primaries), int(transfer), int(ColorRange.MPEG))
        for i in range(frames):
            frame.pts = i
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return path


def patch_colours(image: np.ndarray, count: int) -> np.ndarray:
    """The RGB colour at the middle of each of `count` patches of `image`, as ints."""
    width = image.shape[1] // count
    return image[image.shape[0] // 2, [width * i + width // 2 for i in range(count)]].astype(int)


def grey(signal: float) -> tuple[float, float, float]:
    return signal, signal, signal


# A BT.709 red in BT.2020's primaries (in linear light BT.709's red is 0.6274 red, 0.0691 green and 0.0164 blue of
# BT.2020's) at a fifth of HLG's scene peak: read as BT.709, its green and blue showed (52 of 255), a paler red.
HLG_RED = tuple(hlg_signal(0.2 * share) for share in (0.6274, 0.0691, 0.0164))
# What an SDR display (BT.1886's gamma 2.4, white at HDR's 203-nit reference white, BT.2408) shows of HDR display
# light: light below the tone map's knee (88 nits) as it is, 255 * (nits / 203) ** (1 / 2.4); above it, rolled off
# by BT.2390's EETF (1000 nits to 203): 100 nits to 99.4 (189 of 255), reference white to 159 nits (230 of 255).
# The red's display light is 0.2 x 1000 nits x 0.0425 ** 0.2 (HLG's OOTF, by its luminance): 106 nits, rolled off to
# 105 (193 of 255). Its green and blue are off by up to 10 levels: near black a 10-bit code is several 8-bit levels.
GREY_LEVEL, RED_LEVELS = 2, 10  # how far from the expected colour each may read
CASES = {
    "hlg": (ColorTrc.ARIB_STD_B67, [
        (grey(0.38), grey(109), GREY_LEVEL),  # BT.2408's 18% grey: 26 nits on a 1000-nit display, 108.6
        (grey(0.75), grey(230), GREY_LEVEL),  # reference white (203 nits)
        (grey(1.0), grey(255), GREY_LEVEL),  # the peak
        (HLG_RED, (193, 0, 0), RED_LEVELS),
    ]),
    "pq": (ColorTrc.SMPTE2084, [
        (grey(pq_signal(26)), grey(109), GREY_LEVEL),
        (grey(pq_signal(100)), grey(189), GREY_LEVEL),
        (grey(pq_signal(203)), grey(230), GREY_LEVEL),  # as HLG's reference white
        (grey(pq_signal(1000)), grey(255), GREY_LEVEL),
    ]),
}


def assert_patches(image: np.ndarray, patches, slack: int = 0) -> None:
    """Each patch of `image` reads its expected colour, within its levels (and `slack` more)."""
    _, expected, levels = zip(*patches)
    off = np.abs(patch_colours(image, len(patches)) - np.array(expected))
    assert (off <= np.array(levels)[:, None] + slack).all(), patch_colours(image, len(patches)).tolist()


@pytest.mark.parametrize("case", CASES)
def test_hdr_greys_white_and_colours_read_as_sdr_shows_them(tmp_path, case):
    """Read as SDR, a PQ 100-nit grey came out 130 of 255 where it should be 189, and HLG's BT.2020 colours paled."""
    transfer, patches = CASES[case]
    path = make_hdr_clip(tmp_path / "hdr.mkv", [signal for signal, _, _ in patches], transfer=transfer)
    assert_patches(next(VideoReader(path).frames()).image, patches)


def test_hdr_greys_read_exact_to_rounding(tmp_path):
    """Below the knee a PQ grey is shown as mastered: each 10-bit code reads the level its light gives, to rounding.
    swscale's 16-bit RGB puts a limited-range white at 65280, not 65535: read as 65535, greys came out up to 1.5
    levels dark."""
    codes = np.round(64 + 876 * pq_signal(np.array([0.5, 5, 20, 50, 80])))
    expected = 255 * (pq_light((codes - 64) / 876) / 203) ** (1 / 2.4)
    path = make_hdr_clip(tmp_path / "greys.mkv", [grey((code - 64) / 876) for code in codes],
                         transfer=ColorTrc.SMPTE2084, pix_fmt="yuv444p10le")
    image = next(VideoReader(path).frames()).image
    assert np.abs(patch_colours(image, len(codes))[:, 1] - expected).max() <= 0.55


def test_sdr_sources_read_exactly_as_before(tmp_path):
    """Only PQ and HLG are tone-mapped: an SDR source, a 10-bit BT.2020 one too, reads as its exact 8-bit
    conversion (`RGB_FLAGS`)."""
    signals = [grey(0.2), grey(0.9), (0.8, 0.3, 0.1), (0.1, 0.6, 0.9)]
    clips = [make_hdr_clip(tmp_path / "bt2020.mkv", signals, transfer=ColorTrc.BT2020_10),
             make_hdr_clip(tmp_path / "bt709.mkv", signals, transfer=ColorTrc.BT709, primaries=ColorPrimaries.BT709,
                           colorspace=Colorspace.ITU709, pix_fmt="yuv420p")]
    for path in clips:
        with av.open(str(path)) as container:
            exact = [f.to_ndarray(format="rgb24", interpolation=RGB_FLAGS) for f in container.decode(video=0)]
        read = [frame.image for frame in VideoReader(path).frames()]
        assert len(read) == len(exact) and all(np.array_equal(a, b) for a, b in zip(read, exact)), path.name


def test_an_hlg_phone_clip_is_upscaled_as_sdr_bt709_with_a_note(tmp_path):
    """An iPhone's kind of clip (HEVC 10-bit in .mp4, HLG, BT.2020) upscaled to HD: written tagged SDR BT.709, its
    colours where SDR shows them, and the notes say it was tone-mapped."""
    patches = CASES["hlg"][1]
    source = make_hdr_clip(tmp_path / "phone.mp4", [signal for signal, _, _ in patches], transfer=ColorTrc.ARIB_STD_B67,
                           codec="libx265", height=180, frames=3)  # x4: 256x720, HD by the writer's rule
    summary = process_video(source, tmp_path / "out.mp4", upscale="bicubic", device="cpu")
    assert "video #0 hevc: HDR (HLG) with BT.2020 colours tone-mapped to SDR BT.709" in summary.notes
    with av.open(str(tmp_path / "out.mp4")) as container:
        ctx = container.streams.video[0].codec_context
        assert (ctx.color_trc, ctx.color_primaries) == (ColorTrc.BT709, ColorPrimaries.BT709)
        image = next(container.decode(video=0)).to_ndarray(format="rgb24", interpolation=RGB_FLAGS)
    assert_patches(image, patches, slack=2)  # through H.265, H.264 and 4:2:0 twice
