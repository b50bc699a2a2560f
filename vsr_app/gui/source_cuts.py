"""Scene cuts, flashes and pauses among the viewer's source frames, found as an export finds them. No Qt here."""

from __future__ import annotations

from typing import Callable, TypeVar

import numpy as np

from vsr_app.gui.frame_cache import FrameCache
from vsr_app.gui.source_frames import PastTheEnd, SourceFrames
from vsr_app.video.scenecut import CONTEXT, differences, thumbnail, time_gaps

Verdict = TypeVar("Verdict")  # what a scene-cut decision says of a frame


def source_thumbnails(source: SourceFrames, cache: FrameCache, first: int, stop: int) -> list[np.ndarray]:
    """Cut-detection thumbnails of source frames first..stop-1 (fewer at the end of the video), kept in the frame
    cache: each step needs 2 * CONTEXT + 4 of them, all but one the previous step's."""
    thumbs = []
    for i in range(first, stop):
        thumb = cache.get(("thumb", i))
        if thumb is None:
            try:
                thumb = thumbnail(source.get(i))
            except PastTheEnd:
                break
            cache.put(("thumb", i), thumb)
        thumbs.append(thumb)
    return thumbs


def source_gaps(source: SourceFrames, first: int, count: int) -> list[float | None]:
    """The time gaps (`scenecut.time_gaps`) of source frames first..first+count-1, as the export's cut detection
    reads them from the frames' times (each known once the frame was decoded)."""
    return time_gaps([source.times.get(i) for i in range(first, first + count)])


def source_cut(source: SourceFrames, cache: FrameCache, k: int,
               decide: Callable[[list, int, list], Verdict]) -> Verdict:
    """`decide` (`break_kind`: what breaks the picture before source frame k; `cuts_at`: a cut there and whether
    another shot goes on from it) on the frames around k, as an export finds it (CONTEXT pairs each side)."""
    first = max(0, k - 1 - CONTEXT)
    thumbs = source_thumbnails(source, cache, first, k + 1 + CONTEXT)
    return decide(differences(thumbs), k - first, source_gaps(source, first, len(thumbs)))
