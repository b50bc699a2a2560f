"""The source's audio, subtitles, attached fonts, timecode and tags, carried into an output as its video is written.

Packets are copied without re-encoding when the output container accepts the codec and interleaved with the
video in time order (constant memory), less those the source's edit lists hide (a cut file's audio from before the
cut); audio the container refuses is re-encoded to AAC (resampled when AAC cannot take its sample rate, or when the
source changes its layout or rate mid-stream), Blu-ray and DVD LPCM to plain PCM, bit for bit, where the container
holds PCM; audio that starts too late for FFmpeg's opening to describe it is described first by reading further, and
the streams of a second recording joined on with other stream IDs are named, not carried (`late_streams.py`); text
subtitles it refuses to the text codec it holds (mov_text, SRT;
`subtitles.py`); picture subtitles it refuses, audio that cannot be decoded, attachments outside Matroska and data
streams other than a timecode track are dropped. Each choice is noted, and so is what of
the source's video the output cannot keep (another video stream, alpha, HDR or wide-gamut colours, more than 8 bits,
chroma finer than the output codec's).
Carried streams keep their tags (language, title) and dispositions (default, commentary, forced); the output keeps
the source's container tags (title, creation time, location, comment...) where its muxer can store them; the
finished file is read back for those the muxer dropped without a word, and a default flag it added, which are named
(`tags.SilentDrops`).
"""

from __future__ import annotations

import io
import re
from fractions import Fraction
from pathlib import Path
from typing import Iterable

import av
from av.video.reformatter import ColorPrimaries

from vsr_app.video.encoding import CONTAINER_FORMATS
from vsr_app.video.joins import Positions, file_joins
from vsr_app.video.late_streams import found_parameters, has_parameters, later_recording
from vsr_app.video.opening import video_stream
from vsr_app.video.probing import VideoInfo, codec_name, is_cover_art
from vsr_app.video.reader import probe
from vsr_app.video.subtitles import TEXT_SUBTITLE_CODECS, SubtitleConversion, is_text
from vsr_app.video.tags import SilentDrops, container_tags, stream_tags
from vsr_app.video.tonemap import Hdr
from vsr_app.words import counted

DEFAULT_AUDIO_CODEC = "aac"
# The rate audio is resampled to when AAC cannot encode the source's (above 96 kHz, or an odd rate).
FALLBACK_AUDIO_RATE = 48_000
# Audio codecs copied into MP4 as they are. FFmpeg will also mux e.g. PCM into MP4, but few players can
# play that, so anything else is re-encoded to AAC there. MOV and Matroska take what FFmpeg allows.
MP4_AUDIO_COPY = frozenset({"aac", "mp3", "ac3", "eac3", "opus", "flac", "alac"})
# Blu-ray/AVCHD and DVD LPCM, which only MPEG streams hold, and the plain PCM that keeps it bit for bit, by its decoded
# samples' format (16 bits, or 20 and 24 bits in 32-bit samples).
DISC_LPCM = frozenset({"pcm_bluray", "pcm_dvd"})
PLAIN_PCM = {"s16": "pcm_s16le", "s32": "pcm_s24le"}
# Colours an SDR output cannot show as they are (the writer tags BT.709/601 or sRGB): HDR the reader tone-maps, wide
# gamuts with an SDR transfer it converts to BT.709's primaries.
WIDE_GAMUTS = {int(ColorPrimaries.BT2020): "BT.2020", int(ColorPrimaries.SMPTE431): "DCI-P3",
               int(ColorPrimaries.SMPTE432): "Display P3"}
# A timecode, HH:MM:SS:FF (';' before FF when drop-frame): the clock time and frame of a video's first picture.
TIMECODE = re.compile(r"(\d+:\d+:\d+[:;.])(\d+)")
# Chroma subsampling by (pixels across, lines down) that share one colour sample, as J:a:b.
CHROMA_NAMES = {(1, 1): "4:4:4", (1, 2): "4:4:0", (2, 1): "4:2:2", (2, 2): "4:2:0", (4, 1): "4:1:1", (4, 4): "4:1:0"}


def _is_rgb(fmt: av.VideoFormat) -> bool:
    """Whether `fmt` holds RGB colours (a palette's are RGB too): full colour resolution, no chroma planes."""
    return fmt.is_rgb or fmt.has_palette


def _chroma_step(pix_fmt: str) -> tuple[int, int] | None:
    """(pixels across, lines down) that share one colour sample in `pix_fmt`: (1, 1) for RGB; None for grey, which
    has no colour to lose (PyAV's `is_chroma` cannot tell: it is false for 4:4:4 planes)."""
    fmt = av.VideoFormat(pix_fmt, 16, 16)
    if _is_rgb(fmt):
        return 1, 1
    if sum(not c.is_alpha for c in fmt.components) < 3:
        return None
    return 16 // fmt.chroma_width(), 16 // fmt.chroma_height()


def _precision_notes(label: str, pix_fmt: str, out_pix_fmt: str) -> list[str]:
    """The depth and colour resolution a source in `pix_fmt` loses: frames are processed as 8-bit RGB whatever the
    codec, and an `out_pix_fmt` output keeps only its own chroma (x264/x265 4:2:0, ProRes 4:2:2; FFV1 is RGB)."""
    notes = []
    bits = max(c.bits for c in av.VideoFormat(pix_fmt).components)
    if bits > 8:
        notes.append(f"{label}: {bits}-bit input reduced to 8 bits")
    source, output = _chroma_step(pix_fmt), _chroma_step(out_pix_fmt)
    if source and output and (source[0] < output[0] or source[1] < output[1]):
        what = "RGB colour" if _is_rgb(av.VideoFormat(pix_fmt)) else f"{CHROMA_NAMES.get(source, pix_fmt)} chroma"
        notes.append(f"{label}: {what} written as {CHROMA_NAMES[output]}")
    return notes


def converted_gamut(hdr: Hdr | None, wide_gamut: int | None) -> tuple[str | None, bool]:
    """The wide gamut the reader converts a video's colours from, by name (None for BT.709's), and whether it is
    assumed: HDR of unknown primaries is converted as BT.2020, which the note and the Colour fact did not say."""
    if hdr and hdr.primaries_assumed:
        return WIDE_GAMUTS[int(ColorPrimaries.BT2020)], True
    return WIDE_GAMUTS.get(hdr.primaries if hdr else wide_gamut), False


def _video_notes(source: Path, container, output, info: VideoInfo | None, later: dict[int, str]) -> list[str]:
    """What of the source's video the `output` container does not keep: its other video streams (one is processed,
    `opening.video_stream`; a cover picture is carried apart, `CarriedStreams._add_cover`; a recording joined on with
    other stream IDs, `later`, is named as such) and, of that one, VP8/VP9 alpha (FFmpeg decodes it without), HDR
    (tone-mapped to SDR) or wide-gamut colours (converted to BT.709), and bits or chroma the output's pixel format
    has no room for. `info`: the source as its reader opened it, whose HDR and gamut are its first frame's (the header
    can say SDR where frames say HLG); None: opened here (`probe`)."""
    main = video_stream(container, source)
    notes = [f"video #{s.index} {codec_name(s)} dropped: "
             + (f"a second recording, joined on where video #{main.index} ends with other stream IDs, is not "
                "processed (split the file to process it)" if s.index in later
                else f"only one video stream, #{main.index}, is processed")
             for s in container.streams.video if s is not main and not is_cover_art(s)]
    label = f"video #{main.index} {codec_name(main)}"
    ctx = main.codec_context
    # VP8/VP9 keep alpha beside the picture, which FFmpeg's decoders leave out; the reader counts the frames whose
    # decoded alpha is not opaque (the pipeline's note)
    if main.metadata.get("alpha_mode") == "1":
        notes.append(f"{label}: its alpha channel (transparency) is dropped; the output is opaque")
    info = info or probe(source)
    hdr = info.hdr
    gamut, assumed = converted_gamut(hdr, info.wide_gamut)
    colours = gamut and f"{gamut} colours{' assumed,' if assumed else ''}"
    what = " with ".join(filter(None, (hdr and hdr.label(), colours)))
    if hdr:  # the reader converts its frames (`tonemap.py`)
        notes.append(f"{label}: {what} tone-mapped to SDR BT.709")
    elif gamut:
        notes.append(f"{label}: {what} converted to BT.709")
    if ctx.pix_fmt:
        notes += _precision_notes(label, ctx.pix_fmt, output.streams.video[0].pix_fmt)
    return notes


# What a cover picture is named and typed as where its source gave no name (an .mp4's cover art)
PICTURE_TYPES = {"mjpeg": ("jpg", "image/jpeg"), "png": ("png", "image/png"), "bmp": ("bmp", "image/bmp"),
                 "webp": ("webp", "image/webp"), "gif": ("gif", "image/gif")}


def _timecode_at(timecode: str, source_rate, output_rate) -> str:
    """`timecode` with its frame number counted at `output_rate`: interpolation doubles the rate, and frame 5 of a
    second at 10 fps is frame 10 at 20 fps. As it is when the rates are unknown or the number would not be whole."""
    match = TIMECODE.fullmatch(timecode)
    if not match or not source_rate or not output_rate:
        return timecode
    frame = int(match[2]) * Fraction(output_rate) / Fraction(source_rate)
    return f"{match[1]}{int(frame):0{len(match[2])}d}" if frame.denominator == 1 else timecode


def _aac_layout(layout) -> str:
    """A channel layout AAC can encode: the source's when it is a standard one, else the standard layout for
    its channel count (PCM often comes as unordered "1 channels"), else stereo (the encoder downmixes)."""
    standard = {1: "mono", 2: "stereo", 3: "3.0", 4: "4.0", 5: "5.0", 6: "5.1", 8: "7.1"}
    if layout.name in standard.values():
        return layout.name
    return standard.get(layout.nb_channels, "stereo")


def _players_miss(format_name: str, stream) -> bool:
    """Whether `stream` is audio FFmpeg puts in a `format_name` file but its players rarely play (PCM in MP4)."""
    return stream.type == "audio" and not _players_play(format_name, codec_name(stream))


def _players_play(format_name: str, codec: str) -> bool:
    """Whether the players of a `format_name` file play audio in `codec` (FFmpeg's MP4 takes more than they play)."""
    return format_name != "mp4" or codec in MP4_AUDIO_COPY


def _audio_target(format_name: str, stream) -> str:
    """The codec audio a `format_name` output cannot copy is encoded to: disc LPCM as the plain PCM of its samples'
    depth, bit for bit, where the output holds PCM its players play; else AAC."""
    lpcm = codec_name(stream) in DISC_LPCM and has_parameters(stream)
    pcm = PLAIN_PCM.get(stream.codec_context.format.name) if lpcm else None
    return pcm if pcm and _players_play(format_name, pcm) else DEFAULT_AUDIO_CODEC


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


def _tagged(out, stream, kind: str):
    """`out`, a stream carrying the source's `stream` into a `kind` output, given its tags and flags."""
    out.metadata.update(stream_tags(stream, kind))
    out.disposition = stream.disposition
    return out


class _Reencoding:
    """A source audio stream decoded and encoded to AAC. Its frames reach the encoder through a resampler made for
    their format, layout and rate, and renewed when those change mid-stream (a DVB capture's MP2 going from stereo
    to mono between programmes), which the encoder's own resampler refuses; they reach it on its own clock
    (1/sample rate), so frames from either resampler mean the same times."""

    def __init__(self, stream, out):
        self.stream, self.out = stream, out
        self.resampler: av.AudioResampler | None = None
        self.kind: tuple | None = None  # (format, layout, rate) the resampler was made for

    def encode(self, frame) -> list:
        """Packets for a decoded `frame` (None: all the encoder still holds)."""
        kind = None if frame is None else (frame.format.name, frame.layout.name, frame.sample_rate)
        frames = []
        if self.resampler is not None and kind != self.kind:
            frames += self.resampler.resample(None)
            self.resampler = None
        if frame is not None:
            if self.resampler is None:
                self.resampler = av.AudioResampler(format=self.out.format, layout=self.out.layout, rate=self.out.rate)
                self.kind = kind
            frames += self.resampler.resample(frame)
        packets = [packet for part in frames for packet in self.out.encode(self._on_encoder_clock(part))]
        return packets + (self.out.encode(None) if frame is None else [])

    def _on_encoder_clock(self, frame):
        """`frame` timed in samples (1/rate): the encoder's resampler reads every pts in the first frame's time base."""
        clock = Fraction(1, self.out.rate)
        if frame.pts is not None and frame.time_base != clock:
            frame.pts = round(frame.pts * frame.time_base / clock)
        frame.time_base = clock
        return frame


class CarriedStreams:
    """Audio/subtitle streams of the source, copied (or re-encoded) into the output in time order, its attachments,
    timecode and tags.

    `suffixes`: the output kinds the video codec can go in, those a note may suggest for a stream this one cannot hold.
    `info`: the source as the reader that decodes its frames opened it (the pipeline's); None: opened again for its
    first frame.
    """

    def __init__(self, source: Path, output, notes: list[str], suffixes: Iterable[str] = tuple(CONTAINER_FORMATS),
                 info: VideoInfo | None = None):
        self.src = av.open(str(source))
        try:  # a failure below leaves no open input behind (on Windows an open file cannot be moved or deleted)
            self.output = output
            # The output's clock starts where the source's earliest stream does, as FFmpeg's does: a TV capture whose
            # clock read 600 s got a 600 s empty edit in mp4, ten minutes of nothing in players that follow edit lists.
            self.start = Fraction(self.src.start_time or 0, av.time_base)
            self.suffixes = suffixes
            self.copied: dict[int, av.stream.Stream] = {}  # source index -> output stream (packet copy)
            # Packets the source's edit lists hide are not copied (Matroska has no edit lists, so they would play), but
            # the last hidden audio packet before the shown ones is: the decoder needs it for the first (AAC's overlap).
            self.preroll: dict[int, av.Packet] = {}  # source index -> its latest hidden audio packet
            self.reencoded: dict[int, _Reencoding] = {}
            self.converted: dict[int, SubtitleConversion] = {}
            self.damaged: dict[int, int] = {}  # source index -> its packets left out as damaged (`_left_out`)
            self.bytes = 0  # of the source's packets carried so far (re-encoded ones as they came): the output's growth
            self.silent_drops = SilentDrops(output.format.name, suffixes)
            tags = container_tags(self.src.metadata, output.format.name)
            output.metadata.update(tags)
            # (a timecode is noted on its own; an empty tag is nothing to keep, and no muxer writes one)
            self.silent_drops.tags = [key for key, value in tags.items() if key != "timecode" and value]
            main = video_stream(self.src, source)
            later = later_recording(source, self.src, main)
            notes += _video_notes(source, self.src, output, info, later)
            # the video track's language and title (not its encoder or handler: the output's are its own)
            shown = stream_tags(main, output.format.name)
            output.streams.video[0].metadata.update({k: v for k, v in shown.items() if k in ("language", "title")})
            self._keep_timecode(main)
            self._keep_chapters(notes)
            self._add_sound_and_subtitles(source, main, later, notes)
            for stream in self.src.streams.attachments:
                self._add_attachment(stream, notes)
            for stream in self.src.streams.video:
                if is_cover_art(stream):
                    self._add_cover(source, stream, notes)
            for stream in self.src.streams.data:
                self._add_data(stream, notes)
            inputs = [self.src.streams[i] for i in (*self.copied, *self.reencoded, *self.converted)]
            self.packets = self.src.demux(inputs) if inputs else iter(())
            self.pending = None
            self.finished = not inputs
            # recordings joined end to end: each part's shift, and where each packet is (`_continue_timeline`)
            self.joins, self.positions = file_joins(source, self.src.format.name), Positions()
        except BaseException:
            self.src.close()
            raise

    def _add_sound_and_subtitles(self, source: Path, main, later: dict[int, str], notes: list[str]) -> None:
        """Carry the source's audio and subtitles, less those of a recording joined on after `main` (`later`), which
        would play under its pictures; audio whose parameters FFmpeg's opening did not find is described as a second
        opening that reads further finds it (`late_streams.found_parameters`)."""
        streams = [*self.src.streams.audio, *self.src.streams.subtitles]
        with found_parameters(source, [stream for stream in streams if stream.index not in later]) as found:
            for stream in streams:
                if stream.index in later:
                    notes.append(f"{stream.type} #{stream.index} {later[stream.index]} dropped: it belongs to the "
                                 f"second recording, joined on where video #{main.index} ends, which is not processed")
                else:
                    self._add(stream, notes, found.get(stream.index, stream))

    def _add(self, stream, notes: list[str], described) -> None:
        """Carry `stream` as the output can hold it, and note how. `described`: the stream with its parameters, a
        second opening's where the source's opening did not find them (the stream's own else)."""
        codec = codec_name(described)
        label = f"{stream.type} #{stream.index} {codec}"
        kind = self.output.format.name
        unknown = stream.type == "audio" and stream.codec_context is not None and not has_parameters(described)
        if _players_miss(kind, described):
            reason = f"MP4 players rarely play {codec}"
        elif not unknown and _format_takes(kind, described):
            out = _tagged(self.output.add_stream_from_template(described), stream, kind)
            self.copied[stream.index] = out
            self.silent_drops.add_track(out, stream, label)
            notes.append(f"{label} copied")
            return
        else:
            reason = "" if unknown else f"the {kind} container cannot hold {codec}"  # (`_reencode` says why)
        if stream.type == "audio" and stream.codec_context is not None:
            self._reencode(stream, described, label, reason, notes)
        elif stream.type == "subtitle" and kind in TEXT_SUBTITLE_CODECS and is_text(stream):
            target = TEXT_SUBTITLE_CODECS[kind]
            out = _tagged(self.output.add_stream(target), stream, kind)
            self.converted[stream.index] = SubtitleConversion(stream, out, label)
            if codec in ("ass", "ssa"):
                reason += f"; its positions, fonts, colours and effects are lost{self._advice(stream)}"
            self.silent_drops.add_track(out, stream, label)
            notes.append(f"{label} converted to {target} ({reason})")
        else:
            notes.append(f"{label} dropped: {reason}{self._advice(stream)}")

    def _reencode(self, stream, described, label: str, reason: str, notes: list[str]) -> None:
        """Decode audio the output cannot copy and encode it as the output holds it (`_audio_target`): disc LPCM bit
        for bit, else AAC, resampled and mixed down only where AAC must be."""
        ctx = described.codec_context
        kind = self.output.format.name
        target = _audio_target(kind, described)
        exact = target != DEFAULT_AUDIO_CODEC
        rate = ctx.sample_rate if exact or ctx.sample_rate in av.Codec(DEFAULT_AUDIO_CODEC, "w").audio_rates \
            else FALLBACK_AUDIO_RATE
        out = _tagged(self.output.add_stream(target, rate=rate), stream, kind)  # frames resampled to it where unlike
        out.layout = ctx.layout.name if exact else _aac_layout(ctx.layout)
        self.reencoded[stream.index] = _Reencoding(stream, out)
        reasons = [reason]
        if not has_parameters(described):
            reasons.append(f"its sample rate and channels are not found in the file's first minute: taken as {rate} "
                           f"Hz {out.layout.name}, more channels mixed down")
        elif rate != ctx.sample_rate:
            reasons.append(f"resampled from {ctx.sample_rate} Hz, a rate AAC cannot take, to {rate} Hz")
        if out.layout.nb_channels < ctx.layout.nb_channels:
            reasons.append(f"its {ctx.layout.nb_channels} channels mixed down to {out.layout.name}")
        self.silent_drops.add_track(out, stream, label)
        done = f"converted to {target}, bit for bit" if exact else f"re-encoded to {target}"
        notes.append(f"{label} {done} ({'; '.join(filter(None, reasons))}"
                     f"{'' if exact else self._advice(described)})")

    def _keep_timecode(self, main) -> None:
        """Give the output the source's timecode, counted at the output's frame rate: the mov/mp4 muxers make a
        timecode track of the tag, Matroska keeps the tag. A camera's .mov has it in a timecode track, whose tag the
        demuxer also puts on the video stream `main`."""
        tagged = [self.output.metadata, main.metadata] + [stream.metadata for stream in self.src.streams.data]
        # any case: Matroska gives a track's tag back as TIMECODE (`ffmpeg -c copy camera.mov out.mkv` puts it there)
        timecode = next((value for tags in tagged for key, value in tags.items() if key.lower() == "timecode"), None)
        if timecode is not None:
            self.output.metadata["timecode"] = _timecode_at(timecode, main.average_rate,
                                                            self.output.streams.video[0].average_rate)

    def _keep_chapters(self, notes: list[str]) -> None:
        """Give the output the source's chapters (a film's scenes, a DVD's titles), moved with the clock as every
        stream is (`self.start`): mp4, mov and Matroska all hold them."""
        chapters = []
        for chapter in self.src.chapters():
            shift = round(self.start / chapter["time_base"])
            start, end = chapter["start"] - shift, chapter["end"] - shift
            if end > 0:
                chapters.append({**chapter, "start": max(0, start), "end": end})
        if chapters:
            self.output.set_chapters(chapters)
            notes.append(f"{counted(len(chapters), 'chapter')} kept")

    def _add_data(self, stream, notes: list[str]) -> None:
        """Name what becomes of a data stream: a timecode track is kept as the output's timecode, others (a drone's
        KLV telemetry, a GoPro's sensor data) are dropped."""
        if "timecode" in stream.metadata:
            notes.append(f"data #{stream.index} timecode kept ({self.output.metadata['timecode']})")
        else:
            notes.append(f"data #{stream.index} {stream.name or stream.metadata.get('handler_name', 'stream')} "
                         "dropped: only audio, subtitles, attachments, chapters and a timecode are carried")

    def _add_attachment(self, stream, notes: list[str]) -> None:
        """Copy an attached file (the fonts a Matroska file's subtitles are styled with) where the output can hold
        it, which only Matroska can."""
        label = f"attachment #{stream.index} {stream.name}"
        kind = self.output.format.name
        if kind == CONTAINER_FORMATS[".mkv"]:
            self.output.add_attachment(stream.name, stream.mimetype, bytes(stream.data))
            notes.append(f"{label} copied")
        else:
            notes.append(f"{label} dropped: the {kind} container cannot hold attachments"
                         f"{'; use .mkv to keep it' if '.mkv' in self.suffixes else ''}")

    def _add_cover(self, source: Path, stream, notes: list[str]) -> None:
        """Keep a cover picture as an attachment where the output can hold one, which only Matroska can (FFmpeg reads
        a Matroska file's image attachments, and an .mp4's cover art, as a one-picture video stream)."""
        label = f"cover picture #{stream.index} {codec_name(stream)}"
        kind = self.output.format.name
        ending, mimetype = PICTURE_TYPES.get(codec_name(stream), ("bin", "application/octet-stream"))
        if kind != CONTAINER_FORMATS[".mkv"]:
            notes.append(f"{label} dropped: only an .mkv output keeps a cover picture (as an attachment)"
                         f"{'; use .mkv to keep it' if '.mkv' in self.suffixes else ''}")
            return
        with av.open(str(source)) as container:  # its one packet, read apart from the carried streams' demuxing
            picture = next((bytes(p) for p in container.demux(container.streams[stream.index]) if p.size), None)
        if picture is None:
            notes.append(f"{label} dropped: it holds no picture")
            return
        name = stream.metadata.get("filename") or f"cover.{ending}"
        self.output.add_attachment(name, stream.metadata.get("mimetype") or mimetype, picture)
        notes.append(f"{label} copied as the attachment {name}")

    def _advice(self, stream) -> str:
        """'; use .mp4 or .mov to keep it', naming the other output kinds that can hold `stream` ('' when none can)."""
        kinds = {}
        for suffix, kind in CONTAINER_FORMATS.items():
            if suffix in self.suffixes and kind != self.output.format.name:
                kinds.setdefault(kind, suffix)
        able = [suffix for kind, suffix in kinds.items() if _audio_target(kind, stream) != DEFAULT_AUDIO_CODEC
                or (_format_takes(kind, stream) and not _players_miss(kind, stream))]
        return f"; use {' or '.join(able)} to keep it" if able else ""

    def mux_until(self, time: float | None) -> None:
        """Write carried packets whose time is at or before `time` (all that remain when None)."""
        while not self.finished:
            if self.pending is None:
                self.pending = next(self.packets, None)
                if self.pending is None:
                    self.finished = True
                    break
                self._continue_timeline(self.pending)
            packet = self.pending
            if time is not None and packet.pts is not None and packet.time_base is not None:
                if float(packet.pts * packet.time_base) > time:
                    return
            self.pending = None
            self._mux(packet)
        if time is None:
            for reencoding in self.reencoded.values():
                self.output.mux(reencoding.encode(None))
            for conversion in self.converted.values():
                self._mux_converted(conversion.convert(None))

    def _continue_timeline(self, packet) -> None:
        """Move `packet` on by its part's shift where the source is recordings joined end to end (two camcorder .ts
        files, `joins.py`), as every stream of that part and its frames (frame_clock.FrameClock) are moved: it stays in
        step with the video, and the muxer, which refuses times going back, takes it ("Invalid argument")."""
        if packet.dts is None or packet.size == 0:
            return
        added = self.joins.ticks_at(self.positions.of(packet), packet.time_base)
        packet.dts += added
        if packet.pts is not None:
            packet.pts += added

    def closing_notes(self) -> list[str]:
        """What could not be carried as it came (after the last packet is carried): damaged packets left out, and
        what the subtitle conversions could not take."""
        left_out = [f"{counted(count, f'damaged {self.src.streams[index].type} packet')} of stream "
                    f"#{index} left out (the file is cut short or damaged there)"
                    for index, count in self.damaged.items()]
        return left_out + [note for conversion in self.converted.values() for note in conversion.notes()]

    def ticks(self, time_base: Fraction) -> int:
        """The source's start in `time_base` units: what comes off its timestamps on the output's clock."""
        return round(self.start / time_base)

    def _mux(self, packet) -> None:
        index = packet.stream.index
        self.bytes += packet.size
        if index in self.copied:
            if packet.size == 0 or packet.dts is None:
                return  # demuxer's end-of-stream marker
            if packet.is_corrupt:  # an interrupted download's last, cut packet: copied, it stops strict decoders
                self._left_out(index)
                return
            if packet.is_discard:  # hidden by the source's edit list: a cut file's audio from before the cut
                if packet.stream.type == "audio":
                    self.preroll[index] = packet
                return
            preroll = self.preroll.pop(index, None)
            if preroll is not None:
                self._copy(preroll)
            self._copy(packet)
            return
        if packet.size == 0 and packet.dts is not None:
            return  # empty but timed (NUT keeps FLAC's last, side-data-only packet so): to a decoder, a flush too early
        if index in self.converted:
            self._mux_converted(self.converted[index].convert(packet))
            return
        reencoding = self.reencoded[index]
        try:
            frames = reencoding.stream.decode(packet)
        except av.FFmpegError:
            self._left_out(index)  # a damaged audio packet: skipped, as a player would
            return
        for frame in frames:
            if frame.pts is not None:
                frame.pts -= self.ticks(frame.time_base)
            self.output.mux(reencoding.encode(frame))

    def _mux_converted(self, packets: list) -> None:
        for packet in packets:
            self._on_output_clock(packet)
            self.output.mux(packet)

    def _left_out(self, index: int) -> None:
        """Count a damaged packet of source stream `index` that the output goes without (`closing_notes`)."""
        self.damaged[index] = self.damaged.get(index, 0) + 1

    def _copy(self, packet) -> None:
        """Mux a source packet into its output stream, on the output's clock."""
        self._on_output_clock(packet)
        packet.stream = self.copied[packet.stream.index]
        self.output.mux(packet)

    def _on_output_clock(self, packet) -> None:
        """Move `packet`'s times from the source's clock to the output's, which starts where the source's does."""
        shift = self.ticks(packet.time_base)
        packet.dts -= shift
        if packet.pts is not None:
            packet.pts -= shift

    def close(self) -> None:
        self.src.close()
