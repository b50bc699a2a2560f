"""Encode RGB frames to a playable file, carrying the source's audio and subtitles along, atomically.

Why it is careful: a video tool must never destroy the user's input, never leave a half-written file that
looks finished, and keep the sound in sync. So:
- the output is written to a hidden temporary file beside the target (same folder, same disk) and moved
  into place only after the encoder is flushed, the file closed and its frame count checked: hard-linked to
  the target (which fails if a file is there) and then unlinked, or renamed with `os.replace` when
  `overwrite` is given or the disk has no hard links (there after checking that the target is free); any
  error or `abort()` deletes the temporary file, and those a killed write left for the same target go once
  a write to it completes (the temporary name holds the writer's process id, so a file another live run is
  writing is never taken for one);
- the target may not be the source (compared by real path / inode), and an existing target is refused
  unless `overwrite=True`; one that another run finished while this one was writing is not replaced
  either: this run's file is kept beside it under a free name and the write fails saying so;
- frames are stamped with the caller's timestamps (seconds on the source's clock), so variable frame rate
  survives and copied audio packets, which keep their own timestamps, stay in sync;
- the container's `comment` tag records what made the file (task, models, codec, CRF, preset; see
  `made_by`), so a rerun of a batch can tell its own finished output from one made with other settings;
- audio and subtitle packets are copied without re-encoding when the output container accepts the codec
  and interleaved with the video as it is written (constant memory); audio the container refuses is
  re-encoded to AAC (resampled when AAC cannot take its sample rate); subtitles it refuses, and audio that
  cannot be decoded, are dropped; each choice is reported (`WriteResult.notes`).

Odd sizes: 4:2:0 and 4:2:2 need even dimensions, so an odd width or height is padded by repeating the
last column/row (never cropped, so no source pixel is lost; the output is at most 1 pixel larger).
"""

from __future__ import annotations

import errno
import io
import itertools
import json
import logging
import os
import re
import secrets
import sys
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Callable, Sequence

import av
import numpy as np
from av.video.reformatter import ColorPrimaries, ColorRange, Colorspace, ColorTrc

from vsr_app.errors import OVERWRITE_HINT, VsrAppError
from vsr_app.video.reader import cannot_read, codec_name
from vsr_app.video.verify import packet_span

log = logging.getLogger(__name__)

# AVColorSpace values (FFmpeg has no enum for them in PyAV).
_SPC_RGB, _SPC_BT709, _SPC_SMPTE170M = 0, 1, 6


@dataclass(frozen=True)
class CodecSpec:
    """How the app encodes with one codec: its FFmpeg encoder, pixel format and quality knobs."""

    encoder: str
    pix_fmt: str
    containers: frozenset[str]  # output suffixes that can hold it
    crf: int | None = None  # default constant-rate factor (None: codec has no CRF)
    preset: str | None = None
    crf_range: tuple[int, int] | None = None  # the CRFs the encoder accepts (None: it takes none)
    presets: tuple[str, ...] = ()  # the speed presets it knows (empty: it has none)
    options: tuple[tuple[str, str], ...] = ()


# x264's and x265's speed presets, fastest first, and their CRF range at 8 bits (both documented: `x264 --fullhelp`,
# x265's "Preset Options"); x264 clamps a higher CRF to 51 without a word, so the range is checked here.
X26X_PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow",
                "placebo")
X26X_CRF_RANGE = (0, 51)

CODECS: dict[str, CodecSpec] = {
    # CRF 18 (x264) / 20 (x265): visually transparent, the level people expect from an enhancement tool.
    "libx264": CodecSpec("libx264", "yuv420p", frozenset({".mp4", ".m4v", ".mov", ".mkv"}), crf=18, preset="veryfast",
                         crf_range=X26X_CRF_RANGE, presets=X26X_PRESETS),
    "libx265": CodecSpec("libx265", "yuv420p", frozenset({".mp4", ".m4v", ".mov", ".mkv"}), crf=20, preset="medium",
                         crf_range=X26X_CRF_RANGE, presets=X26X_PRESETS, options=(("tag", "hvc1"),)),
    # Lossless: encode the RGB frames as RGB (bgr0 is FFV1's 8-bit RGB layout) so no YUV conversion loses detail.
    "ffv1": CodecSpec("ffv1", "bgr0", frozenset({".mkv"}), options=(("level", "3"), ("slicecrc", "1"))),
    # ProRes 422 (standard profile), 10-bit 4:2:2 as editors expect.
    "prores": CodecSpec("prores_ks", "yuv422p10le", frozenset({".mov", ".mkv"}), options=(("profile", "2"),)),
}
CODEC_ALIASES = {"h264": "libx264", "x264": "libx264", "avc": "libx264", "h265": "libx265", "hevc": "libx265",
                 "x265": "libx265", "prores_ks": "prores"}
CONTAINER_FORMATS = {".mp4": "mp4", ".m4v": "mp4", ".mov": "mov", ".mkv": "matroska"}
DEFAULT_AUDIO_CODEC = "aac"
# The rate audio is resampled to when AAC cannot encode the source's (above 96 kHz, or an odd rate).
FALLBACK_AUDIO_RATE = 48_000
# Audio codecs copied into MP4 as they are. FFmpeg will also mux e.g. PCM into MP4, but few players can
# play that, so anything else is re-encoded to AAC there. MOV and Matroska take what FFmpeg allows.
MP4_AUDIO_COPY = frozenset({"aac", "mp3", "ac3", "eac3", "opus", "flac", "alac"})


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


def _quality(spec: CodecSpec, crf: int | None, preset: str | None) -> tuple[int | None, str | None]:
    """The CRF and preset an encode really uses: the codec's defaults filled in, None where the codec has none."""
    return (None if spec.crf is None else spec.crf if crf is None else crf,
            None if spec.preset is None else preset or spec.preset)


# What made a file, kept in the file: "comment" because the mp4/mov muxers write only the tags they know
# (Matroska keeps any and reads it back as "COMMENT").
MADE_BY_TAG = "comment"
MADE_BY_PREFIX = "vsr-app "


def made_by(task: str, models: Sequence[str], codec: str, crf: int | None = None,
            preset: str | None = None, weights: Sequence[str | None] = ()) -> dict:
    """The settings that determine an output: what `VideoWriter` records in it and batch compares before skipping it.
    `weights`: each model's `LoadedModel.weights_digest`, which tells retrained weights under an old name apart."""
    spec = codec_spec(codec)
    crf, preset = _quality(spec, crf, preset)
    return {"task": task, "models": list(models), "weights": list(weights), "codec": spec.encoder, "crf": crf,
            "preset": preset}


def read_made_by(path: str | os.PathLike) -> dict | None:
    """The settings recorded in a file by `VideoWriter`; None when it has no record (another program's video,
    an older vsr-app's output). Raises VsrAppError when the file cannot be opened as a media file."""
    try:
        with av.open(str(path)) as container:
            tags = {key.lower(): value for key, value in container.metadata.items()}
    except (av.FFmpegError, OSError) as exc:
        raise cannot_read(path, exc) from exc
    text = tags.get(MADE_BY_TAG, "")
    if not text.startswith(MADE_BY_PREFIX):
        return None
    try:
        settings = json.loads(text[len(MADE_BY_PREFIX):])
    except ValueError:
        return None
    return settings if isinstance(settings, dict) else None


def even_size(width: int, height: int, pix_fmt: str) -> tuple[int, int]:
    """Encoded size for a picture of `width`x`height`: rounded up to even where the chroma is subsampled."""
    fmt = av.VideoFormat(pix_fmt)
    sub_w = fmt.chroma_width(2) < 2
    sub_h = fmt.chroma_height(2) < 2
    return width + (width % 2 if sub_w else 0), height + (height % 2 if sub_h else 0)


def pad_to(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """Pad an HxWx3 image on the right/bottom by repeating its last column/row (no-op when already that size)."""
    h, w = image.shape[:2]
    if (w, h) == (width, height):
        return image
    return np.pad(image, ((0, height - h), (0, width - w), (0, 0)), mode="edge")


def check_output_path(target: Path, source: Path | None, overwrite: bool) -> None:
    """Refuse to write over the input, over a folder, or over an existing file without `overwrite`, and a name
    too long for the disk (before anything is asked about it: asking fails too)."""
    size, limit = name_size(target.name), name_max(target.parent)
    if size > limit:
        raise VsrAppError(f"the output name '{target.name}' is too long: {size} bytes, where the disk allows "
                          f"{limit}; choose a shorter name")
    if source is not None and target.exists() and source.exists() and os.path.samefile(target, source):
        raise VsrAppError(f"the output '{target}' is the input file; choose another output name")
    if source is not None and os.path.realpath(target) == os.path.realpath(source):
        raise VsrAppError(f"the output '{target}' is the input file; choose another output name")
    if target.is_dir():
        raise VsrAppError(f"the output '{target}' is a folder; give a file name such as out.mp4")
    if target.exists() and not overwrite:
        raise VsrAppError(f"'{target}' already exists; {OVERWRITE_HINT} or choose another name")
    if target.suffix.lower() not in CONTAINER_FORMATS:
        raise VsrAppError(f"cannot write '{target.name}': use one of the extensions "
                          f"{', '.join(sorted(CONTAINER_FORMATS))}")


def make_folder(folder: Path) -> None:
    """Create `folder` (and its parents) or raise VsrAppError saying why not (e.g. a file is in the way)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        blocker = next((p for p in (folder, *folder.parents) if p.is_file()), None)
        why = f"'{blocker}' is a file, not a folder" if blocker else (exc.strerror or str(exc))
        raise VsrAppError(f"cannot create the output folder '{folder}': {why}") from exc


@dataclass
class WriteResult:
    """What ended up in the finished file."""

    path: str
    frames: int
    duration: float  # seconds from the first frame's start to the last frame's end
    width: int
    height: int
    codec: str
    size_bytes: int
    notes: list[str] = field(default_factory=list)  # e.g. "audio #1 aac copied", "subtitle #2 dropped: ..."


def _color_tags(spec: CodecSpec, height: int) -> tuple[int, int, int, int, Colorspace | None]:
    """(colorspace, primaries, trc, range, swscale matrix) for the output: BT.709 for HD, BT.601 for SD,
    RGB for RGB codecs.

    Following the same HD/SD rule players use for untagged video means the colours are right even in
    players that ignore the tags.
    """
    if av.VideoFormat(spec.pix_fmt).is_rgb:
        return _SPC_RGB, ColorPrimaries.BT709, ColorTrc.IEC61966_2_1, ColorRange.JPEG, None
    if height >= 720:
        return _SPC_BT709, ColorPrimaries.BT709, ColorTrc.BT709, ColorRange.MPEG, Colorspace.ITU709
    return _SPC_SMPTE170M, ColorPrimaries.SMPTE170M, ColorTrc.SMPTE170M, ColorRange.MPEG, Colorspace.ITU601


def _aac_layout(layout) -> str:
    """A channel layout AAC can encode: the source's when it is a standard one, else the standard layout for
    its channel count (PCM often comes as unordered "1 channels"), else stereo (the encoder downmixes)."""
    standard = {1: "mono", 2: "stereo", 3: "3.0", 4: "4.0", 5: "5.0", 6: "5.1", 8: "7.1"}
    if layout.name in standard.values():
        return layout.name
    return standard.get(layout.nb_channels, "stereo")


def _format_takes(format_name: str, stream) -> bool:
    """Whether a file of `format_name` can hold `stream` copied as it is. Tried on a throwaway file in memory,
    header included: some muxers take the stream and refuse it only when the header is written (MOV with
    Opus), which would fail the whole job at its first frame."""
    with av.open(io.BytesIO(), "w", format=format_name) as trial:
        try:
            trial.add_stream_from_template(stream)
            trial.start_encoding()
        except (ValueError, av.FFmpegError):
            return False
    return True


class _CarriedStreams:
    """Audio/subtitle streams of the source, copied (or re-encoded) into the output in time order."""

    def __init__(self, source: Path, output, notes: list[str]):
        self.src = av.open(str(source))
        self.output = output
        self.copied: dict[int, av.stream.Stream] = {}  # source index -> output stream (packet copy)
        self.reencoded: dict[int, tuple] = {}  # source index -> (source stream, output stream)
        for stream in list(self.src.streams.audio) + list(self.src.streams.subtitles):
            self._add(stream, notes)
        inputs = [self.src.streams[i] for i in (*self.copied, *self.reencoded)]
        self.packets = self.src.demux(inputs) if inputs else iter(())
        self.pending = None
        self.finished = not inputs

    def _add(self, stream, notes: list[str]) -> None:
        codec = codec_name(stream)
        label = f"{stream.type} #{stream.index} {codec}"
        kind = self.output.format.name
        if stream.type == "audio" and kind == "mp4" and codec not in MP4_AUDIO_COPY:
            reason = f"MP4 players rarely play {codec}"
        elif _format_takes(kind, stream):
            out = self.output.add_stream_from_template(stream)
            out.metadata.update(stream.metadata)
            self.copied[stream.index] = out
            notes.append(f"{label} copied")
            return
        else:
            reason = f"the {kind} container cannot hold {codec}"
        if stream.type == "audio" and stream.codec_context is not None:
            ctx = stream.codec_context
            rate = ctx.sample_rate if ctx.sample_rate in av.Codec(DEFAULT_AUDIO_CODEC, "w").audio_rates \
                else FALLBACK_AUDIO_RATE
            out = self.output.add_stream(DEFAULT_AUDIO_CODEC, rate=rate)  # its encoder resamples to `rate`
            out.layout = _aac_layout(ctx.layout)
            out.metadata.update(stream.metadata)
            self.reencoded[stream.index] = (stream, out)
            if rate != ctx.sample_rate:
                reason += f"; resampled from {ctx.sample_rate} Hz, a rate AAC cannot take, to {rate} Hz"
            notes.append(f"{label} re-encoded to {DEFAULT_AUDIO_CODEC} ({reason})")
        else:
            notes.append(f"{label} dropped: {reason}; use .mkv to keep it")

    def mux_until(self, time: float | None) -> None:
        """Write carried packets whose time is at or before `time` (all that remain when None)."""
        while not self.finished:
            if self.pending is None:
                self.pending = next(self.packets, None)
                if self.pending is None:
                    self.finished = True
                    break
            packet = self.pending
            if time is not None and packet.pts is not None and packet.time_base is not None:
                if float(packet.pts * packet.time_base) > time:
                    return
            self.pending = None
            self._mux(packet)
        if time is None:
            for stream, out in self.reencoded.values():
                self.output.mux(out.encode(None))

    def _mux(self, packet) -> None:
        index = packet.stream.index
        if index in self.copied:
            if packet.size == 0 or packet.dts is None:
                return  # demuxer's end-of-stream marker
            packet.stream = self.copied[index]
            self.output.mux(packet)
            return
        stream, out = self.reencoded[index]
        try:
            frames = stream.decode(packet)
        except av.error.InvalidDataError:
            return  # a damaged audio packet: skip it like a player would
        for frame in frames:
            self.output.mux(out.encode(frame))

    def close(self) -> None:
        self.src.close()


def name_max(folder: Path) -> int:
    """The longest file name, in bytes, the disk holding `folder` takes (255, the common limit, where it cannot
    be asked: on Windows, or for a folder not made yet)."""
    try:
        limit = os.pathconf(folder, "PC_NAME_MAX")
    except (AttributeError, OSError, ValueError):
        return 255
    return limit if limit > 0 else 255


def name_size(name: str) -> int:
    """What a file name counts against the disk's limit: bytes on POSIX systems, UTF-16 units on Windows (NTFS
    takes 255 of those, so 255 Japanese characters)."""
    return len(name.encode("utf-16-le")) // 2 if sys.platform == "win32" else len(os.fsencode(name))


def fit_name(text: str, size: int) -> str:
    """`text` shortened by whole characters until it takes at most `size` (see `name_size`) as a file name."""
    while text and name_size(text) > size:
        text = text[:-1]
    return text


def first_free(folder: Path, stem: str, ending: Callable[[int], str]) -> Path:
    """`folder / (stem + ending(n))` for the first n = 1, 2, ... that no file has, the stem shortened to keep
    each name within the disk's limit: a second export, a kept result, an earlier run's file never replace one."""
    room = name_max(folder)
    for number in itertools.count(1):
        candidate = folder / (fit_name(stem, room - name_size(ending(number))) + ending(number))
        if not candidate.exists():
            return candidate


# What a temporary name adds after its prefix: the writer's pid (at most 10 digits), "-" and 8 hex digits.
_PARTIAL_ID_BYTES = 10 + 1 + 8


def _partial_parts(path: Path) -> tuple[str, str]:
    """A write to `path` goes to the hidden file prefix + writer's pid + "-" + random hex + suffix until it is
    complete. The stem is shortened to keep that within the disk's name limit: a name near the limit (80
    Japanese characters are 240 bytes) is valid for the output and must not fail for its temporary file."""
    suffix = path.suffix.lower()
    room = name_max(path.parent) - name_size(f"..partial-{suffix}") - _PARTIAL_ID_BYTES
    return f".{fit_name(path.stem, room)}.partial-", suffix


# Names of the temporary files this process is writing now (unique: they end in random hex). A file with this
# process's pid and not in here was left by an earlier process with the same pid: in a container the app is often
# pid 1, or the same small number, on every run.
_OWN_TEMPS: set[str] = set()


def _writer_running(path: Path, pid: int) -> bool:
    """Whether the writer of temporary file `path`, process `pid`, still runs. Not asked on Windows, where
    os.kill would end it; there the file a live writer holds open cannot be deleted, which keeps it the same."""
    if pid == os.getpid():
        return path.name in _OWN_TEMPS
    if sys.platform == "win32":
        return False
    try:
        os.kill(pid, 0)  # signal 0 only asks whether the process exists
    except (ProcessLookupError, OverflowError):
        return False
    except PermissionError:  # it exists, run by another user
        pass
    return True


def remove_stale_partials(dst: Path) -> int:
    """Delete the temporary files killed writes left for `dst` (called once a write to `dst` is complete, and by
    batch before each file); returns how many. Those whose writer still runs are kept: another run may be
    writing the same output right now. Best effort: what cannot be listed or deleted stays."""
    if not dst.parent.is_dir():  # a first write into a new folder: nothing can have been left there
        return 0
    prefix, suffix = _partial_parts(dst)
    # Names without a pid come from versions that did not record it; their writers are long gone.
    pattern = re.compile(re.escape(prefix) + r"(?:(\d{1,10})-)?[0-9a-f]+" + re.escape(suffix))
    removed = 0
    try:
        names = list(dst.parent.iterdir())
    except OSError as exc:
        log.warning("could not list temporary files for %s: %s", dst, exc)
        return 0
    for p in names:
        match = pattern.fullmatch(p.name)
        if match and p.is_file() and not (match[1] and _writer_running(p, int(match[1]))):
            try:
                p.unlink(missing_ok=True)
                removed += 1
            except OSError as exc:  # one that cannot go (held open on Windows) leaves the others to clear
                log.warning("could not delete the temporary file %s: %s", p, exc)
    return removed


class VideoWriter:
    """Writes frames (HxWx3 uint8 RGB + time in seconds) to `path`; use as a context manager.

    On a clean exit the file is finished and renamed into place; on an exception (or `abort()`) nothing is
    left behind. `source` names the input video: its audio/subtitles are carried over and it is never
    overwritten. With a `task` ('upscale', ...), it and the `models` (with their `weights` digests) are recorded in
    the file with the encoding settings (`made_by`).
    """

    def __init__(self, path: str | os.PathLike, *, width: int, height: int, frame_rate: Fraction | float,
                 time_base: Fraction | None = None, codec: str = "libx264", crf: int | None = None,
                 preset: str | None = None, source: str | os.PathLike | None = None, overwrite: bool = False,
                 sample_aspect_ratio: Fraction | None = None, on_encoded: Callable[[int], None] | None = None,
                 task: str | None = None, models: Sequence[str] = (), weights: Sequence[str | None] = ()):
        self.path = Path(path)
        self.source = Path(source) if source is not None else None
        self.spec = check_encoder_settings(codec, crf, preset)
        suffix = self.path.suffix.lower()
        check_output_path(self.path, self.source, overwrite)
        if suffix not in self.spec.containers:
            raise VsrAppError(f"codec {codec} cannot go in a {suffix} file; use "
                              f"{' or '.join(sorted(self.spec.containers))}")
        self.width, self.height = width, height
        self.enc_width, self.enc_height = even_size(width, height, self.spec.pix_fmt)
        rate = Fraction(frame_rate).limit_denominator(1_000_000)
        self.time_base = time_base or Fraction(1, 180_000)
        self.frames = 0  # frames handed to the encoder
        self.on_encoded = on_encoded  # progress hook: called with the number of newly finished frames
        self.first_time: float | None = None
        self.last_time: float | None = None
        self.last_pts: int | None = None
        self.frame_interval = 1.0 / float(rate)
        self.notes: list[str] = []
        if (self.enc_width, self.enc_height) != (width, height):
            self.notes.append(f"odd size {width}x{height} padded to {self.enc_width}x{self.enc_height}")
        self.overwrite = overwrite
        make_folder(self.path.parent)
        prefix = _partial_parts(self.path)[0]
        self.tmp = self.path.with_name(f"{prefix}{os.getpid()}-{secrets.token_hex(4)}{suffix}")
        _OWN_TEMPS.add(self.tmp.name)
        self.container = None
        self.carried: _CarriedStreams | None = None
        self.result: WriteResult | None = None  # set by close()
        try:
            self.container = av.open(str(self.tmp), mode="w", format=CONTAINER_FORMATS[suffix],
                                     options={"movflags": "+faststart"} if suffix != ".mkv" else {})
            if task is not None:
                settings = made_by(task, models, codec, crf, preset, weights)
                self.container.metadata[MADE_BY_TAG] = MADE_BY_PREFIX + json.dumps(settings, sort_keys=True)
            self._add_video_stream(rate, crf, preset, sample_aspect_ratio)
            if self.source is not None:
                self.carried = _CarriedStreams(self.source, self.container, self.notes)
        except BaseException as exc:
            self.abort()
            if isinstance(exc, OSError):
                raise VsrAppError(f"cannot create '{self.path}': {exc.strerror or exc}") from exc
            raise

    def _add_video_stream(self, rate: Fraction, crf: int | None, preset: str | None,
                          sar: Fraction | None) -> None:
        spec = self.spec
        stream = self.container.add_stream(spec.encoder, rate=rate)
        stream.width, stream.height = self.enc_width, self.enc_height
        stream.pix_fmt = spec.pix_fmt
        stream.time_base = self.time_base
        stream.codec_context.time_base = self.time_base
        if sar:
            stream.codec_context.sample_aspect_ratio = sar
        colorspace, primaries, trc, crange, self.matrix = _color_tags(spec, self.enc_height)
        ctx = stream.codec_context
        ctx.colorspace, ctx.color_primaries, ctx.color_trc, ctx.color_range = (
            colorspace, int(primaries), int(trc), int(crange))
        self.color_range = crange
        options = dict(spec.options)
        crf, preset = _quality(spec, crf, preset)
        if crf is not None:
            options["crf"] = str(crf)
        if preset is not None:
            options["preset"] = preset
        if spec.encoder == "libx265":
            options["x265-params"] = "log-level=error"
        stream.options = options
        self.stream = stream

    def __enter__(self) -> "VideoWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.abort()
        elif self.result is None:
            self.close()

    def write(self, image: np.ndarray, time: float) -> None:
        """Encode one frame shown at `time` seconds (source clock); times must increase."""
        if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
            raise ValueError(f"expected HxWx3 uint8 RGB, got {image.dtype} {image.shape}")
        if image.shape[:2] != (self.height, self.width):
            raise ValueError(f"frame is {image.shape[1]}x{image.shape[0]}, writer expects {self.width}x{self.height}")
        pts = round(time / self.time_base)
        if self.last_pts is not None and pts <= self.last_pts:
            raise ValueError(f"frame time {time:.6f}s does not come after the previous frame")
        frame = av.VideoFrame.from_ndarray(pad_to(image, self.enc_width, self.enc_height), format="rgb24")
        frame = frame.reformat(format=self.spec.pix_fmt, dst_colorspace=self.matrix, dst_color_range=self.color_range)
        frame.pts = pts
        frame.time_base = self.time_base
        try:
            if self.carried is not None:
                self.carried.mux_until(time)
            self._mux_video(self.stream.encode(frame))
        except (av.FFmpegError, OSError) as exc:
            raise _write_error(self.path, exc) from exc
        if self.first_time is None:
            self.first_time = time
        if self.last_time is not None:
            self.frame_interval = time - self.last_time
        self.last_time, self.last_pts = time, pts
        self.frames += 1

    def _mux_video(self, packets: list) -> None:
        self.container.mux(packets)
        if packets and self.on_encoded is not None:
            self.on_encoded(len(packets))

    def close(self) -> WriteResult:
        """Flush, check and rename the file into place; returns what was written."""
        if self.container is None:
            raise RuntimeError("writer already closed")
        try:
            if self.frames == 0:
                raise VsrAppError("no frames were written; the output was not created")
            for packet in self.stream.codec_context.encode_lazy(None):  # one at a time: progress keeps moving
                packet.stream = self.stream
                self._mux_video([packet])
            if self.carried is not None:
                self.carried.mux_until(None)
                self.carried.close()
                self.carried = None
            self.container.close()
            self.container = None
            counted = packet_span(self.tmp).frames
            if counted != self.frames:
                raise VsrAppError(f"the encoded file holds {counted} frames but {self.frames} were written; "
                                  "the output was discarded")
            with open(self.tmp, "rb+") as fh:
                os.fsync(fh.fileno())
            self._move_into_place()
        except (av.FFmpegError, OSError) as exc:
            self.abort()
            raise _write_error(self.path, exc) from exc
        except BaseException:
            self.abort()
            raise
        remove_stale_partials(self.path)
        duration = self.last_time - self.first_time + self.frame_interval
        self.result = WriteResult(str(self.path), self.frames, duration, self.enc_width, self.enc_height,
                                  self.spec.encoder, self.path.stat().st_size, self.notes)
        return self.result

    def _move_into_place(self) -> None:
        """Rename the finished temporary file to the target. A target that appeared while this run was writing
        (another run of the same output finished first) is replaced only with `overwrite`; otherwise this
        run's file is kept under a free name and the write fails, so neither result is lost."""
        if self.overwrite:
            os.replace(self.tmp, self.path)
        elif not self._claim_target():
            kept = first_free(self.path.parent, self.path.stem, lambda n: f" ({n + 1}){self.path.suffix}")
            os.replace(self.tmp, kept)
            raise VsrAppError(f"'{self.path}' appeared while this run was writing and was not overwritten; "
                              f"this run's output is kept as '{kept}'")
        _OWN_TEMPS.discard(self.tmp.name)

    def _claim_target(self) -> bool:
        """Put the finished file at the target unless a file is there (then False). A hard link fails on an
        existing target, so another run cannot slip in between a check and the rename; on a disk without hard
        links (FAT, some network shares) it is check, then rename."""
        try:
            os.link(self.tmp, self.path)
        except FileExistsError:
            return False
        except OSError:
            if self.path.exists():
                return False
            os.replace(self.tmp, self.path)
            return True
        self.tmp.unlink()
        return True

    def abort(self) -> None:
        """Stop and delete the temporary file; the target is left as it was."""
        for closable in (self.carried, self.container):
            if closable is not None:
                try:
                    closable.close()
                except Exception:  # already failing; the temp file is removed below either way
                    log.debug("close during abort failed", exc_info=True)
        self.carried = self.container = None
        try:
            self.tmp.unlink(missing_ok=True)
        except OSError as exc:  # the error that made us abort is the one to report
            log.warning("could not delete the temporary file %s: %s", self.tmp, exc)
        _OWN_TEMPS.discard(self.tmp.name)


def _write_error(path: Path, exc: BaseException) -> VsrAppError:
    if getattr(exc, "errno", None) == errno.ENOSPC:
        return VsrAppError(f"no space left on the disk while writing '{path}'")
    message = getattr(exc, "strerror", None) or str(exc)
    return VsrAppError(f"writing '{path}' failed: {message}")
