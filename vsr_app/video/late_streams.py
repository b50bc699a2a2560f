"""Streams whose first packets come late in a file, which what FFmpeg reads at opening does not describe.

An audio track that starts after FFmpeg's probe (a DVB capture's audio description, on air from 8 s) opens with no
sample rate or channels: `found_parameters` reads further for them, so the track is copied as it is rather than
re-encoded blind. A second recording joined on with other stream IDs (two channels' captures cut together) opens as
a second video stream beside the first: `later_recording` finds the streams that belong only to it.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import av

from vsr_app.video.probing import found_codec, is_cover_art

# How far a second opening reads for a late track's parameters: a minute of the file, and at most 64 MiB of it (its
# packets are held in memory while FFmpeg probes). FFmpeg's own opening reads 5 s (7 s of an MPEG stream).
DEEP_PROBE = {"analyzeduration": str(60 * 1_000_000), "probesize": str(64 << 20)}
# How long another video stream runs on its own clock, with no packet of the processed one, before the two are taken
# for recordings one after the other (FFmpeg takes a jump of over 10 s in a stream's times for a discontinuity)
FOLLOWS_AFTER = 10.0


def has_parameters(stream) -> bool:
    """Whether FFmpeg found what an output needs to hold the audio `stream`: its sample rate and channels."""
    ctx = stream.codec_context
    return ctx is not None and ctx.sample_rate > 0 and ctx.layout.nb_channels > 0


@contextmanager
def found_parameters(source: Path, streams) -> Iterator[dict]:
    """Of the audio `streams` (of a container opened on `source`) those whose parameters FFmpeg did not find at
    opening, as a second opening that reads further (`DEEP_PROBE`) finds them: source index -> that opening's stream,
    open while in use. Streams it does not find either are left out (they have no sound in the file's first minute)."""
    unknown = {stream.index: stream.id for stream in streams if stream.type == "audio" and not has_parameters(stream)}
    if not unknown:
        yield {}
        return
    with av.open(str(source), options=DEEP_PROBE) as deeper:
        yield {stream.index: stream for stream in deeper.streams.audio
               if unknown.get(stream.index) == stream.id and has_parameters(stream)}


def later_recording(source: Path, container, main) -> dict[int, str]:
    """The streams of a recording joined on after the processed video `main` ends, with other stream IDs (two
    channels' captures cut together): another video stream that starts after `main`'s last packet, and every stream
    whose first packet comes after that one, in the file's bytes (the order packets are demuxed in is not theirs: a
    .ts's last pictures of a stream come at the end of the file, when its parser is flushed); by index, each with its
    codec as its first packet names it (`probing.found_codec`: the opening, which reads none of them, takes an MP2 for
    MP3). Empty where the other videos run beside `main` (a second angle, a picture-in-picture). Demuxes the file up
    to where that is known: the other video's start, plus `FOLLOWS_AFTER` of it, and only where the `container` opened
    on `source` has one."""
    others = {stream.index for stream in container.streams.video if stream is not main and not is_cover_art(stream)}
    if not others:
        return {}
    first: dict[int, int] = {}  # stream index -> where in the file its first packet is
    heads: dict[int, av.Packet] = {}  # stream index -> its first packet demuxed
    main_last = -1
    beside: set[int] = set()  # other videos seen to run beside main
    following = None  # another video stream that started after main's last packet: (index, where, time in seconds)
    with av.open(str(source)) as scan:
        for packet in scan.demux():
            if packet.dts is None or packet.pos is None or packet.pos < 0:
                continue
            stream, where, time = packet.stream, packet.pos, float(packet.dts * packet.time_base)
            started = stream.index not in first
            first[stream.index] = min(where, first.get(stream.index, where))
            heads.setdefault(stream.index, packet)
            if stream.index == main.index:
                main_last = max(main_last, where)
                if following and where > following[1]:
                    beside.add(following[0])
                    following = None
            elif started and stream.index in others:
                if following is None and where > main_last:
                    following = (stream.index, where, time)
                else:
                    beside.add(stream.index)
            elif following and following[0] == stream.index and time - following[2] >= FOLLOWS_AFTER:
                break
            if beside == others:
                break
        if following is None:
            return {}
        return {index: found_codec(scan.streams[index], [heads[index]]) for index, where in first.items()
                if where > main_last}
