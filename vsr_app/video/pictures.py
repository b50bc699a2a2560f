"""Decoded frames turned into the RGB pictures a player shows: by the frame's own colour matrix (untagged video by
the size rule players use), HDR and wide-gamut colours to SDR BT.709 (`tonemap.py`), turned and mirrored as the
display matrix says, and scaled to one size for the whole stream.

Why a module of its own: it is the reader's per-frame work apart from decoding; the writer picks its matrix by the
same size rule (`is_hd`), and benchmarks time the conversion without the decode.
"""

from __future__ import annotations

import cv2
import numpy as np
from av.sidedata.sidedata import Type as SideDataType
from av.video.reformatter import ColorRange, Colorspace, Interpolation

from vsr_app.errors import VsrAppError
from vsr_app.video.tonemap import gamut_to_bt709, hdr_of, to_sdr, wide_gamut_of

UNSPECIFIED_COLORSPACE = 2  # AVCOL_SPC_UNSPECIFIED: the file does not say which matrix its YUV uses
ICTCP = 14  # AVCOL_SPC_ICTCP: BT.2100's ICtCp, which swscale cannot convert
ICTCP_REFUSED = ("the video's colours are coded as ICtCp (BT.2100), which FFmpeg cannot convert to RGB; "
                 "re-encode it with the BT.2020 matrix")


def orientation_of(frame) -> tuple[int, bool]:
    """How the coded picture is turned to be shown: degrees counter-clockwise (a multiple of 90, in [0, 360)), then
    whether it is mirrored left to right. Read from the display matrix as FFmpeg's autorotate reads it: the angle
    FFmpeg gives a mirroring matrix drops the mirror (QuickTime's Flip Horizontal reads as 180 degrees, and came out
    upside-down), so the signs of the matrix's entries decide."""
    try:
        degrees = frame.rotation
        matrix = next((bytes(data) for data in frame.side_data if data.type == SideDataType.DISPLAYMATRIX), None)
    except (AttributeError, ValueError):
        return 0, False
    turn = int(round((degrees or 0) / 90.0)) % 4 * 90
    if matrix is None or len(matrix) < 36:
        return turn, False
    a, _, _, c, d = np.frombuffer(matrix[:20], "<i4")  # [a b u; c d v; x y w]: x' = a x + c y, y' = b x + d y
    if turn == 0:
        return (180, True) if d < 0 else (0, False)  # a vertical flip
    if turn == 180:
        return {(True, True): (180, False), (True, False): (0, True), (False, True): (180, True)}.get(
            (bool(a < 0), bool(d < 0)), (0, False))
    return turn, bool(c < 0) if turn == 90 else bool(c > 0)


def is_hd(width: int, height: int) -> bool:
    """The size rule players apply to video without colour tags (mpv's: 1280 wide or more than 576 lines means
    BT.709, else BT.601): the reader decodes untagged video by it and the writer picks its matrix by it."""
    return width >= 1280 or height > 576


# swscale's default YUV -> RGB for 4:2:0 and 4:2:2 rounds down at 8 bits (0.5 of a level darker on average, up to
# 2.6 off in colours) and loses gain at 10 and 12 bits (a 10-bit white came out 253); accurate rounding with full
# chroma interpolation is exact to rounding at every depth (benchmarks/decode_levels.py)
RGB_FLAGS = Interpolation.BILINEAR | Interpolation.ACCURATE_RND | Interpolation.FULL_CHR_H_INT


# 16-bit RGB is planar (gbrp16le): swscale's packed rgb48le with RGB_FLAGS' full chroma interpolation mixes up green
# and blue from 4:2:0 (a 10-bit colour of R'G'B' 0.60, 0.20, 0.10 read 0.60, 0.00, 0.38)
def _white_16bit(frame) -> int:
    """The 16-bit RGB value swscale gives `frame`'s white, which is not 65535: 255 * 256 from limited range, as if
    it were 8 bits (a 10-bit white of 940 reads 65283), and full range (or RGB) its code shifted up to 16 bits (1023:
    65472); the signal read by it is exact to 0.3 of a 10-bit code."""
    fmt = frame.format
    if fmt.is_rgb or frame.color_range == ColorRange.JPEG or fmt.name.startswith("yuvj"):
        bits = max(component.bits for component in fmt.components)
        return (2 ** bits - 1) << (16 - bits)
    return 255 * 256


def to_rgb(frame, orientation: tuple[int, bool], stream_peak: float) -> tuple[np.ndarray, bool]:
    """The frame as RGB (PQ tone-mapped from `stream_peak` where the frame declares no peak of its own), and whether
    it had a pixel that is not opaque (its alpha channel, which RGB drops). Each frame is looked at: a clip that fades
    out or a title that starts opaque went without a word, when only the first was (and GIF's decoder gives every GIF
    an alpha channel, so the pixel format alone said it of opaque ones)."""
    # FFmpeg decodes an untagged frame as BT.601 at any size: untagged HD (x264 without VUI, many cameras and screen
    # captures) came out with shifted reds and greens, and was then written tagged BT.709
    hdr, gamut = hdr_of(frame, stream_peak), wide_gamut_of(frame)
    deep = bool(hdr or gamut)  # decoded at 16 bits for the conversion to BT.709, which gives 8
    matrix = None
    if frame.colorspace == UNSPECIFIED_COLORSPACE:  # BT.2100 has one matrix (BT.2020) for HDR, not the size rule
        matrix = (Colorspace.BT2020 if hdr else Colorspace.ITU709 if is_hd(frame.width, frame.height)
                  else Colorspace.ITU601)
    transparent = False
    try:
        if any(component.is_alpha for component in frame.format.components):
            rgba = frame.to_ndarray(format="gbrap16le" if deep else "rgba", src_colorspace=matrix,
                                    interpolation=RGB_FLAGS)
            transparent = bool((rgba[..., 3] < (_white_16bit(frame) if deep else 255)).any())
            image = rgba[..., :3]
        else:
            image = frame.to_ndarray(format="gbrp16le" if deep else "rgb24", src_colorspace=matrix,
                                     interpolation=RGB_FLAGS)
    except OSError as exc:  # swscale refuses a matrix it lacks ("Operation not supported"), a traceback till then
        if frame.colorspace != ICTCP:
            raise
        raise VsrAppError(ICTCP_REFUSED) from exc
    if hdr:
        image = to_sdr(image, hdr, _white_16bit(frame))
    elif gamut:
        image = gamut_to_bt709(image, gamut, _white_16bit(frame))
    degrees, mirrored = orientation
    if degrees or mirrored:
        turned = np.rot90(image, k=degrees // 90)
        image = turned[:, ::-1] if mirrored else turned
    return np.ascontiguousarray(image), transparent


def fit(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """A frame of another size scaled to `width`x`height` (area averaging when it shrinks, bicubic when it grows)."""
    shrinks = image.shape[0] * image.shape[1] > width * height
    return cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA if shrinks else cv2.INTER_CUBIC)
