"""The source's audio and subtitles, carried into an output as its video is written.

Packets are copied without re-encoding when the output container accepts the codec and interleaved with the
video in time order (constant memory); audio the container refuses is re-encoded to AAC (resampled when AAC cannot
take its sample rate); subtitles it refuses, and audio that cannot be decoded, are dropped. Each choice is noted.
"""

from __future__ import annotations

import io
from pathlib import Path

import av

from vsr_app.video.reader import codec_name

DEFAULT_AUDIO_CODEC = "aac"
# The rate audio is resampled to when AAC cannot encode the source's (above 96 kHz, or an odd rate).
FALLBACK_AUDIO_RATE = 48_000
# Audio codecs copied into MP4 as they are. FFmpeg will also mux e.g. PCM into MP4, but few players can
# play that, so anything else is re-encoded to AAC there. MOV and Matroska take what FFmpeg allows.
MP4_AUDIO_COPY = frozenset({"aac", "mp3", "ac3", "eac3", "opus", "flac", "alac"})


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
