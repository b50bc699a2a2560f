"""Interlaced video (camcorders, DV, broadcast captures) made progressive as it is decoded: each of its frames weaves
two fields taken 1/50 or 1/60 s apart, which the models would enlarge into stripes on anything that moves."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from fractions import Fraction

import av

# FFmpeg's bwdif (motion adaptive, after yadif): one frame out for each frame in, so frame times and counts stay as
# they were; only frames flagged interlaced are changed, and the field order is read from each frame.
BWDIF_OPTIONS = "mode=send_frame:parity=auto:deint=interlaced"


class Deinterlacer:
    """Passes progressive frames through until the first frame flagged interlaced; from there every frame goes
    through bwdif (it reads the frames either side of each), so their order is kept. `interlaced` counts the frames
    that were flagged, for the summary's note."""

    def __init__(self) -> None:
        self.interlaced = 0
        self._graph: av.filter.Graph | None = None
        self._shape: tuple[int, int, str] | None = None

    def run(self, frames: Iterable[av.VideoFrame]) -> Iterator[av.VideoFrame]:
        for frame in frames:
            self.interlaced += bool(frame.interlaced_frame)
            if self._graph is None and not frame.interlaced_frame:
                yield frame
                continue
            shape = (frame.width, frame.height, frame.format.name)
            if shape != self._shape:  # a graph is made for one size and format: finish the old one first
                yield from self._flush()
                self._graph, self._shape = _bwdif_graph(frame), shape
            self._graph.push(frame)
            yield from _pulled(self._graph)
        yield from self._flush()

    def _flush(self) -> Iterator[av.VideoFrame]:
        if self._graph is not None:
            self._graph.push(None)
            yield from _pulled(self._graph)
            self._graph = self._shape = None


def _bwdif_graph(frame: av.VideoFrame) -> av.filter.Graph:
    graph = av.filter.Graph()
    source = graph.add_buffer(width=frame.width, height=frame.height, format=frame.format.name,
                              time_base=frame.time_base or Fraction(1, 90_000))  # (times then made up)
    bwdif = graph.add("bwdif", BWDIF_OPTIONS)
    sink = graph.add("buffersink")
    source.link_to(bwdif)
    bwdif.link_to(sink)
    graph.configure()
    return graph


def _pulled(graph: av.filter.Graph) -> Iterator[av.VideoFrame]:
    """The frames the graph has ready (all that are left, once it was sent the end)."""
    while True:
        try:
            yield graph.pull()
        except (BlockingIOError, EOFError, av.error.BlockingIOError, av.error.EOFError):
            return
