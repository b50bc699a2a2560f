"""HDR video (PQ or HLG) turned into SDR BT.709 RGB, as it looks on the phone that recorded it, within SDR's range;
wide-gamut SDR video (BT.2020 or P3 primaries) into BT.709's.

Why: the app processes 8-bit SDR RGB, and phones record HDR by default (iPhone: HLG; many Android phones and
cameras: PQ). Read as SDR, PQ came out dark and washed out and HLG desaturated (BT.2020 primaries taken for BT.709).
The steps (ITU-R BT.2100, BT.2390, BT.2408), on RGB decoded at 16 bits (`pictures.to_rgb`):

1. the signal to display light: PQ's EOTF; HLG's inverse OETF and the OOTF of a nominal 1000-nit display (system
   gamma 1.2), counted in HDR reference white, 203 nits (BT.2408), which SDR white is made to show;
2. the source's primaries (BT.2020, or P3) to BT.709 in linear light; colours outside BT.709 are clipped (a channel
   below 0 is 0);
3. BT.2390's EETF, which rolls the source's peak off to SDR white (HLG's 1000-nit display; PQ's declared peak,
   MaxCLL else the mastering display's, else 1000 nits): light below its knee (88 nits) is left as
   mastered, where Hable's filmic curve would change every shadow and mid-tone too. It is applied to each pixel's
   largest channel and the pixel scaled by it, so hues and saturation stay (applied to each channel apart, it would
   pale bright colours and turn them towards the primaries: orange to yellow);
4. the inverse of BT.1886's gamma 2.4, the EOTF SDR video is shown with, so an SDR display shows the light of the
   HDR display scaled to its white: HLG's 75% white (203 nits) reads 230 of 255, a PQ 100-nit grey 189.

Wide-gamut SDR takes steps 1, 2 and 4, its signal made light by BT.1886 (read as BT.709's, it came out washed out):
greys keep their levels, colours outside BT.709 are clipped (below 0 to 0, past white to white).

Every per-channel step is a lookup table: 39-43 CPU-ms a 1080p frame on the 2-core EPYC (the 8-bit conversion it
replaces takes 10; `benchmarks/colour_path.py`), where the default upscaler takes about 3,200 (88 a 320x180 frame). A
frame is converted in strips of rows, so its float32 working copies are a strip's, not a 4K frame's (300 MB), and a
third faster (they fit the cache); the strips on a thread a core (up to 4): a 4K frame in 80 ms wall where one thread
took 145 (150-170 CPU-ms).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache, lru_cache

import av
import cv2
import numpy as np
from av.sidedata.sidedata import Type as SideDataType
from av.video.reformatter import ColorPrimaries, ColorTrc

PQ, HLG = int(ColorTrc.SMPTE2084), int(ColorTrc.ARIB_STD_B67)
SDR = int(ColorTrc.BT709)  # any SDR transfer: made light by BT.1886, the EOTF SDR video is shown with (step 4's)
STRIP_ROWS = 64  # rows converted at a time (`_in_strips`): 3 MB float32 working copies of a 4K strip
STRIP_THREADS = 4  # the most threads converting strips at once (`_strip_workers`): a 4K frame has 34 strips
REFERENCE_WHITE = 203.0  # nits: HDR reference white (BT.2408), shown as SDR white
SOURCE_PEAK = 1000.0  # nits: HLG's nominal display peak, and the peak most PQ video is mastered to
PEAK_RANGE = (400.0, 10_000.0)  # nits: a declared PQ peak is held within this (0 means unknown)
# How far a channel's light can exceed the source's brightest channel once turned into BT.709's primaries (BT.2020's
# red: 1.66 times), so the roll-off's table reaches every pixel (it stopped at PQ's peak, and a bright saturated
# colour past it was rolled off as if at the peak: magenta's blue read 244 where 201 was due)
GAMUT_GAIN = 2.0
PQ_PEAK = 10_000.0  # nits: PQ's full signal
PQ_M1, PQ_M2 = 2610 / 16384, 2523 / 4096 * 128  # ST 2084's constants
PQ_C1, PQ_C2, PQ_C3 = 3424 / 4096, 2413 / 4096 * 32, 2392 / 4096 * 32
HLG_GAMMA = 1.2  # BT.2100's system gamma for a 1000-nit display
SDR_GAMMA = 2.4  # BT.1886
MANTISSA_DROPPED = 13  # of a float32's 23 bits, by `_lookup`: steps of 0.1%, a twentieth of an 8-bit level

# CIE 1931 xy of red, green and blue; every one with the D65 white. Other or unknown primaries of HDR video are
# taken as BT.2020, which HDR video uses.
D65 = (0.3127, 0.3290)
BT709 = ((0.640, 0.330), (0.300, 0.600), (0.150, 0.060))
BT2020 = ((0.708, 0.292), (0.170, 0.797), (0.131, 0.046))
P3 = ((0.680, 0.320), (0.265, 0.690), (0.150, 0.060))
PRIMARIES = {int(ColorPrimaries.BT709): BT709, int(ColorPrimaries.BT2020): BT2020,
             int(ColorPrimaries.SMPTE431): P3, int(ColorPrimaries.SMPTE432): P3}
WIDE_GAMUTS = frozenset(PRIMARIES) - {int(ColorPrimaries.BT709)}


@dataclass(frozen=True)
class Hdr:
    """An HDR frame's colour, the one test of what is tone-mapped: the reader converts by it (`to_sdr`), and the
    notes and the GUI say what it found (decided apart from the stream's header, they contradicted the picture:
    backward-compatible HLG's header says BT.2020 SDR, its frames HLG)."""

    transfer: int  # PQ or HLG
    primaries: int
    peak: float  # nits: the light rolled off to SDR white

    @property
    def primaries_assumed(self) -> bool:
        """Whether its primaries are none of `PRIMARIES` (untagged, most often), converted as BT.2020's."""
        return self.primaries not in PRIMARIES

    def label(self, gamut: str | None = None) -> str:
        """'HDR (HLG)', with the `gamut` named where given, and a PQ peak other than the 1000 nits assumed:
        'HDR (PQ, BT.2020, 4000-nit peak)'."""
        peak = f"{self.peak:.0f}-nit peak" if self.peak != SOURCE_PEAK else None
        return f"HDR ({', '.join(filter(None, ('PQ' if self.transfer == PQ else 'HLG', gamut, peak)))})"


def hdr_of(frame: av.VideoFrame, stream_peak: float = SOURCE_PEAK) -> Hdr | None:
    """`frame`'s HDR colour where it is tagged with an HDR transfer (PQ or HLG), else None. A PQ frame that declares
    no peak takes `stream_peak`, the stream's (its first frame's, `VideoInfo.hdr`): from 1000 nits, a later keyframe
    without the SEI jumped in brightness (white 210 to 231), and a seek there showed another picture than playing."""
    if frame.color_trc not in (PQ, HLG):
        return None
    if frame.color_trc == HLG:
        return Hdr(HLG, frame.color_primaries, SOURCE_PEAK)
    peak = _declared_peak(frame)
    return Hdr(PQ, frame.color_primaries, min(max(peak, PEAK_RANGE[0]), PEAK_RANGE[1]) if peak else stream_peak)


def _declared_peak(frame: av.VideoFrame) -> float | None:
    """The peak light (nits) a PQ frame's side data declares: its MaxCLL, else its mastering display's maximum; None
    where it declares neither (a 4000-nit master rolled off as a 1000-nit one clipped everything above 1000 nits)."""
    data = {side.type: bytes(side) for side in frame.side_data}
    light_level = data.get(SideDataType.CONTENT_LIGHT_LEVEL, b"")
    if len(light_level) >= 4 and (max_cll := int(np.frombuffer(light_level[:4], "<u4")[0])):
        return float(max_cll)
    # AVMasteringDisplayMetadata: 8 rationals (primaries, white point), min and max luminance, has_primaries,
    # has_luminance, as int32s
    mastering = data.get(SideDataType.MASTERING_DISPLAY_METADATA, b"")
    if len(mastering) >= 88:
        fields = np.frombuffer(mastering[:88], "<i4")
        if fields[21] and fields[19] > 0:
            return float(fields[18] / fields[19])
    return None


def to_sdr(rgb: np.ndarray, hdr: Hdr, white: int) -> np.ndarray:
    """`rgb` (HxWx3 uint16, the `hdr`-encoded signal, `white` its full signal) as SDR BT.709 RGB, HxWx3 uint8."""
    return _in_strips(rgb, lambda rows: _to_bt709_signal(rows, hdr.transfer, hdr.primaries, white, hdr.peak))


def wide_gamut_of(frame: av.VideoFrame) -> int | None:
    """`frame`'s primaries where they are wider than BT.709's (BT.2020, P3) and its transfer is SDR's, else None."""
    return frame.color_primaries if frame.color_primaries in WIDE_GAMUTS and frame.color_trc not in (PQ, HLG) else None


def gamut_to_bt709(rgb: np.ndarray, primaries: int, white: int) -> np.ndarray:
    """`rgb` (HxWx3 uint16, an SDR signal in wide-gamut `primaries`, `white` its full signal) as BT.709 RGB, HxWx3
    uint8: read as BT.709's, a BT.2020 red (217, 26, 26) read (179, 73, 44)."""
    return _in_strips(rgb, lambda rows: _to_bt709_signal(rows, SDR, primaries, white))


def _in_strips(rgb: np.ndarray, convert) -> np.ndarray:
    """`convert` (uint16 RGB rows to uint8) applied to `rgb` STRIP_ROWS rows at a time, into one uint8 frame, the
    strips on `_strip_workers`' threads: the float32 copies of a whole 4K frame took 300 MB more than reading it as
    SDR, and on one thread a 4K frame took 145 ms, the slowest step of interpolating on a GPU (each pixel is
    converted alone, so the result is the same)."""
    out = np.empty(rgb.shape, np.uint8)

    def convert_strip(top: int) -> None:
        out[top:top + STRIP_ROWS] = convert(rgb[top:top + STRIP_ROWS])

    for _ in _strip_workers().map(convert_strip, range(0, len(rgb), STRIP_ROWS)):
        pass  # each strip done (and its exception raised here)
    return out


@cache
def _strip_workers() -> ThreadPoolExecutor:
    """The threads `_in_strips` converts strips on, one a core up to STRIP_THREADS: the lookups (numpy's gather) and
    `cv2.transform` release the GIL."""
    return ThreadPoolExecutor(min(os.cpu_count() or 1, STRIP_THREADS), thread_name_prefix="tonemap")


def _to_bt709_signal(rgb: np.ndarray, transfer: int, primaries: int, white: int, peak: float | None = None
                     ) -> np.ndarray:
    """`rgb` (uint16 signal of `transfer`) to light, BT.709's primaries, the roll-off from `peak` (HDR's; None for
    SDR, whose white is SDR white already) and the 8-bit BT.1886 signal."""
    light = _signal_to_light(transfer, white)[rgb]
    matrix, luminance_weights = _to_bt709(primaries)
    # HLG's OOTF: a 1000-nit display's light, raised by the system gamma where the scene is brighter (PQ is display
    # light already)
    gain = (cv2.transform(light, luminance_weights) ** (HLG_GAMMA - 1) * (SOURCE_PEAK / REFERENCE_WHITE)
            if transfer == HLG else np.float32(1))
    light = cv2.transform(light, matrix)
    np.maximum(light, 0, out=light)  # the gamut clip: channels past white are clipped by the last table
    if peak is not None:
        largest = np.maximum(np.maximum(light[..., 0], light[..., 1]), light[..., 2]) * gain
        gain = gain * _lookup(_roll_off(peak), largest)
        np.multiply(light, gain[..., None], out=light)
    return _lookup(_sdr_signal(), light)


def _lookup(table: np.ndarray, light: np.ndarray) -> np.ndarray:
    """`table`'s entries for `light` (float32), indexed by its bits: its exponent and the top of its mantissa, so that
    each step is 0.1% of the light, as fine near black as at white (`_table`); a square-root index took twice as long.
    Light below 0 (-0 too) takes the first entry, light past the table's top the last."""
    index = light.view(np.int32) >> MANTISSA_DROPPED
    np.clip(index, 0, len(table) - 1, out=index)
    return table[index]


def _table(function, top: float, dtype) -> np.ndarray:
    """`function` of light (float64 array) at the middle of each of `_lookup`'s steps from 0 to past `top`."""
    steps = (np.array(top, np.float32).view(np.uint32) >> MANTISSA_DROPPED) + 2
    bits = (np.arange(steps, dtype=np.uint32) << MANTISSA_DROPPED) | (1 << (MANTISSA_DROPPED - 1))
    return function(bits.view(np.float32).astype(np.float64)).astype(dtype)


@cache
def _signal_to_light(transfer: int, white: int) -> np.ndarray:
    """Each 16-bit value's linear light, `white` the full signal (those above it, a limited range's superwhites, as
    it): PQ's display light in reference whites; HLG's scene light (0-1), before the OOTF; SDR's display light
    (BT.1886, black at 0) in SDR whites."""
    signal = np.minimum(np.arange(65_536) / white, 1)
    if transfer == PQ:
        return (pq_light(signal) / REFERENCE_WHITE).astype(np.float32)
    if transfer == SDR:
        return (signal ** SDR_GAMMA).astype(np.float32)
    a = 0.17883277
    b, c = 1 - 4 * a, 0.5 - a * np.log(4 * a)
    return np.where(signal <= 0.5, signal ** 2 / 3, (np.exp((signal - c) / a) + b) / 12).astype(np.float32)


def pq_light(signal: np.ndarray) -> np.ndarray:
    """PQ's EOTF (SMPTE ST 2084): nits for a signal in 0-1."""
    power = np.asarray(signal, np.float64) ** (1 / PQ_M2)
    return PQ_PEAK * (np.maximum(power - PQ_C1, 0) / (PQ_C2 - PQ_C3 * power)) ** (1 / PQ_M1)


def pq_signal(nits: np.ndarray) -> np.ndarray:
    """PQ's inverse EOTF: the signal (0-1) for display light in nits."""
    power = (np.asarray(nits, np.float64) / PQ_PEAK) ** PQ_M1
    return ((PQ_C1 + PQ_C2 * power) / (1 + PQ_C3 * power)) ** PQ_M2


def eetf(nits: np.ndarray, source_peak: float = SOURCE_PEAK) -> np.ndarray:
    """BT.2390's EETF from a `source_peak` master to a REFERENCE_WHITE peak, with black at 0: a Hermite spline in PQ
    signal from the knee up; light above `source_peak` is shown at the new peak."""
    source = pq_signal(source_peak)
    signal = np.minimum(pq_signal(nits) / source, 1)
    top = pq_signal(REFERENCE_WHITE) / source
    knee = 1.5 * top - 0.5
    t = (signal - knee) / (1 - knee)
    spline = (2 * t**3 - 3 * t**2 + 1) * knee + (t**3 - 2 * t**2 + t) * (1 - knee) + (3 * t**2 - 2 * t**3) * top
    return pq_light(np.where(signal < knee, signal, spline) * source)


@lru_cache(maxsize=8)  # a table is ~0.5 MB, and each PQ master's declared peak may be another
def _roll_off(source_peak: float) -> np.ndarray:
    """The factor the EETF from `source_peak` scales a pixel by, by its largest channel's light (to PQ's peak in
    BT.2020's most saturated colours in BT.709's primaries)."""
    return _table(lambda light: eetf(light * REFERENCE_WHITE, source_peak) / REFERENCE_WHITE / light,
                  PQ_PEAK / REFERENCE_WHITE * GAMUT_GAIN, np.float32)


@cache
def _sdr_signal() -> np.ndarray:
    """The 8-bit SDR signal for light up to SDR white (BT.1886's gamma inverted)."""
    return _table(lambda light: np.round(255 * np.minimum(light, 1) ** (1 / SDR_GAMMA)), 1.0, np.uint8)


def _rgb_to_xyz(primaries) -> np.ndarray:
    """The matrix from linear RGB with `primaries` (and the D65 white) to CIE XYZ."""
    columns = np.array([(x / y, 1, (1 - x - y) / y) for x, y in primaries]).T
    white = np.array([D65[0] / D65[1], 1, (1 - sum(D65)) / D65[1]])
    return columns * np.linalg.solve(columns, white)


@cache
def _to_bt709(primaries: int) -> tuple[np.ndarray, np.ndarray]:
    """The matrix from linear light with the source's `primaries` to BT.709's, and the source's luminance weights
    (1x3; for BT.2020 0.2627, 0.6780, 0.0593), as float32 for `cv2.transform`."""
    source = _rgb_to_xyz(PRIMARIES.get(primaries, BT2020))
    matrix = np.linalg.solve(_rgb_to_xyz(BT709), source)
    return matrix.astype(np.float32), source[1:2].astype(np.float32)
