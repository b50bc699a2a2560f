"""Text subtitles converted, line by line with their times, to the text codec an output container holds where it
refuses the source's (SRT, ASS or WebVTT into .mp4/.mov as mov_text; an .mp4's mov_text into .mkv as SRT).

Apart from carried.py, which decides what becomes of each stream and interleaves the packets: decoding, restyling and
retiming subtitle events, and reading a file's non-UTF-8 text, is a job of its own.
"""

from __future__ import annotations

from fractions import Fraction

import av
from av.subtitles.subtitle import SubtitleSet

from vsr_app.video.probing import codec_name
from vsr_app.words import counted

# The text subtitle codec each output container holds, that text subtitles it refuses are converted to: SRT, ASS or
# WebVTT into .mp4/.mov, an .mp4's mov_text into .mkv (SRT, which every player reads, keeps mov_text's bold, italic
# and underline).
TEXT_SUBTITLE_CODECS = {"mp4": "mov_text", "mov": "mov_text", "matroska": "subrip"}
# Text subtitles whose packets are the text itself, which a non-UTF-8 file's can be read again as Windows-1252
PLAIN_TEXT_SUBTITLES = frozenset({"subrip", "srt", "ass", "ssa", "webvtt", "text"})
CONVERTIBLE_SUBTITLES = PLAIN_TEXT_SUBTITLES | {"mov_text"}  # one line per packet, timed by it
# How long the last of lines that came without a duration is shown (the others: until the next line)
UNTIMED_LAST_S = Fraction(5)
# Subtitle times are counted in milliseconds (AVSubtitle's display times are).
SUBTITLE_TIME_BASE = Fraction(1, 1000)


def is_text(stream) -> bool:
    """Whether a subtitle stream holds lines of text with their times (SRT, ASS, WebVTT, mov_text), which can be
    converted line by line: not pictures, nor broadcast captions (CEA-608), whose decoder gives a caption out only
    when it is cleared, with its own times."""
    return codec_name(stream) in CONVERTIBLE_SUBTITLES


class SubtitleConversion:
    """A source's text subtitles, decoded and encoded to another text codec, event by event: each keeps its time and
    text, and what styling the new codec can show (FFmpeg's encoders keep bold, italic and underline)."""

    def __init__(self, stream, out, label: str):
        self.stream, self.out, self.label = stream, out, label
        out.time_base = out.codec_context.time_base = SUBTITLE_TIME_BASE
        decoder = stream.codec_context
        decoder.open(strict=False)  # makes the ASS header (the source's styles, or the defaults) the encoder needs
        header = _usable_header(out.codec_context.name, decoder.subtitle_header)
        out.codec_context.subtitle_header = header
        self.styles = {line.split(b":", 1)[1].split(b",", 1)[0].strip() for line in header.splitlines()
                       if line.startswith(b"Style:")}
        self.read_as_western = self.skipped = 0  # lines read as Windows-1252; lines that could not be read
        self.untimed = None  # a converted line whose source gave no duration, held until the next line's time

    def convert(self, packet) -> list:
        """The output packets for a source `packet` (None: the stream ended), timed as it is (none for an empty or
        damaged one). A line without a duration (a Matroska block may lack one) is shown until the next line, the
        last for UNTIMED_LAST_S: converted with none, mov_text showed it for no time at all."""
        packets = []
        if self.untimed is not None and (packet is None or (packet.size and packet.pts is not None)):
            held, self.untimed = self.untimed, None
            end = (Fraction(held.pts * held.time_base) + UNTIMED_LAST_S if packet is None
                   else Fraction(packet.pts * packet.time_base))
            held.duration = max(1, round((end - held.pts * held.time_base) / held.time_base))
            packets.append(held)
        if packet is None or packet.size == 0:
            return packets
        try:
            events = self._events(packet)
        except av.FFmpegError:
            self.skipped += 1  # a damaged subtitle packet: skipped, as a player would
            return packets
        shown = round((packet.duration or 0) * packet.time_base / SUBTITLE_TIME_BASE)
        for event in events:  # (FFmpeg's text decoders give one per packet)
            try:
                converted = self.out.codec_context.encode_subtitle(SubtitleSet.create(self._styled(event), 0, shown))
            except av.FFmpegError:  # a line the codec cannot hold (mov_text: 64 KiB at most) must not fail the job
                self.skipped += 1
                continue
            converted.stream, converted.time_base = self.out, packet.time_base
            converted.pts, converted.dts, converted.duration = packet.pts, packet.dts, packet.duration
            if packet.duration or packet.pts is None:
                packets.append(converted)
            else:
                self.untimed = converted
        return packets

    def _styled(self, event: bytes) -> bytes:
        """`event` (ASS dialogue: ReadOrder, Layer, Style, ...) in a style the header has: one it lacks (left by an
        editor) gave mov_text size 0, transparent; players show such a line in Default, and so does this."""
        fields = event.split(b",", 3)
        if len(fields) < 4 or fields[2].strip() in self.styles:
            return event
        return b",".join([fields[0], fields[1], b"Default" if b"Default" in self.styles else min(self.styles),
                          fields[3]])

    def _events(self, packet) -> list[bytes]:
        """The ASS events of `packet`. FFmpeg's decoders take UTF-8 only; an .srt saved on Windows and muxed as it
        is (`ffmpeg -c copy`) holds Windows-1252, which players show by a fallback character set: read so, not lost
        (every line with an accent was dropped)."""
        try:
            return [event.ass for event in self.stream.decode(packet) if hasattr(event, "ass")]
        except av.FFmpegError:
            data = bytes(packet)
            if codec_name(self.stream) not in PLAIN_TEXT_SUBTITLES or _is_utf8(data):
                raise
        recoded = av.Packet(data.decode("cp1252", errors="replace").encode("utf-8"))
        recoded.pts, recoded.dts, recoded.duration, recoded.time_base = (packet.pts, packet.dts, packet.duration,
                                                                        packet.time_base)
        events = [event.ass for event in self.stream.codec_context.decode(recoded) if hasattr(event, "ass")]
        self.read_as_western += 1
        return events

    def notes(self) -> list[str]:
        """What the conversion could not take as it came, said once the stream has been read."""
        notes = []
        if self.read_as_western:
            notes.append(f"{self.label}: {counted(self.read_as_western, 'line')} not in "
                         "UTF-8 read as Windows-1252 (Western European)")
        if self.skipped:
            notes.append(f"{self.label}: {counted(self.skipped, 'line')} that could not be read "
                         f"or written skipped")
        return notes


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _usable_header(encoder: str, header: bytes | None) -> bytes:
    """`header`, the ASS script header the source's styles are in, where it has styles the `encoder` can start from;
    else the default one FFmpeg's text decoders make. An ASS track without its header, as a broken mux leaves it,
    failed the whole job when the output's encoders opened; one without styles gave mov_text invisible text (size 0,
    transparent)."""
    if header and b"\nStyle:" in header:
        trial = av.CodecContext.create(encoder, "w")
        trial.subtitle_header, trial.time_base = header, SUBTITLE_TIME_BASE
        try:
            trial.open()
            return header
        except av.FFmpegError:
            pass
    default = av.CodecContext.create("subrip", "r")
    default.open()
    return default.subtitle_header
