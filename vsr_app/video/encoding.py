"""What an output is encoded with: the codecs the app writes, the checks on their CRF and preset (made before any
work starts, where FFmpeg would fail late or clamp silently), and the record of the settings and the input that made
a file, kept in the file so a batch rerun can tell its own finished output from one made otherwise."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import av

from vsr_app.errors import VsrAppError
from vsr_app.video.opening import cannot_read


@dataclass(frozen=True)
class CodecSpec:
    """How the app encodes with one codec: its FFmpeg encoder, pixel format and quality knobs."""

    encoder: str
    pix_fmt: str
    containers: frozenset[str]  # output suffixes that can hold it
    suffix: str  # its own container, where players or editors expect it: outputs go there unless the input's holds it
    label: str  # its name as the GUI lists it: plain words, so a codec added here is offered with no edit of the GUI
    crf: int | None = None  # default constant-rate factor (None: codec has no CRF)
    preset: str | None = None
    crf_range: tuple[int, int] | None = None  # the CRFs the encoder accepts (None: it takes none)
    presets: tuple[str, ...] = ()  # the speed presets it knows (empty: it has none)
    options: tuple[tuple[str, str], ...] = ()
    mp4_tag: str | None = None  # the sample entry an MP4/MOV stream gets where FFmpeg's default is not the usual one
    keeps_aspect_in_bitstream: bool = False  # the pixel aspect travels in the codec's own headers (H.264/HEVC VUI)


# x264's and x265's speed presets, fastest first, and their CRF range at 8 bits (both documented: `x264 --fullhelp`,
# x265's "Preset Options"); x264 clamps a higher CRF to 51 without a word, so the range is checked here.
X26X_PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow",
                "placebo")
X26X_CRF_RANGE = (0, 51)

CODECS: dict[str, CodecSpec] = {
    # CRF 18 (x264) / 20 (x265): visually transparent, the level people expect from an enhancement tool.
    "libx264": CodecSpec("libx264", "yuv420p", frozenset({".mp4", ".m4v", ".mov", ".mkv"}), ".mp4", "H.264",
                         crf=18, preset="veryfast", crf_range=X26X_CRF_RANGE, presets=X26X_PRESETS,
                         keeps_aspect_in_bitstream=True),
    # hvc1, not FFmpeg's hev1: QuickTime, iOS and Final Cut open only hvc1 HEVC in MP4/MOV
    "libx265": CodecSpec("libx265", "yuv420p", frozenset({".mp4", ".m4v", ".mov", ".mkv"}), ".mp4", "H.265 / HEVC",
                         crf=20, preset="medium", crf_range=X26X_CRF_RANGE, presets=X26X_PRESETS, mp4_tag="hvc1",
                         keeps_aspect_in_bitstream=True),
    # Lossless: encode the RGB frames as RGB (bgr0 is FFV1's 8-bit RGB layout) so no YUV conversion loses detail.
    "ffv1": CodecSpec("ffv1", "bgr0", frozenset({".mkv"}), ".mkv", "FFV1 (lossless)",
                      options=(("level", "3"), ("slicecrc", "1"))),
    # ProRes 422 (standard profile), 10-bit 4:2:2 as editors expect.
    "prores": CodecSpec("prores_ks", "yuv422p10le", frozenset({".mov", ".mkv"}), ".mov", "ProRes 422",
                        options=(("profile", "2"),)),
}
CODEC_ALIASES = {"h264": "libx264", "x264": "libx264", "avc": "libx264", "h265": "libx265", "hevc": "libx265",
                 "x265": "libx265", "prores_ks": "prores"}
CONTAINER_FORMATS = {".mp4": "mp4", ".m4v": "mp4", ".mov": "mov", ".mkv": "matroska"}


def codec_spec(name: str) -> CodecSpec:
    """The spec for a codec name or alias ('h264', 'hevc', 'prores', ...), or a readable error."""
    key = CODEC_ALIASES.get(name.lower(), name.lower())
    if key not in CODECS:
        raise VsrAppError(f"unknown codec '{name}' (choose one of: {', '.join(CODECS)})")
    return CODECS[key]


def check_encoder_settings(codec: str, crf: int | None = None, preset: str | None = None) -> CodecSpec:
    """The codec's spec, after refusing a CRF or preset it would reject (late, with FFmpeg's cryptic error) or
    silently clamp; called before any work starts."""
    spec = codec_spec(codec)
    if crf is not None:
        if spec.crf_range is None:
            raise VsrAppError(f"codec {codec} is lossless or fixed-quality and takes no --crf")
        low, high = spec.crf_range
        if not low <= crf <= high:
            raise VsrAppError(f"--crf {crf} is out of range for {codec}: use {low} (best quality) to {high} "
                              "(smallest file)")
    if preset is not None:
        if not spec.presets:
            raise VsrAppError(f"codec {codec} has no speed presets and takes no --preset")
        if preset not in spec.presets:
            raise VsrAppError(f"unknown --preset '{preset}' for {codec} (use one of: {', '.join(spec.presets)})")
    return spec


def encode_quality(spec: CodecSpec, crf: int | None, preset: str | None) -> tuple[int | None, str | None]:
    """The CRF and preset an encode really uses: the codec's defaults filled in, None where the codec has none."""
    return (None if spec.crf is None else spec.crf if crf is None else crf,
            None if spec.preset is None else preset or spec.preset)


# What made a file, kept in the file: "comment" because the mp4/mov muxers write only the tags they know
# (Matroska keeps any and reads it back as "COMMENT"), and the mov muxer no other free one. The record is the
# comment's last line, after the source's own comment (outputs of earlier versions hold the record alone).
MADE_BY_TAG = "comment"
MADE_BY_PREFIX = "vsr-app "


def made_by(task: str, models: Sequence[str], codec: str, crf: int | None = None,
            preset: str | None = None, weights: Sequence[str | None] = (), deinterlace: bool = True) -> dict:
    """The settings that determine an output: what `VideoWriter` records in it and batch compares before skipping it.
    `weights`: each model's `LoadedModel.weights_digest`, which tells retrained weights under an old name apart.
    `deinterlace` is recorded as the `--deinterlace` word, whether or not the source had frames flagged interlaced:
    the record is written before the frames are seen (records of versions before it have none: made with auto)."""
    spec = codec_spec(codec)
    crf, preset = encode_quality(spec, crf, preset)
    return {"task": task, "models": list(models), "weights": list(weights), "codec": spec.encoder, "crf": crf,
            "preset": preset, "deinterlace": "auto" if deinterlace else "off"}


INPUT_SAMPLE = 1 << 20  # bytes hashed at each end of an input


def input_record(path: str | os.PathLike) -> dict:
    """Which input, and which version of it, an output was made from, as the writer records it beside `made_by`: the
    input's size and a 16-hex SHA-256 prefix of its first and last MiB (cheap for any length, and a replaced or
    re-exported video of the same size and length still differs in its header or its last frames), and its file
    name without the folder, so a batch can name the input a kept output was made from (`same_version` ignores it:
    records of versions before it have none)."""
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            digest = hashlib.sha256(f.read(INPUT_SAMPLE))
            if size > INPUT_SAMPLE:
                f.seek(max(INPUT_SAMPLE, size - INPUT_SAMPLE))
                digest.update(f.read(INPUT_SAMPLE))
    except OSError as exc:
        raise cannot_read(path, exc) from exc
    return {"bytes": size, "sha256": digest.hexdigest()[:16], "name": Path(path).name}


def same_version(recorded: object, current: dict) -> bool:
    """Whether an output's recorded `input_record` is of the same content as the input's `current` one; the name is
    left out, so records without it (versions before it) still match."""
    return isinstance(recorded, dict) and all(recorded.get(key) == current[key] for key in ("bytes", "sha256"))


def read_made_by(path: str | os.PathLike) -> dict | None:
    """The settings recorded in a file by `VideoWriter`, with its `input_record` under "input" where it has one (not
    in outputs of versions before it); None when it has no record (another program's video, an older vsr-app's
    output). Raises VsrAppError when the file cannot be opened as a media file."""
    try:
        with av.open(str(path)) as container:
            tags = {key.lower(): value for key, value in container.metadata.items()}
    except (av.FFmpegError, OSError) as exc:
        raise cannot_read(path, exc) from exc
    text = tags.get(MADE_BY_TAG, "").rpartition("\n")[2]
    if not text.startswith(MADE_BY_PREFIX):
        return None
    try:
        settings = json.loads(text[len(MADE_BY_PREFIX):])
    except ValueError:
        return None
    return settings if isinstance(settings, dict) else None
