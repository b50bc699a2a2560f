"""Generators of every bad input issue 7 lists, built on videogen's tiny clips (PyAV only, milliseconds each).

Why generated, not shipped: each bad input is a precise kind of damage (cut half-way, audio packets
overwritten, a picture too large to process), and writing it from code documents exactly what the damage
is. `BAD_INPUTS` maps a name to (generator, a phrase the error message must contain); `awkward_inputs(folder)`
writes unusual but valid videos (`UNUSUAL_FORMATS` among them) that must simply work.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import av
import cv2
import numpy as np

from videogen import make_video


def gradient_frames(count: int, width: int = 64, height: int = 48) -> list[np.ndarray]:
    """Moving gradients: detailed enough that every frame costs bytes (so half a file holds part of the
    frames), smooth enough that no scene cut is detected."""
    y, x = np.mgrid[0:height, 0:width]
    return [np.stack([(x * 4 + i * 6) % 256, (y * 4 + i * 3) % 256, ((x + y) * 2 + i * 9) % 256],
                     axis=-1).astype(np.uint8) for i in range(count)]


# ---- bad files ------------------------------------------------------------------------------------------

def zero_byte(path) -> Path:
    Path(path).write_bytes(b"")
    return Path(path)


def named_pipe(path) -> Path:
    """A FIFO with a video's name and no writer: opening it for reading would block forever."""
    os.mkfifo(path)
    return Path(path)


def random_bytes(path, size: int = 20_000, seed: int = 7) -> Path:
    Path(path).write_bytes(np.random.default_rng(seed).integers(0, 256, size, dtype=np.uint8).tobytes())
    return Path(path)


def truncated_readable(path) -> Path:
    """A Matroska clip (30 frames) cut off half-way through its bytes, as by an interrupted download.

    Matroska is written front to back, so the frames before the cut still decode: the policy is to
    process them and say how much was missing.
    """
    path = Path(path).with_suffix(".mkv")
    make_video(path, images=gradient_frames(30))
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    return path


def truncated_index_lost(path) -> Path:
    """An .mp4 written index-last (the common case) and cut half-way: the index is gone, nothing can be found."""
    make_video(path, frames=12)
    data = Path(path).read_bytes()
    Path(path).write_bytes(data[:len(data) // 2])
    return Path(path)


def truncated_in_index(path) -> Path:
    """An .mp4 written index-last and cut half-way through that index, as a recording stopped while closing:
    FFmpeg opens it and finds no streams."""
    make_video(path, frames=12)
    data = Path(path).read_bytes()
    at = data.rindex(b"moov") - 4
    Path(path).write_bytes(data[:at + int.from_bytes(data[at:at + 4], "big") // 2])
    return Path(path)


def audio_only(path) -> Path:
    """A music file in an .mp4: one AAC stream, no picture."""
    from videogen import _tone_stream, _write_tone

    with av.open(str(path), mode="w") as container:
        _write_tone(container, _tone_stream(container, "aac"), 0.5)
    return Path(path)


def cut_in_last_audio_packet(path) -> Path:
    """An .mp4 written index-first (+faststart, as for the web) and cut half-way through its last audio packet, as an
    interrupted download: every frame decodes, and the demuxer marks that last packet corrupt."""
    from videogen import _tone_stream, _write_tone, pattern_frame

    with av.open(str(path), "w", options={"movflags": "+faststart"}) as container:
        video = container.add_stream("libx264", rate=10)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        audio = _tone_stream(container, "aac")
        for index in range(10):
            frame = av.VideoFrame.from_ndarray(pattern_frame(index, 64, 48), format="rgb24")
            frame.pts = index
            container.mux(video.encode(frame))
        container.mux(video.encode(None))
        _write_tone(container, audio, 1.0)
    pos, size = max(_packet_spans(path, "audio"))
    data = Path(path).read_bytes()
    Path(path).write_bytes(data[:pos + size // 2])
    return Path(path)


def image_renamed(path) -> Path:
    """A PNG photo saved with a video extension (FFmpeg would happily read it as a one-frame 'video')."""
    ok, png = cv2.imencode(".png", gradient_frames(1)[0])
    assert ok
    Path(path).write_bytes(png.tobytes())
    return Path(path)


def text_renamed(path) -> Path:
    Path(path).write_text("Meeting notes\n- buy milk\n- upscale the holiday video\n" * 20, encoding="utf-8")
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


def matroska_damaged_in_the_middle(path) -> Path:
    """30 frames at 10 fps in Matroska, a keyframe every 5 (a cluster each), 10% of the bytes overwritten half-way:
    the demuxer reads past the damage to the next cluster, so frames are lost without a packet failing to decode."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        stream.options = {"g": "5", "preset": "ultrafast", "crf": "10"}
        for i, image in enumerate(gradient_frames(30)):
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = i
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    data = bytearray(Path(path).read_bytes())
    at, end = int(len(data) * 0.45), int(len(data) * 0.55)
    data[at:end] = np.random.default_rng(1).integers(0, 256, end - at, dtype=np.uint8).tobytes()
    Path(path).write_bytes(bytes(data))
    return Path(path)


def no_decodable_frames(path) -> Path:
    """A well-formed container whose every video packet is noise: it opens, but no picture decodes."""
    make_video(path, frames=6)
    _scramble(path, _packet_spans(path, "video"), seed=11)
    return Path(path)


def damaged_audio(path) -> Path:
    """A good video whose AAC packets are overwritten with noise: the picture is intact and must be processed."""
    make_video(path, frames=8, audio="aac")
    _scramble(path, _packet_spans(path, "audio"), seed=13)
    return Path(path)


def enormous_dimensions(path, width: int = 4000, height: int = 3000) -> Path:
    """One real `width`x`height` frame (black, 4:2:0) in a raw Y4M stream, named like a video.

    An x4 upscale of it makes 16000x12000 frames (about 50 GB of working memory with x264). Y4M is used
    because it holds such a frame without encoding it (18 MB, written in milliseconds).
    """
    header = f"YUV4MPEG2 W{width} H{height} F25:1 Ip A1:1 C420jpeg\n".encode()
    Path(path).write_bytes(header + b"FRAME\n" + bytes(width * height * 3 // 2))
    return Path(path)


UNFINISHED = "its index (the MP4 'moov' box) is missing or cut short"
# name -> (generator, file name, a phrase the one-line error must contain)
BAD_INPUTS = {
    "zero-byte": (zero_byte, "empty.mp4", "empty (0 bytes)"),
    "random-bytes": (random_bytes, "noise.mp4", "not a video file"),
    "named-pipe": (named_pipe, "stream.mp4", "not a regular file"),
    "truncated-index-lost": (truncated_index_lost, "cut.mp4", UNFINISHED),
    "truncated-in-index": (truncated_in_index, "closing.mp4", UNFINISHED),
    "audio-only": (audio_only, "song.mp4", "no video stream"),
    "image-renamed": (image_renamed, "photo.mp4", "still image"),
    "text-renamed": (text_renamed, "notes.mkv", "not a video file"),
    "no-decodable-frames": (no_decodable_frames, "scrambled.mp4", "no frame of the video stream could be decoded"),
}


# ---- awkward but valid ----------------------------------------------------------------------------------

UNUSUAL_FORMATS = {
    # file name: (codec, pix_fmt)
    "yuv422p10-prores.mov": ("prores_ks", "yuv422p10le"),
    "gray-ffv1.mkv": ("ffv1", "gray"),
    "rgb-ffv1.mkv": ("ffv1", "bgr0"),
    "yuvj420p-mjpeg.mkv": ("mjpeg", "yuvj420p"),
    "rgba-png.mov": ("png", "rgba"),
    "yuv444p-h264.mp4": ("libx264", "yuv444p"),
}


def awkward_inputs(folder) -> list[Path]:
    """Valid but unusual videos (every kind issue 7 names) written into `folder`; all must process cleanly."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    made = [
        make_video(folder / "odd 33x19.mkv", frames=6, width=33, height=19, codec="ffv1"),
        make_video(folder / "rotated.mp4", frames=6, rotation=90),
        make_video(folder / "vfr.mp4", frames=6, times=[0.0, 0.04, 0.08, 0.2, 0.24, 0.32]),
        make_video(folder / "ten bit.mp4", frames=6, codec="libx265", pix_fmt="yuv420p10le"),
        damaged_audio(folder / "damaged audio.mp4"),
        make_video(folder / "vidéo d'été.mp4", frames=6, audio="aac"),
    ]
    for name, (codec, pix_fmt) in UNUSUAL_FORMATS.items():
        made.append(make_video(folder / name, frames=4, codec=codec, pix_fmt=pix_fmt))
    return made


# ---- checks ---------------------------------------------------------------------------------------------

def tree_snapshot(root) -> dict[str, bytes]:
    """{relative path: sha256} of every file under `root`, to prove inputs were not touched."""
    root = Path(root)
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).digest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def all_files(root) -> list[str]:
    """Every file under `root` (hidden ones included: that is where temporary outputs would hide)."""
    root = Path(root)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
