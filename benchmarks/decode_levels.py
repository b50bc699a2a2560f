"""How exactly the reader turns a decoded YUV frame into RGB: swscale's default YUV->RGB path for subsampled chroma
(4:2:0, 4:2:2) rounds down at 8 bits and loses gain at 10 and 12 bits (a 10-bit white, Y=940, came out 253), which
`pictures.RGB_FLAGS` (accurate rounding, full chroma interpolation) avoids; and what each costs a frame.

    .venv/bin/python benchmarks/decode_levels.py [--repeats 20]

For each pixel format: the error, in 8-bit levels, of a grey ramp over the limited range (every code value, neutral
chroma) and of random colours (each pixel's Y at random, U and V at random for each 8x8 block, scored inside the
blocks where no chroma filter reaches across), against the BT.709 equations in floating point; then the milliseconds
to convert a 1920x1080 and an 854x480 frame.
"""

from __future__ import annotations

import argparse
import time

import av
import numpy as np
from av.video.reformatter import Colorspace

from vsr_app.video.pictures import RGB_FLAGS

FORMATS = ("yuv420p", "yuv422p", "yuv444p", "yuv420p10le", "yuv422p10le", "yuv420p12le")
KR, KB = 0.2126, 0.0722  # BT.709


def frame_of(fmt: str, y: np.ndarray, u: np.ndarray, v: np.ndarray) -> av.VideoFrame:
    """A frame of `fmt` holding the full-resolution planes y, u, v (chroma taken at each block's top-left)."""
    h, w = y.shape
    frame = av.VideoFrame(w, h, fmt)
    desc = av.VideoFormat(fmt)
    dtype = np.uint16 if desc.components[0].bits > 8 else np.uint8
    for plane, values, component in zip(frame.planes, (y, u, v), desc.components):
        sy, sx = (h // plane.height, w // plane.width)
        stride = plane.line_size // np.dtype(dtype).itemsize
        buf = np.zeros((plane.height, stride), dtype)
        buf[:, :plane.width] = values[::sy, ::sx]
        plane.update(buf.tobytes())
    return frame


def exact_rgb(y, u, v, bits: int) -> np.ndarray:
    scale = 1 << (bits - 8)
    yn = (y - 16 * scale) / (219 * scale)
    un, vn = (u - 128 * scale) / (224 * scale), (v - 128 * scale) / (224 * scale)
    r, b = yn + 2 * (1 - KR) * vn, yn + 2 * (1 - KB) * un
    g = (yn - KR * r - KB * b) / (1 - KR - KB)
    return np.clip(np.stack([r, g, b], -1) * 255, 0, 255)


def errors(fmt: str, flags) -> tuple[str, str]:
    bits = av.VideoFormat(fmt).components[0].bits
    scale = 1 << (bits - 8)
    codes = np.arange(16 * scale, 235 * scale + 1)
    ramp = np.tile(codes, (2, 1)).astype(float)
    ramp_w = ramp.shape[1] + ramp.shape[1] % 2
    ramp = np.pad(ramp, ((0, 0), (0, ramp_w - ramp.shape[1])), mode="edge")
    neutral = np.full_like(ramp, 128 * scale)
    rng = np.random.default_rng(0)
    y = rng.integers(16 * scale, 235 * scale + 1, (64, 64)).astype(float)
    chroma = lambda: np.kron(rng.integers(64 * scale, 192 * scale + 1, (8, 8)), np.ones((8, 8)))
    u, v = chroma(), chroma()
    inside = np.zeros((64, 64), bool)
    inside[np.ix_(np.arange(64) % 8 // 2 == 1, np.arange(64) % 8 // 2 == 1)] = True  # rows and columns 2-3 of each 8
    out = []
    for planes, scored in (((ramp, neutral, neutral), np.ones(ramp.shape, bool)), ((y, u, v), inside)):
        got = frame_of(fmt, *(p.astype(int) for p in planes)).to_ndarray(
            format="rgb24", src_colorspace=Colorspace.ITU709, interpolation=flags).astype(float)
        d = (got - exact_rgb(*planes, bits))[scored]
        out.append(f"{d.mean():+.2f} / {np.abs(d).max():.2f}")
    return out[0], out[1]


def milliseconds(fmt: str, flags, width: int, height: int, repeats: int) -> float:
    rng = np.random.default_rng(1)
    bits = av.VideoFormat(fmt).components[0].bits
    planes = [rng.integers(16 << (bits - 8), 235 << (bits - 8), (height, width)) for _ in range(3)]
    frame = frame_of(fmt, *planes)
    frame.to_ndarray(format="rgb24", interpolation=flags)
    start = time.perf_counter()
    for _ in range(repeats):
        frame.to_ndarray(format="rgb24", interpolation=flags)
    return (time.perf_counter() - start) / repeats * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    print("format       path       grey ramp mean/max   random colours mean/max   1080p ms   480p ms")
    for fmt in FORMATS:
        for label, flags in (("default", None), ("RGB_FLAGS", RGB_FLAGS)):
            ramp, colours = errors(fmt, flags)
            print(f"{fmt:12s} {label:10s} {ramp:>18s}   {colours:>22s}   "
                  f"{milliseconds(fmt, flags, 1920, 1080, args.repeats):8.1f}   "
                  f"{milliseconds(fmt, flags, 854, 480, args.repeats):7.1f}")


if __name__ == "__main__":
    main()
