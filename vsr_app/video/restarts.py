"""Where the clock of recordings joined end to end starts again, in seconds on the frames' continued timeline: the
viewer's Joined row, and the steps into a part that its frame rate and gaps leave out.

Why a module of its own: it times keyframes as the reader does (`keyframes.first_keyframe_from`) at the byte positions
where the parts begin (`joins`), and the reader imports `joins`, which cannot import it back.
"""

from __future__ import annotations

import logging
import math

import av

from vsr_app.video.joins import SAMPLING_ERRORS, Joins, clock_may_restart, known_joins
from vsr_app.video.keyframes import continued_keyframes, first_keyframe_from
from vsr_app.video.opening import cannot_read, video_stream
from vsr_app.video.probing import VideoInfo

log = logging.getLogger(__name__)


def clock_restarts(info: VideoInfo) -> tuple[float, ...]:
    """Where the clock of recordings joined end to end (`cat a.ts b.ts`: MPEG-TS, program streams, Ogg, FLV) starts
    again, in seconds from the start on the frames' continued timeline: each later part's first keyframe, where the
    packets' times read found joins (`joins.known_joins`). Nothing else told of a join, and a header's duration is one
    part's. Read from each part's first byte to its first keyframe: demuxing the whole video again took many seconds
    of a 7.6 GB broadcast recording; the whole is read only where a byte position cannot be read from."""
    joins = known_joins(info.path) if clock_may_restart(info.container) else None
    if joins is None or not joins.starts:
        return ()
    try:
        try:
            firsts = _from_starts(info, joins)
        except SAMPLING_ERRORS as exc:
            log.debug("%s: cannot read from a byte position (%s); reading the video through", info.path, exc)
            firsts = _read_through(info, joins)
    except (av.FFmpegError, OSError) as exc:
        raise cannot_read(info.path, exc) from exc
    return tuple(t - info.start_time for t in firsts if t is not None)


def _from_starts(info: VideoInfo, joins: Joins) -> list[float | None]:
    """The time of the first keyframe at or after each byte position where `joins` start a part, each read from a seek
    there (timed by those `joins`: the cache of them may have let them go meanwhile)."""
    with av.open(info.path) as container:
        stream = video_stream(container, info.path)
        firsts = []
        for start in joins.starts:
            container.seek(start, unsupported_byte_offset=True)
            keyframe = first_keyframe_from(container.demux(stream), info, start, joins)
            firsts.append(None if keyframe is None else keyframe.time)
        return firsts


def _read_through(info: VideoInfo, joins: Joins) -> list[float | None]:
    """`_from_starts`, by demuxing the video from its start to its end."""
    with av.open(info.path) as container:
        keyframes, _ = continued_keyframes(container.demux(video_stream(container, info.path)), info, math.inf, joins)
    return [next((k.time for k in keyframes if k.pos >= start), None) for start in joins.starts]
