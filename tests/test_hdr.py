"""HDR sources (a phone's HLG or PQ video) are tone-mapped to SDR BT.709 as they are read: grey levels, white and a
saturated colour land where an SDR display should show them, wide-gamut SDR is converted to BT.709's primaries,
BT.709 sources are read exactly as before, and the run's notes say so."""

from __future__ import annotations

import math
import os
import threading
import tracemalloc

import av
import numpy as np
import pytest
from av.video.reformatter import ColorPrimaries, ColorRange, Colorspace, ColorTrc

from vsr_app.errors import VsrAppError
from vsr_app.gui.inspector import video_facts
from vsr_app.video.pipeline import process_video
from vsr_app.video.pictures import RGB_FLAGS
from vsr_app.video.reader import VideoReader
from vsr_app.video import tonemap
from vsr_app.video.tonemap import HLG, PQ, REFERENCE_WHITE, SOURCE_PEAK, Hdr, eetf, pq_light, pq_signal, to_sdr
from vsr_app.video.writer import repair_decode_time

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
                  codec="ffv1", pix_fmt="yuv420p10le", height=PATCH, frames=2, matrix_tag=None, x265_params=""):
    """A clip of side-by-side patches of the R'G'B' `signals` (0-1), coded as YUV with `colorspace`'s matrix in the
    limited range (each code exact, not swscale's) and tagged with `transfer`, `primaries` and the matrix (or
    `matrix_tag`), as a phone writes HDR; `x265_params` (":key=value...") go to libx265."""
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
            stream.options = {"crf": "4", "preset": "ultrafast", "x265-params": "log-level=error" + x265_params}
        ctx = stream.codec_context
        ctx.colorspace, ctx.color_primaries, ctx.color_trc, ctx.color_range = (
            int(colorspace if matrix_tag is None else matrix_tag), int(primaries), int(transfer), int(ColorRange.MPEG))
        for i in range(frames):
            frame.pts = i
            container.mux(stream.encode(frame))
        for packet in stream.encode():
            repair_decode_time(packet, codec, frames)
            container.mux(packet)
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


def test_bt709_sources_read_exactly_as_before(tmp_path):
    """Only HDR and wide gamuts are converted: an SDR BT.709 source, 8-bit or 10-bit, reads as its exact 8-bit
    conversion (`RGB_FLAGS`)."""
    signals = [grey(0.2), grey(0.9), (0.8, 0.3, 0.1), (0.1, 0.6, 0.9)]
    clips = [make_hdr_clip(tmp_path / f"bt709_{pix_fmt}.mkv", signals, transfer=ColorTrc.BT709,
                           primaries=ColorPrimaries.BT709, colorspace=Colorspace.ITU709, pix_fmt=pix_fmt)
             for pix_fmt in ("yuv420p", "yuv420p10le")]
    for path in clips:
        with av.open(str(path)) as container:
            exact = [f.to_ndarray(format="rgb24", interpolation=RGB_FLAGS) for f in container.decode(video=0)]
        read = [frame.image for frame in VideoReader(path).frames()]
        assert len(read) == len(exact) and all(np.array_equal(a, b) for a, b in zip(read, exact)), path.name


# BT.2087's matrix from linear BT.2020 to BT.709, and Display P3's (D65)
BT2020_TO_BT709 = np.array([[1.6605, -0.5876, -0.0728], [-0.1246, 1.1329, -0.0083], [-0.0182, -0.1006, 1.1187]])
P3_TO_BT709 = np.array([[1.2249, -0.2247, 0], [-0.0420, 1.0419, 0], [-0.0197, -0.0786, 1.0979]])
WIDE_TO_BT709 = {ColorPrimaries.BT2020: BT2020_TO_BT709, ColorPrimaries.SMPTE432: P3_TO_BT709}
BT709_COLOURS = [grey(0.49), (0.85, 0.10, 0.10), (0.15, 0.75, 0.20), (0.10, 0.20, 0.80), (0.87, 0.67, 0.55)]


@pytest.mark.parametrize("primaries, transfer", [(ColorPrimaries.BT2020, ColorTrc.BT2020_10),
                                                 (ColorPrimaries.SMPTE432, ColorTrc.BT709)])
def test_wide_gamut_sdr_colours_read_as_their_bt709_colours(tmp_path, primaries, transfer):
    """BT.709 colours coded in a wide gamut's primaries (by BT.1886's gamma, as SDR is shown) read back as those
    colours: read as BT.709's, a BT.2020 red (217, 26, 26) read (179, 73, 44) and a green (38, 191, 51) (123, 185,
    81), washed out."""
    light = np.array(BT709_COLOURS) ** 2.4 @ np.linalg.inv(WIDE_TO_BT709[primaries]).T
    assert light.min() >= 0  # inside the wide gamut
    path = make_hdr_clip(tmp_path / "wide.mkv", light ** (1 / 2.4), transfer=transfer, primaries=primaries,
                         pix_fmt="yuv444p10le")
    read = patch_colours(next(VideoReader(path).frames()).image, len(BT709_COLOURS))
    # within 3 levels: a 10-bit code's rounding, through the matrix's -0.59 of green, is 2 levels of a dark red
    assert np.abs(read - 255 * np.array(BT709_COLOURS)).max() <= 3, read.tolist()


@pytest.mark.parametrize("transfer", [PQ, HLG])
def test_the_tone_map_works_in_strips_without_a_frames_float_copies(transfer):
    """A 4K HDR clip read at 776 MB where the same clip tagged SDR read at 464: the tone map's float32 copies of the
    whole frame. In strips it holds little more than its output, which is bit for bit the whole frame's at once.
    (A tall narrow frame: its strips' copies, one on each of up to STRIP_THREADS threads, small beside its output.)"""
    rgb = np.random.default_rng(0).integers(0, 65280, (8640, 64, 3)).astype(np.uint16)
    hdr = Hdr(transfer, int(ColorPrimaries.BT2020), SOURCE_PEAK)
    to_sdr(rgb, hdr, 65280)  # its tables made before measuring
    tracemalloc.start()
    try:
        out = to_sdr(rgb, hdr, 65280)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2 * out.nbytes, peak / out.nbytes  # it was 11.7 times
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tonemap, "STRIP_ROWS", len(rgb))
        assert np.array_equal(out, to_sdr(rgb, hdr, 65280))


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: the strips are converted on one thread")
def test_the_tone_maps_strips_are_converted_on_several_threads_at_once():
    """On one thread the tone map took 145 ms a 4K frame on the 2-core EPYC, the slowest step of interpolating on a
    GPU; on two, 80. Two strips that each wait for the other finish only where they are converted at the same time."""
    meeting = threading.Barrier(2, timeout=5)

    def convert(rows: np.ndarray) -> np.ndarray:
        meeting.wait()
        return (rows >> 8).astype(np.uint8)

    rgb = np.random.default_rng(0).integers(0, 65280, (2 * tonemap.STRIP_ROWS, 8, 3)).astype(np.uint16)
    assert np.array_equal(tonemap._in_strips(rgb, convert), rgb >> 8)


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


def test_backward_compatible_hlg_is_noted_as_the_hdr_its_frames_are_read_as(tmp_path):
    """Backward-compatible HLG (header BT.2020 SDR, an SEI saying HLG, which the decoder gives its frames) was
    tone-mapped, while the note, decided from the header, said it was written as SDR without gamut conversion."""
    patches = CASES["hlg"][1]
    source = make_hdr_clip(tmp_path / "atc.mp4", [signal for signal, _, _ in patches], transfer=ColorTrc.BT2020_10,
                           codec="libx265", x265_params=":atc-sei=18", frames=3)
    assert_patches(next(VideoReader(source).frames()).image, patches, slack=2)  # read as HLG
    summary = process_video(source, tmp_path / "out.mp4", upscale="bicubic", device="cpu")
    assert "video #0 hevc: HDR (HLG) with BT.2020 colours tone-mapped to SDR BT.709" in summary.notes
    assert not any("without gamut conversion" in note for note in summary.notes), summary.notes


def test_bright_saturated_pq_colours_are_rolled_off_by_their_own_light(tmp_path):
    """In BT.709's primaries a BT.2020 channel reaches 1.66 times PQ's peak, past the roll-off's table, which then
    scaled a bright magenta as if it were at the peak: its blue read 244 where 201 is due."""
    signal = np.array([65230, 8154, 63934]) / 65280  # swscale's limited-range white
    light = np.maximum(BT2020_TO_BT709 @ pq_light(signal), 0)
    shown = light * eetf(light.max()) / light.max()
    expected = 255 * (shown / REFERENCE_WHITE) ** (1 / 2.4)
    rgb = np.array([65230, 8154, 63934], np.uint16).reshape(1, 1, 3)
    read = to_sdr(rgb, Hdr(PQ, int(ColorPrimaries.BT2020), SOURCE_PEAK), 65280)[0, 0]
    assert np.abs(read - expected).max() <= 1, (read.tolist(), expected.round(1).tolist())


def test_hdr_without_a_matrix_tag_is_read_with_bt2100s_matrix(tmp_path):
    """BT.2100 has one YUV matrix, BT.2020's: untagged HDR was read with BT.601 or BT.709, its colours shifted."""
    patches = CASES["hlg"][1]
    signals = [signal for signal, _, _ in patches]
    tagged = make_hdr_clip(tmp_path / "tagged.mkv", signals, transfer=ColorTrc.ARIB_STD_B67)
    untagged = make_hdr_clip(tmp_path / "untagged.mkv", signals, transfer=ColorTrc.ARIB_STD_B67, matrix_tag=2)
    with av.open(str(untagged)) as container:
        assert next(container.decode(video=0)).colorspace == 2  # unspecified
    image = next(VideoReader(untagged).frames()).image
    assert np.array_equal(image, next(VideoReader(tagged).frames()).image)
    assert_patches(image, patches)


def test_an_ictcp_clip_is_refused_in_one_line_at_opening(tmp_path):
    """swscale cannot convert ICtCp (BT.2100's other matrix): reading its frames ended in a traceback (OSError), and
    then it opened, the Colour fact saying it was shown tone-mapped, and only its picture was refused."""
    path = make_hdr_clip(tmp_path / "ictcp.mkv", [grey(0.5)], transfer=ColorTrc.SMPTE2084, matrix_tag=14)
    with pytest.raises(VsrAppError, match="^the video's colours are coded as ICtCp [^\n]*BT.2020 matrix$"):
        VideoReader(path)


def test_a_pq_master_brighter_than_1000_nits_is_rolled_off_from_its_declared_peak(tmp_path):
    """A 4000-nit master (MaxCLL 4000) was rolled off from 1000 nits: everything from 1000 to 4000 nits clipped to
    white, and the light below was rolled off too little (a 300-nit grey read 244 where 225 is due)."""
    nits = [100, 300, 600, 4000]
    path = make_hdr_clip(tmp_path / "hdr10.mp4", [grey(pq_signal(n)) for n in nits], transfer=ColorTrc.SMPTE2084,
                         codec="libx265", x265_params=":hdr10=1:max-cll=4000,400", frames=1)
    reader = VideoReader(path)
    assert reader.info.hdr.peak == 4000
    expected = 255 * (eetf(np.array(nits, float), 4000) / REFERENCE_WHITE) ** (1 / 2.4)
    assert expected[1] < 230  # rolled off further than from 1000 nits
    read = patch_colours(next(reader.frames()).image, len(nits))[:, 1]
    assert np.abs(read - expected).max() <= 2, (read.tolist(), expected.round(1).tolist())


def test_pq_frames_that_declare_no_peak_are_rolled_off_from_the_streams(tmp_path):
    """A later keyframe without the HDR10 SEI was rolled off from 1000 nits where the stream declares 4000: the picture
    jumped in brightness part-way (a 300-nit grey 225 to 244), and a seek there showed another picture than playing."""
    signals = [grey(pq_signal(n)) for n in (100, 300, 600, 4000)]
    declared = make_hdr_clip(tmp_path / "declared.hevc", signals, transfer=ColorTrc.SMPTE2084, codec="libx265",
                             x265_params=":hdr10=1:max-cll=4000,400", frames=3)
    undeclared = make_hdr_clip(tmp_path / "undeclared.hevc", signals, transfer=ColorTrc.SMPTE2084, codec="libx265",
                               frames=3)
    path = tmp_path / "joined.hevc"  # a raw stream: its second keyframe's frames carry no light level
    path.write_bytes(declared.read_bytes() + undeclared.read_bytes())
    reader = VideoReader(path)
    played = [frame.image for frame in reader.frames()]
    assert len(played) == 6 and reader.info.hdr.peak == 4000
    assert all(np.array_equal(image, played[0]) for image in played), [patch_colours(i, 4).tolist() for i in played]
    assert np.array_equal(next(reader.frames(reader.info.start_time + 0.4)).image, played[0])


def test_the_compare_tab_says_the_video_is_hdr_shown_tone_mapped(tmp_path):
    """The Compare tab's facts never said the source was HDR, though its picture is the reader's tone map."""
    hlg = make_hdr_clip(tmp_path / "hlg.mkv", [grey(0.5)], transfer=ColorTrc.ARIB_STD_B67)
    wide = make_hdr_clip(tmp_path / "wide.mkv", [grey(0.5)], transfer=ColorTrc.BT2020_10)
    sdr = make_hdr_clip(tmp_path / "sdr.mkv", [grey(0.5)], transfer=ColorTrc.BT709, primaries=ColorPrimaries.BT709,
                        colorspace=Colorspace.ITU709)
    assert video_facts(VideoReader(hlg).info)["Colour"] == "HDR (HLG, BT.2020), shown tone-mapped to SDR"
    assert video_facts(VideoReader(wide).info)["Colour"] == "SDR, BT.2020 colours, shown converted to BT.709"
    assert video_facts(VideoReader(sdr).info)["Colour"] == "SDR"


def test_hdr_of_unknown_primaries_says_the_bt2020_it_is_converted_as(tmp_path):
    """Untagged primaries are converted as BT.2020's, which HDR uses, but the note and the Colour fact said only
    'HDR (PQ)', as of BT.709 colours, which are not converted."""
    path = make_hdr_clip(tmp_path / "untagged.mkv", [grey(0.5)], transfer=ColorTrc.SMPTE2084,
                         primaries=ColorPrimaries.UNSPECIFIED)
    assert video_facts(VideoReader(path).info)["Colour"] == "HDR (PQ, BT.2020 assumed), shown tone-mapped to SDR"
    summary = process_video(path, tmp_path / "out.mkv", upscale="bicubic", device="cpu")
    assert "video #0 ffv1: HDR (PQ) with BT.2020 colours assumed, tone-mapped to SDR BT.709" in summary.notes


def test_eval_says_an_hdr_videos_truth_is_its_tone_map(tmp_path):
    """eval vsr scored an HDR video against the reader's tone-mapped picture without a word (its help says frames
    are taken as decoded); a wide-gamut one against its conversion."""
    from vsr_app.sequences import _decoded_sequence

    hlg = make_hdr_clip(tmp_path / "hlg.mkv", [grey(0.5)], transfer=ColorTrc.ARIB_STD_B67)
    wide = make_hdr_clip(tmp_path / "wide.mkv", [grey(0.5)], transfer=ColorTrc.BT2020_10)
    sdr = make_hdr_clip(tmp_path / "sdr.mkv", [grey(0.5)], transfer=ColorTrc.BT709, primaries=ColorPrimaries.BT709,
                        colorspace=Colorspace.ITU709)
    notes = {path.stem: _decoded_sequence(path, None, lambda image: image, True).notes for path in (hlg, wide, sdr)}
    assert notes == {"hlg": ("HDR (HLG): the truth is its tone map to SDR BT.709, the picture the app shows and "
                             "processes",),
                     "wide": ("wide-gamut colours: the truth is their conversion to BT.709, the picture the app shows "
                              "and processes",),
                     "sdr": ()}
