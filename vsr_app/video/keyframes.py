"""The keyframe a seek decodes from, so that a pass from a time gives first the frame that decoding from the start
gives there.

Why a module of its own: the reader's seeks and the viewer's restarts (`restarts.py`) time keyframes alike, on the
frames' continued timeline where recordings are joined end to end (`joins.py`).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Iterator

import av

from vsr_app.video.frame_clock import own_ticks
from vsr_app.video.joins import Joins, VideoShifts
from vsr_app.video.probing import VideoInfo


TIME_SLACK = 1e-6  # seconds: a frame this little before a seek's time is the one asked for


def from_keyframe(packets: Iterator[av.Packet], start: float) -> tuple[bool, Iterator[av.Packet]]:
    """`packets` from the last keyframe shown at or before `start` (seconds) on, and whether one came (else from the
    first packet): read and held up to the first packet decoded after `start` or keyframe shown after it, as no later
    keyframe can be shown before (a frame is shown no earlier than it is decoded, and decoding times only grow; held
    to the next keyframe, a seek into a screen recording with one keyframe read the rest of the file first). A
    keyframe without a time ends the search (a raw stream has none)."""
    held: list[av.Packet] = []
    found = False
    for packet in packets:
        if packet.dts is not None and packet.dts * packet.time_base > start + TIME_SLACK:
            held.append(packet)
            break
        if packet.is_keyframe:
            if packet.pts is None or packet.pts * packet.time_base > start + TIME_SLACK:
                held.append(packet)
                break
            held, found = [], True
        held.append(packet)
    return found, itertools.chain(held, packets)


@dataclass(frozen=True)
class Keyframe:
    """A keyframe as a seek finds it in a video whose clock may start again: `time` (seconds) its own on the frames'
    continued timeline, `pos` and `pts` (the file's time) the packet a seek to its byte position must come to."""

    time: float
    pos: int
    pts: int


def continued_keyframes(packets: Iterator[av.Packet], info: VideoInfo, until: float,
                        joins: Joins | None = None) -> tuple[list[Keyframe], bool]:
    """The keyframes among the video's `packets` (from its start) up to the first packet decoded after `until`
    (seconds on the continued timeline), timed as the reader times the frames (`_continued`, by `joins` where the
    caller has them), and whether the packets ended before that one."""
    keyframes = []
    for decoded, keyframe in _continued(packets, info, joins):
        if decoded is not None and decoded > until:
            return keyframes, False
        if keyframe is not None:
            keyframes.append(keyframe)
    return keyframes, True


def first_keyframe_from(packets: Iterator[av.Packet], info: VideoInfo, pos: int, joins: Joins) -> Keyframe | None:
    """The first keyframe at byte `pos` or after it among the video's `packets` (read from `pos` or before it; the
    file's `joins`, so that a packet's shift is its byte position's), read no further; None where none comes."""
    return next((k for _, k in _continued(packets, info, joins) if k is not None and k.pos >= pos), None)


def _continued(packets: Iterator[av.Packet], info: VideoInfo,
               joins: Joins | None) -> Iterator[tuple[float | None, Keyframe | None]]:
    """Each of the video's `packets` with data, lazily: its decoding time on the continued timeline (seconds; None
    where it has none) and, where it is a keyframe with a time and a byte position, its Keyframe, timed as the reader
    times the frames (moved on by their part's shift, `VideoShifts`, by `joins` where the caller has them)."""
    tick = info.time_base
    shifts = VideoShifts(info.path, tick, info.container, joins)
    for packet in packets:
        if not packet.size:
            continue
        own, shift = own_ticks(packet, tick), shifts.ticks(packet)
        decoded = float(packet.dts * packet.time_base + shift * tick) if packet.dts is not None else None
        keyframe = (Keyframe(float((own + shift) * tick), packet.pos, packet.pts)
                    if packet.is_keyframe and own is not None and packet.pos is not None and packet.pos >= 0 else None)
        yield decoded, keyframe


def last_shown(keyframes: list[Keyframe], start: float) -> Keyframe | None:
    """The keyframe of `keyframes` last shown at or before `start` (seconds), else the first (None where none is)."""
    shown = (k for k in keyframes if k.time <= start + TIME_SLACK)
    return max(shown, key=lambda k: k.time, default=keyframes[0] if keyframes else None)


def is_at(packet: av.Packet, keyframe: Keyframe) -> bool:
    """Whether `packet` is `keyframe`'s (an Ogg page holds several packets at one byte position)."""
    return packet.pos == keyframe.pos and packet.pts == keyframe.pts
