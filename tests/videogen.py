"""Tiny test videos generated with PyAV: known frames, timestamps, rotation, pixel formats, audio, subtitles.

Each frame has a distinct flat grey level plus a white marker in the top-left corner, so tests can tell
frames apart after lossy coding and see which way up a picture is.
"""

from __future__ import annotations

import struct
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from vsr_app.video.packet_times import stream_durations  # noqa: F401 (the tests take it from here)
from vsr_app.video.writer import repair_decode_time

AUDIO_RATE = 48_000


def pattern_frame(i: int, width: int, height: int) -> np.ndarray:
    """Frame i: a grey level that changes with i, a colour ramp, and a white top-left marker."""
    image = np.empty((height, width, 3), np.uint8)
    image[...] = (40 + 13 * i) % 200 + 20
    image[..., 0] = np.linspace(30, 220, width, dtype=np.uint8)[None, :]
    mh, mw = max(2, height // 4), max(2, width // 4)
    image[:mh, :mw] = 255
    return image


def moving_bar(t: int, width: int = 96, height: int = 64) -> np.ndarray:
    """The picture at field time t: a bright bar 6 px further right each field."""
    image = np.full((height, width, 3), 40, np.uint8)
    image[12:52, 8 + 6 * t:20 + 6 * t] = 230
    return image


def woven_fields(frames: int, width: int = 96, height: int = 64) -> list[np.ndarray]:
    """25i-like pictures, top field first: frame i's even lines from `moving_bar` at field time 2i, its odd lines
    from 2i + 1."""
    pictures = []
    for i in range(frames):
        picture = moving_bar(2 * i, width, height)
        picture[1::2] = moving_bar(2 * i + 1, width, height)[1::2]
        pictures.append(picture)
    return pictures


def make_video(path: Path, *, frames: int = 12, width: int = 64, height: int = 48, fps: int = 10,
               codec: str = "libx264", pix_fmt: str = "yuv420p", times: list[float] | None = None,
               rotation: int | None = None, audio: str | None = None, audio_rate: int = AUDIO_RATE,
               subtitles: bool = False, images: list[np.ndarray] | None = None, interlaced: bool = False,
               mirrored: bool = False, gop: int | None = None) -> Path:
    """Write a test video; `times` (seconds) makes it variable-frame-rate; `audio` is an encoder name
    ('aac', 'pcm_s16le') for a 440 Hz tone as long as the video, sampled at `audio_rate`; `subtitles` adds
    two SubRip cues; `interlaced` encodes (libx264) top field first, each frame flagged interlaced; `mirrored` adds a
    left-right mirror to the display matrix (after `rotation`, as PyAV's set_display_rotation takes it); `gop` is the
    most frames from one keyframe to the next. The container is the one FFmpeg names by the suffix (.ts: MPEG-TS,
    .mpg: an MPEG program stream)."""
    path = Path(path)
    if images is not None:
        frames = len(images)
        height, width = images[0].shape[:2]
    time_base = Fraction(1, 1000) if times is not None else Fraction(1, fps)
    with av.open(str(path), "w") as container:
        video = container.add_stream(codec, rate=fps)
        video.width, video.height, video.pix_fmt = width, height, pix_fmt
        video.time_base = time_base
        video.codec_context.time_base = time_base
        if codec in ("libx264", "libx265"):
            video.options = {"crf": "10", "preset": "ultrafast", **({"x265-params": "log-level=error"}
                                                                      if codec == "libx265" else {})}
        if interlaced:
            video.options = {**video.options, "x264-params": "interlaced=1:tff=1"}
        if gop is not None:
            video.codec_context.gop_size = gop
        if rotation is not None or mirrored:
            video.set_display_rotation(rotation or 0, hflip=mirrored)
        tone = _tone_stream(container, audio, audio_rate) if audio is not None else None
        sub = None
        if subtitles:
            sub = container.add_mux_stream("subrip")
            sub.time_base = Fraction(1, 1000)
        for i in range(frames):
            image = images[i] if images is not None else pattern_frame(i, width, height)
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = round(times[i] * 1000) if times is not None else i
            container.mux(video.encode(frame))
        for packet in video.encode(None):
            repair_decode_time(packet, codec, frames)
            container.mux(packet)
        duration = (times[-1] + 0.1) if times is not None else frames / fps
        if sub is not None:
            for k, start in enumerate((0.0, duration / 2)):
                packet = av.Packet(f"cue {k}".encode())
                packet.stream = sub
                packet.pts = packet.dts = round(start * 1000)
                packet.duration = 200
                packet.time_base = Fraction(1, 1000)
                container.mux(packet)
        if tone is not None:
            _write_tone(container, tone, duration)
    return path


def _tone_stream(container, codec: str, rate: int = AUDIO_RATE):
    stream = container.add_stream(codec, rate=rate)
    stream.layout = "mono"
    return stream


def _write_tone(container, stream, seconds: float) -> None:
    fmt = "fltp" if stream.codec_context.name == "aac" else "s16"
    rate = stream.codec_context.sample_rate
    n = round(seconds * rate)
    tone = np.sin(2 * np.pi * 440 * np.arange(n) / rate) * 0.3
    chunk = 1024
    for start in range(0, n, chunk):
        part = tone[start:start + chunk]
        data = part.astype(np.float32) if fmt == "fltp" else (part * 32767).astype(np.int16)
        frame = av.AudioFrame.from_ndarray(data[None, :], format=fmt, layout="mono")
        frame.sample_rate = rate
        frame.pts = start
        frame.time_base = Fraction(1, rate)
        container.mux(stream.encode(frame))
    container.mux(stream.encode(None))


def write_pan_frames(folder: Path, count: int, rng: np.random.Generator, *, texture: tuple[int, int] = (24, 40),
                     size: tuple[int, int] = (160, 96), width: int = 80, step: int = 2) -> Path:
    """A frame folder (000.png, ...) of a smooth random texture panning right by `step` px a frame: training data
    with real motion, small enough for a test."""
    import cv2

    big = cv2.resize(rng.integers(0, 256, (*texture, 3), dtype=np.uint8), size, interpolation=cv2.INTER_CUBIC)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        cv2.imwrite(str(folder / f"{i:03d}.png"), big[:, i * step:i * step + width])
    return folder


def resizing_video(path: Path, sizes: tuple[tuple[int, int], ...] = ((64, 48), (32, 24)), each: int = 3) -> Path:
    """A Motion JPEG .mkv (10 fps) of `each` frames at each of `sizes` (width, height) in turn, every packet a picture
    of its own size: a stream whose picture size changes part-way, as a WebRTC or TV recording's may."""
    packets, first = [], 0
    for width, height in sizes:
        with av.open(str(path.with_name(f"{path.stem}-{width}x{height}.mkv")), "w") as part:
            stream = part.add_stream("mjpeg", rate=10)
            stream.width, stream.height, stream.pix_fmt = width, height, "yuvj420p"
            for i in range(each):
                frame = av.VideoFrame.from_ndarray(pattern_frame(first + i, width, height), format="rgb24")
                frame.pts = i
                packets += stream.encode(frame)
            packets += stream.encode(None)
        first += each
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mjpeg", rate=10)
        stream.width, stream.height, stream.pix_fmt = *sizes[0], "yuvj420p"
        stream.time_base = Fraction(1, 10)
        for i, packet in enumerate(packets):
            packet.stream, packet.time_base, packet.pts, packet.dts = stream, Fraction(1, 10), i, i
            container.mux(packet)
    return path


def _box(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(body), kind) + body


def with_edit_list(path: Path, edits: list[tuple[float, float]], frames: int = 50, fps: int = 10) -> Path:
    """An MP4 of `frames` frames (x264 with B-frames, keyframes every 10) whose edit list shows only `edits`, each
    (seconds shown, media start in seconds): a trim as phones and lossless cutters write it. Its header still counts
    every frame."""
    with av.open(str(path), "w") as container:  # PyAV puts the index after the media: offsets survive the rewrite
        video = container.add_stream("libx264", rate=fps)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        video.options = {"g": "10", "bf": "2", "keyint_min": "10", "sc_threshold": "0"}
        for i in range(frames):
            frame = av.VideoFrame.from_ndarray(pattern_frame(i, 64, 48), format="rgb24")
            frame.pts = i
            container.mux(video.encode(frame))
        container.mux(video.encode(None))
    data = Path(path).read_bytes()
    movie_scale = struct.unpack(">I", data[data.find(b"mvhd") + 16:][:4])[0]
    media_scale = struct.unpack(">I", data[data.find(b"mdhd") + 16:][:4])[0]
    delay = 2 / fps  # the B-frames' reorder delay: where the first frame shows on the media's clock
    entries = b"".join(struct.pack(">Iihh", round(shown * movie_scale), round((start + delay) * media_scale), 1, 0)
                       for shown, start in edits)
    edit_list = _box(b"elst", struct.pack(">II", 0, len(edits)) + entries)

    def rebuilt(start: int, end: int) -> bytes:
        out = b""
        while start < end:
            size, kind = struct.unpack(">I4s", data[start:start + 8])
            if kind in (b"moov", b"trak", b"edts"):
                out += _box(kind, rebuilt(start + 8, start + size))
            else:
                out += edit_list if kind == b"elst" else data[start:start + size]
            start += size
        return out

    Path(path).write_bytes(rebuilt(0, len(data)))
    return Path(path)


def video_and_picture(path: Path, picture_first: bool, attached: bool, frames: int = 4, width: int = 32,
                      height: int = 24) -> Path:
    """A video stream and a one-frame MJPEG picture stream, the picture first or second, flagged as an attached
    picture (cover art) or not."""
    with av.open(str(path), "w") as container:
        streams = {}
        for kind in ("picture", "video") if picture_first else ("video", "picture"):
            stream = container.add_stream("mjpeg" if kind == "picture" else "libx264", rate=1 if kind == "picture"
                                          else 10)
            stream.width, stream.height = width, height
            stream.pix_fmt = "yuvj420p" if kind == "picture" else "yuv420p"
            streams[kind] = stream
        if attached:
            streams["picture"].disposition = av.stream.Disposition.attached_pic
        picture = av.VideoFrame.from_ndarray(pattern_frame(0, width, height), format="rgb24")
        container.mux(streams["picture"].encode(picture.reformat(format="yuvj420p")) + streams["picture"].encode(None))
        for i in range(frames):
            frame = av.VideoFrame.from_ndarray(pattern_frame(i, width, height), format="rgb24")
            frame.pts = i
            container.mux(streams["video"].encode(frame))
        container.mux(streams["video"].encode(None))
    return Path(path)
