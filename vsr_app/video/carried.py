"""The source's audio, subtitles and tags, carried into an output as its video is written.

Packets are copied without re-encoding when the output container accepts the codec and interleaved with the
video in time order (constant memory); audio the container refuses is re-encoded to AAC (resampled when AAC cannot
take its sample rate); subtitles it refuses, and audio that cannot be decoded, are dropped. Each choice is noted, and
so is what of the source's video the output cannot keep (another video stream, alpha, HDR or wide-gamut colours).
Carried streams keep their tags (language, title) and dispositions (default, commentary, forced); the output keeps
the source's container tags (title, creation time, location, comment...) where its muxer can store them.
"""

from __future__ import annotations

import io
from fractions import Fraction
from pathlib import Path
from typing import Iterable

import av
from av.video.reformatter import ColorPrimaries, ColorTrc

from vsr_app.video.encoding import CONTAINER_FORMATS
from vsr_app.video.reader import codec_name, video_stream

DEFAULT_AUDIO_CODEC = "aac"
# The rate audio is resampled to when AAC cannot encode the source's (above 96 kHz, or an odd rate).
FALLBACK_AUDIO_RATE = 48_000
# Audio codecs copied into MP4 as they are. FFmpeg will also mux e.g. PCM into MP4, but few players can
# play that, so anything else is re-encoded to AAC there. MOV and Matroska take what FFmpeg allows.
MP4_AUDIO_COPY = frozenset({"aac", "mp3", "ac3", "eac3", "opus", "flac", "alac"})


# Container tags that describe the source file, not its content: the mov/mp4 file type and the muxer that wrote it.
NOT_CARRIED_TAGS = frozenset({"major_brand", "minor_version", "compatible_brands", "encoder"})
# Where iPhones keep the place a video was shot: a QuickTime key the mov/mp4 muxers do not write ('location' they do).
APPLE_LOCATION = "com.apple.quicktime.location.iso6709"
# Colours an SDR output cannot show as they are (the writer converts and tags as BT.709/601 or sRGB).
HDR_TRANSFERS = {int(ColorTrc.SMPTE2084): "HDR (PQ)", int(ColorTrc.ARIB_STD_B67): "HDR (HLG)"}
WIDE_GAMUTS = {int(ColorPrimaries.BT2020): "BT.2020", int(ColorPrimaries.SMPTE431): "DCI-P3",
               int(ColorPrimaries.SMPTE432): "Display P3"}


def _container_tags(metadata) -> dict[str, str]:
    """The source's container tags as the output gets them: keys in lower case (Matroska reads them back in upper
    case, the mov/mp4 muxers look them up in any case), a phone's location also under `location`."""
    tags = {key.lower(): value for key, value in metadata.items() if key.lower() not in NOT_CARRIED_TAGS}
    if APPLE_LOCATION in tags:
        tags.setdefault("location", tags[APPLE_LOCATION])
    return tags


def _stream_tags(stream) -> dict[str, str]:
    """A carried stream's tags; the mov/mp4 demuxers read a track's title as 'name' and every muxer writes 'title'."""
    tags = dict(stream.metadata)
    if "name" in tags and "title" not in tags:
        tags["title"] = tags.pop("name")
    return tags


def _video_notes(source: Path, container) -> list[str]:
    """What of the source's video the output does not keep: its other video streams (the first is processed) and, of
    that one, an alpha channel (frames are decoded to RGB) and HDR or wide-gamut colours (written as SDR)."""
    main = video_stream(container, source)
    notes = [f"cover picture #{s.index} {codec_name(s)} dropped" if av.stream.Disposition.attached_pic in s.disposition
             else f"video #{s.index} {codec_name(s)} dropped: only the first video stream is processed"
             for s in container.streams.video if s is not main]
    label = f"video #{main.index} {codec_name(main)}"
    ctx = main.codec_context
    if (ctx.pix_fmt and any(c.is_alpha for c in av.VideoFormat(ctx.pix_fmt).components)) \
            or main.metadata.get("alpha_mode") == "1":  # VP8/VP9 keep alpha beside the picture
        notes.append(f"{label}: its alpha channel (transparency) is dropped; the output is opaque")
    hdr, gamut = HDR_TRANSFERS.get(ctx.color_trc), WIDE_GAMUTS.get(ctx.color_primaries)
    if hdr or gamut:
        what = " with ".join(filter(None, (hdr, gamut and f"{gamut} colours")))
        notes.append(f"{label}: {what} written as SDR without tone mapping or gamut conversion; "
                     "its colours will look wrong")
    return notes


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


class CarriedStreams:
    """Audio/subtitle streams of the source, copied (or re-encoded) into the output in time order, and its tags.

    `suffixes`: the output kinds the video codec can go in, those a note may suggest for a stream this one cannot hold.
    """

    def __init__(self, source: Path, output, notes: list[str], suffixes: Iterable[str] = tuple(CONTAINER_FORMATS)):
        self.src = av.open(str(source))
        self.output = output
        # The output's clock starts where the source's earliest stream does, as FFmpeg's does: a TV capture whose
        # clock read 600 s got a 600 s empty edit in mp4, ten minutes of nothing in players that follow edit lists.
        self.start = Fraction(self.src.start_time or 0, av.time_base)
        self.suffixes = suffixes
        self.copied: dict[int, av.stream.Stream] = {}  # source index -> output stream (packet copy)
        self.reencoded: dict[int, tuple] = {}  # source index -> (source stream, output stream)
        output.metadata.update(_container_tags(self.src.metadata))
        notes += _video_notes(source, self.src)
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
            out.metadata.update(_stream_tags(stream))
            out.disposition = stream.disposition
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
            out.metadata.update(_stream_tags(stream))
            out.disposition = stream.disposition
            self.reencoded[stream.index] = (stream, out)
            if rate != ctx.sample_rate:
                reason += f"; resampled from {ctx.sample_rate} Hz, a rate AAC cannot take, to {rate} Hz"
            notes.append(f"{label} re-encoded to {DEFAULT_AUDIO_CODEC} ({reason})")
        else:
            notes.append(f"{label} dropped: {reason}{self._advice(stream)}")

    def _advice(self, stream) -> str:
        """'; use .mp4 or .mov to keep it', naming the other output kinds that can hold `stream` ('' when none can)."""
        kinds = {}
        for suffix, kind in CONTAINER_FORMATS.items():
            if suffix in self.suffixes and kind != self.output.format.name:
                kinds.setdefault(kind, suffix)
        able = [suffix for kind, suffix in kinds.items() if _format_takes(kind, stream)]
        return f"; use {' or '.join(able)} to keep it" if able else ""

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

    def ticks(self, time_base: Fraction) -> int:
        """The source's start in `time_base` units: what comes off its timestamps on the output's clock."""
        return round(self.start / time_base)

    def _mux(self, packet) -> None:
        index = packet.stream.index
        if index in self.copied:
            if packet.size == 0 or packet.dts is None:
                return  # demuxer's end-of-stream marker
            shift = self.ticks(packet.time_base)
            packet.dts -= shift
            if packet.pts is not None:
                packet.pts -= shift
            packet.stream = self.copied[index]
            self.output.mux(packet)
            return
        stream, out = self.reencoded[index]
        try:
            frames = stream.decode(packet)
        except av.error.InvalidDataError:
            return  # a damaged audio packet: skip it like a player would
        for frame in frames:
            if frame.pts is not None:
                frame.pts -= self.ticks(frame.time_base)
            self.output.mux(out.encode(frame))

    def close(self) -> None:
        self.src.close()
