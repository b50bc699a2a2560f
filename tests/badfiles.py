"""Generators of tiny video files, good and bad, for the batch and robustness tests.

Why generated, not shipped: each bad input is a precise kind of damage (cut half-way, audio packets
overwritten, a header that claims a huge picture), and writing it from code documents exactly what the
damage is. Everything is written with PyAV (no ffmpeg binary) and takes milliseconds: clips are a few
frames of 32-64 pixels.
"""

from __future__ import annotations

import hashlib
import struct
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

# ---- good clips -----------------------------------------------------------------------------------------


def frame_image(i: int, width: int, height: int) -> np.ndarray:
    """A smooth moving gradient (no scene cuts, compresses well), distinct for every index."""
    y, x = np.mgrid[0:height, 0:width]
    r = (x * 4 + i * 6) % 256
    g = (y * 4 + i * 3) % 256
    b = ((x + y) * 2 + i * 9) % 256
    return np.stack([r, g, b], axis=-1).astype(np.uint8)


def write_clip(path, *, frames: int = 6, width: int = 64, height: int = 48, fps: int = 25,
               codec: str = "libx264", pix_fmt: str = "yuv420p", audio: bool = False,
               times: list[float] | None = None, options: dict | None = None) -> Path:
    """Encode `frames` gradient frames; `times` (seconds) gives each frame's own timestamp (variable rate).

    With `audio`, a 440 Hz mono AAC track lasting as long as the video is added.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    faststart = {"movflags": "+faststart"} if path.suffix in (".mp4", ".mov") else {}  # index first, as online
    with av.open(str(path), mode="w", options=faststart) as container:
        stream = container.add_stream(codec, rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
        time_base = Fraction(1, 1000) if times is not None else Fraction(1, fps)
        stream.time_base = time_base
        stream.codec_context.time_base = time_base
        if options:
            stream.options = options
        sound = _add_audio(container) if audio else None
        for i in range(frames):
            frame = av.VideoFrame.from_ndarray(frame_image(i, width, height), format="rgb24")
            frame = frame.reformat(format=pix_fmt)
            frame.pts = round(times[i] * 1000) if times is not None else i
            frame.time_base = time_base
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
        if sound is not None:
            duration = (times[-1] + 1 / fps) if times is not None else frames / fps
            _write_tone(container, sound, duration)
    return path


def _add_audio(container):
    stream = container.add_stream("aac", rate=48000)
    stream.layout = "mono"
    return stream


def _write_tone(container, stream, seconds: float) -> None:
    rate, chunk = 48000, 1024
    total = int(seconds * rate)
    for start in range(0, total, chunk):
        n = min(chunk, total - start)
        t = (np.arange(start, start + n) / rate).astype(np.float32)
        samples = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)[None, :]
        frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
        frame.sample_rate, frame.pts = rate, start
        container.mux(stream.encode(frame))
    container.mux(stream.encode(None))


def vfr_clip(path) -> Path:
    """Variable frame rate: gaps of 40, 40, 120, 40, 80 ms (a phone dropping frames in low light)."""
    return write_clip(path, frames=6, times=[0.0, 0.04, 0.08, 0.2, 0.24, 0.32])


def ten_bit_clip(path) -> Path:
    """10-bit 4:2:0 HEVC, as cameras and phones record HDR."""
    return write_clip(path, codec="libx265", pix_fmt="yuv420p10le", options={"x265-params": "log-level=error"})


UNUSUAL_FORMATS = {
    # name: (suffix, codec, pix_fmt)
    "yuv444p-h264": (".mp4", "libx264", "yuv444p"),
    "yuv422p10-prores": (".mov", "prores_ks", "yuv422p10le"),
    "gray-ffv1": (".mkv", "ffv1", "gray"),
    "rgb-ffv1": (".mkv", "ffv1", "bgr0"),
    "yuvj420p-mjpeg": (".mkv", "mjpeg", "yuvj420p"),
    "rgba-png": (".mov", "png", "rgba"),
}


def unusual_format_clip(path, name: str) -> Path:
    _, codec, pix_fmt = UNUSUAL_FORMATS[name]
    return write_clip(path, codec=codec, pix_fmt=pix_fmt, frames=4)


def odd_size_clip(path) -> Path:
    """63x47: odd in both directions (4:4:4, which x264 accepts at odd sizes)."""
    return write_clip(path, width=63, height=47, pix_fmt="yuv444p", frames=4)


def rotated_clip(path, degrees: int = 90) -> Path:
    """A 64x48 clip whose track header says 'display rotated' - how phones store portrait video."""
    write_clip(path, frames=4)
    set_mp4_rotation(path, degrees)
    return Path(path)


def set_mp4_rotation(path, degrees: int) -> None:
    """Rewrite the video track's display matrix (tkhd box) in place: 90 = shown rotated 90 degrees clockwise."""
    data = bytearray(Path(path).read_bytes())
    at = data.find(b"tkhd")
    assert at > 0, "no track header"
    version = data[at + 4]
    # after 'tkhd': version/flags(4) + times/id (v0: 20, v1: 32) + reserved(8) + layer/group/volume/reserved(8)
    matrix_at = at + 4 + 4 + (32 if version == 1 else 20) + 8 + 8
    one, zero = 1 << 16, 0
    cos, sin = {0: (1, 0), 90: (0, 1), 180: (-1, 0), 270: (0, -1)}[degrees % 360]
    a, b, c, d = cos * one, sin * one, -sin * one, cos * one
    data[matrix_at:matrix_at + 36] = struct.pack(">9i", a, b, zero, c, d, zero, zero, zero, 1 << 30)
    Path(path).write_bytes(bytes(data))


# ---- bad files ------------------------------------------------------------------------------------------


def zero_byte(path) -> Path:
    Path(path).write_bytes(b"")
    return Path(path)


def random_bytes(path, size: int = 20_000, seed: int = 7) -> Path:
    Path(path).write_bytes(np.random.default_rng(seed).integers(0, 256, size, dtype=np.uint8).tobytes())
    return Path(path)


def truncated_clip(path, frames: int = 30) -> Path:
    """A clip cut off half-way through its bytes (an interrupted download).

    In .mp4 the index is at the front (as in files made for the web), so the first frames stay decodable;
    a keyframe every 5 frames spreads the data so that about half of them survive.
    """
    write_clip(path, frames=frames, options={"g": "5"})
    data = Path(path).read_bytes()
    Path(path).write_bytes(data[:len(data) // 2])
    return Path(path)


def index_at_end_truncated(path, frames: int = 12) -> Path:
    """An .mp4 written index-last and cut half-way: the index is gone, so nothing in it can be found."""
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for i in range(frames):
            frame = av.VideoFrame.from_ndarray(frame_image(i, 64, 48), format="rgb24")
            frame.pts = i
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    data = Path(path).read_bytes()
    Path(path).write_bytes(data[:len(data) // 2])
    return Path(path)


def audio_only(path) -> Path:
    """A music file in an .mp4: one AAC stream, no picture."""
    with av.open(str(path), mode="w") as container:
        _write_tone(container, _add_audio(container), 0.5)
    return Path(path)


def image_renamed(path) -> Path:
    """A PNG photo saved with a video extension."""
    ok, png = cv2.imencode(".png", frame_image(0, 64, 48))
    assert ok
    Path(path).write_bytes(png.tobytes())
    return Path(path)


def text_renamed(path) -> Path:
    Path(path).write_text("Meeting notes\n- buy milk\n- upscale the holiday video\n" * 20)
    return Path(path)


def _packet_spans(path, kind: str) -> list[tuple[int, int]]:
    """(byte offset, size) of every packet of the first `kind` ("video"/"audio") stream."""
    with av.open(str(path)) as container:
        stream = getattr(container.streams, kind)[0]
        return [(p.pos, p.size) for p in container.demux(stream) if p.size > 0 and p.pos is not None and p.pos >= 0]


def _scramble(path, spans: list[tuple[int, int]], seed: int) -> None:
    rng = np.random.default_rng(seed)
    with open(path, "r+b") as fh:
        for pos, size in spans:
            fh.seek(pos)
            fh.write(rng.integers(0, 256, size, dtype=np.uint8).tobytes())


def no_decodable_frames(path) -> Path:
    """A well-formed container whose every video packet is noise: it opens, but no picture decodes."""
    write_clip(path, frames=6)
    _scramble(path, _packet_spans(path, "video"), seed=11)
    return Path(path)


def damaged_audio(path) -> Path:
    """A good video whose audio packets are overwritten with noise (the picture is intact)."""
    write_clip(path, frames=8, audio=True)
    _scramble(path, _packet_spans(path, "audio"), seed=13)
    return Path(path)


def enormous_dimensions(path, width: int = 4000, height: int = 3000) -> Path:
    """One real `width`x`height` frame (black, 4:2:0) in a raw Y4M stream, named like a video.

    An x4 upscale of it would make 16000x12000 frames. Y4M is used because it is the only format that can
    hold such a frame without encoding it (18 MB, written in milliseconds).
    """
    header = f"YUV4MPEG2 W{width} H{height} F25:1 Ip A1:1 C420jpeg\n".encode()
    Path(path).write_bytes(header + b"FRAME\n" + bytes(width * height * 3 // 2))
    return Path(path)


def tree_snapshot(root) -> dict[str, tuple[int, int]]:
    """{relative path: (size, mtime_ns)} of every file under `root`, to prove inputs were not touched."""
    root = Path(root)
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*")) if p.is_file()}


def file_digest(path) -> bytes:
    return hashlib.sha256(Path(path).read_bytes()).digest()
