"""Interlaced video (camcorders, DV, broadcast captures) made progressive as it is decoded: each of its frames weaves
two fields taken 1/50 or 1/60 s apart, which the models would enlarge into stripes on anything that moves."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from fractions import Fraction

import av

from vsr_app.errors import VsrAppError

# FFmpeg's idet first checks the pictures of frames flagged interlaced: many cameras flag progressive recordings
# (25p/30p stored as interlaced), which bwdif would soften. Each frame goes by idet's verdict on that frame alone
# (its fields against the frames either side). Its running verdict, which changes once 3 frames agree, left the first
# 2-3 interlaced frames after progressive ones striped; with 3:2 telecine it left the 2 woven frames of the first
# cycle striped and then deinterlaced the clean film frames between woven ones too (16 of a 30-frame clip's 18; 12 by
# the frame's own verdict). Where idet cannot tell from the frame alone (too little motion), the running verdict it
# left in the frame's flag decides. (Its analyze_interlaced_flag mode decides once per stream, missing interlaced
# video after a progressive opening, and gave a 7-frame clip an 8th frame: the last one again.)
IDET_OPTIONS = ""
FRAME_VERDICT = "lavfi.idet.single.current_frame"
# bwdif (motion adaptive, after yadif): one frame out for each frame in, so frame times and counts stay as they
# were, and the field order is read from each frame. It deinterlaces every frame, and the frames idet found
# progressive are given out as they came: bwdif could skip the frames not flagged interlaced, but PyAV cannot set the
# flag to idet's verdict on the frame.
BWDIF_OPTIONS = "mode=send_frame:parity=auto:deint=all"


class Deinterlacer:
    """Passes progressive frames through until the first frame flagged interlaced; from there every frame goes
    through idet, then bwdif (it reads the frames either side of each), so their order is kept, and comes out
    deinterlaced where idet found it interlaced, else as it went in. `interlaced` counts the frames given out
    deinterlaced, for the summary's note: counted as they leave bwdif, which holds one back, so that a reader can
    leave out those it skips (before a seek's time) and those it has not given yet."""

    def __init__(self) -> None:
        self.interlaced = 0
        self._started = False
        self._idet = _Filter("idet", IDET_OPTIONS)
        self._bwdif = _Filter("bwdif", BWDIF_OPTIONS)
        self._checked: deque[tuple[av.VideoFrame, bool]] = deque()  # the frames in bwdif, in order: as idet gave
        # them, and whether it found them interlaced

    def run(self, frames: Iterable[av.VideoFrame]) -> Iterator[av.VideoFrame]:
        for frame in frames:
            if not self._started and not frame.interlaced_frame:
                yield frame
                continue
            self._started = True
            for checked in self._idet.push(frame):
                yield from self._deinterlaced(checked)
        for checked in self._idet.flush():
            yield from self._deinterlaced(checked)
        yield from self._chosen(self._bwdif.flush())

    def _deinterlaced(self, frame: av.VideoFrame) -> Iterator[av.VideoFrame]:
        self._checked.append((frame, _found_interlaced(frame)))
        yield from self._chosen(self._bwdif.push(frame))

    def _chosen(self, deinterlaced: Iterator[av.VideoFrame]) -> Iterator[av.VideoFrame]:
        for frame in deinterlaced:
            checked, interlaced = self._checked.popleft()
            self.interlaced += interlaced
            yield frame if interlaced else checked


def _found_interlaced(frame: av.VideoFrame) -> bool:
    """idet's verdict on the frame alone where it has one, else its running verdict (the frame's flag)."""
    verdict = frame.metadata.get(FRAME_VERDICT)
    if verdict in ("tff", "bff", "progressive"):
        return verdict != "progressive"
    return bool(frame.interlaced_frame)


def check_filters() -> str:
    """Run a frame through idet and bwdif as the reader would: the packaged app's self-test (a bundle whose FFmpeg
    lacked them would fail on the first interlaced video, not before)."""
    import numpy as np

    frame = av.VideoFrame.from_ndarray(np.zeros((16, 16, 3), np.uint8), format="rgb24").reformat(format="yuv420p")
    frame.pts, frame.time_base = 0, Fraction(1, 25)
    for name, options in (("idet", IDET_OPTIONS), ("bwdif", BWDIF_OPTIONS)):
        step = _Filter(name, options)
        if len([*step.push(frame), *step.flush()]) != 1:
            raise VsrAppError(f"FFmpeg's {name} filter did not give back the one frame it was given")
    return "idet and bwdif run (interlaced video is deinterlaced)"


class _Filter:
    """One FFmpeg video filter fed frame by frame; its graph is made for one size and format, and made again (the
    old one finished first) when they change."""

    def __init__(self, name: str, options: str) -> None:
        self.name, self.options = name, options
        self._graph: av.filter.Graph | None = None
        self._shape: tuple[int, int, str] | None = None

    def push(self, frame: av.VideoFrame) -> Iterator[av.VideoFrame]:
        shape = (frame.width, frame.height, frame.format.name)
        if shape != self._shape:
            yield from self.flush()
            self._graph, self._shape = self._made_for(frame), shape
        self._failing_as_error(lambda: self._graph.push(frame))
        yield from self._pulled()

    def flush(self) -> Iterator[av.VideoFrame]:
        """The frames the filter still holds, all of them: its graph is done with."""
        if self._graph is not None:
            self._failing_as_error(lambda: self._graph.push(None))
            yield from self._pulled()
            self._graph = self._shape = None

    def _made_for(self, frame: av.VideoFrame) -> av.filter.Graph:
        """A graph for frames like `frame`. The source is told their colour matrix and range: for a format the
        filter cannot take (packed 4:2:2, NV12) FFmpeg converts, and without them it converted HD as BT.601 and left
        the frames untagged, which the reader then decoded as BT.709."""
        def build() -> av.filter.Graph:
            graph = av.filter.Graph()
            source = graph.add("buffer", video_size=f"{frame.width}x{frame.height}", pix_fmt=frame.format.name,
                               time_base=str(frame.time_base or Fraction(1, 90_000)), pixel_aspect="1/1",
                               colorspace=str(int(frame.colorspace)), range=str(int(frame.color_range)))
            step, sink = graph.add(self.name, self.options), graph.add("buffersink")
            source.link_to(step)
            step.link_to(sink)
            graph.configure()
            return graph
        return self._failing_as_error(build)

    def _pulled(self) -> Iterator[av.VideoFrame]:
        """The frames the graph has ready (all that are left, once it was sent the end)."""
        while True:
            try:
                yield self._graph.pull()
            except (BlockingIOError, EOFError, av.error.BlockingIOError, av.error.EOFError):
                return
            except av.FFmpegError as exc:
                raise self._error(exc) from exc

    def _failing_as_error(self, call):
        try:
            return call()
        except av.FFmpegError as exc:
            raise self._error(exc) from exc

    def _error(self, exc: av.FFmpegError) -> VsrAppError:
        return VsrAppError(f"deinterlacing failed in FFmpeg's {self.name} filter ({exc.strerror or exc})")
